-- The DDL forms that create a TVIEW: CREATE TABLE tv_x AS (plain,
-- schema-qualified, IF NOT EXISTS, UNLOGGED, WITH NO DATA, from PL/pgSQL,
-- inside a transaction, as the first statement of a new connection),
-- SELECT ... INTO tv_x, pg_tviews_create() with a schema-qualified name; and
-- the forms that stay ordinary tables. Every TVIEW follows its base tables.
CREATE SCHEMA ddl_forms;
CREATE SCHEMA ddl_forms_other;
SET search_path = ddl_forms, public;
\set VERBOSITY default
\set SHOW_CONTEXT never

-- Columns of a relation: name and type with its modifier.
CREATE FUNCTION ddl_forms.columns_of(rel regclass)
RETURNS TABLE(attnum smallint, attname name, type text) LANGUAGE sql AS $$
    SELECT a.attnum, a.attname, format_type(a.atttypid, a.atttypmod)
      FROM pg_attribute a WHERE a.attrelid = rel AND a.attnum > 0 AND NOT a.attisdropped
$$;
-- Is it a TVIEW (metadata row), how many pg_tviews triggers does it carry, its view.
CREATE FUNCTION ddl_forms.tview_state(rel regclass)
RETURNS TABLE(in_meta boolean, guard_triggers bigint, view text) LANGUAGE sql AS $$
    SELECT EXISTS (SELECT 1 FROM pg_tview_meta m WHERE m.table_oid = rel),
           (SELECT count(*) FROM pg_trigger t WHERE t.tgrelid = rel AND t.tgname LIKE 'tview\_%'),
           (SELECT m.view_oid::text FROM pg_tview_meta m WHERE m.table_oid = rel)
$$;

CREATE TABLE tb_user (pk_user bigint PRIMARY KEY, id uuid NOT NULL, name varchar(20) NOT NULL);
CREATE TABLE tb_post (pk_post bigint PRIMARY KEY, id uuid NOT NULL,
                      fk_user bigint NOT NULL REFERENCES tb_user,
                      title varchar(20) NOT NULL, price numeric(10,2) NOT NULL, published date);
INSERT INTO tb_user VALUES (1, '00000000-0000-0000-0000-000000000001', 'alice'),
                           (2, '00000000-0000-0000-0000-000000000002', 'bob');
INSERT INTO tb_post VALUES
    (10, '00000000-0000-0000-0000-000000000010', 1, 'hello', 9.99, '2024-01-01'),
    (11, '00000000-0000-0000-0000-000000000011', 2, 'world', 20.00, NULL);

--
-- CREATE TABLE tv_post AS SELECT: a table with exactly the view's columns
-- and types (typmods included), a primary key, indexes on id, fk_* and *_id.
--
CREATE TABLE tv_post AS
SELECT p.pk_post, p.id, p.fk_user, u.id AS user_id, p.title, p.price, p.published,
       jsonb_build_object('id', p.id, 'title', p.title, 'price', p.price,
                          'author', jsonb_build_object('id', u.id, 'name', u.name)) AS data
FROM tb_post p JOIN tb_user u ON u.pk_user = p.fk_user;
\d tv_post
SELECT * FROM columns_of('tv_post') ORDER BY 1;
SELECT count(*) AS column_differences FROM (
    (SELECT * FROM columns_of('tv_post') EXCEPT SELECT * FROM columns_of('v_post'))
    UNION ALL
    (SELECT * FROM columns_of('v_post') EXCEPT SELECT * FROM columns_of('tv_post'))) d;
SELECT entity, table_oid, view_oid, dependencies, fk_columns, uuid_fk_columns
  FROM pg_tview_meta WHERE entity = 'post';
SELECT definition FROM pg_tview_meta WHERE entity = 'post';
SELECT pk_post, title, price, data FROM tv_post ORDER BY 1;
-- it follows its base tables
UPDATE tb_user SET name = 'alicia' WHERE pk_user = 1;
UPDATE tb_post SET price = 12.50 WHERE pk_post = 11;
INSERT INTO tb_post VALUES (12, '00000000-0000-0000-0000-000000000012', 2, 'again', 1, NULL);
SELECT pk_post, title, price, data FROM tv_post ORDER BY 1;
SELECT * FROM tv_check();

--
-- Schema-qualified CTAS: table and view in the named schema
--
CREATE TABLE ddl_forms_other.tv_author AS
SELECT u.pk_user AS pk_author, u.id, u.name,
       (SELECT count(*) FROM ddl_forms.tb_post p WHERE p.fk_user = u.pk_user) AS posts
FROM ddl_forms.tb_user u;
SELECT * FROM tview_state('ddl_forms_other.tv_author');
SELECT count(*) AS v_author_in_ddl_forms FROM pg_class
 WHERE relname IN ('tv_author', 'v_author') AND relnamespace = 'ddl_forms'::regnamespace;
SELECT * FROM columns_of('ddl_forms_other.tv_author') ORDER BY 1;
INSERT INTO tb_post VALUES (13, '00000000-0000-0000-0000-000000000013', 1, 'more', 3, NULL);
SELECT pk_author, name, posts FROM ddl_forms_other.tv_author ORDER BY 1;
SELECT * FROM tv_check();

--
-- SELECT ... INTO tv_user
--
SELECT u.pk_user, u.id, jsonb_build_object('name', u.name) AS data INTO tv_user FROM tb_user u;
SELECT * FROM tview_state('tv_user');
\d tv_user
INSERT INTO tb_user VALUES (3, '00000000-0000-0000-0000-000000000003', 'carol');
SELECT pk_user, data FROM tv_user ORDER BY 1;
SELECT * FROM tv_check();

--
-- CREATE TABLE IF NOT EXISTS ... AS on an existing TVIEW: skipped, unchanged
--
CREATE TABLE IF NOT EXISTS tv_user AS SELECT u.pk_user, u.name FROM tb_user u;
SELECT * FROM columns_of('tv_user') ORDER BY 1;
SELECT definition FROM pg_tview_meta WHERE entity = 'user';
-- ... and on an ordinary table of that name: skipped, stays ordinary
CREATE TABLE tv_plain_ine (a int);
CREATE TABLE IF NOT EXISTS tv_plain_ine AS SELECT u.pk_user AS pk_plain_ine FROM tb_user u;
SELECT * FROM tview_state('tv_plain_ine');
-- ... and on a new name: created
CREATE TABLE IF NOT EXISTS tv_ine AS SELECT u.pk_user AS pk_ine, u.name FROM tb_user u;
SELECT * FROM tview_state('tv_ine');
UPDATE tb_user SET name = 'bobby' WHERE pk_user = 2;
SELECT pk_user, data FROM tv_user ORDER BY 1;
SELECT * FROM tv_ine ORDER BY 1;
SELECT * FROM tv_check();

--
-- From PL/pgSQL: EXECUTE of a CTAS, and a CTAS in a function body
--
DO $$
BEGIN
    EXECUTE format('CREATE TABLE %I.%I AS SELECT p.pk_post AS pk_dyn, p.title FROM ddl_forms.tb_post p',
                   'ddl_forms', 'tv_dyn');
END $$;
SELECT * FROM tview_state('tv_dyn');
CREATE FUNCTION ddl_forms.make_price_view() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    CREATE TABLE ddl_forms.tv_price AS
        SELECT p.pk_post AS pk_price, p.price FROM ddl_forms.tb_post p WHERE p.price > 5;
    -- written in the same transaction, right after the creation
    UPDATE ddl_forms.tb_post SET price = 99.00 WHERE pk_post = 12;
END $$;
SELECT make_price_view();
SELECT * FROM tview_state('tv_price');
SELECT * FROM tv_price ORDER BY 1;
UPDATE tb_post SET title = 'dynamic' WHERE pk_post = 10;
UPDATE tb_post SET price = 1.00 WHERE pk_post = 10;
SELECT * FROM tv_dyn ORDER BY 1;
SELECT * FROM tv_price ORDER BY 1;
SELECT * FROM tv_check();

--
-- Inside a transaction block, with writes before the commit
--
BEGIN;
CREATE TABLE tv_tx AS SELECT p.pk_post AS pk_tx, p.fk_user, p.title FROM tb_post p;
INSERT INTO tb_post VALUES (14, '00000000-0000-0000-0000-000000000014', 3, 'in tx', 5, NULL);
DELETE FROM tb_post WHERE pk_post = 13;
COMMIT;
SELECT * FROM tview_state('tv_tx');
SELECT * FROM tv_tx ORDER BY 1;
-- a creation that is rolled back leaves nothing
BEGIN;
CREATE TABLE tv_gone AS SELECT p.pk_post AS pk_gone FROM tb_post p;
SELECT * FROM tv_leftovers('gone');
ROLLBACK;
SELECT * FROM tv_leftovers('gone');
SELECT * FROM tv_check();

--
-- UNLOGGED and WITH NO DATA
--
CREATE UNLOGGED TABLE tv_unlogged AS SELECT p.pk_post AS pk_unlogged, p.title FROM tb_post p;
SELECT relpersistence FROM pg_class WHERE oid = 'tv_unlogged'::regclass;
SELECT * FROM tview_state('tv_unlogged');
-- a TVIEW always holds its rows: WITH NO DATA still populates it
CREATE TABLE tv_nodata AS SELECT p.pk_post AS pk_nodata, p.title FROM tb_post p WITH NO DATA;
SELECT * FROM tview_state('tv_nodata');
SELECT count(*) AS nodata_rows FROM tv_nodata;
UPDATE tb_post SET title = 'unlogged' WHERE pk_post = 11;
SELECT * FROM tv_unlogged ORDER BY 1;
SELECT * FROM tv_check();

--
-- CREATE TABLE tv_x AS EXECUTE: refused (the definition must be a SELECT)
--
PREPARE post_titles AS SELECT p.pk_post AS pk_exec, p.title FROM tb_post p;
CREATE TABLE tv_exec AS EXECUTE post_titles;
SELECT sqlstate_of($$CREATE TABLE ddl_forms.tv_exec AS EXECUTE post_titles$$);
SELECT * FROM tv_leftovers('exec');
DEALLOCATE post_titles;

--
-- pg_tviews_create with a schema-qualified name (and the entity form)
--
SELECT pg_tviews_create('ddl_forms_other.tv_title', $$
    SELECT p.pk_post AS pk_title, upper(p.title) AS title FROM ddl_forms.tb_post p$$);
SELECT * FROM tview_state('ddl_forms_other.tv_title');
SELECT pg_tviews_create('ddl_forms_other.small', $$
    SELECT p.pk_post AS pk_small, p.price FROM ddl_forms.tb_post p WHERE p.price < 10$$);
SELECT * FROM tview_state('ddl_forms_other.tv_small');
UPDATE tb_post SET title = 'shout', price = 2 WHERE pk_post = 12;
SELECT * FROM ddl_forms_other.tv_title ORDER BY 1;
SELECT * FROM ddl_forms_other.tv_small ORDER BY 1;
SELECT * FROM tv_check();

--
-- Ordinary tables stay ordinary: no metadata, no triggers, writable
--
CREATE TABLE tv_plain (a int);
CREATE TABLE not_tview AS SELECT 1 AS a;
CREATE TABLE tv_like (LIKE tb_post);
CREATE TABLE tv_ AS SELECT 1 AS a;
CREATE MATERIALIZED VIEW tv_matview AS SELECT p.pk_post AS pk_matview FROM tb_post p;
SELECT c.relname, s.in_meta, s.guard_triggers
  FROM pg_class c, tview_state(c.oid) s
 WHERE c.relname IN ('tv_plain', 'not_tview', 'tv_like', 'tv_', 'tv_matview', 'tv_plain_ine')
   AND c.relnamespace = 'ddl_forms'::regnamespace ORDER BY 1;
SELECT count(*) AS views FROM pg_class
 WHERE relname IN ('v_plain', 'v_like', 'v_', 'v_matview', 'v_plain_ine');
INSERT INTO tv_plain VALUES (1);
INSERT INTO not_tview VALUES (2);
SELECT * FROM tv_plain;
SELECT * FROM not_tview ORDER BY 1;
DROP TABLE tv_plain, not_tview, tv_like, tv_, tv_plain_ine;
DROP MATERIALIZED VIEW tv_matview;

--
-- The very first statement of a new connection (library not loaded yet
-- unless preloaded)
--
\c :DBNAME
CREATE TABLE ddl_forms.tv_first AS
SELECT u.pk_user AS pk_first, u.id, u.name FROM ddl_forms.tb_user u;
SET search_path = ddl_forms, public;
\set VERBOSITY default
\set SHOW_CONTEXT never
SELECT * FROM tview_state('tv_first');
\d tv_first
UPDATE tb_user SET name = 'carla' WHERE pk_user = 3;
SELECT * FROM tv_first ORDER BY 1;
-- the first statement of a new connection writes a base table
\c :DBNAME
UPDATE ddl_forms.tb_user SET name = 'al' WHERE pk_user = 1;
SET search_path = ddl_forms, public;
\set VERBOSITY default
\set SHOW_CONTEXT never
SELECT * FROM tv_first ORDER BY 1;
SELECT pk_post, data FROM tv_post WHERE fk_user = 1 ORDER BY 1;

SELECT * FROM tv_check();
SET client_min_messages = warning;
DROP SCHEMA ddl_forms CASCADE;
DROP SCHEMA ddl_forms_other CASCADE;
RESET client_min_messages;
SELECT * FROM tv_leftovers('post');
SELECT count(*) AS tviews_left FROM pg_tview_meta
 WHERE entity IN ('post', 'author', 'user', 'ine', 'dyn', 'price', 'tx', 'unlogged', 'nodata',
                  'title', 'small', 'first');
