-- pg_tviews 0.1.0 -> 0.2.0: least privilege (docs/security.md).
\echo Use "ALTER EXTENSION pg_tviews UPDATE TO '0.2.0'" to load this file. \quit

-- The DDL guard also watches ownership and row-level security changes.
DROP EVENT TRIGGER pg_tviews_ddl_guard;
CREATE EVENT TRIGGER pg_tviews_ddl_guard ON ddl_command_end
    WHEN TAG IN ('CREATE TRIGGER', 'ALTER TABLE', 'CREATE VIEW', 'ALTER VIEW', 'CREATE TABLE',
                 'ALTER FUNCTION', 'ALTER AGGREGATE', 'ALTER DOMAIN', 'CREATE POLICY', 'ALTER POLICY')
    EXECUTE FUNCTION @extschema@.pg_tviews_ddl_guard();

DROP FUNCTION @extschema@.pg_tviews_health_check();
-- Whether the library was loaded by shared_preload_libraries (readable by
-- every role, unlike the setting itself).
CREATE FUNCTION @extschema@.pg_tviews_preloaded() RETURNS boolean
    LANGUAGE c STABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'pg_tviews_preloaded';

-- TVIEWs this backend refuses to maintain, and why (for example a function
-- their definition calls is now owned by another role).
CREATE FUNCTION @extschema@.pg_tviews_problems()
RETURNS TABLE(table_oid regclass, problem text)
    LANGUAGE c STABLE AS 'MODULE_PATHNAME', 'pg_tviews_problems';

-- Health: every TVIEW has its table, view, enabled guard triggers, a
-- capture trigger set (running pg_tviews' own functions) on every relation
-- it reads, and can be maintained; no capture trigger is orphaned.
CREATE FUNCTION @extschema@.pg_tviews_health_check()
RETURNS TABLE(check_name text, status text, details text)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
    SELECT 'extension'::text, 'OK'::text,
           format('pg_tviews %s, %s TVIEW(s)', @extschema@.pg_tviews_version(),
                  (SELECT count(*) FROM @extschema@.pg_tview_meta))
  UNION ALL
    SELECT 'library_preloaded', 'OK',
           CASE WHEN @extschema@.pg_tviews_preloaded()
                THEN 'pg_tviews is in shared_preload_libraries'
                ELSE 'loaded on demand (works the same; preloading saves the first load per connection)' END
  UNION ALL
    SELECT 'tview:' || m.entity,
           CASE WHEN t.oid IS NULL OR v.oid IS NULL OR missing.rels IS NOT NULL OR g.n OPERATOR(pg_catalog.<) 2
                     OR p.problem IS NOT NULL
                THEN 'ERROR' ELSE 'OK' END,
           CASE WHEN t.oid IS NULL THEN format('table %s is missing', m.table_oid::oid)
                WHEN v.oid IS NULL THEN format('view %s is missing', m.view_oid::oid)
                WHEN p.problem IS NOT NULL THEN format('%s cannot be maintained: %s', m.table_oid, p.problem)
                WHEN g.n OPERATOR(pg_catalog.<) 2 THEN format('guard triggers missing or disabled on %s', m.table_oid)
                WHEN missing.rels IS NOT NULL THEN format('capture triggers missing or disabled on %s', missing.rels)
                ELSE format('%s reads %s relation(s); %s row(s)', m.table_oid,
                            cardinality(m.dependencies), coalesce(t.reltuples::bigint, 0)) END
    FROM @extschema@.pg_tview_meta m
    LEFT JOIN pg_class t ON t.oid OPERATOR(pg_catalog.=) m.table_oid::oid
    LEFT JOIN pg_class v ON v.oid OPERATOR(pg_catalog.=) m.view_oid::oid AND v.relkind OPERATOR(pg_catalog.=) 'v'
    LEFT JOIN @extschema@.pg_tviews_problems() p ON p.table_oid::oid OPERATOR(pg_catalog.=) m.table_oid::oid
    LEFT JOIN LATERAL (SELECT count(*) AS n FROM pg_trigger tg
                        WHERE tg.tgrelid OPERATOR(pg_catalog.=) m.table_oid::oid
                          AND tg.tgname OPERATOR(pg_catalog.~~) 'tview\_guard\_%'
                          AND tg.tgfoid OPERATOR(pg_catalog.=) '@extschema@.pg_tviews_guard()'::regprocedure::oid
                          AND tg.tgenabled OPERATOR(pg_catalog.<>) 'D') g ON true
    LEFT JOIN LATERAL (
        -- statement-level: ins, upd, del and trunc; row-level: row and trunc;
        -- each must run pg_tviews' own capture function
        SELECT string_agg(d::text, ', ') AS rels
          FROM unnest(m.dependencies) AS d
         WHERE NOT EXISTS (SELECT 1 FROM pg_trigger tg WHERE tg.tgrelid OPERATOR(pg_catalog.=) d::oid
                              AND tg.tgname OPERATOR(pg_catalog.=) 'tview_capture_trunc'
                              AND tg.tgfoid OPERATOR(pg_catalog.=) '@extschema@.pg_tviews_capture()'::regprocedure::oid
                              AND tg.tgenabled OPERATOR(pg_catalog.<>) 'D')
            OR (SELECT count(*) FROM pg_trigger tg
                 WHERE tg.tgrelid OPERATOR(pg_catalog.=) d::oid
                   AND tg.tgname OPERATOR(pg_catalog.=) ANY ('{tview_capture_ins,tview_capture_upd,tview_capture_del}'::name[])
                   AND tg.tgfoid OPERATOR(pg_catalog.=) '@extschema@.pg_tviews_capture()'::regprocedure::oid
                   AND tg.tgenabled OPERATOR(pg_catalog.<>) 'D') OPERATOR(pg_catalog.<) 3
               AND NOT EXISTS (SELECT 1 FROM pg_trigger tg WHERE tg.tgrelid OPERATOR(pg_catalog.=) d::oid
                                  AND tg.tgname OPERATOR(pg_catalog.=) 'tview_capture_row'
                                  AND tg.tgfoid OPERATOR(pg_catalog.=) '@extschema@.pg_tviews_capture_row()'::regprocedure::oid
                                  AND tg.tgenabled OPERATOR(pg_catalog.<>) 'D')
    ) missing ON true
  UNION ALL
    SELECT 'orphaned_triggers',
           CASE WHEN count(*) OPERATOR(pg_catalog.=) 0 THEN 'OK' ELSE 'WARNING' END,
           CASE WHEN count(*) OPERATOR(pg_catalog.=) 0 THEN 'no capture trigger without a TVIEW'
                ELSE 'capture triggers on relations no TVIEW reads: ' ||
                     string_agg(DISTINCT tg.tgrelid::regclass::text, ', ') END
    FROM pg_trigger tg
   WHERE tg.tgname OPERATOR(pg_catalog.~~) 'tview\_capture\_%'
     AND NOT EXISTS (SELECT 1 FROM @extschema@.pg_tview_meta m
                      WHERE tg.tgrelid OPERATOR(pg_catalog.=) ANY (m.dependencies::oid[])
                         OR EXISTS (SELECT 1 FROM pg_partition_ancestors(tg.tgrelid) a
                                     WHERE a.relid::oid OPERATOR(pg_catalog.=) ANY (m.dependencies::oid[])))
  UNION ALL
    SELECT 'queue', 'OK',
           format('%s key(s) pending in this transaction',
                  (@extschema@.pg_tviews_queue_stats() ->> 'queue_size'))
$fn$;

-- Privileges (docs/security.md). Everyone reads the metadata, as everyone
-- reads pg_views; only the extension writes it (its functions switch to the
-- extension's owner to do so). Creating, dropping and refreshing are open
-- to every role and check ownership and privileges themselves, as the DDL
-- forms do; repair and the capture mode are granted by the DBA (and check
-- ownership too); trigger and event trigger functions are called by the
-- server only.
GRANT SELECT ON @extschema@.pg_tview_meta, @extschema@.pg_tviews_settings TO PUBLIC;
REVOKE EXECUTE ON FUNCTION
    @extschema@.pg_tviews_cascade(oid, bigint), @extschema@.pg_tviews_insert(oid, bigint),
    @extschema@.pg_tviews_delete(oid, bigint),
    @extschema@.pg_tviews_install_stmt_triggers(), @extschema@.pg_tviews_uninstall_stmt_triggers(),
    @extschema@.pg_tviews_capture(), @extschema@.pg_tviews_capture_row(), @extschema@.pg_tviews_guard(),
    @extschema@.pg_tviews_ddl_start(), @extschema@.pg_tviews_ddl_end(), @extschema@.pg_tviews_drop_start(),
    @extschema@.pg_tviews_sql_drop(), @extschema@.pg_tviews_ddl_guard()
FROM PUBLIC;
