-- Comments aggregated into their post, two ways: a correlated subquery in
-- the SELECT list and a grouped subquery in a LEFT JOIN. Inserting,
-- editing, deleting and re-parenting a comment refreshes the old and the
-- new parent; deleting a post cascades to its comments.
CREATE SCHEMA aggregate_children;
SET search_path = aggregate_children, public;

CREATE TABLE tb_user (pk_user bigint PRIMARY KEY, name text NOT NULL);
CREATE TABLE tb_post (pk_post bigint PRIMARY KEY, fk_user bigint NOT NULL REFERENCES tb_user, title text);
CREATE TABLE tb_comment (pk_comment bigint PRIMARY KEY,
                         fk_post bigint NOT NULL REFERENCES tb_post ON DELETE CASCADE,
                         fk_user bigint NOT NULL REFERENCES tb_user, body text);
INSERT INTO tb_user VALUES (1, 'alice'), (2, 'bob');
INSERT INTO tb_post VALUES (1, 1, 'p1'), (2, 1, 'p2'), (3, 2, 'p3');
INSERT INTO tb_comment VALUES (1, 1, 2, 'c1'), (2, 1, 1, 'c2'), (3, 3, 1, 'c3');

-- correlated subquery, with the commenter's name from a join inside it
CREATE TABLE tv_post AS
SELECT p.pk_post, p.fk_user,
       jsonb_build_object(
         'title', p.title,
         'comments', COALESCE((SELECT jsonb_agg(jsonb_build_object('body', c.body, 'by', cu.name)
                                                ORDER BY c.pk_comment)
                               FROM tb_comment c JOIN tb_user cu ON cu.pk_user = c.fk_user
                               WHERE c.fk_post = p.pk_post), '[]'::jsonb)) AS data
FROM tb_post p;

-- grouped subquery joined to the post, counting comments
CREATE TABLE tv_stats AS
SELECT p.pk_stats, p.title, COALESCE(s.n, 0) AS comment_count, s.last_body
FROM (SELECT pk_post AS pk_stats, title FROM tb_post) p
LEFT JOIN (SELECT fk_post, count(*) AS n, max(body) AS last_body
           FROM tb_comment GROUP BY fk_post) s ON s.fk_post = p.pk_stats;

SELECT pk_post, data FROM tv_post ORDER BY 1;
SELECT * FROM tv_stats ORDER BY 1;

-- the keys queued are exactly the affected posts, in both shapes
BEGIN;
UPDATE tb_comment SET body = 'probe' WHERE pk_comment = 3;
SELECT pg_tviews_debug_queue();
ROLLBACK;

-- insert a comment on post 2 (had none)
INSERT INTO tb_comment VALUES (4, 2, 2, 'c4');
-- edit a comment's body
UPDATE tb_comment SET body = 'c1 edited' WHERE pk_comment = 1;
SELECT pk_post, data->'comments' AS comments FROM tv_post ORDER BY 1;
SELECT * FROM tv_check();

-- re-parent comment 2 from post 1 to post 3: both posts change
UPDATE tb_comment SET fk_post = 3 WHERE pk_comment = 2;
SELECT pk_post, jsonb_array_length(data->'comments') AS n FROM tv_post ORDER BY 1;
SELECT * FROM tv_stats ORDER BY 1;

-- the commenter renames: every post they commented on changes
UPDATE tb_user SET name = 'ALICE' WHERE pk_user = 1;
SELECT pk_post, data->'comments' AS comments FROM tv_post ORDER BY 1;

-- delete a comment; delete a post (its comments go by ON DELETE CASCADE)
DELETE FROM tb_comment WHERE pk_comment = 4;
DELETE FROM tb_post WHERE pk_post = 3;
SELECT pk_post, jsonb_array_length(data->'comments') AS n FROM tv_post ORDER BY 1;
SELECT * FROM tv_stats ORDER BY 1;

-- many comments in one statement, then all of them re-parented at once
INSERT INTO tb_comment SELECT g, 1 + g % 2, 1 + g % 2, 'bulk ' || g FROM generate_series(100, 599) g;
UPDATE tb_comment SET fk_post = CASE fk_post WHEN 1 THEN 2 ELSE 1 END WHERE pk_comment >= 100;
SELECT * FROM tv_stats ORDER BY 1;
SELECT * FROM tv_check();

DROP SCHEMA aggregate_children CASCADE;
