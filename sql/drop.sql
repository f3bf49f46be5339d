-- Dropping TVIEWs: pg_tviews_drop() (table, entity and schema-qualified
-- forms, if_exists), DROP TABLE tv_x [, ...] [CASCADE] with RESTRICT/CASCADE
-- through TVIEWs built on TVIEWs, DROP VIEW of a backing view (drops the
-- TVIEW: a table left behind would no longer be maintained), dropping base
-- tables and schemas, and DROP EXTENSION. Each step leaves no view, trigger
-- or metadata behind, and keeps what other TVIEWs still need.
CREATE SCHEMA drops;
SET search_path = drops, public;
\set VERBOSITY default
\set SHOW_CONTEXT never

-- The TVIEWs of this topic's schemas (and any metadata row whose table is gone).
CREATE VIEW drops.tviews AS
SELECT m.entity, m.table_oid::text AS tview, m.view_oid::text AS view,
       array(SELECT d::text FROM unnest(m.dependencies) d ORDER BY 1)::text AS reads
  FROM pg_tview_meta m LEFT JOIN pg_class c ON c.oid = m.table_oid::oid
 WHERE c.oid IS NULL OR c.relnamespace::regnamespace::text LIKE 'drops%';
-- The pg_tviews triggers on relations of this topic's schemas.
CREATE VIEW drops.tview_triggers AS
SELECT t.tgrelid::regclass::text AS rel,
       count(*) FILTER (WHERE t.tgname LIKE 'tview\_capture\_%') AS capture,
       count(*) FILTER (WHERE t.tgname LIKE 'tview\_guard\_%') AS guard
  FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
 WHERE t.tgname LIKE 'tview\_%' AND c.relnamespace::regnamespace::text LIKE 'drops%'
 GROUP BY 1;
-- The relations of this topic's schemas whose name starts with tv_ or v_.
CREATE VIEW drops.tview_relations AS
SELECT c.oid::regclass::text AS rel, c.relkind
  FROM pg_class c
 WHERE (c.relname LIKE 'tv\_%' OR c.relname LIKE 'v\_%')
   AND c.relnamespace::regnamespace::text LIKE 'drops%';

CREATE TABLE tb_user (pk_user bigint PRIMARY KEY, id uuid NOT NULL, name text NOT NULL);
CREATE TABLE tb_post (pk_post bigint PRIMARY KEY, id uuid NOT NULL,
                      fk_user bigint NOT NULL REFERENCES tb_user, title text NOT NULL);
INSERT INTO tb_user VALUES (1, '00000000-0000-0000-0000-000000000001', 'alice'),
                           (2, '00000000-0000-0000-0000-000000000002', 'bob');
INSERT INTO tb_post VALUES (10, '00000000-0000-0000-0000-000000000010', 1, 'hello'),
                           (11, '00000000-0000-0000-0000-000000000011', 2, 'world');

-- tv_post reads tb_post and tb_user; tv_user reads tb_user.
SELECT pg_tviews_create('tv_user', $$
    SELECT u.pk_user, u.id, jsonb_build_object('name', u.name) AS data FROM tb_user u$$);
CREATE FUNCTION drops.create_tv_post() RETURNS text LANGUAGE sql AS $f$
    SELECT pg_tviews_create('drops.tv_post', $$
        SELECT p.pk_post, p.id, p.fk_user, u.id AS user_id,
               jsonb_build_object('title', p.title, 'author', u.name) AS data
        FROM drops.tb_post p JOIN drops.tb_user u ON u.pk_user = p.fk_user$$)
$f$;
SELECT create_tv_post();
SELECT * FROM tviews ORDER BY 1;
SELECT * FROM tview_triggers ORDER BY 1;

--
-- pg_tviews_drop('tv_post'): tb_post loses its capture triggers, tb_user
-- keeps them (tv_user still reads it).
--
SELECT pg_tviews_drop('tv_post');
SELECT * FROM tviews ORDER BY 1;
SELECT * FROM tview_triggers ORDER BY 1;
SELECT * FROM tview_relations ORDER BY 1;
SELECT * FROM tv_leftovers('post');
UPDATE tb_user SET name = 'alice2' WHERE pk_user = 1;
INSERT INTO tb_post VALUES (12, '00000000-0000-0000-0000-000000000012', 1, 'again');
SELECT pk_user, data FROM tv_user ORDER BY 1;
SELECT * FROM tv_check();

-- the entity form: pg_tviews_drop('post')
SELECT create_tv_post();
SELECT pg_tviews_drop('post');
SELECT * FROM tviews ORDER BY 1;
SELECT * FROM tview_triggers ORDER BY 1;
SELECT * FROM tv_leftovers('post');

-- schema-qualified, with a search_path that does not contain the schema
SELECT create_tv_post();
SET search_path = public;
SELECT pg_tviews_drop('drops.tv_post');
SET search_path = drops, public;
SELECT * FROM tviews ORDER BY 1;
SELECT * FROM tv_leftovers('post');
-- schema-qualified entity form
SELECT create_tv_post();
SELECT pg_tviews_drop('drops.post');
SELECT * FROM tv_leftovers('post');

--
-- pg_tviews_drop of something that is not a TVIEW
--
SELECT pg_tviews_drop('tv_nope');
SELECT sqlstate_of($$SELECT pg_tviews_drop('tv_nope')$$);
SELECT pg_tviews_drop('tv_nope', true) AS dropped;
SELECT pg_tviews_drop('nope', if_exists => true) AS dropped;
SELECT pg_tviews_drop('drops.tv_nope', true) AS dropped;
-- an ordinary table called tv_something is not a TVIEW: refused, kept
CREATE TABLE tv_something (a int);
INSERT INTO tv_something VALUES (1);
SELECT pg_tviews_drop('tv_something');
SELECT sqlstate_of($$SELECT pg_tviews_drop('drops.tv_something')$$);
SELECT pg_tviews_drop('tv_something', true) AS dropped;
SELECT * FROM tv_something;
-- and it drops like any table
DROP TABLE tv_something;
SELECT * FROM tview_relations ORDER BY 1;

--
-- DROP TABLE tv_post: view, capture triggers and metadata go with it
--
SELECT create_tv_post();
DROP TABLE tv_post;
SELECT * FROM tviews ORDER BY 1;
SELECT * FROM tview_triggers ORDER BY 1;
SELECT * FROM tv_leftovers('post');
SELECT * FROM tv_check();
-- DROP TABLE IF EXISTS of a TVIEW that is gone
DROP TABLE IF EXISTS tv_post;

--
-- DROP TABLE rolled back: the TVIEW is back and still maintained
--
SELECT create_tv_post();
BEGIN;
DROP TABLE tv_post;
SELECT * FROM tv_leftovers('post');
ROLLBACK;
SELECT * FROM tviews ORDER BY 1;
SELECT * FROM tview_triggers ORDER BY 1;
UPDATE tb_post SET title = 'hello again' WHERE pk_post = 10;
SELECT pk_post, data FROM tv_post ORDER BY 1;
SELECT * FROM tv_check();

--
-- Changes queued for a TVIEW that is dropped in the same transaction
--
BEGIN;
UPDATE tb_user SET name = 'bob2' WHERE pk_user = 2;
SELECT jsonb_array_length(pg_tviews_debug_queue()) > 0 AS queued;
DROP TABLE tv_post;
COMMIT;
SELECT * FROM tviews ORDER BY 1;
SELECT * FROM tview_triggers ORDER BY 1;
SELECT pk_user, data FROM tv_user ORDER BY 1;
SELECT * FROM tv_check();

--
-- DROP TABLE tv_post, tv_user: several at once
--
SELECT create_tv_post();
DROP TABLE tv_post, tv_user;
SELECT * FROM tviews ORDER BY 1;
SELECT * FROM tview_triggers ORDER BY 1;
SELECT * FROM tview_relations ORDER BY 1;
SELECT * FROM tv_leftovers('post');
SELECT * FROM tv_leftovers('user');
-- a TVIEW and an ordinary table in one DROP
SELECT create_tv_post();
CREATE TABLE plain_t (a int);
DROP TABLE plain_t, tv_post;
SELECT * FROM tviews ORDER BY 1;
SELECT * FROM tview_triggers ORDER BY 1;
SELECT count(*) AS plain_t FROM pg_class WHERE relname = 'plain_t';

--
-- A TVIEW built on another TVIEW: tv_author reads tv_post.
--
SELECT pg_tviews_create('tv_user', $$
    SELECT u.pk_user, u.id, jsonb_build_object('name', u.name) AS data FROM tb_user u$$);
SELECT create_tv_post();
SELECT pg_tviews_create('tv_author', $$
    SELECT u.pk_user AS pk_author, u.id,
           jsonb_build_object('name', u.name,
                              'posts', (SELECT jsonb_agg(p.data ORDER BY p.pk_post)
                                          FROM tv_post p WHERE p.fk_user = u.pk_user)) AS data
    FROM tb_user u$$);
SELECT * FROM tviews ORDER BY 1;
SELECT * FROM tview_triggers ORDER BY 1;
-- RESTRICT (the default) refuses: v_author depends on tv_post
DROP TABLE tv_post;
SELECT sqlstate_of($$DROP TABLE drops.tv_post$$);
DROP TABLE tv_post RESTRICT;
SELECT * FROM tviews ORDER BY 1;
SELECT * FROM tview_triggers ORDER BY 1;
UPDATE tb_post SET title = 'still maintained' WHERE pk_post = 11;
SELECT pk_author, data FROM tv_author ORDER BY 1;
SELECT * FROM tv_check();
-- CASCADE drops both TVIEWs completely; tv_user stays
DROP TABLE tv_post CASCADE;
SELECT * FROM tviews ORDER BY 1;
SELECT * FROM tview_triggers ORDER BY 1;
SELECT * FROM tview_relations ORDER BY 1;
SELECT * FROM tv_leftovers('post');
SELECT * FROM tv_leftovers('author');
SELECT * FROM tv_check();

-- pg_tviews_drop('tv_post') drops tv_author first, then tv_post
SELECT create_tv_post();
SELECT pg_tviews_create('tv_author', $$
    SELECT u.pk_user AS pk_author, u.id,
           jsonb_build_object('name', u.name,
                              'posts', (SELECT jsonb_agg(p.data ORDER BY p.pk_post)
                                          FROM tv_post p WHERE p.fk_user = u.pk_user)) AS data
    FROM tb_user u$$);
SELECT pg_tviews_drop('tv_post');
SELECT * FROM tviews ORDER BY 1;
SELECT * FROM tview_triggers ORDER BY 1;
SELECT * FROM tv_leftovers('post');
SELECT * FROM tv_leftovers('author');
-- dropping the TVIEW on top leaves the one below
SELECT create_tv_post();
SELECT pg_tviews_create('tv_author', $$
    SELECT u.pk_user AS pk_author, u.id,
           jsonb_build_object('name', u.name,
                              'posts', (SELECT jsonb_agg(p.data ORDER BY p.pk_post)
                                          FROM tv_post p WHERE p.fk_user = u.pk_user)) AS data
    FROM tb_user u$$);
SELECT pg_tviews_drop('author');
SELECT * FROM tviews ORDER BY 1;
SELECT * FROM tview_triggers ORDER BY 1;
SELECT * FROM tv_check();

--
-- DROP VIEW of a backing view drops the TVIEW, with a NOTICE (pg_restore
-- --clean drops views before tables); CASCADE too
--
DROP VIEW v_post;
SELECT * FROM tviews ORDER BY 1;
SELECT * FROM tview_relations ORDER BY 1;
SELECT * FROM tv_leftovers('post');
SELECT create_tv_post();
DROP VIEW v_post CASCADE;
SELECT * FROM tv_leftovers('post');
SELECT create_tv_post();
SELECT * FROM tviews ORDER BY 1;
SELECT * FROM tv_check();

--
-- Dropping a base table: RESTRICT refuses, CASCADE removes the TVIEWs that read it
--
DROP TABLE tb_post;
SELECT * FROM tviews ORDER BY 1;
DROP TABLE tb_post CASCADE;
SELECT * FROM tviews ORDER BY 1;
SELECT * FROM tview_triggers ORDER BY 1;
SELECT * FROM tview_relations ORDER BY 1;
SELECT * FROM tv_leftovers('post');
-- tb_user is still read by tv_user and keeps its triggers
UPDATE tb_user SET name = 'alice3' WHERE pk_user = 1;
SELECT pk_user, data FROM tv_user ORDER BY 1;
SELECT * FROM tv_check();

--
-- DROP SCHEMA ... CASCADE: a TVIEW inside the schema, and a TVIEW outside
-- it that reads one of its tables
--
CREATE SCHEMA drops_other;
CREATE TABLE drops_other.tb_tag (pk_tag bigint PRIMARY KEY, fk_user bigint NOT NULL, label text NOT NULL);
INSERT INTO drops_other.tb_tag VALUES (1, 1, 'red'), (2, 2, 'blue');
-- inside: reads drops.tb_user only
SELECT pg_tviews_create('drops_other.tv_member', $$
    SELECT u.pk_user AS pk_member, u.name FROM drops.tb_user u$$);
-- outside: reads drops_other.tb_tag and drops.tb_user
SELECT pg_tviews_create('tv_tag', $$
    SELECT t.pk_tag, t.fk_user, t.label, u.name FROM drops_other.tb_tag t JOIN tb_user u ON u.pk_user = t.fk_user$$);
SELECT * FROM tviews ORDER BY 1;
SELECT * FROM tview_triggers ORDER BY 1;
SELECT pg_tviews_drop('drops_other.member');
SELECT * FROM tv_leftovers('member');
SELECT pg_tviews_create('drops_other.tv_member', $$
    SELECT u.pk_user AS pk_member, u.name FROM drops.tb_user u$$);
SET client_min_messages = warning;
DROP SCHEMA drops_other CASCADE;
RESET client_min_messages;
SELECT * FROM tviews ORDER BY 1;
SELECT * FROM tview_triggers ORDER BY 1;
SELECT * FROM tview_relations ORDER BY 1;
SELECT * FROM tv_leftovers('member');
SELECT * FROM tv_leftovers('tag');
SELECT * FROM tv_check();

--
-- DROP EXTENSION, in a database of its own
--
SET client_min_messages = warning;
DROP DATABASE IF EXISTS tv_dropext;
RESET client_min_messages;
CREATE DATABASE tv_dropext;
\set regress_db :DBNAME
\c tv_dropext
\set VERBOSITY default
\set SHOW_CONTEXT never
CREATE EXTENSION pg_tviews;
CREATE TABLE tb_item (pk_item bigint PRIMARY KEY, name text NOT NULL);
INSERT INTO tb_item VALUES (1, 'one'), (2, 'two');
CREATE TABLE tv_item AS SELECT pk_item, jsonb_build_object('name', name) AS data FROM tb_item;
SELECT entity, table_oid, view_oid FROM pg_tview_meta;
-- without CASCADE: refused, listing what depends on the extension
DROP EXTENSION pg_tviews;
SELECT count(*) AS tviews FROM pg_tview_meta;
UPDATE tb_item SET name = 'uno' WHERE pk_item = 1;
SELECT * FROM tv_item ORDER BY 1;
-- with CASCADE: nothing of pg_tviews remains but the base table and its data
SET client_min_messages = warning;
DROP EXTENSION pg_tviews CASCADE;
RESET client_min_messages;
SELECT relname, relkind FROM pg_class
 WHERE relname LIKE 'tv\_%' OR relname LIKE 'v\_%' OR relname LIKE 'pg\_tview%' ORDER BY 1;
SELECT tgrelid::regclass, tgname FROM pg_trigger WHERE tgname LIKE 'tview%';
SELECT evtname FROM pg_event_trigger WHERE evtname LIKE 'pg_tviews%';
SELECT proname FROM pg_proc WHERE proname LIKE 'pg\_tviews%';
SELECT * FROM tb_item ORDER BY 1;
UPDATE tb_item SET name = 'dos' WHERE pk_item = 2;
INSERT INTO tb_item VALUES (3, 'three');
SELECT * FROM tb_item ORDER BY 1;
-- and the extension can be created again
CREATE EXTENSION pg_tviews;
SELECT count(*) AS tviews FROM pg_tview_meta;
\c :regress_db
DROP DATABASE tv_dropext WITH (FORCE);

SET search_path = drops, public;
SELECT * FROM tviews ORDER BY 1;
SELECT * FROM tv_check();
SET client_min_messages = warning;
DROP SCHEMA drops CASCADE;
RESET client_min_messages;
SELECT * FROM tv_leftovers('user');
