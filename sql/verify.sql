-- pg_tviews_verify() compares a TVIEW with a fresh run of its definition;
-- pg_tviews_repair() rewrites the rows that differ. The base tables are
-- changed behind the engine's back (their owner disables the capture
-- triggers), then the damage is counted and repaired.
CREATE SCHEMA verify;
SET search_path = verify, public;
CREATE TABLE tb_user (pk_user bigint PRIMARY KEY, name text NOT NULL);
CREATE TABLE tb_post (pk_post bigint PRIMARY KEY, fk_user bigint NOT NULL REFERENCES tb_user, title text NOT NULL);
INSERT INTO tb_user SELECT g, 'user ' || g FROM generate_series(1, 5) g;
INSERT INTO tb_post SELECT g, 1 + g % 5, 'post ' || g FROM generate_series(1, 50) g;
CREATE TABLE tv_post AS
SELECT p.pk_post, p.fk_user, jsonb_build_object('title', p.title, 'author', u.name) AS data
FROM tb_post p JOIN tb_user u ON u.pk_user = p.fk_user;
SELECT * FROM pg_tviews_verify('tv_post');

ALTER TABLE tb_post DISABLE TRIGGER USER;
ALTER TABLE tb_user DISABLE TRIGGER USER;
INSERT INTO tb_post VALUES (51, 1, 'new'), (52, 2, 'new');   -- 2 missing
DELETE FROM tb_post WHERE pk_post IN (49, 50);               -- 2 extra
UPDATE tb_user SET name = 'renamed' WHERE pk_user = 3;       -- 10 different
ALTER TABLE tb_post ENABLE TRIGGER USER;
ALTER TABLE tb_user ENABLE TRIGGER USER;
SELECT * FROM pg_tviews_verify('tv_post');
-- the health check verifies too, when asked
SELECT check_name, status, details FROM pg_tviews_health_check(true) WHERE details LIKE 'verify.tv_post %';
SELECT count(*) AS verify_rows FROM pg_tviews_health_check(false) WHERE check_name LIKE 'verify:%';
-- a sample checks fewer keys and finds no more than all of them
SELECT checked < 52 AS fewer, missing <= 2 AND extra <= 2 AND different <= 10 AS within
  FROM pg_tviews_verify('tv_post', 0.5);
SELECT pg_tviews_repair('tv_post');
SELECT * FROM pg_tviews_verify('tv_post');
SELECT * FROM tv_check();
-- pg_tview_meta counts the triggers in place when it is read: on each of
-- the two tables 4 capture triggers (2 with row capture), and 2 guards
CREATE FUNCTION pg_temp.full_capture() RETURNS int LANGUAGE sql
    AS $$ SELECT CASE current_setting('pg_tviews.capture_mode') WHEN 'row' THEN 4 ELSE 8 END $$;
SELECT entity, trigger_count = pg_temp.full_capture() AS all_capture, guard_trigger_count
  FROM pg_tview_meta WHERE table_oid = 'tv_post'::regclass;

-- the guides' manual repair of one document: refused by default, allowed to
-- the owner with pg_tviews.allow_direct_writes; verify sees it, repair undoes it
UPDATE tv_post SET data = data || '{"status": "repaired"}' WHERE pk_post = 1;
SET pg_tviews.allow_direct_writes = on;
UPDATE tv_post SET data = data || '{"status": "repaired"}' WHERE pk_post = 1;
RESET pg_tviews.allow_direct_writes;
SELECT data->>'status' AS status FROM tv_post WHERE pk_post = 1;
SELECT * FROM pg_tviews_verify('tv_post');
SELECT pg_tviews_repair('tv_post');

-- the guides' "recreate": with its own definition pg_tviews_create() puts
-- back missing or disabled triggers; another definition is refused
DROP TRIGGER tview_capture_trunc ON tb_user;
ALTER TABLE tb_post DISABLE TRIGGER tview_capture_trunc;
SELECT check_name, status FROM pg_tviews_health_check() WHERE check_name = 'tview:post';
SELECT pg_temp.full_capture() - trigger_count AS not_in_place FROM pg_tview_meta WHERE table_oid = 'tv_post'::regclass;
SELECT pg_tviews_create('verify.tv_post', $$SELECT p.pk_post, p.fk_user,
    jsonb_build_object('title', p.title, 'author', u.name) AS data
    FROM tb_post p JOIN tb_user u ON u.pk_user = p.fk_user$$);
SELECT check_name, status FROM pg_tviews_health_check() WHERE check_name = 'tview:post';
SELECT pg_temp.full_capture() - trigger_count AS not_in_place FROM pg_tview_meta WHERE table_oid = 'tv_post'::regclass;
SELECT pg_tviews_create('verify.tv_post', $$SELECT p.pk_post, p.fk_user,
    jsonb_build_object('title', upper(p.title), 'author', u.name) AS data
    FROM tb_post p JOIN tb_user u ON u.pk_user = p.fk_user$$);

-- a single-table TVIEW recreated from its stored definition (which
-- PostgreSQL deparsed without qualifiers) is the same TVIEW
CREATE TABLE tv_author AS SELECT u.pk_user AS pk_author, jsonb_build_object('name', u.name) AS data FROM tb_user u;
SELECT pg_tviews_create('verify.tv_author', (SELECT definition FROM pg_tview_meta WHERE entity = 'author'));
SELECT pg_tviews_drop('verify.tv_author');

-- the guides' backup copy has no key pk_post_backup: an ordinary table
CREATE TABLE tv_post_backup AS SELECT * FROM tv_post;
SELECT count(*) AS copied FROM tv_post_backup;
UPDATE tv_post_backup SET data = '{}' WHERE pk_post = 1;
SELECT count(*) AS tviews FROM pg_tview_meta WHERE entity LIKE 'post%';
DROP TABLE tv_post_backup;

-- the guides' "partition large TVIEWs": refused, with what to do instead
CREATE TABLE tv_post_y2025 PARTITION OF tv_post FOR VALUES FROM (1) TO (100);

-- bad arguments
SELECT * FROM pg_tviews_verify('tb_post');
SELECT * FROM pg_tviews_verify('tv_post', 0);
SELECT * FROM pg_tviews_verify('tv_post', 1.5);
SELECT * FROM pg_tviews_verify(NULL);

DROP SCHEMA verify CASCADE;
