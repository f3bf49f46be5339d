-- Least privilege (docs/security.md): a migrator who owns the schema and its
-- TVIEWs, an application writer with DML rights only, a reader, a monitor
-- (pg_monitor) and an outsider; what each may do, the lock-out of ordinary
-- DDL, the three ways to become another role, the crash reproducer, and the
-- DDL that would leave a TVIEW stale or unmaintainable.
SET client_min_messages = warning;
DROP ROLE IF EXISTS regress_tv_migrator, regress_tv_app, regress_tv_reader, regress_tv_monitor,
    regress_tv_outsider;
RESET client_min_messages;
CREATE ROLE regress_tv_migrator;
CREATE ROLE regress_tv_app;
CREATE ROLE regress_tv_reader;
CREATE ROLE regress_tv_monitor IN ROLE pg_monitor;
CREATE ROLE regress_tv_outsider;
CREATE SCHEMA sec AUTHORIZATION regress_tv_migrator;
CREATE SCHEMA sec_out AUTHORIZATION regress_tv_outsider;
GRANT USAGE ON SCHEMA sec TO regress_tv_app, regress_tv_reader, regress_tv_monitor, regress_tv_outsider;
GRANT USAGE ON SCHEMA sec_out TO PUBLIC;

-- ---- the migrator builds the schema and its read models -------------------
SET ROLE regress_tv_migrator;
SET search_path = sec, public;
CREATE TABLE tb_user (pk_user bigint PRIMARY KEY, id uuid NOT NULL, name text NOT NULL);
CREATE TABLE tb_post (pk_post bigint PRIMARY KEY, id uuid NOT NULL,
                      fk_user bigint NOT NULL REFERENCES tb_user, title text NOT NULL);
INSERT INTO tb_user SELECT g, md5('u' || g)::uuid, 'user ' || g FROM generate_series(1, 3) g;
INSERT INTO tb_post SELECT g, md5('p' || g)::uuid, 1 + g % 3, 'post ' || g FROM generate_series(1, 6) g;
CREATE TABLE tv_post AS
SELECT p.pk_post, p.id, p.fk_user,
       jsonb_build_object('title', p.title, 'author', jsonb_build_object('name', u.name)) AS data
FROM tb_post p JOIN tb_user u ON u.pk_user = p.fk_user;
SELECT pg_tviews_create('sec.tv_user', $$
SELECT u.pk_user, u.id, jsonb_build_object('name', u.name,
       'posts', COALESCE((SELECT jsonb_agg(p.data ORDER BY p.pk_post) FROM sec.tv_post p
                          WHERE p.fk_user = u.pk_user), '[]'::jsonb)) AS data
FROM sec.tb_user u$$);
GRANT SELECT, INSERT, UPDATE, DELETE ON tb_user, tb_post TO regress_tv_app;
GRANT SELECT ON tv_post, tv_user TO regress_tv_app, regress_tv_reader;
RESET ROLE;
SELECT c.relname, pg_get_userbyid(c.relowner) AS owner FROM pg_class c
 WHERE c.relnamespace = 'sec'::regnamespace AND c.relkind IN ('r', 'v') ORDER BY 1;

-- ---- nobody is locked out of ordinary DDL ----------------------------------
SET ROLE regress_tv_outsider;
CREATE TABLE sec_out.t (a int PRIMARY KEY, b text);
CREATE TEMP TABLE scratch (a int);
CREATE VIEW sec_out.v AS SELECT a FROM sec_out.t;
ALTER TABLE sec_out.t ADD COLUMN c int;
CREATE INDEX ON sec_out.t (b);
INSERT INTO sec_out.t VALUES (1, 'x', 2);
DROP VIEW sec_out.v;
DROP TABLE sec_out.t, scratch;
-- the metadata is readable by all, like pg_views
SELECT entity FROM pg_tview_meta ORDER BY 1;
RESET ROLE;

-- ... not even when the DBA hides the metadata (the engine reads it as the
-- extension's owner); the index makes this backend reload its cache as app
REVOKE SELECT ON pg_tview_meta, pg_tviews_settings FROM PUBLIC;
CREATE INDEX tv_post_title ON sec.tv_post ((data->>'title'));
SET ROLE regress_tv_outsider;
CREATE TABLE sec_out.t2 (a int);
ALTER TABLE sec_out.t2 ADD COLUMN b int;
DROP TABLE sec_out.t2;
SET ROLE regress_tv_app;
UPDATE sec.tb_user SET name = name WHERE pk_user = 3;
SELECT entity FROM pg_tview_meta;
RESET ROLE;
DROP INDEX sec.tv_post_title;
GRANT SELECT ON pg_tview_meta, pg_tviews_settings TO PUBLIC;

-- ---- the application writes base tables; the TVIEWs follow -----------------
SET ROLE regress_tv_app;
INSERT INTO sec.tb_user VALUES (4, md5('u4')::uuid, 'dora');
INSERT INTO sec.tb_post VALUES (7, md5('p7')::uuid, 4, 'hello');
UPDATE sec.tb_user SET name = 'anna' WHERE pk_user = 1;
DELETE FROM sec.tb_post WHERE pk_post = 6;
BEGIN;
UPDATE sec.tb_post SET title = 'read your writes' WHERE pk_post = 7;
SELECT data->'posts'->0->>'title' AS title FROM sec.tv_user WHERE pk_user = 4;
COMMIT;
SELECT pk_post, data->'author'->>'name' AS author FROM sec.tv_post ORDER BY 1;
-- writes to the read model itself: privileges first, then the guard
INSERT INTO sec.tv_post VALUES (9, md5('x')::uuid, 1, '{}');
RESET ROLE;
GRANT UPDATE ON sec.tv_post TO regress_tv_app;
SET ROLE regress_tv_app;
UPDATE sec.tv_post SET data = '{}';
RESET ROLE;
REVOKE UPDATE ON sec.tv_post FROM regress_tv_app;
SELECT * FROM tv_check();

-- ---- a reader reads, a monitor monitors -------------------------------------
SET ROLE regress_tv_reader;
SELECT count(*) AS posts FROM sec.tv_post;
UPDATE sec.tb_user SET name = 'x';
SET ROLE regress_tv_monitor;
SELECT check_name, status FROM pg_tviews_health_check() WHERE check_name LIKE 'tview:%' ORDER BY 1;
SELECT count(*) > 0 AS checks FROM pg_tviews_health_check() WHERE status = 'OK';
SELECT pg_tviews_queue_stats() ->> 'queue_size' AS queue_size;
SELECT pg_tviews_analyze_select('SELECT u.pk_user AS pk_x FROM sec.tb_user u') ->> 'supported' AS supported;
RESET ROLE;

-- ---- an outsider cannot misuse anything -------------------------------------
SET ROLE regress_tv_outsider;
SELECT pg_tviews_refresh('sec.tv_post');
SELECT pg_tviews_drop('sec.tv_post');
SELECT pg_tviews_create_or_replace('sec.tv_post', 'SELECT p.pk_post FROM sec.tb_post p');
DROP TABLE sec.tv_post;
ALTER TABLE sec.tv_post RENAME TO tv_mine;
SELECT pg_tviews_cascade('sec.tb_user'::regclass, 1);
SELECT pg_tviews_insert('sec.tb_user'::regclass, 1);
SELECT pg_tviews_uninstall_stmt_triggers();
SELECT pg_tviews_create('sec.tv_spy', 'SELECT u.pk_user AS pk_spy FROM sec.tb_user u');
SELECT pg_tviews_create('sec_out.tv_spy', 'SELECT u.pk_user AS pk_spy, u.name FROM sec.tb_user u');
CREATE TABLE sec_out.tv_spy AS SELECT u.pk_user AS pk_spy, u.name FROM sec.tb_user u;
-- the metadata is written by the extension only
INSERT INTO pg_tview_meta (entity, table_oid, view_oid, definition)
VALUES ('forged', 'sec.tb_user'::regclass, 'sec.v_post'::regclass, 'SELECT 1');
DELETE FROM pg_tview_meta;
UPDATE pg_tviews_settings SET value = 'row';
-- settings that protect the cluster are the superuser's
SET pg_tviews.max_key_locks = 100000000;
SET pg_tviews.flush_chunk_keys = 10000000;
SET pg_tviews.max_propagation_depth = 100000;
-- the engine's trigger functions may be attached (a restore by a database
-- owner recreates them) but do nothing on a table no TVIEW reads, and
-- refuse to be called directly; tview_* names are theirs alone
CREATE TABLE sec_out.t (a int);
CREATE TRIGGER capture AFTER INSERT ON sec_out.t FOR EACH STATEMENT EXECUTE FUNCTION pg_tviews_capture();
INSERT INTO sec_out.t VALUES (1);
SELECT pg_tviews_capture();
CREATE FUNCTION sec_out.noop() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$;
CREATE TRIGGER tview_capture_ins AFTER INSERT ON sec_out.t FOR EACH STATEMENT EXECUTE FUNCTION sec_out.noop();
DROP TABLE sec_out.t;
RESET ROLE;
SELECT entity FROM pg_tview_meta ORDER BY 1;

-- ---- escalation 1: operators and functions planted on a superuser's path ---
-- Every exact-signature trap the engine's SQL could fall into records who
-- ran it. None may run, whatever the superuser does with that search_path.
SET ROLE regress_tv_outsider;
CREATE TABLE sec_out.pwned (who text, what text);
GRANT INSERT ON sec_out.pwned TO PUBLIC;
CREATE FUNCTION sec_out.trap(a anyelement, b anyelement, what text) RETURNS boolean
LANGUAGE plpgsql AS $$ BEGIN INSERT INTO sec_out.pwned VALUES (current_user, what); RETURN a = b; END $$;
CREATE FUNCTION sec_out.eq_oid_int(oid, integer) RETURNS boolean LANGUAGE sql
    AS $$ SELECT sec_out.trap($1, $2::oid, 'oid = integer') $$;
CREATE FUNCTION sec_out.eq_oid_regclass(oid, regclass) RETURNS boolean LANGUAGE sql
    AS $$ SELECT sec_out.trap($1, $2::oid, 'oid = regclass') $$;
CREATE FUNCTION sec_out.eq_regclass_oid(regclass, oid) RETURNS boolean LANGUAGE sql
    AS $$ SELECT sec_out.trap($1::oid, $2, 'regclass = oid') $$;
CREATE FUNCTION sec_out.eq_int_oid(integer, oid) RETURNS boolean LANGUAGE sql
    AS $$ SELECT sec_out.trap($1::oid, $2, 'integer = oid') $$;
CREATE FUNCTION sec_out.eq_name_text(name, text) RETURNS boolean LANGUAGE sql
    AS $$ SELECT sec_out.trap($1::text, $2, 'name = text') $$;
CREATE FUNCTION sec_out.eq_int8_int4(bigint, integer) RETURNS boolean LANGUAGE sql
    AS $$ SELECT sec_out.trap($1, $2::bigint, 'bigint = integer') $$;
CREATE OPERATOR sec_out.= (LEFTARG = oid, RIGHTARG = integer, FUNCTION = sec_out.eq_oid_int);
CREATE OPERATOR sec_out.= (LEFTARG = oid, RIGHTARG = regclass, FUNCTION = sec_out.eq_oid_regclass);
CREATE OPERATOR sec_out.= (LEFTARG = regclass, RIGHTARG = oid, FUNCTION = sec_out.eq_regclass_oid);
CREATE OPERATOR sec_out.= (LEFTARG = integer, RIGHTARG = oid, FUNCTION = sec_out.eq_int_oid);
CREATE OPERATOR sec_out.= (LEFTARG = name, RIGHTARG = text, FUNCTION = sec_out.eq_name_text);
CREATE OPERATOR sec_out.= (LEFTARG = bigint, RIGHTARG = integer, FUNCTION = sec_out.eq_int8_int4);
-- same signatures as pg_catalog's, found first on a path that lists sec_out before pg_catalog
CREATE FUNCTION sec_out.cnt(bigint) RETURNS bigint LANGUAGE plpgsql
    AS $$ BEGIN INSERT INTO sec_out.pwned VALUES (current_user, 'count(*)'); RETURN $1 + 1; END $$;
CREATE AGGREGATE sec_out.count(*) (SFUNC = sec_out.cnt, STYPE = bigint, INITCOND = '0');
CREATE FUNCTION sec_out.quote_ident(text) RETURNS text LANGUAGE plpgsql
    AS $$ BEGIN INSERT INTO sec_out.pwned VALUES (current_user, 'quote_ident'); RETURN $1; END $$;
RESET ROLE;
SET search_path = sec_out, sec, pg_catalog, public;
CREATE TABLE sec.tv_hijack AS
SELECT u.pk_user AS pk_hijack, pg_catalog.jsonb_build_object('n', u.name) AS data FROM sec.tb_user u;
SELECT pg_tviews_create('sec.tv_hijack2',
    'SELECT p.pk_post AS pk_hijack2, p.fk_user, p.title FROM sec.tb_post p');
-- (the statements of this test compare bigint with bigint: its own SQL
-- would resolve to the traps on this path too)
UPDATE sec.tb_user SET name = name || '!' WHERE pk_user = 2::bigint;
UPDATE sec.tb_post SET title = title || '!' WHERE pk_post = 2::bigint;
SELECT pg_tviews_refresh('sec.tv_hijack');
SELECT pg_tviews_cascade('sec.tb_user'::regclass, 2);
SELECT pg_tviews_analyze_select('SELECT u.pk_user AS pk_a FROM sec.tb_user u') ->> 'supported' AS supported;
SELECT pg_catalog.count(*) AS checks FROM pg_tviews_health_check();
SELECT pg_tviews_uninstall_stmt_triggers();
UPDATE sec.tb_post SET title = title || '?' WHERE pk_post = 3::bigint;
SELECT pg_tviews_install_stmt_triggers();
DELETE FROM sec.tb_post WHERE pk_post = 5::bigint;
INSERT INTO sec.tb_post VALUES (5::bigint, md5('p5')::uuid, 2::bigint, 'again');
ALTER TABLE sec.tb_post ADD COLUMN note text;
CREATE TABLE sec.tb_plain (a int);
DROP TABLE sec.tb_plain;
DROP TABLE sec.tv_hijack2;
DROP TABLE sec.tv_hijack;
RESET search_path;
SELECT who, what FROM sec_out.pwned;
SELECT rolsuper FROM pg_roles WHERE rolname = 'regress_tv_outsider';

-- ---- escalation 2: code another role controls, run as the TVIEW's owner ----
SET ROLE regress_tv_outsider;
CREATE FUNCTION sec_out.shout(text) RETURNS text LANGUAGE sql STABLE AS $$ SELECT upper($1) $$;
CREATE TABLE sec_out.tb_tag (pk_tag bigint PRIMARY KEY, label text);
INSERT INTO sec_out.tb_tag VALUES (1, 'a');
CREATE VIEW sec_out.tags AS SELECT t.pk_tag, sec_out.shout(t.label) AS label FROM sec_out.tb_tag t;
CREATE FUNCTION sec_out.visible(bigint) RETURNS boolean LANGUAGE sql STABLE AS $$ SELECT true $$;
ALTER TABLE sec_out.tb_tag ENABLE ROW LEVEL SECURITY;
CREATE POLICY everyone ON sec_out.tb_tag FOR SELECT USING (sec_out.visible(pk_tag));
GRANT SELECT ON sec_out.tb_tag, sec_out.tags TO PUBLIC;
RESET ROLE;
-- a superuser's TVIEW calling the outsider's function
CREATE TABLE sec.tv_loud AS SELECT u.pk_user AS pk_loud, sec_out.shout(u.name) AS name FROM sec.tb_user u;
SELECT * FROM tv_leftovers('loud');
SET ROLE regress_tv_migrator;
-- the migrator's TVIEW calling it, reading the outsider's view, or its table under RLS
CREATE TABLE sec.tv_loud AS SELECT u.pk_user AS pk_loud, sec_out.shout(u.name) AS name FROM sec.tb_user u;
CREATE TABLE sec.tv_tag AS SELECT t.pk_tag, t.label FROM sec_out.tags t;
CREATE TABLE sec.tv_tag AS SELECT t.pk_tag, t.label FROM sec_out.tb_tag t;
-- its own function is fine ...
CREATE FUNCTION sec.initials(text) RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT left($1, 1) $$;
CREATE TABLE sec.tv_initial AS SELECT u.pk_user AS pk_initial, sec.initials(u.name) AS initial FROM sec.tb_user u;
RESET ROLE;
-- ... until it would belong to someone else
ALTER FUNCTION sec.initials(text) OWNER TO regress_tv_outsider;
SELECT pg_get_userbyid(proowner) AS owner FROM pg_proc WHERE oid = 'sec.initials(text)'::regprocedure;
-- row-level security turned on later, on a table the TVIEW's owner does not own
CREATE TABLE sec.tb_flag (pk_flag bigint PRIMARY KEY, on_off boolean);
ALTER TABLE sec.tb_flag OWNER TO regress_tv_app;
GRANT SELECT ON sec.tb_flag TO regress_tv_migrator;
SET ROLE regress_tv_migrator;
CREATE TABLE sec.tv_flag AS SELECT f.pk_flag, f.on_off FROM sec.tb_flag f;
RESET ROLE;
ALTER TABLE sec.tb_flag ENABLE ROW LEVEL SECURITY;
SELECT relrowsecurity FROM pg_class WHERE oid = 'sec.tb_flag'::regclass;
DROP TABLE sec.tv_flag;
DROP TABLE sec.tb_flag;
SELECT check_name, status FROM pg_tviews_health_check() WHERE status <> 'OK' AND check_name <> 'library_preloaded';
DROP TABLE sec.tv_initial;
DROP FUNCTION sec.initials(text);

-- ---- the crash reproducer: a partitioned table --------------------------------
SET ROLE regress_tv_migrator;
CREATE TABLE sec.tb_event (pk_event bigint PRIMARY KEY, kind text) PARTITION BY RANGE (pk_event);
CREATE TABLE sec.tb_event_1 PARTITION OF sec.tb_event FOR VALUES FROM (0) TO (100);
INSERT INTO sec.tb_event VALUES (1, 'a'), (2, 'b');
CREATE TABLE sec.tv_event AS SELECT e.pk_event, e.kind FROM sec.tb_event e;
RESET ROLE;
GRANT EXECUTE ON FUNCTION pg_tviews_cascade(oid, bigint), pg_tviews_insert(oid, bigint),
    pg_tviews_delete(oid, bigint) TO regress_tv_migrator, regress_tv_outsider;
SET ROLE regress_tv_migrator;
SELECT pg_tviews_cascade('sec.tb_event'::regclass, 1);
SELECT pg_tviews_insert('sec.tb_event'::regclass, 2);
SELECT pg_tviews_delete('sec.tb_event_1'::regclass, 3);
SELECT pg_tviews_cascade('sec.v_event'::regclass, 1);
SELECT pg_tviews_cascade('pg_class'::regclass, 1);
SELECT pg_tviews_cascade(0, 1);
SET ROLE regress_tv_outsider;
SELECT pg_tviews_cascade('sec.tb_event'::regclass, 1);
RESET ROLE;
REVOKE EXECUTE ON FUNCTION pg_tviews_cascade(oid, bigint), pg_tviews_insert(oid, bigint),
    pg_tviews_delete(oid, bigint) FROM regress_tv_migrator, regress_tv_outsider;
SELECT * FROM tv_check();

-- ---- definitions the engine must maintain or refuse ------------------------
SET ROLE regress_tv_migrator;
SET search_path = sec, public;
-- columns that depend on a grouped primary key, inside a subquery
CREATE TABLE tv_ustat AS
SELECT s.pk_user AS pk_ustat, s.name, s.posts
FROM (SELECT u.pk_user, u.name, count(p.pk_post) AS posts
      FROM tb_user u LEFT JOIN tb_post p ON p.fk_user = u.pk_user GROUP BY u.pk_user) s;
UPDATE tb_user SET name = 'anne' WHERE pk_user = 1;
DELETE FROM tb_post WHERE pk_post = 1;
SELECT * FROM tv_ustat ORDER BY 1;
-- one table read through many subqueries: each is a key query for every
-- write to it; above 16 a warning, above 64 refused
SELECT pg_tviews_create('sec.tv_many', 'SELECT u.pk_user AS pk_many' ||
    string_agg(format(', (SELECT p.title FROM sec.tb_post p WHERE p.pk_post = %s AND p.title IS DISTINCT FROM u.name) AS t%s', g, g), '') ||
    ' FROM sec.tb_user u')
FROM generate_series(1, 20) g;
UPDATE sec.tb_post SET title = 'twenty' WHERE pk_post = 3;
SELECT t3 FROM sec.tv_many WHERE pk_many = 1;
SELECT pg_tviews_drop('sec.tv_many');
SELECT pg_tviews_create('sec.tv_many', 'SELECT u.pk_user AS pk_many' ||
    string_agg(format(', (SELECT p.title FROM sec.tb_post p WHERE p.pk_post = %s AND p.title IS DISTINCT FROM u.name) AS t%s', g, g), '') ||
    ' FROM sec.tb_user u')
FROM generate_series(1, 70) g;
-- an unused WINDOW clause
CREATE TABLE tv_win AS SELECT u.pk_user AS pk_win FROM tb_user u WINDOW w AS (ORDER BY u.pk_user);
-- a quoted name one byte too long is refused, not truncated
SELECT pg_tviews_create('"tv_' || repeat('n', 61) || '"', 'SELECT 1::bigint AS pk_n FROM sec.tb_user');
RESET search_path;
RESET ROLE;

-- ---- DDL that would leave a TVIEW stale or unmaintainable ------------------
SET ROLE regress_tv_migrator;
SET search_path = sec, public;
ALTER TABLE tv_post RENAME COLUMN data TO doc;
ALTER TABLE tv_post DROP CONSTRAINT tv_post_pkey;
ALTER TABLE tv_post ADD PRIMARY KEY (pk_post);
ALTER TABLE tv_post ADD COLUMN extra int;
ALTER TABLE tv_post DROP COLUMN fk_user;
ALTER TABLE tv_post DISABLE TRIGGER ALL;
ALTER TABLE tv_post DISABLE TRIGGER tview_guard_dml;
-- ordinary maintenance of the table is fine
CREATE INDEX ON tv_post ((data->>'title'));
ALTER TABLE tv_post SET (fillfactor = 90);
-- a changed definition with the same columns is refreshed at commit; other columns are refused
CREATE OR REPLACE VIEW v_post AS
SELECT p.pk_post, p.id, p.fk_user,
       jsonb_build_object('title', upper(p.title), 'author', jsonb_build_object('name', u.name)) AS data
FROM tb_post p JOIN tb_user u ON u.pk_user = p.fk_user;
SELECT pk_post, data->>'title' AS title FROM tv_post ORDER BY 1 LIMIT 2;
CREATE OR REPLACE VIEW v_post AS
SELECT p.pk_post, p.id, p.fk_user,
       jsonb_build_object('title', p.title, 'author', jsonb_build_object('name', u.name)) AS data, 1 AS extra
FROM tb_post p JOIN tb_user u ON u.pk_user = p.fk_user;
-- a whole-row reference follows the base table's columns
CREATE TABLE tv_raw AS SELECT u.pk_user AS pk_raw, to_jsonb(u) AS data FROM tb_user u;
ALTER TABLE tb_user ADD COLUMN email text DEFAULT 'none';
SELECT data->>'email' AS email FROM tv_raw WHERE pk_raw = 1;
ALTER TABLE tb_user RENAME COLUMN email TO mail;
SELECT data ? 'mail' AS renamed FROM tv_raw WHERE pk_raw = 1;
ALTER TABLE tb_user DROP COLUMN mail;
SELECT data ? 'mail' AS dropped FROM tv_raw WHERE pk_raw = 1;
-- a user trigger on one TVIEW table may not write another
CREATE FUNCTION poke() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN UPDATE sec.tv_post SET data = '{}'; RETURN NULL; END $$;
CREATE TRIGGER poke AFTER UPDATE ON tv_user FOR EACH STATEMENT EXECUTE FUNCTION poke();
\set VERBOSITY terse
UPDATE tb_user SET name = 'poked' WHERE pk_user = 2;
\set VERBOSITY default
DROP TRIGGER poke ON tv_user;
-- capture trigger names cannot be planted
CREATE TRIGGER tview_capture_upd2 AFTER UPDATE ON tb_user FOR EACH STATEMENT EXECUTE FUNCTION poke();
RESET ROLE;
ALTER TABLE sec.tv_post SET SCHEMA sec_out;
ALTER VIEW sec.v_post SET SCHEMA sec_out;
ALTER VIEW sec.v_post OWNER TO regress_tv_app;
-- a new owner takes the view along, and must be able to read what it reads
ALTER TABLE sec.tv_user OWNER TO regress_tv_outsider;
GRANT SELECT ON sec.tb_user, sec.tv_post TO regress_tv_outsider;
ALTER TABLE sec.tv_user OWNER TO regress_tv_outsider;
SELECT c.relname, pg_get_userbyid(c.relowner) AS owner FROM pg_class c
 WHERE c.oid IN ('sec.tv_user'::regclass, 'sec.v_user'::regclass) ORDER BY 1;
UPDATE sec.tb_user SET name = 'maintained as the new owner' WHERE pk_user = 2;
SELECT data->>'name' AS name FROM sec.tv_user WHERE pk_user = 2;
ALTER TABLE sec.tv_user OWNER TO regress_tv_migrator;
-- and a TVIEW others build on must stay readable by their owners
GRANT SELECT ON sec.tb_post TO regress_tv_outsider;
ALTER TABLE sec.tv_post OWNER TO regress_tv_outsider;
REVOKE SELECT ON sec.tb_user, sec.tb_post, sec.tv_post FROM regress_tv_outsider;
SELECT * FROM tv_check();
RESET search_path;

-- ---- the commit-time flush has its own timeout -----------------------------
SET ROLE regress_tv_migrator;
CREATE FUNCTION sec.slow(bigint) RETURNS bigint LANGUAGE plpgsql STABLE
    AS $$ BEGIN PERFORM pg_sleep(0.3); RETURN $1; END $$;
CREATE TABLE sec.tv_slow AS SELECT u.pk_user AS pk_slow, sec.slow(u.pk_user) AS v, upper(u.name) AS shout
    FROM sec.tb_user u WHERE u.pk_user = 1;
SET pg_tviews.flush_timeout = '50ms';
UPDATE sec.tb_user SET name = 'slow' WHERE pk_user = 1;
SELECT name FROM sec.tb_user WHERE pk_user = 1;
RESET pg_tviews.flush_timeout;
DROP TABLE sec.tv_slow;
RESET ROLE;

-- a new definition its owner could not read is refused (a superuser
-- replaces the migrator's view with one reading a table the migrator
-- cannot read): maintenance would fail, or read as someone else
CREATE TABLE sec.tb_secret (pk_secret bigint PRIMARY KEY, fk_user bigint);
CREATE OR REPLACE VIEW sec.v_post AS
SELECT p.pk_post, p.id, p.fk_user,
       jsonb_build_object('title', p.title, 'author', jsonb_build_object('name', u.name),
                          'secrets', (SELECT count(*) FROM sec.tb_secret s WHERE s.fk_user = u.pk_user)) AS data
FROM sec.tb_post p JOIN sec.tb_user u ON u.pk_user = p.fk_user;
SELECT dependencies FROM pg_tview_meta WHERE table_oid = 'sec.tv_post'::regclass;
DROP TABLE sec.tb_secret;

-- a view replaced while the event triggers do not fire (replica mode, the
-- superuser's): the health check names what is not captured, and
-- pg_tviews_create() with the view's definition repairs registry,
-- triggers and documents
CREATE TABLE sec.tb_badge (pk_badge bigint PRIMARY KEY, fk_user bigint);
INSERT INTO sec.tb_badge VALUES (1, 1);
GRANT SELECT ON sec.tb_badge TO regress_tv_migrator;
SET session_replication_role = replica;
CREATE OR REPLACE VIEW sec.v_post AS
SELECT p.pk_post, p.id, p.fk_user,
       jsonb_build_object('title', p.title, 'author', jsonb_build_object('name', u.name),
                          'badges', (SELECT count(*) FROM sec.tb_badge b WHERE b.fk_user = u.pk_user)) AS data
FROM sec.tb_post p JOIN sec.tb_user u ON u.pk_user = p.fk_user;
RESET session_replication_role;
SELECT check_name, status, details FROM pg_tviews_health_check() WHERE check_name = 'tview:post';
SET ROLE regress_tv_migrator;
SELECT pg_tviews_create('sec.tv_post', pg_get_viewdef('sec.v_post'));
RESET ROLE;
SELECT check_name, status FROM pg_tviews_health_check() WHERE check_name = 'tview:post';
SELECT dependencies FROM pg_tview_meta WHERE table_oid = 'sec.tv_post'::regclass;
SELECT count(*) FILTER (WHERE data ? 'badges') AS with_badges, count(*) AS docs FROM sec.tv_post;
INSERT INTO sec.tb_badge VALUES (2, 1);
SELECT * FROM tv_check();
CREATE OR REPLACE VIEW sec.v_post AS
SELECT p.pk_post, p.id, p.fk_user,
       jsonb_build_object('title', p.title, 'author', jsonb_build_object('name', u.name)) AS data
FROM sec.tb_post p JOIN sec.tb_user u ON u.pk_user = p.fk_user;
DROP TABLE sec.tb_badge;

-- a TVIEW dropped while the event triggers do not fire leaves its registry
-- row: the health check says how to remove it, pg_tviews_drop() does
CREATE TABLE sec.tv_gone AS SELECT u.pk_user AS pk_gone, u.name FROM sec.tb_user u;
CREATE TABLE sec.tv_gone2 AS SELECT u.pk_user AS pk_gone2, u.name FROM sec.tb_user u;
SET session_replication_role = replica;
DROP TABLE sec.tv_gone;
DROP TABLE sec.tv_gone2;
DROP VIEW sec.v_gone2;
RESET session_replication_role;
SELECT check_name, status, regexp_replace(details, 'table \d+', 'table N') AS details
  FROM pg_tviews_health_check() WHERE check_name LIKE 'tview:gone%' ORDER BY 1;
SET ROLE regress_tv_outsider;
SELECT pg_tviews_drop('sec.tv_gone');
SELECT pg_tviews_drop('sec.tv_gone2');
RESET ROLE;
SELECT pg_tviews_drop('sec.tv_gone');
SELECT pg_tviews_drop('sec.tv_gone2');
SELECT count(*) AS left_behind FROM pg_tview_meta WHERE entity LIKE 'gone%';

SELECT * FROM tv_check();
SELECT check_name, status FROM pg_tviews_health_check() WHERE status <> 'OK' AND check_name <> 'library_preloaded';

-- ---- clean up ----------------------------------------------------------------
SELECT pg_tviews_drop('sec.tv_post');
DROP SCHEMA sec CASCADE;
DROP SCHEMA sec_out CASCADE;
SELECT entity FROM pg_tview_meta WHERE table_oid::text LIKE 'sec.%';
DROP ROLE regress_tv_migrator, regress_tv_app, regress_tv_reader, regress_tv_monitor, regress_tv_outsider;
