-- Prepared plans and metadata are cached per backend and invalidated when a
-- TVIEW or a base table changes — in this session or in another one (a
-- second session through dblink keeps its warm cache across our DDL).
CREATE EXTENSION IF NOT EXISTS dblink;
CREATE SCHEMA caches;
SET search_path = caches, public;

CREATE TABLE tb_book (pk_book bigint PRIMARY KEY, title text NOT NULL, pages int);
INSERT INTO tb_book VALUES (1, 'one', 10), (2, 'two', 20);
CREATE TABLE tv_book AS SELECT b.pk_book, b.title, b.pages FROM tb_book b;

-- warm this backend's cache
UPDATE tb_book SET pages = 11 WHERE pk_book = 1;

-- a base table changes shape: columns added and dropped (the transition
-- rows' layout changes; cached key queries and plans must follow)
ALTER TABLE tb_book ADD COLUMN isbn text;
ALTER TABLE tb_book DROP COLUMN isbn;
ALTER TABLE tb_book ADD COLUMN extra int DEFAULT 0;
UPDATE tb_book SET title = 'ONE' WHERE pk_book = 1;
INSERT INTO tb_book VALUES (3, 'three', 30, 1);
SELECT * FROM tv_book ORDER BY 1;
SELECT * FROM tv_check();

-- the key column moves position in the base table
ALTER TABLE tb_book RENAME COLUMN pk_book TO id_book;
UPDATE tb_book SET pages = 99 WHERE id_book = 2;
DELETE FROM tb_book WHERE id_book = 3;
SELECT * FROM tv_book ORDER BY 1;
SELECT * FROM tv_check();

-- another session with a warm cache
SELECT dblink_connect('other', 'dbname=' || current_database() || ' port=' || current_setting('port')
                      || ' host=' || current_setting('unix_socket_directories'));
SELECT dblink_exec('other', 'SET search_path = caches, public');
SELECT dblink_exec('other', 'UPDATE tb_book SET pages = 12 WHERE id_book = 1');

-- here: a second TVIEW on the same base table (no new trigger on tb_book)
CREATE TABLE tv_shelf AS SELECT b.id_book AS pk_shelf, upper(b.title) AS label FROM tb_book b;
-- there: its next write must maintain the new TVIEW too
SELECT dblink_exec('other', 'UPDATE tb_book SET title = ''two!'' WHERE id_book = 2');
SELECT * FROM tv_shelf ORDER BY 1;

-- here: drop the first TVIEW; there: writes go on without it
DROP TABLE tv_book;
SELECT dblink_exec('other', 'INSERT INTO tb_book VALUES (4, ''four'', 40, 0)');
SELECT * FROM tv_shelf ORDER BY 1;

-- there: the statistics are that backend's own, and real
SELECT (s->>'graph_cache_misses')::int > 0 AS reloaded_after_ddl,
       (s->>'total_flushes')::int >= 3 AS flushed
FROM dblink('other', 'SELECT pg_tviews_queue_stats()') AS t(s jsonb);
SELECT dblink_disconnect('other');
SELECT * FROM tv_check();

-- health check: a missing capture trigger is an ERROR, an orphaned one a WARNING
SELECT check_name, status FROM pg_tviews_health_check() WHERE check_name IN ('tview:shelf', 'orphaned_triggers');
ALTER TABLE tb_book DISABLE TRIGGER tview_capture_upd;
SELECT check_name, status, details FROM pg_tviews_health_check() WHERE check_name = 'tview:shelf';
ALTER TABLE tb_book ENABLE TRIGGER tview_capture_upd;
-- a disabled guard trigger too (a superuser may disable it)
ALTER TABLE tv_shelf DISABLE TRIGGER tview_guard_truncate;
SELECT check_name, status, details FROM pg_tviews_health_check() WHERE check_name = 'tview:shelf';
ALTER TABLE tv_shelf ENABLE TRIGGER tview_guard_truncate;
-- the list the health check compares pg_trigger with
SELECT trigger_name, trigger_function, used_for FROM pg_tviews_own_triggers() ORDER BY 1;
DROP TRIGGER tview_capture_upd ON tb_book;
SELECT check_name, status, details FROM pg_tviews_health_check() WHERE check_name = 'tview:shelf';
-- trigger names tview_* are pg_tviews' own: only its own functions may run
-- under them (as a restored dump recreates them); one on a table no TVIEW
-- reads does nothing, and the health check reports it
CREATE TABLE tb_loose (a int);
CREATE TRIGGER tview_capture_ins AFTER INSERT ON tb_loose REFERENCING NEW TABLE AS pg_tviews_new
    FOR EACH STATEMENT EXECUTE FUNCTION pg_tviews_capture();
SELECT check_name, status, details FROM pg_tviews_health_check() WHERE check_name = 'orphaned_triggers';
CREATE FUNCTION pg_temp.noop() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$;
CREATE TRIGGER tview_capture_upd AFTER UPDATE ON tb_loose FOR EACH STATEMENT EXECUTE FUNCTION pg_temp.noop();
DROP TABLE tb_loose;
-- repair: recreate the TVIEW
SELECT pg_tviews_drop('tv_shelf');
SELECT pg_tviews_create('caches.tv_shelf', 'SELECT b.id_book AS pk_shelf, upper(b.title) AS label FROM caches.tb_book b');
SELECT check_name, status FROM pg_tviews_health_check() WHERE status <> 'OK' AND check_name <> 'library_preloaded';
UPDATE tb_book SET title = 'four!' WHERE id_book = 4;
SELECT * FROM tv_shelf ORDER BY 1;
SELECT * FROM tv_check();

-- invalidation is narrow: a change to one base table makes another
-- session analyze again only the TVIEWs that depend on it (and creating an
-- unrelated table, here the temporary one, with its row type, none)
CREATE TABLE tb_left (pk_left bigint PRIMARY KEY, v text);
CREATE TABLE tb_right (pk_right bigint PRIMARY KEY, v text);
INSERT INTO tb_left VALUES (1, 'a');
INSERT INTO tb_right VALUES (1, 'b');
CREATE TABLE tv_left AS SELECT l.pk_left, l.v FROM tb_left l;
CREATE TABLE tv_right AS SELECT r.pk_right, r.v FROM tb_right r;
SELECT dblink_connect('other', 'dbname=' || current_database() || ' port=' || current_setting('port')
                      || ' host=' || current_setting('unix_socket_directories'));
SELECT dblink_exec('other', 'SET search_path = caches, public');
SELECT dblink_exec('other', 'UPDATE tb_left SET v = ''a1''');  -- warm: everything loaded
CREATE TEMP TABLE analyzed AS
  SELECT (s->>'definitions_analyzed')::int AS n FROM dblink('other', 'SELECT pg_tviews_queue_stats()') AS t(s jsonb);
ALTER TABLE tb_left ADD COLUMN note text;
SELECT dblink_exec('other', 'UPDATE tb_left SET v = ''a2''');
SELECT (s->>'definitions_analyzed')::int - (SELECT n FROM analyzed) AS analyzed_again
FROM dblink('other', 'SELECT pg_tviews_queue_stats()') AS t(s jsonb);
-- the other TVIEW's entry was kept, and both are maintained there
SELECT dblink_exec('other', 'UPDATE tb_right SET v = ''b1''');
SELECT (s->>'definitions_analyzed')::int - (SELECT n FROM analyzed) AS analyzed_again
FROM dblink('other', 'SELECT pg_tviews_queue_stats()') AS t(s jsonb);
SELECT * FROM tv_left;
SELECT * FROM tv_right;
SELECT dblink_disconnect('other');
SELECT * FROM tv_check();

DROP SCHEMA caches CASCADE;
