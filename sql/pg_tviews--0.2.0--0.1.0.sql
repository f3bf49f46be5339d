-- pg_tviews 0.2.0 -> 0.1.0: the "emergency rollback" of the operator guides.
-- Removes what 0.2.0 added (the monitoring views and the metrics table with
-- its rows, verification, the graph), gives back 0.1.0's health check, DDL
-- guard event trigger and privileges, and turns the registry back into the
-- table pg_tview_meta (same OID, same rows). The TVIEWs stay. The library
-- stays the installed one: it reads 0.1.0's table until the next update.
\echo Use "ALTER EXTENSION pg_tviews UPDATE TO '0.1.0'" to load this file. \quit

DROP FUNCTION @extschema@.pg_tviews_flush_and_report();
DROP FUNCTION @extschema@.pg_tviews_cascade(oid, uuid), @extschema@.pg_tviews_cascade(oid, text),
    @extschema@.pg_tviews_insert(oid, uuid), @extschema@.pg_tviews_insert(oid, text),
    @extschema@.pg_tviews_delete(oid, uuid), @extschema@.pg_tviews_delete(oid, text);
CREATE OR REPLACE FUNCTION @extschema@.pg_tviews_delete(base_table_oid oid, pk_value bigint) RETURNS void
    LANGUAGE c STRICT AS 'MODULE_PATHNAME', 'pg_tviews_delete';
DROP FUNCTION @extschema@.pg_tviews_graph(text);
DROP FUNCTION @extschema@.pg_tviews_create_or_replace(text, text);
DROP FUNCTION @extschema@.pg_tviews_health_check(boolean);
DROP FUNCTION @extschema@.pg_tviews_repair(regclass);
DROP FUNCTION @extschema@.pg_tviews_verify(regclass, real);
DROP VIEW @extschema@.pg_tview_helpers;
DROP FUNCTION @extschema@.pg_tviews_helper_views();
DROP FUNCTION @extschema@.pg_tviews_check_jsonb_delta();
DROP FUNCTION @extschema@.pg_tviews_check_jsonb_ivm();
DROP FUNCTION @extschema@.pg_tviews_cleanup_metrics(integer);
DROP VIEW @extschema@.pg_tviews_performance_summary;
DROP TABLE @extschema@.pg_tviews_metrics;
DROP FUNCTION @extschema@.pg_tviews_server_stats();
DROP VIEW @extschema@.pg_tviews_progress;
DROP FUNCTION @extschema@.pg_tviews_progress_figures();
DROP FUNCTION @extschema@.pg_tviews_stats_reset(regclass);
DROP VIEW @extschema@.pg_tviews_stats;
DROP FUNCTION @extschema@.pg_tviews_tview_figures();
DROP VIEW @extschema@.pg_tviews_cache_stats;
DROP FUNCTION @extschema@.pg_tviews_cache_figures();
DROP VIEW @extschema@.pg_tviews_queue_realtime;
DROP FUNCTION @extschema@.pg_tviews_backend_queues();

-- 0.1.0's privileges: the defaults.
REVOKE SELECT ON @extschema@.pg_tviews_settings FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
    @extschema@.pg_tviews_cascade(oid, bigint), @extschema@.pg_tviews_insert(oid, bigint),
    @extschema@.pg_tviews_delete(oid, bigint),
    @extschema@.pg_tviews_install_stmt_triggers(), @extschema@.pg_tviews_uninstall_stmt_triggers(),
    @extschema@.pg_tviews_ddl_start(), @extschema@.pg_tviews_ddl_end(), @extschema@.pg_tviews_drop_start(),
    @extschema@.pg_tviews_sql_drop(), @extschema@.pg_tviews_ddl_guard()
TO PUBLIC;

-- 0.1.0's health check.
DROP FUNCTION @extschema@.pg_tviews_health_check();
DROP FUNCTION @extschema@.pg_tviews_problems();
DROP FUNCTION @extschema@.pg_tviews_own_triggers();
DROP FUNCTION @extschema@.pg_tviews_patch_doc(jsonb, jsonb, "any");
DROP FUNCTION @extschema@.pg_tviews_preloaded();

-- The registry becomes 0.1.0's table again.
DROP VIEW @extschema@.pg_tview_meta;
DROP TRIGGER pg_tviews_replace_row ON @extschema@.pg_tviews_registry;
DROP TRIGGER pg_tviews_replace_row ON @extschema@.pg_tviews_settings;
DROP FUNCTION @extschema@.pg_tviews_replace_row();
DROP TRIGGER pg_tviews_registry_changed ON @extschema@.pg_tviews_registry;
DROP FUNCTION @extschema@.pg_tviews_registry_changed();
ALTER TABLE @extschema@.pg_tviews_registry RENAME TO pg_tview_meta;
COMMENT ON TABLE @extschema@.pg_tview_meta IS 'pg_tviews: one row per TVIEW (tv_<entity> table, v_<entity> view, base relations)';
-- 0.1.0 keeps the default capture mode as a row.
INSERT INTO @extschema@.pg_tviews_settings
SELECT 'capture_mode', 'statement'
 WHERE NOT EXISTS (SELECT 1 FROM @extschema@.pg_tviews_settings WHERE name = 'capture_mode');

-- Health: every TVIEW has its table, view, guard triggers and a capture
-- trigger set on every relation it reads; no capture trigger is orphaned.
CREATE FUNCTION @extschema@.pg_tviews_health_check()
RETURNS TABLE(check_name text, status text, details text)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
    SELECT 'extension'::text, 'OK'::text,
           format('pg_tviews %s, %s TVIEW(s)', @extschema@.pg_tviews_version(),
                  (SELECT count(*) FROM @extschema@.pg_tview_meta))
  UNION ALL
    SELECT 'library_preloaded',
           CASE WHEN current_setting('shared_preload_libraries') ~ '(^|[ ,])pg_tviews($|[ ,])'
                THEN 'OK' ELSE 'OK' END,
           CASE WHEN current_setting('shared_preload_libraries') ~ '(^|[ ,])pg_tviews($|[ ,])'
                THEN 'pg_tviews is in shared_preload_libraries'
                ELSE 'loaded on demand (works the same; preloading saves the first load per connection)' END
  UNION ALL
    SELECT 'tview:' || m.entity,
           CASE WHEN t.oid IS NULL OR v.oid IS NULL OR missing.rels IS NOT NULL OR g.n < 2
                THEN 'ERROR' ELSE 'OK' END,
           CASE WHEN t.oid IS NULL THEN format('table %s is missing', m.table_oid::oid)
                WHEN v.oid IS NULL THEN format('view %s is missing', m.view_oid::oid)
                WHEN g.n < 2 THEN format('guard triggers missing or disabled on %s', m.table_oid)
                WHEN missing.rels IS NOT NULL THEN format('capture triggers missing or disabled on %s', missing.rels)
                ELSE format('%s reads %s relation(s); %s row(s)', m.table_oid,
                            cardinality(m.dependencies), coalesce(t.reltuples::bigint, 0)) END
    FROM @extschema@.pg_tview_meta m
    LEFT JOIN pg_class t ON t.oid = m.table_oid::oid
    LEFT JOIN pg_class v ON v.oid = m.view_oid::oid AND v.relkind = 'v'
    LEFT JOIN LATERAL (SELECT count(*) AS n FROM pg_trigger tg
                        WHERE tg.tgrelid = m.table_oid::oid AND tg.tgname LIKE 'tview\_guard\_%'
                          AND tg.tgenabled <> 'D') g ON true
    LEFT JOIN LATERAL (
        -- statement-level: ins, upd, del and trunc; row-level: row and trunc
        SELECT string_agg(d::text, ', ') AS rels
          FROM unnest(m.dependencies) AS d
         WHERE NOT EXISTS (SELECT 1 FROM pg_trigger tg WHERE tg.tgrelid = d::oid
                              AND tg.tgname = 'tview_capture_trunc' AND tg.tgenabled <> 'D')
            OR (SELECT count(*) FROM pg_trigger tg
                 WHERE tg.tgrelid = d::oid AND tg.tgname IN ('tview_capture_ins', 'tview_capture_upd', 'tview_capture_del')
                   AND tg.tgenabled <> 'D') < 3
               AND NOT EXISTS (SELECT 1 FROM pg_trigger tg WHERE tg.tgrelid = d::oid
                                  AND tg.tgname = 'tview_capture_row' AND tg.tgenabled <> 'D')
    ) missing ON true
  UNION ALL
    SELECT 'orphaned_triggers',
           CASE WHEN count(*) = 0 THEN 'OK' ELSE 'WARNING' END,
           CASE WHEN count(*) = 0 THEN 'no capture trigger without a TVIEW'
                ELSE 'capture triggers on relations no TVIEW reads: ' ||
                     string_agg(DISTINCT tg.tgrelid::regclass::text, ', ') END
    FROM pg_trigger tg
   WHERE tg.tgname LIKE 'tview\_capture\_%'
     AND NOT EXISTS (SELECT 1 FROM @extschema@.pg_tview_meta m
                      WHERE tg.tgrelid = ANY (m.dependencies::oid[])
                         OR EXISTS (SELECT 1 FROM pg_partition_ancestors(tg.tgrelid) a
                                     WHERE a.relid = ANY (m.dependencies::oid[])))
  UNION ALL
    SELECT 'queue', 'OK',
           format('%s key(s) pending in this transaction',
                  (@extschema@.pg_tviews_queue_stats() ->> 'queue_size'))
$fn$;

DROP EVENT TRIGGER pg_tviews_ddl_guard;
CREATE EVENT TRIGGER pg_tviews_ddl_guard ON ddl_command_end
    WHEN TAG IN ('CREATE TRIGGER', 'ALTER TABLE', 'CREATE VIEW', 'ALTER VIEW', 'CREATE TABLE')
    EXECUTE FUNCTION @extschema@.pg_tviews_ddl_guard();
DROP EVENT TRIGGER pg_tviews_drop_start;
CREATE EVENT TRIGGER pg_tviews_drop_start ON ddl_command_start
    WHEN TAG IN ('DROP TABLE', 'DROP VIEW')
    EXECUTE FUNCTION @extschema@.pg_tviews_drop_start();
ALTER FUNCTION @extschema@.pg_tviews_recover_prepared_transactions() STABLE;
DROP EVENT TRIGGER pg_tviews_ddl_start;
CREATE EVENT TRIGGER pg_tviews_ddl_start ON ddl_command_start
    WHEN TAG IN ('CREATE TABLE AS', 'SELECT INTO')
    EXECUTE FUNCTION @extschema@.pg_tviews_ddl_start();
