-- The key stays unique and not null after creation: a write that would make
-- the view produce a duplicate or NULL key fails (like creation does) and
-- leaves base tables and TVIEW unchanged. A helper view changed so that a
-- TVIEW would read itself is refused.
\set SHOW_CONTEXT never
CREATE SCHEMA key_integrity;
SET search_path = key_integrity, public;

CREATE TABLE tb_user (pk_user bigint PRIMARY KEY, name text);
CREATE TABLE tb_post (pk_post bigint PRIMARY KEY, fk_user bigint, title text);
INSERT INTO tb_user VALUES (1, 'alice'), (2, 'bob');
INSERT INTO tb_post VALUES (10, 1, 'a'), (20, 2, 'b');

-- one post per user today: the key pk_u is unique
CREATE TABLE tv_u AS
SELECT u.pk_user AS pk_u, p.title FROM tb_user u JOIN tb_post p ON p.fk_user = u.pk_user;
-- a second post for alice makes pk_u = 1 appear twice
INSERT INTO tb_post VALUES (11, 1, 'a2');
SELECT * FROM tb_post WHERE pk_post = 11;
SELECT * FROM tv_u ORDER BY 1;

-- a LEFT JOIN whose key comes from the nullable side
CREATE TABLE tv_n AS
SELECT p.pk_post AS pk_n, u.name FROM tb_user u LEFT JOIN tb_post p ON p.fk_user = u.pk_user;
-- a user without posts would give a row with a NULL key
INSERT INTO tb_user VALUES (3, 'carol');
SELECT count(*) AS carol_rows FROM tb_user WHERE pk_user = 3;
-- with a post it is fine
BEGIN;
INSERT INTO tb_user VALUES (3, 'carol');
INSERT INTO tb_post VALUES (30, 3, 'c');
COMMIT;
SELECT * FROM tv_n ORDER BY 1;
SELECT * FROM tv_check();

-- a helper view changed to read the TVIEW built on it: refused
CREATE VIEW helper AS SELECT pk_user, name FROM tb_user;
CREATE TABLE tv_h AS SELECT h.pk_user AS pk_h, h.name FROM helper h;
CREATE OR REPLACE VIEW helper AS SELECT pk_h AS pk_user, name FROM tv_h;
UPDATE tb_user SET name = 'ALICE' WHERE pk_user = 1;
SELECT * FROM tv_h ORDER BY 1;
SELECT * FROM tv_check();

-- large key sets are recomputed in slices (here of 3 keys): every key once,
-- vanished keys deleted, and a key produced twice still fails the write
SET pg_tviews.flush_chunk_keys = 3;
CREATE TABLE tb_item (pk_item bigint PRIMARY KEY, grp int NOT NULL, label text NOT NULL);
INSERT INTO tb_item SELECT g, g % 4, 'item ' || g FROM generate_series(1, 20) g;
CREATE TABLE tv_item AS SELECT i.pk_item, i.grp, upper(i.label) AS label FROM tb_item i WHERE i.grp <> 3;
BEGIN;
UPDATE tb_item SET label = label || '!' WHERE pk_item <= 11;
UPDATE tb_item SET grp = 3 WHERE pk_item IN (2, 9);
DELETE FROM tb_item WHERE pk_item IN (5, 17);
COMMIT;
SELECT count(*) AS rows, count(*) FILTER (WHERE label LIKE '%!') AS relabelled FROM tv_item;
SELECT * FROM tv_check();
CREATE TABLE tb_tag (fk_item bigint, tag text);
CREATE TABLE tv_tagged AS SELECT i.pk_item AS pk_tagged, t.tag FROM tb_item i LEFT JOIN tb_tag t ON t.fk_item = i.pk_item;
-- ten keys in four slices; the third slice has item 12 twice
INSERT INTO tb_tag SELECT g, 'tag ' || g FROM generate_series(6, 15) g UNION ALL SELECT 12, 'again';
SELECT count(*) AS tags FROM tb_tag;
SELECT * FROM tv_check();
RESET pg_tviews.flush_chunk_keys;

DROP SCHEMA key_integrity CASCADE;
