-- Base relations found through helper views, subqueries, sublinks and
-- CTEs, and the key queries that follow changes through them.
CREATE SCHEMA shapes;
SET search_path = shapes, public;

CREATE TABLE tb_user (pk_user bigint PRIMARY KEY, name text NOT NULL, banned boolean NOT NULL DEFAULT false);
CREATE TABLE tb_post (pk_post bigint PRIMARY KEY, fk_user bigint NOT NULL REFERENCES tb_user, title text);
CREATE TABLE tb_comment (pk_comment bigint PRIMARY KEY, fk_post bigint NOT NULL REFERENCES tb_post,
                         fk_user bigint NOT NULL REFERENCES tb_user, body text);
CREATE TABLE tb_flag (fk_post bigint NOT NULL, reason text);
INSERT INTO tb_user VALUES (1, 'alice', false), (2, 'bob', false), (3, 'carol', false);
INSERT INTO tb_post SELECT g, 1 + g % 3, 'p' || g FROM generate_series(1, 9) g;
INSERT INTO tb_comment SELECT g, 1 + g % 9, 1 + g % 2, 'c' || g FROM generate_series(1, 12) g;

-- a helper view, and a TVIEW reading the user table twice (author and
-- commenters) through it
CREATE VIEW commenters AS
SELECT c.fk_post, c.pk_comment, u.name AS commenter FROM tb_comment c JOIN tb_user u ON u.pk_user = c.fk_user;

CREATE TABLE tv_post AS
SELECT p.pk_post, p.fk_user,
       jsonb_build_object('author', a.name,
         'commenters', (SELECT jsonb_agg(cm.commenter ORDER BY cm.pk_comment) FROM commenters cm
                        WHERE cm.fk_post = p.pk_post)) AS data
FROM tb_post p JOIN tb_user a ON a.pk_user = p.fk_user;

-- a CTE and EXISTS / NOT EXISTS / IN filters
CREATE TABLE tv_clean AS
WITH active AS (SELECT pk_user, name FROM tb_user WHERE NOT banned)
SELECT p.pk_post AS pk_clean, p.title, act.name
FROM tb_post p JOIN active act ON act.pk_user = p.fk_user
WHERE NOT EXISTS (SELECT 1 FROM tb_flag f WHERE f.fk_post = p.pk_post)
  AND p.pk_post IN (SELECT c.fk_post FROM tb_comment c);

-- anti-join: posts without comments (LEFT JOIN ... IS NULL)
CREATE TABLE tv_lonely AS
SELECT p.pk_post AS pk_lonely, p.title
FROM tb_post p LEFT JOIN tb_comment c ON c.fk_post = p.pk_post
WHERE c.pk_comment IS NULL;

-- a FULL JOIN between derived tables
CREATE TABLE tv_pair AS
SELECT COALESCE(x.k, y.k) AS pk_pair, x.posts, y.comments
FROM (SELECT fk_user AS k, count(*) AS posts FROM tb_post GROUP BY fk_user) x
FULL JOIN (SELECT fk_user AS k, count(*) AS comments FROM tb_comment GROUP BY fk_user) y ON x.k = y.k;

SELECT entity, dependencies FROM pg_tview_meta WHERE entity IN ('post', 'clean', 'lonely', 'pair') ORDER BY 1;
SELECT * FROM tv_check();

-- the keys queued for a change are the affected ones only: a column that
-- no TVIEW reads (body) queues nothing; moving comment 4 (post 5, user 1)
-- to post 6 and user 2 reaches all four
BEGIN;
UPDATE tb_comment SET body = 'probe' WHERE pk_comment = 4;
SELECT pg_tviews_debug_queue();
UPDATE tb_comment SET fk_post = 6, fk_user = 2 WHERE pk_comment = 4;
SELECT pg_tviews_debug_queue();
ROLLBACK;

-- renaming a commenter reaches the posts they commented on (via the helper view)
UPDATE tb_user SET name = 'BOB' WHERE pk_user = 2;
SELECT pk_post, data FROM tv_post ORDER BY 1 LIMIT 3;
-- banning a user removes their posts from tv_clean (through the CTE)
UPDATE tb_user SET banned = true WHERE pk_user = 1;
-- flagging a post removes it (NOT EXISTS), unflagging brings it back
INSERT INTO tb_flag VALUES (2, 'spam'), (5, 'spam');
DELETE FROM tb_flag WHERE fk_post = 5;
SELECT pk_clean, title, name FROM tv_clean ORDER BY 1;
SELECT * FROM tv_check();

-- deleting every comment of a post makes it lonely; a new comment ends it
DELETE FROM tb_comment WHERE fk_post = 3;
SELECT pk_lonely, title FROM tv_lonely ORDER BY 1;
INSERT INTO tb_comment VALUES (100, 3, 3, 'late');
SELECT pk_lonely, title FROM tv_lonely ORDER BY 1;
SELECT pk_clean FROM tv_clean ORDER BY 1;
-- a user with comments but no posts appears on the FULL JOIN's other side
INSERT INTO tb_user VALUES (4, 'dave', false);
INSERT INTO tb_comment VALUES (101, 1, 4, 'hello');
SELECT * FROM tv_pair ORDER BY 1;
UPDATE tb_comment SET fk_user = 1 WHERE fk_user = 4;
SELECT * FROM tv_pair ORDER BY 1;
SELECT * FROM tv_check();

-- NOT IN: a NULL in the subquery empties the result for every row
CREATE TABLE tb_block (fk_post bigint);
CREATE TABLE tv_open AS
SELECT p.pk_post AS pk_open FROM tb_post p WHERE p.pk_post NOT IN (SELECT b.fk_post FROM tb_block b);
INSERT INTO tb_block VALUES (1);
SELECT count(*) AS open_posts FROM tv_open;
INSERT INTO tb_block VALUES (NULL);
SELECT count(*) AS open_posts FROM tv_open;
DELETE FROM tb_block WHERE fk_post IS NULL;
SELECT count(*) AS open_posts FROM tv_open;
SELECT * FROM tv_check();

-- changing the helper view's definition: the cache follows (same columns)
-- and the documents are rebuilt when the change commits
CREATE OR REPLACE VIEW commenters AS
SELECT c.fk_post, c.pk_comment, upper(u.name) AS commenter FROM tb_comment c JOIN tb_user u ON u.pk_user = c.fk_user;
SELECT * FROM tv_check();
SELECT pg_tviews_refresh('tv_post') AS rows_left_to_rebuild;
UPDATE tb_user SET name = 'carol2' WHERE pk_user = 3;
SELECT * FROM tv_check();

DROP SCHEMA shapes CASCADE;
