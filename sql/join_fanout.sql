-- A TVIEW joining another table: updating an author changes exactly that
-- author's posts; re-parenting a post moves it to the new author.
CREATE SCHEMA join_fanout;
SET search_path = join_fanout, public;

CREATE TABLE tb_user (pk_user bigint PRIMARY KEY, name text NOT NULL);
CREATE TABLE tb_post (pk_post bigint PRIMARY KEY, fk_user bigint NOT NULL REFERENCES tb_user,
                      title text NOT NULL);
INSERT INTO tb_user VALUES (1, 'alice'), (2, 'bob'), (3, 'carol');
INSERT INTO tb_post SELECT g, 1 + g % 3, 'post ' || g FROM generate_series(1, 30) g;

SELECT pg_tviews_create('tv_post', $$
    SELECT p.pk_post, p.fk_user,
           jsonb_build_object('title', p.title, 'author', jsonb_build_object('name', u.name)) AS data
    FROM tb_post p JOIN tb_user u ON u.pk_user = p.fk_user $$);

CREATE TEMP TABLE before AS SELECT pk_post, fk_user, xmin::text AS x FROM tv_post;

UPDATE tb_user SET name = 'BOB' WHERE pk_user = 2;

-- exactly bob's posts were rewritten, no other row
SELECT b.fk_user, count(*) AS posts,
       count(*) FILTER (WHERE t.xmin::text <> b.x) AS rewritten
FROM before b JOIN tv_post t USING (pk_post)
GROUP BY b.fk_user ORDER BY 1;
SELECT DISTINCT data->'author'->>'name' AS author FROM tv_post WHERE fk_user = 2;
SELECT * FROM tv_check();

-- re-parenting: post 3 moves from alice (1) to carol (3)
UPDATE tb_post SET fk_user = 3 WHERE pk_post = 3;
SELECT pk_post, fk_user, data->'author'->>'name' AS author FROM tv_post WHERE pk_post = 3;

-- an author row changed twice in one transaction, and a post deleted
BEGIN;
UPDATE tb_user SET name = 'al' WHERE pk_user = 1;
UPDATE tb_user SET name = 'alice again' WHERE pk_user = 1;
DELETE FROM tb_post WHERE pk_post = 4;
COMMIT;
SELECT count(*) FILTER (WHERE data->'author'->>'name' = 'alice again') AS alice_posts,
       count(*) FILTER (WHERE pk_post = 4) AS deleted_post
FROM tv_post;

-- the author's key changes (ON UPDATE is not set: move posts first)
INSERT INTO tb_user VALUES (4, 'dave');
UPDATE tb_post SET fk_user = 4 WHERE fk_user = 3;
DELETE FROM tb_user WHERE pk_user = 3;
SELECT fk_user, count(*) FROM tv_post GROUP BY 1 ORDER BY 1;
SELECT * FROM tv_check();

DROP SCHEMA join_fanout CASCADE;
