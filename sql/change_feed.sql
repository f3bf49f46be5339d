-- The change feed's settings and pg_tviews_flush_and_report(): what this
-- transaction changed, once per document with its net operation, without
-- rolled-back subtransactions, only for TVIEWs the caller may read. (The
-- feed itself is read through logical decoding: test/shell/change_feed*.sh.)
SELECT pg_tviews_version() IS NOT NULL AS loaded;
CREATE SCHEMA feed;
SET search_path = feed, public;
CREATE TABLE tb_user (pk_user bigint PRIMARY KEY, id uuid NOT NULL, name text NOT NULL);
CREATE TABLE tb_post (pk_post bigint PRIMARY KEY, fk_user bigint NOT NULL REFERENCES tb_user, title text NOT NULL);
INSERT INTO tb_user SELECT g, md5('user' || g)::uuid, 'user ' || g FROM generate_series(1, 3) g;
INSERT INTO tb_post SELECT g, 1 + g % 3, 'post ' || g FROM generate_series(1, 9) g;
CREATE TABLE tv_post AS SELECT p.pk_post, p.fk_user, jsonb_build_object('title', p.title, 'author', u.name) AS data
  FROM tb_post p JOIN tb_user u ON u.pk_user = p.fk_user;
CREATE TABLE tv_user AS SELECT u.pk_user, u.id, jsonb_build_object('name', u.name,
       'posts', (SELECT count(*) FROM tv_post p WHERE p.fk_user = u.pk_user)) AS data FROM tb_user u;

-- settings
SHOW pg_tviews.change_feed;
SET pg_tviews.change_feed = 'everything';
SET pg_tviews.notify_channel = 'a_channel_name_longer_than_the_sixty_three_bytes_postgresql_allows';
SHOW pg_tviews.change_feed_message_size;
SET pg_tviews.change_feed_message_size = '0';
-- no row in the health check while the feed is off; with it on, the row
-- says whether the server can decode it (these servers: wal_level = replica)
SELECT count(*) FROM pg_tviews_health_check() WHERE check_name = 'change_feed';
SET pg_tviews.change_feed = keys;
SELECT check_name, status, details LIKE '%wal_level = logical%' AS says_how FROM pg_tviews_health_check()
 WHERE check_name = 'change_feed';
RESET pg_tviews.change_feed;

-- With the feed on, the report covers the whole transaction (with
-- refresh_mode = immediate every statement flushes at once, before the
-- report could ask for it).
SET pg_tviews.change_feed = keys;
-- nothing queued, nothing changed
SELECT * FROM pg_tviews_flush_and_report();
-- a rename: the user's posts and the user (with its id)
BEGIN;
UPDATE tb_user SET name = 'renamed' WHERE pk_user = 2;
SELECT entity, pk, id = (SELECT id FROM tb_user WHERE pk_user = 2) AS users_id, op
  FROM pg_tviews_flush_and_report() ORDER BY entity, pk::bigint;
-- a post inserted then deleted is not listed; the counts it changed are
INSERT INTO tb_post VALUES (100, 1, 'brief');
SELECT entity, pk, op FROM pg_tviews_flush_and_report() WHERE pk IN ('1', '100') ORDER BY entity, pk::bigint;
DELETE FROM tb_post WHERE pk_post = 100;
SELECT entity, pk, op FROM pg_tviews_flush_and_report() WHERE pk IN ('1', '100') ORDER BY entity, pk::bigint;
COMMIT;
-- a rolled-back savepoint takes its changes with it
BEGIN;
UPDATE tb_post SET title = 'kept' WHERE pk_post = 3;
SAVEPOINT s;
UPDATE tb_post SET title = 'undone' WHERE pk_post = 4;
SELECT entity, pk, op FROM pg_tviews_flush_and_report() ORDER BY entity, pk::bigint;
ROLLBACK TO SAVEPOINT s;
SELECT entity, pk, op FROM pg_tviews_flush_and_report() ORDER BY entity, pk::bigint;
COMMIT;
-- a new transaction starts empty
SELECT count(*) FROM pg_tviews_flush_and_report();
RESET pg_tviews.change_feed;
SELECT * FROM tv_check();
DROP SCHEMA feed CASCADE;
