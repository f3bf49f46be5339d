-- Inside a transaction, any statement that reads a tv_ table sees the
-- transaction's earlier writes: directly, through a view, from PL/pgSQL and
-- SQL functions, in a subquery of an UPDATE, across nested TVIEWs.
CREATE SCHEMA ryw;
SET search_path = ryw, public;

CREATE TABLE tb_user (pk_user bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL);
CREATE TABLE tb_post (pk_post bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                      fk_user bigint NOT NULL REFERENCES tb_user, title text NOT NULL, hits int NOT NULL DEFAULT 0);
INSERT INTO tb_user (name) VALUES ('alice'), ('bob');
INSERT INTO tb_post (fk_user, title) VALUES (1, 'first');

CREATE TABLE tv_post AS
SELECT p.pk_post, p.fk_user, jsonb_build_object('title', p.title, 'author', u.name) AS data
FROM tb_post p JOIN tb_user u ON u.pk_user = p.fk_user;
CREATE TABLE tv_user AS
SELECT u.pk_user, jsonb_build_object('name', u.name,
         'titles', COALESCE((SELECT jsonb_agg(tp.data->>'title' ORDER BY tp.pk_post) FROM tv_post tp
                             WHERE tp.fk_user = u.pk_user), '[]'::jsonb)) AS data
FROM tb_user u;
CREATE VIEW post_titles AS SELECT pk_post, data->>'title' AS title FROM tv_post;

-- a FraiseQL-style mutation: insert, then return the document
CREATE FUNCTION create_post(p_user bigint, p_title text) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    new_pk bigint;
    doc jsonb;
BEGIN
    INSERT INTO tb_post (fk_user, title) VALUES (p_user, p_title) RETURNING pk_post INTO new_pk;
    SELECT data INTO doc FROM tv_post WHERE pk_post = new_pk;
    RETURN doc;
END $$;
CREATE FUNCTION title_of(p bigint) RETURNS text LANGUAGE sql STABLE AS
$$ SELECT data->>'title' FROM ryw.tv_post WHERE pk_post = p $$;

BEGIN;
SELECT create_post(2, 'hello') AS returned_document;
UPDATE tb_post SET title = 'first, edited' WHERE pk_post = 1;
SELECT data->>'title' AS direct FROM tv_post WHERE pk_post = 1;
SELECT title AS through_view FROM post_titles WHERE pk_post = 1;
SELECT title_of(1) AS through_sql_function;
SELECT data AS nested_user FROM tv_user WHERE pk_user = 2;
UPDATE tb_user SET name = 'BOB' WHERE pk_user = 2;
-- a subquery of an UPDATE reads tv_post: it sees the rename
UPDATE tb_post SET hits = hits + 1
WHERE pk_post IN (SELECT pk_post FROM tv_post WHERE data->>'author' = 'BOB');
SELECT pk_post, hits FROM tb_post ORDER BY 1;
-- (no TVIEW reads hits: that UPDATE queued nothing)
SELECT pg_tviews_debug_queue() AS queue_after_reads;
COMMIT;
SELECT * FROM tv_check();

-- savepoints: a read inside a savepoint flushes; rolling it back puts the
-- keys back in the queue and the TVIEW follows the surviving writes
BEGIN;
UPDATE tb_post SET title = 'kept' WHERE pk_post = 1;
SAVEPOINT s;
UPDATE tb_post SET title = 'dropped' WHERE pk_post = 2;
SELECT pk_post, data->>'title' AS title FROM tv_post ORDER BY 1;
ROLLBACK TO SAVEPOINT s;
SELECT pk_post, data->>'title' AS title FROM tv_post ORDER BY 1;
COMMIT;
SELECT pk_post, data->>'title' AS title FROM tv_post ORDER BY 1;
SELECT * FROM tv_check();

-- two-phase commit helpers of the original: nothing left to do
BEGIN;
UPDATE tb_post SET title = 'prepared' WHERE pk_post = 1;
PREPARE TRANSACTION 'ryw_gid';
SELECT gid, action FROM pg_tviews_recover_prepared_transactions();
SELECT pg_tviews_commit_prepared('ryw_gid');
COMMIT PREPARED 'ryw_gid';
SELECT pg_tviews_commit_prepared('ryw_gid');
SELECT pg_tviews_rollback_prepared('unknown gid');
SELECT data->>'title' AS title FROM tv_post WHERE pk_post = 1;
SELECT count(*) AS prepared_left FROM pg_tviews_recover_prepared_transactions();
SELECT * FROM tv_check();

DROP SCHEMA ryw CASCADE;
