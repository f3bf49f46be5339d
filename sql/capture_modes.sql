-- Row-level capture (pg_tviews_uninstall_stmt_triggers) and back, and the
-- manual repair functions pg_tviews_cascade / _insert / _delete after
-- changes made with triggers disabled.
CREATE SCHEMA capture_modes;
SET search_path = capture_modes, public;

CREATE TABLE tb_user (pk_user bigint PRIMARY KEY, name text NOT NULL);
CREATE TABLE tb_post (pk_post bigint PRIMARY KEY, fk_user bigint NOT NULL REFERENCES tb_user ON UPDATE CASCADE,
                      title text NOT NULL);
CREATE TABLE tb_comment (pk_comment bigint PRIMARY KEY, fk_post bigint NOT NULL REFERENCES tb_post ON DELETE CASCADE,
                         body text);
INSERT INTO tb_user VALUES (1, 'alice'), (2, 'bob');
INSERT INTO tb_post VALUES (1, 1, 'a'), (2, 1, 'b'), (3, 2, 'c');
INSERT INTO tb_comment VALUES (1, 1, 'x'), (2, 3, 'y');
CREATE TABLE tv_post AS
SELECT p.pk_post, p.fk_user,
       jsonb_build_object('title', p.title, 'author', u.name,
         'comments', (SELECT count(*) FROM tb_comment c WHERE c.fk_post = p.pk_post)) AS data
FROM tb_post p JOIN tb_user u ON u.pk_user = p.fk_user;

SELECT COALESCE((SELECT value FROM pg_tviews_settings WHERE name = 'capture_mode'), 'statement (default)') AS capture_mode;
SELECT pg_tviews_uninstall_stmt_triggers() AS relations_switched;
SELECT COALESCE((SELECT value FROM pg_tviews_settings WHERE name = 'capture_mode'), 'statement (default)') AS capture_mode;
SELECT tgrelid::regclass AS relation, tgname FROM pg_trigger
WHERE tgname LIKE 'tview\_capture\_%' AND tgrelid::regclass::text LIKE 'tb_%' ORDER BY 1, 2;
SELECT check_name, status FROM pg_tviews_health_check() WHERE check_name = 'tview:post';

-- every kind of write, row by row
INSERT INTO tb_post VALUES (4, 2, 'd'), (5, 2, 'e');
UPDATE tb_user SET name = 'BOB' WHERE pk_user = 2;
UPDATE tb_post SET fk_user = 1 WHERE pk_post = 5;
UPDATE tb_post SET pk_post = 40 WHERE pk_post = 4;
INSERT INTO tb_comment SELECT g, 1 + g % 3, 'bulk' FROM generate_series(10, 40) g;
DELETE FROM tb_post WHERE pk_post = 3;
UPDATE tb_user SET pk_user = 20 WHERE pk_user = 2;
SELECT pk_post, fk_user, data FROM tv_post ORDER BY 1;
SELECT * FROM tv_check();

-- a TVIEW created in row mode gets row triggers
CREATE TABLE tb_tag (pk_tag bigint PRIMARY KEY, label text);
CREATE TABLE tv_tag AS SELECT t.pk_tag, upper(t.label) AS label FROM tb_tag t;
SELECT tgname FROM pg_trigger WHERE tgrelid = 'tb_tag'::regclass ORDER BY 1;
INSERT INTO tb_tag VALUES (1, 'one');
SELECT * FROM tv_tag;

-- and back to statement-level capture
SELECT pg_tviews_install_stmt_triggers() AS relations_switched;
SELECT tgname FROM pg_trigger WHERE tgrelid = 'tb_tag'::regclass ORDER BY 1;
UPDATE tb_tag SET label = 'uno';
UPDATE tb_user SET name = 'ALICE' WHERE pk_user = 1;
SELECT * FROM tv_tag;
SELECT check_name, status FROM pg_tviews_health_check() WHERE status <> 'OK' AND check_name <> 'library_preloaded';
SELECT * FROM tv_check();

-- changes made with triggers disabled, repaired by hand (the tables' owner
-- may disable their user triggers; session_replication_role would need a
-- superuser)
ALTER TABLE tb_post DISABLE TRIGGER USER;
ALTER TABLE tb_user DISABLE TRIGGER USER;
ALTER TABLE tb_comment DISABLE TRIGGER USER;
UPDATE tb_post SET title = 'changed behind the back' WHERE pk_post = 1;
UPDATE tb_user SET name = 'renamed behind the back' WHERE pk_user = 20;
INSERT INTO tb_post VALUES (6, 1, 'inserted behind the back');
DELETE FROM tb_comment WHERE fk_post = 2;
DELETE FROM tb_post WHERE pk_post = 2;
ALTER TABLE tb_post ENABLE TRIGGER USER;
ALTER TABLE tb_user ENABLE TRIGGER USER;
ALTER TABLE tb_comment ENABLE TRIGGER USER;
SELECT * FROM tv_check();
SELECT pg_tviews_cascade('tb_post'::regclass, 1);
SELECT pg_tviews_cascade('tb_user'::regclass, 20);
SELECT pg_tviews_insert('tb_post'::regclass, 6);
SELECT pg_tviews_delete('tb_post'::regclass, 2);
SELECT pk_post, data->>'title' AS title, data->>'author' AS author FROM tv_post ORDER BY 1;
SELECT * FROM tv_check();

-- bad input
SELECT pg_tviews_insert('tb_post'::regclass, 999);
CREATE TABLE tb_nokey (a int);
SELECT pg_tviews_cascade('tb_nokey'::regclass, 1);
SELECT pg_tviews_cascade(0, 1);

DROP SCHEMA capture_modes CASCADE;
