-- pg_tviews_analyze_select(): what creation would do, without creating
-- anything; pg_tviews_infer_types(); the full-refresh fallback, warned at
-- creation and still exact.
CREATE SCHEMA introspection;
SET search_path = introspection, public;

CREATE TABLE tb_user (pk_user bigint PRIMARY KEY, name varchar(40) NOT NULL);
CREATE TABLE tb_post (pk_post bigint PRIMARY KEY, fk_user bigint NOT NULL REFERENCES tb_user,
                      title text, score numeric(6,2));
CREATE TABLE tb_comment (pk_comment bigint PRIMARY KEY, fk_post bigint NOT NULL REFERENCES tb_post, body text);
CREATE TABLE tb_flag (fk_post bigint);
INSERT INTO tb_user VALUES (1, 'alice'), (2, 'bob');
INSERT INTO tb_post VALUES (1, 1, 'a', 1.5), (2, 2, 'b', 2);
INSERT INTO tb_comment VALUES (1, 1, 'x');

-- a definition creation would accept
SELECT a->'supported' AS supported, a->>'entity' AS entity, a->>'key_column' AS key_column,
       jsonb_pretty(a->'columns') AS columns
FROM pg_tviews_analyze_select($$
  SELECT p.pk_post, p.fk_user, p.score,
         jsonb_build_object('title', p.title, 'author', u.name,
           'comments', (SELECT jsonb_agg(c.body) FROM tb_comment c WHERE c.fk_post = p.pk_post)) AS data
  FROM tb_post p JOIN tb_user u ON u.pk_user = p.fk_user $$) a;

-- how each relation's changes find keys
SELECT r->>'relation' AS relation, s->>'mode' AS mode, s->>'key_column' AS key_column,
       s->>'key_query_new' AS key_query
FROM pg_tviews_analyze_select($$
  SELECT p.pk_post, jsonb_build_object('title', p.title, 'author', u.name,
           'comments', (SELECT jsonb_agg(c.body) FROM tb_comment c WHERE c.fk_post = p.pk_post)) AS data
  FROM tb_post p JOIN tb_user u ON u.pk_user = p.fk_user $$) a,
  jsonb_array_elements(a->'relations') r, jsonb_array_elements(r->'key_sources') s
ORDER BY 1;

SELECT jsonb_pretty(a->'links') AS links
FROM pg_tviews_analyze_select($$
  SELECT p.pk_post, u.name FROM tb_post p JOIN tb_user u ON u.pk_user = p.fk_user $$) a;

-- A change reached through a correlated subquery whose only tie to the
-- level above is key = column: the key query is that subquery alone,
-- projecting the column (r.fk_post), and reads no post row. Nested
-- subqueries too (a user's posts' replies: p.fk_user). A subquery that
-- reads the outer row elsewhere (the author's own replies) keeps the
-- whole query.
CREATE TABLE tb_reply (pk_reply bigint PRIMARY KEY, fk_post bigint NOT NULL, fk_user bigint NOT NULL, body text);
INSERT INTO tb_reply VALUES (1, 1, 2, 'r1'), (2, 1, 1, 'r2'), (3, 2, 1, 'r3'), (4, 2, 2, 'r4');
CREATE VIEW d_rpost AS
SELECT p.pk_post AS pk_rpost, jsonb_build_object('title', p.title,
         'replies', COALESCE((SELECT jsonb_agg(jsonb_build_object('body', r.body, 'by', ru.name) ORDER BY r.pk_reply)
                              FROM tb_reply r JOIN tb_user ru ON ru.pk_user = r.fk_user
                              WHERE r.fk_post = p.pk_post), '[]'::jsonb)) AS data
FROM tb_post p;
CREATE VIEW d_ruser AS
SELECT u.pk_user AS pk_ruser, jsonb_build_object('name', u.name,
         'posts', COALESCE((SELECT jsonb_agg(jsonb_build_object('title', p.title,
                      'replies', (SELECT count(*) FROM tb_reply r WHERE r.fk_post = p.pk_post)) ORDER BY p.pk_post)
                    FROM tb_post p WHERE p.fk_user = u.pk_user), '[]'::jsonb)) AS data
FROM tb_user u;
CREATE VIEW d_opost AS
SELECT p.pk_post AS pk_opost, jsonb_build_object('title', p.title,
         'own', COALESCE((SELECT jsonb_agg(jsonb_build_object('body', r.body, 'by', ru.name) ORDER BY r.pk_reply)
                          FROM tb_reply r JOIN tb_user ru ON ru.pk_user = r.fk_user
                          WHERE r.fk_post = p.pk_post AND r.fk_user = p.fk_user), '[]'::jsonb)) AS data
FROM tb_post p;
SELECT v AS view, r->>'relation' AS relation, s->>'key_query_new' AS key_query
FROM unnest(ARRAY['d_rpost', 'd_ruser', 'd_opost']) v,
     pg_tviews_analyze_select(pg_catalog.pg_get_viewdef(v::regclass)) a,
     jsonb_array_elements(a->'relations') r, jsonb_array_elements(r->'key_sources') s
WHERE s->>'mode' = 'key query'
ORDER BY 1, 2, 3;
-- and they find every document: TVIEWs on the three, changed through the
-- subqueries, equal their definitions
CREATE TABLE tv_rpost AS SELECT * FROM d_rpost;
CREATE TABLE tv_ruser AS SELECT * FROM d_ruser;
CREATE TABLE tv_opost AS SELECT * FROM d_opost;
BEGIN;
UPDATE tb_user SET name = name || '!' WHERE pk_user = 1;
INSERT INTO tb_reply VALUES (5, 2, 2, 'r5');
UPDATE tb_reply SET fk_post = 2 WHERE pk_reply = 1;
UPDATE tb_post SET fk_user = 2 WHERE pk_post = 1;
COMMIT;
DELETE FROM tb_reply WHERE pk_reply = 3;
UPDATE tb_user SET name = name || '?';
SELECT * FROM tv_check() WHERE tview IN ('tv_rpost', 'tv_ruser', 'tv_opost') ORDER BY 1;
SELECT pk_rpost, data FROM tv_rpost ORDER BY 1;
SELECT pk_opost, data FROM tv_opost ORDER BY 1;
DROP TABLE tv_rpost, tv_ruser, tv_opost;
DROP VIEW d_rpost, d_ruser, d_opost;
DROP TABLE tb_reply;

-- refusals are reported, not raised
SELECT a->'supported' AS supported, jsonb_pretty(a->'refusals') AS refusals
FROM pg_tviews_analyze_select('SELECT p.pk_post, row_number() OVER () AS n FROM tb_post p') a;
SELECT a->'supported' AS supported, a->'refusals'->0->>'sqlstate' AS sqlstate, a->'refusals'->0->>'message' AS message
FROM pg_tviews_analyze_select('SELECT p.title FROM tb_post p') a;
SELECT a->'supported' AS supported, a->'refusals'->0->>'sqlstate' AS sqlstate, a->'refusals'->0->>'message' AS message
FROM pg_tviews_analyze_select('SELECT 1 AS pk_x FROM no_such_table') a;
-- and nothing was created
SELECT count(*) AS created FROM pg_class WHERE relname IN ('v_post', 'tv_post', 'v_x', 'tv_x');

-- a relation read inside a VALUES list in FROM: maintained by refreshing
-- every key, with a warning at creation
SELECT s->>'mode' AS mode, s->>'reason' AS reason, a->'warnings' AS warnings
FROM pg_tviews_analyze_select($$
  SELECT p.pk_post, f.flags FROM tb_post p CROSS JOIN (VALUES ((SELECT count(*) FROM tb_flag))) AS f(flags) $$) a,
  jsonb_array_elements(a->'relations') r, jsonb_array_elements(r->'key_sources') s
WHERE r->>'relation' = 'introspection.tb_flag';
CREATE TABLE tv_flagged AS
SELECT p.pk_post AS pk_flagged, f.flags FROM tb_post p CROSS JOIN (VALUES ((SELECT count(*) FROM tb_flag))) AS f(flags);
INSERT INTO tb_flag VALUES (1), (2);
SELECT * FROM tv_flagged ORDER BY 1;
SELECT * FROM tv_check();

-- types of a table's columns
SELECT pg_tviews_infer_types('introspection.tb_post');
SELECT pg_tviews_infer_types('introspection.tb_user', ARRAY['name']);
SELECT pg_tviews_infer_types('introspection.tb_user', ARRAY['nope']);

-- the read model as a graph (Mermaid, or Graphviz DOT)
SELECT pg_tviews_graph();
SELECT pg_tviews_graph('dot');
SELECT pg_tviews_graph('png');

DROP SCHEMA introspection CASCADE;
