-- TVIEWs built on TVIEWs: tv_user aggregates tv_post.data, which embeds
-- comments. A comment change reaches tv_user in the same flush, children
-- before parents; each level is refreshed once per flush.
CREATE SCHEMA nested;
SET search_path = nested, public;

CREATE TABLE tb_user (pk_user bigint PRIMARY KEY, name text NOT NULL);
CREATE TABLE tb_post (pk_post bigint PRIMARY KEY, fk_user bigint NOT NULL REFERENCES tb_user, title text);
CREATE TABLE tb_comment (pk_comment bigint PRIMARY KEY, fk_post bigint NOT NULL REFERENCES tb_post ON DELETE CASCADE,
                         body text);
INSERT INTO tb_user VALUES (1, 'alice'), (2, 'bob');
INSERT INTO tb_post VALUES (1, 1, 'p1'), (2, 1, 'p2'), (3, 2, 'p3');
INSERT INTO tb_comment VALUES (1, 1, 'c1'), (2, 3, 'c2');

CREATE TABLE tv_post AS
SELECT p.pk_post, p.fk_user,
       jsonb_build_object('title', p.title,
         'comments', COALESCE((SELECT jsonb_agg(c.body ORDER BY c.pk_comment) FROM tb_comment c
                               WHERE c.fk_post = p.pk_post), '[]'::jsonb)) AS data
FROM tb_post p;

CREATE TABLE tv_user AS
SELECT u.pk_user,
       jsonb_build_object('name', u.name,
         'posts', COALESCE((SELECT jsonb_agg(tp.data ORDER BY tp.pk_post) FROM tv_post tp
                            WHERE tp.fk_user = u.pk_user), '[]'::jsonb)) AS data
FROM tb_user u;

-- a third level: a summary over tv_user
CREATE TABLE tv_board AS
SELECT 1::bigint AS pk_board, count(*) AS users,
       sum(jsonb_array_length(tu.data->'posts')) AS posts
FROM tv_user tu;

SELECT entity, dependencies FROM pg_tview_meta WHERE entity IN ('post', 'user', 'board') ORDER BY 1;
SELECT pk_user, data FROM tv_user ORDER BY 1;

-- a new comment on post 1 reaches alice's document in tv_user
INSERT INTO tb_comment VALUES (3, 1, 'c3');
SELECT data->'posts'->0->'comments' AS first_post_comments FROM tv_user WHERE pk_user = 1;

-- one transaction touching all levels; the flush refreshes each TVIEW once
SELECT (pg_tviews_queue_stats()->>'total_iterations')::bigint AS iterations_before \gset
BEGIN;
INSERT INTO tb_post VALUES (4, 2, 'p4');
INSERT INTO tb_comment VALUES (4, 4, 'c4'), (5, 2, 'c5');
UPDATE tb_user SET name = 'BOB' WHERE pk_user = 2;
COMMIT;
SELECT (pg_tviews_queue_stats()->>'total_iterations')::bigint - :iterations_before AS refresh_steps;
SELECT pk_user, data FROM tv_user ORDER BY 1;
SELECT * FROM tv_board;

-- moving a post between users changes both users' documents
UPDATE tb_post SET fk_user = 1 WHERE pk_post = 3;
SELECT pk_user, jsonb_array_length(data->'posts') AS posts FROM tv_user ORDER BY 1;

-- deleting a post (and its comments) propagates up
DELETE FROM tb_post WHERE pk_post = 1;
SELECT pk_user, jsonb_array_length(data->'posts') AS posts FROM tv_user ORDER BY 1;
SELECT * FROM tv_board;

-- pg_tviews_flush() inside a transaction applies the queue early
BEGIN;
UPDATE tb_post SET title = 'p2 new' WHERE pk_post = 2;
SELECT pg_tviews_flush() AS keys_flushed;
SELECT data->'posts'->0->>'title' AS title_seen_in_txn FROM tv_user WHERE pk_user = 1;
COMMIT;
SELECT * FROM tv_check();

DROP SCHEMA nested CASCADE;
