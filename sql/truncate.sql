-- TRUNCATE of base tables (plain, CASCADE, several tables, RESTART
-- IDENTITY) refreshes every key of the TVIEWs reading them; TRUNCATE of a
-- tv_ table itself is refused.
CREATE SCHEMA truncate_topic;
SET search_path = truncate_topic, public;

CREATE TABLE tb_post (pk_post bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, title text);
CREATE TABLE tb_comment (pk_comment bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                         fk_post bigint REFERENCES tb_post, body text);
INSERT INTO tb_post (title) VALUES ('a'), ('b');
INSERT INTO tb_comment (fk_post, body) VALUES (1, 'x'), (1, 'y'), (2, 'z');

CREATE TABLE tv_post AS
SELECT p.pk_post, p.title,
       (SELECT count(*) FROM tb_comment c WHERE c.fk_post = p.pk_post) AS comments
FROM tb_post p;

TRUNCATE tb_comment;
SELECT * FROM tv_post ORDER BY 1;
SELECT * FROM tv_check();

INSERT INTO tb_comment (fk_post, body) VALUES (2, 'again');
TRUNCATE tb_post, tb_comment RESTART IDENTITY;
SELECT count(*) AS rows_left FROM tv_post;
INSERT INTO tb_post (title) VALUES ('fresh');
SELECT * FROM tv_post;

INSERT INTO tb_comment (fk_post, body) VALUES (1, 'c');
TRUNCATE tb_post CASCADE;
SELECT count(*) AS rows_left FROM tv_post;

-- TRUNCATE inside a transaction that rolls back changes nothing
INSERT INTO tb_post (title) VALUES ('kept');
BEGIN;
TRUNCATE tb_post CASCADE;
ROLLBACK;
SELECT title FROM tv_post;

-- TRUNCATE of the TVIEW table is refused
TRUNCATE tv_post;
SELECT * FROM tv_check();

DROP SCHEMA truncate_topic CASCADE;
