-- Refusals: every definition pg_tviews cannot maintain is refused at
-- creation, through pg_tviews_create() and through CREATE TABLE tv_x AS,
-- with a SQLSTATE, a message naming the TVIEW and a HINT, and leaves nothing
-- behind (no table, no view, no metadata, no trigger).
CREATE SCHEMA refusals;
SET search_path = refusals, public;
\set VERBOSITY default
\set SHOW_CONTEXT never


CREATE TABLE tb_user (pk_user bigint PRIMARY KEY, id uuid NOT NULL, name text NOT NULL);
CREATE TABLE tb_post (pk_post bigint PRIMARY KEY, fk_user bigint REFERENCES tb_user,
                      title text NOT NULL, code text);
INSERT INTO tb_user VALUES (1, '00000000-0000-0000-0000-000000000001', 'alice'),
                           (2, '00000000-0000-0000-0000-000000000002', 'bob'),
                           (3, '00000000-0000-0000-0000-000000000003', 'carol');
INSERT INTO tb_post VALUES (10, 1, 'first', 'a'), (11, 1, 'second', 'b'), (12, 2, 'third', 'c');

-- One valid TVIEW, which every refusal below must leave untouched.
SELECT pg_tviews_create('tv_ok', $$
    SELECT p.pk_post AS pk_ok, p.fk_user, jsonb_build_object('title', p.title) AS data
    FROM tb_post p$$);
CREATE TEMP TABLE meta_before AS SELECT * FROM pg_tview_meta;
CREATE TEMP TABLE triggers_before AS
    SELECT tgrelid::regclass::text AS rel, tgname FROM pg_trigger
     WHERE tgrelid IN (SELECT oid FROM pg_class WHERE relnamespace = 'refusals'::regnamespace)
       AND NOT tgisinternal;

--
-- Names
--
-- empty name
SELECT pg_tviews_create('', $$SELECT pk_post AS pk_x FROM tb_post$$);
SELECT sqlstate_of($q$SELECT pg_tviews_create('', 'SELECT pk_post AS pk_x FROM refusals.tb_post')$q$);
-- 'tv_' alone: the entity part is empty
SELECT pg_tviews_create('tv_', $$SELECT pk_post AS pk_ FROM tb_post$$);
SELECT sqlstate_of($q$SELECT pg_tviews_create('tv_', 'SELECT pk_post AS pk_ FROM refusals.tb_post')$q$);
SELECT * FROM tv_leftovers('');
-- a name longer than PostgreSQL's 63-byte identifiers (64 bytes here): refused,
-- not silently truncated
SELECT pg_tviews_create('tv_' || repeat('n', 61), $$SELECT pk_post AS pk_x FROM tb_post$$);
SELECT sqlstate_of($q$SELECT pg_tviews_create('tv_' || repeat('n', 61), 'SELECT pk_post AS pk_x FROM refusals.tb_post')$q$);
SELECT count(*) AS leftovers FROM pg_class WHERE relname LIKE 'tv\_nnn%' OR relname LIKE 'v\_nnn%';
-- an existing TVIEW
SELECT pg_tviews_create('tv_ok', $$SELECT pk_post AS pk_ok FROM tb_post$$);
SELECT sqlstate_of($q$SELECT pg_tviews_create('tv_ok', 'SELECT pk_post AS pk_ok FROM refusals.tb_post')$q$);
CREATE TABLE tv_ok AS SELECT pk_post AS pk_ok FROM tb_post;
SELECT sqlstate_of($q$CREATE TABLE refusals.tv_ok AS SELECT pk_post AS pk_ok FROM refusals.tb_post$q$);
-- an existing view named v_<entity> is not replaced
CREATE VIEW v_taken AS SELECT 'mine'::text AS owner;
SELECT pg_tviews_create('tv_taken', $$SELECT pk_post AS pk_taken FROM tb_post$$);
SELECT sqlstate_of($q$SELECT pg_tviews_create('tv_taken', 'SELECT pk_post AS pk_taken FROM refusals.tb_post')$q$);
CREATE TABLE tv_taken AS SELECT pk_post AS pk_taken FROM tb_post;
SELECT * FROM tv_leftovers('taken');
SELECT * FROM v_taken;
DROP VIEW v_taken;
-- an ordinary table named tv_<entity> that the definition reads: the name is taken
CREATE TABLE tv_self (pk_self bigint);
SELECT pg_tviews_create('tv_self', $$SELECT pk_self FROM tv_self$$);
SELECT sqlstate_of($q$SELECT pg_tviews_create('tv_self', 'SELECT pk_self FROM refusals.tv_self')$q$);
SELECT * FROM tv_leftovers('self');
DROP TABLE tv_self;

--
-- The key column pk_<entity>
--
-- missing
SELECT pg_tviews_create('tv_x', $$SELECT pk_post AS id, title FROM tb_post$$);
SELECT sqlstate_of($q$SELECT pg_tviews_create('tv_x', 'SELECT pk_post AS id, title FROM refusals.tb_post')$q$);
-- CREATE TABLE tv_x AS without the key makes an ordinary table (a backup
-- copy, say), with a NOTICE
CREATE TABLE tv_x AS SELECT pk_post AS id, title FROM tb_post;
SELECT count(*) AS copied, (SELECT count(*) FROM pg_tview_meta WHERE entity = 'x') AS tviews FROM tv_x;
DROP TABLE tv_x;
SELECT * FROM tv_leftovers('x');
-- of a type without btree equality (point), or without a hash function
-- (money; keys of other types are in the topic key_types)
SELECT pg_tviews_create('tv_x', $$SELECT point(pk_post, 0) AS pk_x, title FROM tb_post$$);
SELECT sqlstate_of($q$SELECT pg_tviews_create('tv_x', 'SELECT point(pk_post, 0) AS pk_x, title FROM refusals.tb_post')$q$);
CREATE TABLE tv_x AS SELECT pk_post::numeric::money AS pk_x, title FROM tb_post;
SELECT sqlstate_of($q$CREATE TABLE refusals.tv_x AS SELECT pk_post::numeric::money AS pk_x, title FROM refusals.tb_post$q$);
SELECT * FROM tv_leftovers('x');
-- null in some rows (carol has no post)
SELECT pg_tviews_create('tv_x', $$
    SELECT p.pk_post AS pk_x, u.name FROM tb_user u LEFT JOIN tb_post p ON p.fk_user = u.pk_user$$);
SELECT sqlstate_of($q$SELECT pg_tviews_create('tv_x', 'SELECT p.pk_post AS pk_x, u.name
    FROM refusals.tb_user u LEFT JOIN refusals.tb_post p ON p.fk_user = u.pk_user')$q$);
CREATE TABLE tv_x AS
    SELECT p.pk_post AS pk_x, u.name FROM tb_user u LEFT JOIN tb_post p ON p.fk_user = u.pk_user;
SELECT sqlstate_of($q$CREATE TABLE refusals.tv_x AS SELECT p.pk_post AS pk_x, u.name
    FROM refusals.tb_user u LEFT JOIN refusals.tb_post p ON p.fk_user = u.pk_user$q$);
SELECT * FROM tv_leftovers('x');
-- not unique: the join multiplies alice's row
SELECT pg_tviews_create('tv_x', $$
    SELECT u.pk_user AS pk_x, p.title FROM tb_user u JOIN tb_post p ON p.fk_user = u.pk_user$$);
SELECT sqlstate_of($q$SELECT pg_tviews_create('tv_x', 'SELECT u.pk_user AS pk_x, p.title
    FROM refusals.tb_user u JOIN refusals.tb_post p ON p.fk_user = u.pk_user')$q$);
CREATE TABLE tv_x AS
    SELECT u.pk_user AS pk_x, p.title FROM tb_user u JOIN tb_post p ON p.fk_user = u.pk_user;
SELECT sqlstate_of($q$CREATE TABLE refusals.tv_x AS SELECT u.pk_user AS pk_x, p.title
    FROM refusals.tb_user u JOIN refusals.tb_post p ON p.fk_user = u.pk_user$q$);
SELECT * FROM tv_leftovers('x');
-- an aggregate
SELECT pg_tviews_create('tv_x', $$SELECT max(pk_post) AS pk_x FROM tb_post$$);
SELECT sqlstate_of($q$SELECT pg_tviews_create('tv_x', 'SELECT max(pk_post) AS pk_x FROM refusals.tb_post')$q$);
CREATE TABLE tv_x AS SELECT max(pk_post) AS pk_x FROM tb_post;
SELECT sqlstate_of($q$CREATE TABLE refusals.tv_x AS SELECT max(pk_post) AS pk_x FROM refusals.tb_post$q$);
SELECT * FROM tv_leftovers('x');

--
-- Statements that are not one SELECT
--
-- not a SELECT (and the DELETE is not run)
SELECT pg_tviews_create('tv_x', $$DELETE FROM tb_post$$);
SELECT sqlstate_of($q$SELECT pg_tviews_create('tv_x', 'DELETE FROM refusals.tb_post')$q$);
SELECT count(*) AS posts FROM tb_post;
SELECT * FROM tv_leftovers('x');
-- several statements
SELECT pg_tviews_create('tv_x', $$SELECT 1 AS pk_x; SELECT 2$$);
SELECT sqlstate_of($q$SELECT pg_tviews_create('tv_x', 'SELECT 1 AS pk_x; SELECT 2')$q$);
SELECT * FROM tv_leftovers('x');
-- syntax error
SELECT pg_tviews_create('tv_x', $$SELEC pk_post AS pk_x FROM tb_post$$);
SELECT sqlstate_of($q$SELECT pg_tviews_create('tv_x', 'SELEC pk_post AS pk_x FROM refusals.tb_post')$q$);
SELECT * FROM tv_leftovers('x');
-- SELECT INTO inside the definition
SELECT pg_tviews_create('tv_x', $$SELECT pk_post AS pk_x INTO other FROM tb_post$$);
SELECT sqlstate_of($q$SELECT pg_tviews_create('tv_x', 'SELECT pk_post AS pk_x INTO other FROM refusals.tb_post')$q$);
SELECT * FROM tv_leftovers('x');
SELECT count(*) AS other_tables FROM pg_class WHERE relname = 'other';

--
-- Unsupported constructs
--
-- UNION
SELECT pg_tviews_create('tv_x', $$
    SELECT pk_post AS pk_x FROM tb_post UNION SELECT pk_user FROM tb_user$$);
SELECT sqlstate_of($q$SELECT pg_tviews_create('tv_x', 'SELECT pk_post AS pk_x FROM refusals.tb_post
    UNION SELECT pk_user FROM refusals.tb_user')$q$);
CREATE TABLE tv_x AS SELECT pk_post AS pk_x FROM tb_post UNION SELECT pk_user FROM tb_user;
SELECT sqlstate_of($q$CREATE TABLE refusals.tv_x AS SELECT pk_post AS pk_x FROM refusals.tb_post
    UNION SELECT pk_user FROM refusals.tb_user$q$);
SELECT * FROM tv_leftovers('x');
-- window function
SELECT pg_tviews_create('tv_x', $$SELECT pk_post AS pk_x, row_number() OVER () AS n FROM tb_post$$);
SELECT sqlstate_of($q$SELECT pg_tviews_create('tv_x', 'SELECT pk_post AS pk_x, row_number() OVER () AS n
    FROM refusals.tb_post')$q$);
CREATE TABLE tv_x AS SELECT pk_post AS pk_x, row_number() OVER () AS n FROM tb_post;
SELECT sqlstate_of($q$CREATE TABLE refusals.tv_x AS SELECT pk_post AS pk_x, row_number() OVER () AS n
    FROM refusals.tb_post$q$);
SELECT * FROM tv_leftovers('x');
-- window function inside a subquery in FROM
SELECT pg_tviews_create('tv_x', $$
    SELECT s.pk_x FROM (SELECT pk_post AS pk_x, rank() OVER (ORDER BY title) AS r FROM tb_post) s$$);
SELECT sqlstate_of($q$SELECT pg_tviews_create('tv_x', 'SELECT s.pk_x
    FROM (SELECT pk_post AS pk_x, rank() OVER (ORDER BY title) AS r FROM refusals.tb_post) s')$q$);
SELECT * FROM tv_leftovers('x');
-- LIMIT
SELECT pg_tviews_create('tv_x', $$SELECT pk_post AS pk_x FROM tb_post ORDER BY pk_post LIMIT 2$$);
SELECT sqlstate_of($q$SELECT pg_tviews_create('tv_x', 'SELECT pk_post AS pk_x FROM refusals.tb_post LIMIT 2')$q$);
CREATE TABLE tv_x AS SELECT pk_post AS pk_x FROM tb_post ORDER BY pk_post LIMIT 2;
SELECT sqlstate_of($q$CREATE TABLE refusals.tv_x AS SELECT pk_post AS pk_x FROM refusals.tb_post LIMIT 2$q$);
SELECT * FROM tv_leftovers('x');
-- OFFSET
SELECT pg_tviews_create('tv_x', $$SELECT pk_post AS pk_x FROM tb_post OFFSET 1$$);
SELECT sqlstate_of($q$SELECT pg_tviews_create('tv_x', 'SELECT pk_post AS pk_x FROM refusals.tb_post OFFSET 1')$q$);
CREATE TABLE tv_x AS SELECT pk_post AS pk_x FROM tb_post OFFSET 1;
SELECT sqlstate_of($q$CREATE TABLE refusals.tv_x AS SELECT pk_post AS pk_x FROM refusals.tb_post OFFSET 1$q$);
SELECT * FROM tv_leftovers('x');
-- volatile function
SELECT pg_tviews_create('tv_x', $$SELECT pk_post AS pk_x, random() AS r FROM tb_post$$);
SELECT sqlstate_of($q$SELECT pg_tviews_create('tv_x', 'SELECT pk_post AS pk_x, random() AS r FROM refusals.tb_post')$q$);
CREATE TABLE tv_x AS SELECT pk_post AS pk_x, random() AS r FROM tb_post;
SELECT sqlstate_of($q$CREATE TABLE refusals.tv_x AS SELECT pk_post AS pk_x, random() AS r FROM refusals.tb_post$q$);
SELECT * FROM tv_leftovers('x');
-- volatile function in WHERE
SELECT pg_tviews_create('tv_x', $$SELECT pk_post AS pk_x FROM tb_post WHERE random() < 0.5$$);
SELECT sqlstate_of($q$SELECT pg_tviews_create('tv_x', 'SELECT pk_post AS pk_x FROM refusals.tb_post
    WHERE random() < 0.5')$q$);
SELECT * FROM tv_leftovers('x');
-- recursive CTE
SELECT pg_tviews_create('tv_x', $$
    WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 3)
    SELECT p.pk_post AS pk_x FROM tb_post p JOIN r ON r.n = p.fk_user$$);
SELECT sqlstate_of($q$SELECT pg_tviews_create('tv_x', 'WITH RECURSIVE r(n) AS
    (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 3)
    SELECT p.pk_post AS pk_x FROM refusals.tb_post p JOIN r ON r.n = p.fk_user')$q$);
CREATE TABLE tv_x AS
    WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 3)
    SELECT p.pk_post AS pk_x FROM tb_post p JOIN r ON r.n = p.fk_user;
SELECT sqlstate_of($q$CREATE TABLE refusals.tv_x AS WITH RECURSIVE r(n) AS
    (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 3)
    SELECT p.pk_post AS pk_x FROM refusals.tb_post p JOIN r ON r.n = p.fk_user$q$);
SELECT * FROM tv_leftovers('x');
-- data-modifying CTE (and the DELETE is not run)
SELECT pg_tviews_create('tv_x', $$
    WITH d AS (DELETE FROM tb_post RETURNING pk_post) SELECT pk_post AS pk_x FROM d$$);
SELECT sqlstate_of($q$SELECT pg_tviews_create('tv_x',
    'WITH d AS (DELETE FROM refusals.tb_post RETURNING pk_post) SELECT pk_post AS pk_x FROM d')$q$);
CREATE TABLE tv_x AS
    WITH d AS (DELETE FROM tb_post RETURNING pk_post) SELECT pk_post AS pk_x FROM d;
SELECT sqlstate_of($q$CREATE TABLE refusals.tv_x AS
    WITH d AS (DELETE FROM refusals.tb_post RETURNING pk_post) SELECT pk_post AS pk_x FROM d$q$);
SELECT count(*) AS posts FROM tb_post;
SELECT * FROM tv_leftovers('x');
-- FOR UPDATE
SELECT pg_tviews_create('tv_x', $$SELECT pk_post AS pk_x FROM tb_post FOR UPDATE$$);
SELECT sqlstate_of($q$SELECT pg_tviews_create('tv_x', 'SELECT pk_post AS pk_x FROM refusals.tb_post FOR UPDATE')$q$);
CREATE TABLE tv_x AS SELECT pk_post AS pk_x FROM tb_post FOR UPDATE;
SELECT sqlstate_of($q$CREATE TABLE refusals.tv_x AS SELECT pk_post AS pk_x FROM refusals.tb_post FOR UPDATE$q$);
SELECT * FROM tv_leftovers('x');
-- TABLESAMPLE
SELECT pg_tviews_create('tv_x', $$SELECT pk_post AS pk_x FROM tb_post TABLESAMPLE SYSTEM (50)$$);
SELECT sqlstate_of($q$SELECT pg_tviews_create('tv_x', 'SELECT pk_post AS pk_x
    FROM refusals.tb_post TABLESAMPLE SYSTEM (50)')$q$);
SELECT * FROM tv_leftovers('x');
-- GROUPING SETS
SELECT pg_tviews_create('tv_x', $$SELECT fk_user AS pk_x, count(*) AS n FROM tb_post GROUP BY ROLLUP (fk_user)$$);
SELECT sqlstate_of($q$SELECT pg_tviews_create('tv_x', 'SELECT fk_user AS pk_x, count(*) AS n
    FROM refusals.tb_post GROUP BY ROLLUP (fk_user)')$q$);
SELECT * FROM tv_leftovers('x');

--
-- Relations a TVIEW cannot read
--
-- a materialized view
CREATE MATERIALIZED VIEW mv_post AS SELECT pk_post, title FROM tb_post;
SELECT pg_tviews_create('tv_x', $$SELECT pk_post AS pk_x, title FROM mv_post$$);
SELECT sqlstate_of($q$SELECT pg_tviews_create('tv_x', 'SELECT pk_post AS pk_x, title FROM refusals.mv_post')$q$);
CREATE TABLE tv_x AS SELECT pk_post AS pk_x, title FROM mv_post;
SELECT sqlstate_of($q$CREATE TABLE refusals.tv_x AS SELECT pk_post AS pk_x, title FROM refusals.mv_post$q$);
SELECT * FROM tv_leftovers('x');
-- a materialized view behind an ordinary view
CREATE VIEW helper_mv AS SELECT * FROM mv_post;
SELECT pg_tviews_create('tv_x', $$SELECT pk_post AS pk_x, title FROM helper_mv$$);
SELECT sqlstate_of($q$SELECT pg_tviews_create('tv_x', 'SELECT pk_post AS pk_x, title FROM refusals.helper_mv')$q$);
SELECT * FROM tv_leftovers('x');
DROP VIEW helper_mv;
DROP MATERIALIZED VIEW mv_post;
-- a temporary table
CREATE TEMP TABLE tmp_post AS SELECT pk_post, title FROM tb_post;
SELECT pg_tviews_create('tv_x', $$SELECT pk_post AS pk_x, title FROM tmp_post$$);
SELECT sqlstate_of($q$SELECT pg_tviews_create('tv_x', 'SELECT pk_post AS pk_x, title FROM tmp_post')$q$);
CREATE TABLE tv_x AS SELECT pk_post AS pk_x, title FROM tmp_post;
SELECT sqlstate_of($q$CREATE TABLE refusals.tv_x AS SELECT pk_post AS pk_x, title FROM tmp_post$q$);
SELECT * FROM tv_leftovers('x');
DROP TABLE tmp_post;
-- a system catalog
SELECT pg_tviews_create('tv_x', $$SELECT c.oid::bigint AS pk_x, c.relname FROM pg_class c$$);
SELECT sqlstate_of($q$SELECT pg_tviews_create('tv_x', 'SELECT c.oid::bigint AS pk_x, c.relname FROM pg_class c')$q$);
CREATE TABLE tv_x AS SELECT c.oid::bigint AS pk_x, c.relname FROM pg_class c;
SELECT sqlstate_of($q$CREATE TABLE refusals.tv_x AS SELECT c.oid::bigint AS pk_x, c.relname FROM pg_class c$q$);
SELECT * FROM tv_leftovers('x');
-- no table at all
SELECT pg_tviews_create('tv_x', $$SELECT 1::bigint AS pk_x$$);
SELECT sqlstate_of($q$SELECT pg_tviews_create('tv_x', 'SELECT 1::bigint AS pk_x')$q$);
CREATE TABLE tv_x AS SELECT 1::bigint AS pk_x;
SELECT sqlstate_of($q$CREATE TABLE refusals.tv_x AS SELECT 1::bigint AS pk_x$q$);
SELECT * FROM tv_leftovers('x');
-- a table that does not exist: PostgreSQL's own error
SELECT pg_tviews_create('tv_x', $$SELECT pk_nope AS pk_x FROM tb_nope$$);
SELECT sqlstate_of($q$SELECT pg_tviews_create('tv_x', 'SELECT pk_nope AS pk_x FROM refusals.tb_nope')$q$);
CREATE TABLE tv_x AS SELECT pk_nope AS pk_x FROM tb_nope;
SELECT sqlstate_of($q$CREATE TABLE refusals.tv_x AS SELECT pk_nope AS pk_x FROM refusals.tb_nope$q$);
SELECT * FROM tv_leftovers('x');

--
-- Temporary TVIEWs
--
CREATE TEMP TABLE tv_x AS SELECT pk_post AS pk_x, title FROM tb_post;
SELECT sqlstate_of($q$CREATE TEMP TABLE tv_x AS SELECT pk_post AS pk_x, title FROM refusals.tb_post$q$);
SELECT pg_tviews_create('pg_temp.tv_x', $$SELECT pk_post AS pk_x, title FROM tb_post$$);
SELECT sqlstate_of($q$SELECT pg_tviews_create('pg_temp.tv_x', 'SELECT pk_post AS pk_x, title FROM refusals.tb_post')$q$);
SELECT * FROM tv_leftovers('x');
-- in pg_catalog
SELECT pg_tviews_create('pg_catalog.tv_x', $$SELECT pk_post AS pk_x, title FROM tb_post$$);
SELECT sqlstate_of($q$SELECT pg_tviews_create('pg_catalog.tv_x', 'SELECT pk_post AS pk_x FROM refusals.tb_post')$q$);
SELECT * FROM tv_leftovers('x');

--
-- Columns
--
-- a column without a name
SELECT pg_tviews_create('tv_x', $$SELECT pk_post AS pk_x, 1 FROM tb_post$$);
SELECT sqlstate_of($q$SELECT pg_tviews_create('tv_x', 'SELECT pk_post AS pk_x, 1 FROM refusals.tb_post')$q$);
CREATE TABLE tv_x AS SELECT pk_post AS pk_x, 1 FROM tb_post;
SELECT sqlstate_of($q$CREATE TABLE refusals.tv_x AS SELECT pk_post AS pk_x, 1 FROM refusals.tb_post$q$);
SELECT * FROM tv_leftovers('x');
-- two columns with the same name
SELECT pg_tviews_create('tv_x', $$SELECT pk_post AS pk_x, title AS t, code AS t FROM tb_post$$);
SELECT sqlstate_of($q$SELECT pg_tviews_create('tv_x', 'SELECT pk_post AS pk_x, title AS t, code AS t
    FROM refusals.tb_post')$q$);
CREATE TABLE tv_x AS SELECT pk_post AS pk_x, title AS t, code AS t FROM tb_post;
SELECT sqlstate_of($q$CREATE TABLE refusals.tv_x AS SELECT pk_post AS pk_x, title AS t, code AS t
    FROM refusals.tb_post$q$);
SELECT * FROM tv_leftovers('x');
-- a column of type record
SELECT pg_tviews_create('tv_x', $$SELECT pk_post AS pk_x, ROW(title, code) AS r FROM tb_post$$);
SELECT sqlstate_of($q$SELECT pg_tviews_create('tv_x', 'SELECT pk_post AS pk_x, ROW(title, code) AS r
    FROM refusals.tb_post')$q$);
SELECT * FROM tv_leftovers('x');
-- CREATE TABLE tv_x (column names) AS
CREATE TABLE tv_x (pk_x, t) AS SELECT pk_post, title FROM tb_post;
SELECT sqlstate_of($q$CREATE TABLE refusals.tv_x (pk_x, t) AS SELECT pk_post, title FROM refusals.tb_post$q$);
SELECT * FROM tv_leftovers('x');

--
-- A refusal inside a transaction rolls back with it; the valid TVIEW is intact.
--
BEGIN;
SAVEPOINT s;
SELECT pg_tviews_create('tv_x', $$SELECT pk_post AS pk_x FROM tb_post LIMIT 1$$);
ROLLBACK TO SAVEPOINT s;
SELECT pg_tviews_create('tv_x', $$SELECT pk_post AS pk_x, title FROM tb_post$$);
ROLLBACK;
SELECT * FROM tv_leftovers('x');

--
-- Nothing changed: metadata, triggers, the valid TVIEW still maintained.
--
SELECT count(*) AS meta_differences FROM (
    (SELECT * FROM pg_tview_meta EXCEPT ALL SELECT * FROM meta_before)
    UNION ALL
    (SELECT * FROM meta_before EXCEPT ALL SELECT * FROM pg_tview_meta)) d;
SELECT count(*) AS trigger_differences FROM (
    (SELECT tgrelid::regclass::text AS rel, tgname FROM pg_trigger
      WHERE tgrelid IN (SELECT oid FROM pg_class WHERE relnamespace = 'refusals'::regnamespace)
        AND NOT tgisinternal
     EXCEPT ALL SELECT * FROM triggers_before)
    UNION ALL
    (SELECT * FROM triggers_before
     EXCEPT ALL SELECT tgrelid::regclass::text, tgname FROM pg_trigger
      WHERE tgrelid IN (SELECT oid FROM pg_class WHERE relnamespace = 'refusals'::regnamespace)
        AND NOT tgisinternal)) d;
SELECT * FROM triggers_before ORDER BY 1, 2;
SELECT relname, relkind FROM pg_class
 WHERE relnamespace = 'refusals'::regnamespace AND relkind IN ('r', 'v', 'm') ORDER BY 1;
SELECT check_name, status FROM pg_tviews_health_check()
 WHERE (check_name NOT LIKE 'tview:%' OR check_name = 'tview:ok') AND check_name <> 'library_preloaded' ORDER BY 1;
UPDATE tb_post SET title = 'first, edited' WHERE pk_post = 10;
INSERT INTO tb_post VALUES (13, 3, 'fourth', 'd');
SELECT pk_ok, fk_user, data FROM tv_ok ORDER BY pk_ok;

SELECT * FROM tv_check();
SET client_min_messages = warning;
DROP SCHEMA refusals CASCADE;
RESET client_min_messages;
SELECT * FROM tv_leftovers('ok');
