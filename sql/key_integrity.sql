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

DROP SCHEMA key_integrity CASCADE;
