-- pg_tviews monitoring objects for the operator guides (docs/operations.md).
--
--   \i sql/pg_tviews_monitoring.sql              -- from the repository
--   \i /usr/share/postgresql/15/extension/pg_tviews_monitoring.sql
--
-- Run it with psql in a database where pg_tviews is installed, as the role
-- that will own the objects (it needs CREATE on the first schema of its
-- search_path, where they are created). Running it again changes nothing
-- but the functions' and the view's text: it is safe to rerun after an
-- upgrade. What it creates:
--
--   tview_metrics            snapshots of the figures, one row per collection
--   collect_tview_metrics()  takes a snapshot (schedule it with pg_cron)
--   pg_tviews_alerts         the guides' alerts on server-wide figures
--
-- The extension's own monitoring views (pg_tviews_queue_realtime,
-- pg_tviews_stats, pg_tviews_cache_stats, pg_tviews_metrics, ...) need no
-- script: CREATE EXTENSION installs them.
\set pgtv_quiet_was :QUIET
\set QUIET on
SET client_min_messages = warning;

SELECT n.nspname IS NOT NULL AS pgtv_installed, n.nspname AS pgtv_schema
  FROM (SELECT 1) one
  LEFT JOIN pg_catalog.pg_extension e ON e.extname OPERATOR(pg_catalog.=) 'pg_tviews'
  LEFT JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) e.extnamespace \gset
\if :pgtv_installed
\else
    \echo 'pg_tviews_monitoring.sql: the pg_tviews extension is not installed in this database (CREATE EXTENSION pg_tviews first)'
    \set QUIET :pgtv_quiet_was
    \quit
\endif

BEGIN;

CREATE TABLE IF NOT EXISTS tview_metrics (
    id                  bigserial   PRIMARY KEY,
    collected_at        timestamptz NOT NULL DEFAULT now(),
    queue_stats         jsonb,
    cache_stats         jsonb,
    performance_summary jsonb
);
CREATE INDEX IF NOT EXISTS tview_metrics_collected_at ON tview_metrics (collected_at);

-- A snapshot: server-wide queue and refresh figures (pg_tviews_server_stats),
-- per-TVIEW size and cumulative refresh figures, and the last hour of
-- pg_tviews_performance_summary when the caller may read it (pg_monitor /
-- pg_read_all_stats; NULL otherwise). Names resolve in pg_catalog first,
-- then this script's schema and the extension's (set below).
CREATE OR REPLACE FUNCTION collect_tview_metrics() RETURNS void
LANGUAGE plpgsql AS $fn$
DECLARE
    summary jsonb;
BEGIN
    IF has_table_privilege('pg_tviews_metrics', 'SELECT') THEN
        SELECT jsonb_agg(row_to_json(ps) ORDER BY ps.hour) INTO summary
          FROM pg_tviews_performance_summary ps
         WHERE ps.hour OPERATOR(pg_catalog.>) (now() OPERATOR(pg_catalog.-) interval '1 hour');
    END IF;
    INSERT INTO tview_metrics (queue_stats, cache_stats, performance_summary)
    SELECT pg_tviews_server_stats(),
           (SELECT jsonb_object_agg(m.table_oid::text, jsonb_build_object(
                    'rows', c.reltuples::bigint, 'pages', c.relpages,
                    'bytes', pg_total_relation_size(c.oid),
                    'refreshes', s.refreshes, 'keys_refreshed', s.keys_refreshed,
                    'total_time_ms', s.total_time_ms, 'max_time_ms', s.max_time_ms,
                    'last_refresh', s.last_refresh))
              FROM pg_tview_meta m
              JOIN pg_class c ON c.oid OPERATOR(pg_catalog.=) m.table_oid::oid
              LEFT JOIN pg_tviews_stats s ON s.tview::oid OPERATOR(pg_catalog.=) m.table_oid::oid),
           summary;
END
$fn$;
SELECT pg_catalog.format('ALTER FUNCTION %I.collect_tview_metrics() SET search_path = pg_catalog, %I, %I, pg_temp',
                         pg_catalog.current_schema(), pg_catalog.current_schema(), :'pgtv_schema') \gexec

-- One row per alert of the guides, on figures true for the whole server
-- (with shared_preload_libraries = 'pg_tviews'; see the scope row
-- otherwise). status is OK, WARNING or CRITICAL; value is what was measured.
CREATE OR REPLACE VIEW pg_tviews_alerts AS
WITH s AS (SELECT :"pgtv_schema".pg_tviews_server_stats() AS j),
     h AS (SELECT pg_catalog.count(*) FILTER (WHERE status OPERATOR(pg_catalog.=) 'ERROR') AS errors,
                  pg_catalog.count(*) FILTER (WHERE status OPERATOR(pg_catalog.=) 'WARNING'
                                              AND check_name OPERATOR(pg_catalog.<>) 'library_preloaded') AS warnings,
                  pg_catalog.string_agg(check_name, ', ' ORDER BY check_name)
                      FILTER (WHERE status OPERATOR(pg_catalog.<>) 'OK'
                              AND check_name OPERATOR(pg_catalog.<>) 'library_preloaded') AS names
             FROM :"pgtv_schema".pg_tviews_health_check())
SELECT 'scope'::text AS alert,
       CASE WHEN s.j->>'scope' OPERATOR(pg_catalog.=) 'server' THEN 'OK' ELSE 'WARNING' END AS status,
       s.j->>'scope' AS value, 'server'::text AS threshold,
       'without shared_preload_libraries = ''pg_tviews'' the figures below are this session''s only'::text AS hint
  FROM s
UNION ALL
SELECT 'queue_size',
       CASE WHEN (s.j->>'queue_size')::bigint OPERATOR(pg_catalog.>) 1000 THEN 'CRITICAL'
            WHEN (s.j->>'queue_size')::bigint OPERATOR(pg_catalog.>) 100 THEN 'WARNING' ELSE 'OK' END,
       s.j->>'queue_size', '100 / 1000',
       'keys queued in open transactions of every backend: SELECT * FROM pg_tviews_queue_realtime ORDER BY queue_size DESC'
  FROM s
UNION ALL
SELECT 'queue_idle',
       CASE WHEN (s.j->>'queue_idle_ms')::float8 OPERATOR(pg_catalog.>) 300000 THEN 'WARNING' ELSE 'OK' END,
       COALESCE(s.j->>'queue_idle_ms', '0'), '300000 ms',
       'a transaction holds queued keys and has not written for 5 minutes (idle in transaction?): see pg_tviews_queue_realtime.last_enqueued'
  FROM s
UNION ALL
SELECT 'flush_time',
       CASE WHEN (s.j->>'longest_flush_ms')::float8 OPERATOR(pg_catalog.>) 5000 THEN 'WARNING' ELSE 'OK' END,
       COALESCE(s.j->>'longest_flush_ms', '0'), '5000 ms',
       'a COMMIT has been refreshing TVIEWs for more than 5 s: see pg_tviews_queue_realtime.flushing_since and pg_tviews_stats'
  FROM s
UNION ALL
SELECT 'graph_cache_hit_rate',
       CASE WHEN (s.j->>'graph_cache_hit_rate')::float8 OPERATOR(pg_catalog.<) 0.8 THEN 'WARNING' ELSE 'OK' END,
       COALESCE(s.j->>'graph_cache_hit_rate', 'no lookups yet'), '0.8',
       'below 0.8 the definitions are reloaded often: frequent DDL on TVIEWs or their base tables'
  FROM s
UNION ALL
SELECT 'health',
       CASE WHEN h.errors OPERATOR(pg_catalog.>) 0 THEN 'CRITICAL'
            WHEN h.warnings OPERATOR(pg_catalog.>) 0 THEN 'WARNING' ELSE 'OK' END,
       COALESCE(h.names, 'all checks OK'), 'no ERROR or WARNING',
       'SELECT * FROM pg_tviews_health_check() WHERE status <> ''OK'' says what and why'
  FROM h;

COMMIT;
RESET client_min_messages;
\set QUIET :pgtv_quiet_was
\echo pg_tviews monitoring objects installed: tview_metrics, collect_tview_metrics(), pg_tviews_alerts
