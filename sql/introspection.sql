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
