-- The schema the guides' blocks talk about (tb_user, tb_post, tb_comment,
-- tb_test and their TVIEWs), created by the database's owner, a
-- non-superuser.
CREATE TABLE tb_user (pk_user bigint PRIMARY KEY, id uuid NOT NULL UNIQUE, name text NOT NULL);
CREATE TABLE tb_post (pk_post bigint PRIMARY KEY, id uuid NOT NULL UNIQUE,
                      fk_user bigint NOT NULL REFERENCES tb_user, title text NOT NULL,
                      created_at timestamptz NOT NULL DEFAULT '2026-01-01');
CREATE TABLE tb_comment (pk_comment bigint PRIMARY KEY, id uuid NOT NULL UNIQUE,
                         fk_post bigint NOT NULL REFERENCES tb_post, body text NOT NULL);
CREATE TABLE tb_test (pk_test bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, id integer, data jsonb);
INSERT INTO tb_user SELECT g, md5('user' || g)::uuid, 'user ' || g FROM generate_series(1, 20) g;
-- user 1 writes 150 posts (renaming them queues 150 documents of tv_post)
INSERT INTO tb_post SELECT g, md5('post' || g)::uuid, CASE WHEN g <= 150 THEN 1 ELSE 2 + g % 19 END,
                           'post ' || g, '2026-01-01'::timestamptz + g * interval '1 hour'
  FROM generate_series(1, 300) g;
INSERT INTO tb_comment SELECT g, md5('comment' || g)::uuid, 1 + g % 300, 'comment ' || g FROM generate_series(1, 600) g;

CREATE TABLE tv_user AS
SELECT u.pk_user, u.id, jsonb_build_object('id', u.id, 'name', u.name) AS data FROM tb_user u;
CREATE TABLE tv_post AS
SELECT p.pk_post, p.id, p.fk_user, u.id AS user_id,
       jsonb_build_object('id', p.id, 'title', p.title, 'createdAt', p.created_at,
                          'author', jsonb_build_object('id', u.id, 'name', u.name)) AS data
  FROM tb_post p JOIN tb_user u ON u.pk_user = p.fk_user;
CREATE TABLE tv_comment AS
SELECT c.pk_comment, c.id, c.fk_post, jsonb_build_object('id', c.id, 'body', c.body, 'post', p.title) AS data
  FROM tb_comment c JOIN tb_post p ON p.pk_post = c.fk_post;
CREATE TABLE tv_test AS SELECT t.pk_test, t.id, t.data FROM tb_test t;
-- the index the guides drop as "unused"
CREATE INDEX unused_index ON tv_post ((data->>'title'));
GRANT SELECT, INSERT, UPDATE, DELETE ON tb_user, tb_post, tb_comment, tb_test TO walk_app;
