-- pg_tviews demo: a small blog schema and two TVIEWs kept up to date by the
-- extension. Run it in an empty database on a server where pg_tviews is
-- installed (test/demo.sh does all of this for you):
--
--   psql -X -v ON_ERROR_STOP=1 -d demo -f test/demo.sql
\set ON_ERROR_STOP 1
\pset pager off

\echo
\echo '=== 1. CREATE EXTENSION pg_tviews'
CREATE EXTENSION pg_tviews;

\echo
\echo '=== 2. Blog schema: tb_user, tb_post, tb_comment, with a little data'
CREATE TABLE tb_user (
    pk_user bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id      uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,
    name    text NOT NULL,
    email   text
);

CREATE TABLE tb_post (
    pk_post   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id        uuid NOT NULL DEFAULT gen_random_uuid(),
    fk_user   bigint NOT NULL REFERENCES tb_user,
    title     text,
    body      text,
    published bool DEFAULT true
);

CREATE TABLE tb_comment (
    pk_comment bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id         uuid NOT NULL DEFAULT gen_random_uuid(),
    fk_post    bigint NOT NULL REFERENCES tb_post ON DELETE CASCADE,
    fk_user    bigint NOT NULL REFERENCES tb_user,
    body       text
);

INSERT INTO tb_user (name, email) VALUES
    ('alice', 'alice@example.com'),   -- pk_user 1
    ('bob',   'bob@example.com'),     -- pk_user 2
    ('carol', 'carol@example.com');   -- pk_user 3

INSERT INTO tb_post (fk_user, title, body) VALUES
    (1, 'Hello, world',          'My first post.'),        -- pk_post 1
    (1, 'Incremental views',     'Why recompute it all?'), -- pk_post 2
    (2, 'JSONB tips',            'Use jsonb_build_object.'),
    (2, 'Triggers considered',   'They are everywhere.'),
    (3, 'A quiet blog',          'Nothing to see here.');

INSERT INTO tb_comment (fk_post, fk_user, body) VALUES
    (1, 2, 'Welcome!'),
    (1, 3, 'Nice to see you here.'),
    (2, 2, 'Because it is slow.'),
    (2, 3, 'Agreed.'),
    (3, 1, 'Very useful, thanks.'),
    (3, 3, 'Bookmarked.'),
    (4, 1, 'Not in my code.'),
    (5, 2, 'Quiet is good.');

\echo
\echo '=== 3. TVIEW tv_post: a plain CREATE TABLE tv_* AS SELECT'
CREATE TABLE tv_post AS
SELECT p.pk_post, p.id, p.fk_user, u.id AS user_id,
       jsonb_build_object('id', p.id, 'title', p.title,
         'author', jsonb_build_object('id', u.id, 'name', u.name),
         'comments', COALESCE((SELECT jsonb_agg(jsonb_build_object('id', c.id, 'body', c.body, 'author', cu.name) ORDER BY c.pk_comment)
                               FROM tb_comment c JOIN tb_user cu ON cu.pk_user = c.fk_user
                               WHERE c.fk_post = p.pk_post), '[]'::jsonb)) AS data
FROM tb_post p JOIN tb_user u ON u.pk_user = p.fk_user;

\echo
\echo '=== 4. TVIEW tv_user: pg_tviews_create(), built on top of tv_post'
SELECT pg_tviews_create('tv_user', $$
  SELECT u.pk_user, u.id,
         jsonb_build_object('id', u.id, 'name', u.name,
           'posts', COALESCE((SELECT jsonb_agg(tp.data ORDER BY tp.pk_post) FROM tv_post tp WHERE tp.fk_user = u.pk_user), '[]'::jsonb)) AS data
  FROM tb_user u $$);

\echo
\echo '=== 5. The first two documents of tv_post'
SELECT pk_post, data FROM tv_post ORDER BY 1 LIMIT 2;

\echo
\echo '=== 6. One transaction: rename alice, and bob comments on her first post'
SELECT pk_user AS alice FROM tb_user WHERE name = 'alice' \gset
BEGIN;
UPDATE tb_user SET name = 'Alice Liddell' WHERE pk_user = :alice;
INSERT INTO tb_comment (fk_post, fk_user, body)
SELECT min(pk_post), (SELECT pk_user FROM tb_user WHERE name = 'bob'), 'Congratulations on the new name!'
FROM tb_post WHERE fk_user = :alice;
COMMIT;

\echo
\echo '=== 7. After COMMIT: tv_post documents of her posts (new author name, new comment)'
SELECT pk_post, jsonb_pretty(data) AS data FROM tv_post WHERE fk_user = :alice ORDER BY 1;

\echo
\echo '=== 8. After COMMIT: her tv_user document (nested posts updated too)'
SELECT pk_user, jsonb_pretty(data) AS data FROM tv_user WHERE pk_user = :alice;

\echo
\echo '=== 9. pg_tviews_health_check()'
SELECT * FROM pg_tviews_health_check();

\echo
\echo '=== 10. The read model as a graph (pg_tviews_graph(); paste into any Mermaid viewer)'
\pset format unaligned
\pset tuples_only on
SELECT pg_tviews_graph();
\pset format aligned
\pset tuples_only off
