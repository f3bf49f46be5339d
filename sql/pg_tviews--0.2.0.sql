-- pg_tviews 0.2.0: incrementally maintained JSONB read-model tables.
\echo Use "CREATE EXTENSION pg_tviews" to load this file. \quit

-- One row per TVIEW, written by the extension only. Registered with
-- pg_extension_config_dump so pg_dump carries it; table and view are
-- regclass so a restore maps them by name. Users read it through the view
-- pg_tview_meta (below), which adds figures true at read time.
CREATE TABLE @extschema@.pg_tviews_registry (
    entity          text        NOT NULL,
    table_oid       regclass    NOT NULL PRIMARY KEY,
    view_oid        regclass    NOT NULL UNIQUE,
    definition      text        NOT NULL,
    dependencies    regclass[]  NOT NULL DEFAULT '{}',
    fk_columns      text[]      NOT NULL DEFAULT '{}',
    uuid_fk_columns text[]      NOT NULL DEFAULT '{}',
    created_at      timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE @extschema@.pg_tviews_registry IS 'pg_tviews: one row per TVIEW (tv_<entity> table, v_<entity> view, base relations); read it through pg_tview_meta';
SELECT pg_catalog.pg_extension_config_dump('@extschema@.pg_tviews_registry', '');

-- Settings of the installation (pg_dump carries them): capture_mode is
-- 'row' (row-level triggers) when set so by pg_tviews_uninstall_stmt_triggers();
-- no row means the default, 'statement' (statement-level triggers with
-- transition tables). The script inserts no row: a restored dump brings
-- the database's own rows, which would collide with one.
CREATE TABLE @extschema@.pg_tviews_settings (
    name  text PRIMARY KEY,
    value text NOT NULL
);
SELECT pg_catalog.pg_extension_config_dump('@extschema@.pg_tviews_settings', '');

CREATE FUNCTION @extschema@.pg_tviews_version() RETURNS text
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'pg_tviews_version';

CREATE FUNCTION @extschema@.pg_tviews_create(tview_name text, select_sql text) RETURNS text
    LANGUAGE c STRICT AS 'MODULE_PATHNAME', 'pg_tviews_create';

CREATE FUNCTION @extschema@.pg_tviews_drop(tview_name text, if_exists boolean DEFAULT false) RETURNS text
    LANGUAGE c STRICT AS 'MODULE_PATHNAME', 'pg_tviews_drop';

CREATE FUNCTION @extschema@.pg_tviews_refresh(tview text) RETURNS bigint
    LANGUAGE c STRICT AS 'MODULE_PATHNAME', 'pg_tviews_refresh';

CREATE FUNCTION @extschema@.pg_tviews_flush() RETURNS bigint
    LANGUAGE c AS 'MODULE_PATHNAME', 'pg_tviews_flush';

CREATE FUNCTION @extschema@.pg_tviews_queue_stats() RETURNS jsonb
    LANGUAGE c VOLATILE AS 'MODULE_PATHNAME', 'pg_tviews_queue_stats';

CREATE FUNCTION @extschema@.pg_tviews_debug_queue() RETURNS jsonb
    LANGUAGE c VOLATILE AS 'MODULE_PATHNAME', 'pg_tviews_debug_queue';

-- Trigger functions: capture changes of base relations; refuse direct writes to tv_ tables.
CREATE FUNCTION @extschema@.pg_tviews_capture() RETURNS trigger
    LANGUAGE c AS 'MODULE_PATHNAME', 'pg_tviews_capture';
CREATE FUNCTION @extschema@.pg_tviews_capture_row() RETURNS trigger
    LANGUAGE c AS 'MODULE_PATHNAME', 'pg_tviews_capture_row';
CREATE FUNCTION @extschema@.pg_tviews_guard() RETURNS trigger
    LANGUAGE c AS 'MODULE_PATHNAME', 'pg_tviews_guard';

-- CREATE TABLE tv_<e> AS SELECT ... becomes a TVIEW in every session,
-- preloaded or not: event triggers load the library on first use.
CREATE FUNCTION @extschema@.pg_tviews_ddl_start() RETURNS event_trigger
    LANGUAGE c AS 'MODULE_PATHNAME', 'pg_tviews_ddl_start';
CREATE FUNCTION @extschema@.pg_tviews_ddl_end() RETURNS event_trigger
    LANGUAGE c AS 'MODULE_PATHNAME', 'pg_tviews_ddl_end';
CREATE FUNCTION @extschema@.pg_tviews_drop_start() RETURNS event_trigger
    LANGUAGE c AS 'MODULE_PATHNAME', 'pg_tviews_drop_start';
CREATE FUNCTION @extschema@.pg_tviews_sql_drop() RETURNS event_trigger
    LANGUAGE c AS 'MODULE_PATHNAME', 'pg_tviews_sql_drop';

-- Deferred triggers on tv_ tables would never fire for the engine's writes
-- (maintenance runs at commit, after deferred triggers): refuse them. A
-- changed view (CREATE OR REPLACE VIEW of a helper view) must leave every
-- TVIEW analyzable and the dependencies acyclic: checked at once.
CREATE FUNCTION @extschema@.pg_tviews_ddl_guard() RETURNS event_trigger
    LANGUAGE c AS 'MODULE_PATHNAME', 'pg_tviews_ddl_guard';

CREATE EVENT TRIGGER pg_tviews_ddl_guard ON ddl_command_end
    WHEN TAG IN ('CREATE TRIGGER', 'ALTER TABLE', 'CREATE VIEW', 'ALTER VIEW', 'CREATE TABLE',
                 'ALTER FUNCTION', 'ALTER AGGREGATE', 'ALTER DOMAIN', 'CREATE POLICY', 'ALTER POLICY')
    EXECUTE FUNCTION @extschema@.pg_tviews_ddl_guard();
CREATE EVENT TRIGGER pg_tviews_ddl_start ON ddl_command_start
    WHEN TAG IN ('CREATE TABLE AS', 'SELECT INTO', 'CREATE TABLE')
    EXECUTE FUNCTION @extschema@.pg_tviews_ddl_start();
CREATE EVENT TRIGGER pg_tviews_ddl_end ON ddl_command_end
    WHEN TAG IN ('CREATE TABLE AS', 'SELECT INTO')
    EXECUTE FUNCTION @extschema@.pg_tviews_ddl_end();
CREATE EVENT TRIGGER pg_tviews_drop_start ON ddl_command_start
    WHEN TAG IN ('DROP TABLE', 'DROP VIEW', 'DROP SCHEMA', 'DROP OWNED')
    EXECUTE FUNCTION @extschema@.pg_tviews_drop_start();
CREATE EVENT TRIGGER pg_tviews_sql_drop ON sql_drop
    EXECUTE FUNCTION @extschema@.pg_tviews_sql_drop();

-- Any change to the registry (a restore's COPY too) makes every backend
-- reload the definitions.
CREATE FUNCTION @extschema@.pg_tviews_registry_changed() RETURNS trigger
    LANGUAGE c AS 'MODULE_PATHNAME', 'pg_tviews_registry_changed';
CREATE TRIGGER pg_tviews_registry_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON @extschema@.pg_tviews_registry
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.pg_tviews_registry_changed();
REVOKE EXECUTE ON FUNCTION @extschema@.pg_tviews_registry_changed() FROM PUBLIC;

-- A restore may bring rows the database already has (the registry rows of
-- TVIEWs that a schema-only restore registered from their views; settings):
-- the restored row replaces the one in place instead of failing the COPY.
-- Only the extension's owner writes these tables.
CREATE FUNCTION @extschema@.pg_tviews_replace_row() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
    EXECUTE format('DELETE FROM %I.%I t WHERE t.%I OPERATOR(pg_catalog.=) ($1).%I',
                   TG_TABLE_SCHEMA, TG_TABLE_NAME, TG_ARGV[0], TG_ARGV[0]) USING NEW;
    RETURN NEW;
END $fn$;
CREATE TRIGGER pg_tviews_replace_row BEFORE INSERT ON @extschema@.pg_tviews_registry
    FOR EACH ROW EXECUTE FUNCTION @extschema@.pg_tviews_replace_row('table_oid');
CREATE TRIGGER pg_tviews_replace_row BEFORE INSERT ON @extschema@.pg_tviews_settings
    FOR EACH ROW EXECUTE FUNCTION @extschema@.pg_tviews_replace_row('name');
REVOKE EXECUTE ON FUNCTION @extschema@.pg_tviews_replace_row() FROM PUBLIC;

-- The TVIEWs as operators read them: the registry row, plus the capture
-- triggers in place (enabled, running pg_tviews' capture functions) on the
-- relations each reads and the enabled guard triggers on its table, both
-- counted from pg_trigger when the view is read.
CREATE VIEW @extschema@.pg_tview_meta AS
SELECT r.entity, r.table_oid, r.view_oid, r.definition, r.dependencies,
       r.fk_columns, r.uuid_fk_columns, r.created_at,
       (SELECT pg_catalog.count(*)::integer FROM pg_catalog.pg_trigger tg
         WHERE tg.tgrelid OPERATOR(pg_catalog.=) ANY (r.dependencies::oid[])
           AND tg.tgfoid OPERATOR(pg_catalog.=) ANY (ARRAY['@extschema@.pg_tviews_capture()'::regprocedure::oid,
                                                      '@extschema@.pg_tviews_capture_row()'::regprocedure::oid])
           AND tg.tgenabled OPERATOR(pg_catalog.<>) 'D') AS trigger_count,
       (SELECT pg_catalog.count(*)::integer FROM pg_catalog.pg_trigger tg
         WHERE tg.tgrelid OPERATOR(pg_catalog.=) r.table_oid::oid
           AND tg.tgfoid OPERATOR(pg_catalog.=) '@extschema@.pg_tviews_guard()'::regprocedure::oid
           AND tg.tgenabled OPERATOR(pg_catalog.<>) 'D') AS guard_trigger_count
  FROM @extschema@.pg_tviews_registry r;
COMMENT ON VIEW @extschema@.pg_tview_meta IS 'pg_tviews: one row per TVIEW, with the capture and guard triggers in place counted at read time';

-- Whether the library was loaded by shared_preload_libraries (readable by
-- every role, unlike the setting itself).
CREATE FUNCTION @extschema@.pg_tviews_preloaded() RETURNS boolean
    LANGUAGE c STABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'pg_tviews_preloaded';

-- TVIEWs this backend refuses to maintain, and why (for example a function
-- their definition calls is now owned by another role).
CREATE FUNCTION @extschema@.pg_tviews_problems()
RETURNS TABLE(table_oid regclass, problem text)
    LANGUAGE c STABLE AS 'MODULE_PATHNAME', 'pg_tviews_problems';

-- The triggers pg_tviews installs and the function each must run (the
-- health check compares pg_trigger with this list).
CREATE FUNCTION @extschema@.pg_tviews_own_triggers()
RETURNS TABLE(trigger_name name, trigger_function regprocedure, used_for text)
    LANGUAGE c STABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'pg_tviews_own_triggers';

-- What patch statements call to set leaves of one stored document again
-- (scalar leaves and leaves of array elements): a pure function of its
-- arguments (docs/sql-reference.md).
CREATE FUNCTION @extschema@.pg_tviews_patch_doc(stored jsonb, spec jsonb, VARIADIC vals "any",
                                                 OUT fits boolean, OUT doc jsonb)
    LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'pg_tviews_patch_doc';

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
    SELECT 'library_preloaded',
           CASE WHEN @extschema@.pg_tviews_preloaded() THEN 'OK' ELSE 'WARNING' END,
           CASE WHEN @extschema@.pg_tviews_preloaded()
                THEN 'pg_tviews is in shared_preload_libraries: the monitoring views cover the whole server'
                ELSE 'loaded on demand: maintenance works the same, but pg_tviews_queue_realtime, pg_tviews_stats '
                     'and pg_tviews_cache_stats show this backend only (HINT: add pg_tviews to '
                     'shared_preload_libraries and restart)' END
  UNION ALL
    -- the change feed is on here, but without wal_level = logical nothing can decode it
    SELECT 'change_feed',
           CASE WHEN current_setting('wal_level') = 'logical' THEN 'OK' ELSE 'WARNING' END,
           CASE WHEN current_setting('wal_level') = 'logical'
                THEN format('pg_tviews.change_feed = %s: every committing transaction writes its changed documents '
                            'into the WAL for logical decoding', current_setting('pg_tviews.change_feed'))
                ELSE format('pg_tviews.change_feed = %s, but wal_level = %s: the messages are written and no slot '
                            'can read them (HINT: set wal_level = logical and restart, or turn the feed off)',
                            current_setting('pg_tviews.change_feed'), current_setting('wal_level')) END
     WHERE coalesce(current_setting('pg_tviews.change_feed', true), 'off') <> 'off'
  UNION ALL
    SELECT 'tview:' || m.entity,
           CASE WHEN t.oid IS NULL OR v.oid IS NULL OR missing.rels IS NOT NULL OR g.missing OPERATOR(pg_catalog.>) 0
                     OR p.problem IS NOT NULL OR unregistered.rels IS NOT NULL OR NOT keyed.ok
                THEN 'ERROR' ELSE 'OK' END,
           CASE WHEN t.oid IS NULL
                THEN format('table %s is missing (dropped while pg_tviews'' event triggers did not fire): '
                            'SELECT pg_tviews_drop(%L) removes what is left', m.table_oid::oid,
                            COALESCE(v.relnamespace::regnamespace::text OPERATOR(pg_catalog.||) '.', '')
                            OPERATOR(pg_catalog.||) 'tv_' OPERATOR(pg_catalog.||) m.entity)
                WHEN v.oid IS NULL THEN format('view %s is missing', m.view_oid::oid)
                WHEN p.problem IS NOT NULL THEN format('%s cannot be maintained: %s', m.table_oid, p.problem)
                WHEN NOT keyed.ok
                THEN format('%s has no primary key on %I (refreshes fail): ALTER TABLE %s ADD PRIMARY KEY (%I)',
                            m.table_oid, 'pk_' OPERATOR(pg_catalog.||) m.entity, m.table_oid,
                            'pk_' OPERATOR(pg_catalog.||) m.entity)
                WHEN g.missing OPERATOR(pg_catalog.>) 0 THEN format('guard triggers missing or disabled on %s', m.table_oid)
                WHEN missing.rels IS NOT NULL THEN format('capture triggers missing or disabled on %s', missing.rels)
                WHEN unregistered.rels IS NOT NULL
                THEN format('%s reads %s, which its registry row does not list (its view was replaced while '
                            'pg_tviews'' event triggers did not fire): writes there are not captured; '
                            'SELECT pg_tviews_create(%L, pg_get_viewdef(%L)) repairs it',
                            m.table_oid, unregistered.rels, m.table_oid::text, m.view_oid::text)
                -- exact where counting is cheap and allowed, else the planner's estimate, labelled
                WHEN t.relpages OPERATOR(pg_catalog.<=) 1280 AND pg_catalog.has_table_privilege(m.table_oid, 'SELECT')
                THEN format('%s reads %s relation(s); %s row(s)', m.table_oid, cardinality(m.dependencies),
                            (pg_catalog.xpath('/row/n/text()', pg_catalog.query_to_xml(
                                format('SELECT pg_catalog.count(*) AS n FROM %s', m.table_oid), false, true, '')))[1])
                WHEN t.reltuples OPERATOR(pg_catalog.<) 0
                THEN format('%s reads %s relation(s); row count not known (never analyzed)', m.table_oid,
                            cardinality(m.dependencies))
                ELSE format('%s reads %s relation(s); about %s row(s) (planner estimate)', m.table_oid,
                            cardinality(m.dependencies), t.reltuples::bigint) END
    FROM @extschema@.pg_tview_meta m
    LEFT JOIN pg_class t ON t.oid OPERATOR(pg_catalog.=) m.table_oid::oid
    LEFT JOIN pg_class v ON v.oid OPERATOR(pg_catalog.=) m.view_oid::oid AND v.relkind OPERATOR(pg_catalog.=) 'v'
    LEFT JOIN @extschema@.pg_tviews_problems() p ON p.table_oid::oid OPERATOR(pg_catalog.=) m.table_oid::oid
    LEFT JOIN LATERAL (SELECT EXISTS (SELECT 1 FROM pg_index i
                                       JOIN pg_attribute a ON a.attrelid OPERATOR(pg_catalog.=) i.indrelid
                                                          AND a.attnum OPERATOR(pg_catalog.=) i.indkey[0]
                                      WHERE i.indrelid OPERATOR(pg_catalog.=) m.table_oid::oid AND i.indisprimary
                                        AND i.indnkeyatts OPERATOR(pg_catalog.=) 1
                                        AND a.attname OPERATOR(pg_catalog.=) ('pk_' OPERATOR(pg_catalog.||) m.entity)) AS ok
                       ) keyed ON true
    LEFT JOIN LATERAL (SELECT count(*) FILTER (WHERE NOT EXISTS (
                                  SELECT 1 FROM pg_trigger tg
                                   WHERE tg.tgrelid OPERATOR(pg_catalog.=) m.table_oid::oid
                                     AND tg.tgname OPERATOR(pg_catalog.=) k.trigger_name
                                     AND tg.tgfoid OPERATOR(pg_catalog.=) k.trigger_function::oid
                                     AND tg.tgenabled OPERATOR(pg_catalog.<>) 'D')) AS missing
                         FROM @extschema@.pg_tviews_own_triggers() k
                        WHERE k.used_for OPERATOR(pg_catalog.=) 'guard') g ON true
    LEFT JOIN LATERAL (
        -- covered when, at one level, every capture trigger of that level
        -- (pg_tviews_own_triggers(): statement-level ins, upd, del and trunc;
        -- row-level row and trunc) is there, enabled and running its function
        SELECT string_agg(d::text, ', ') AS rels
          FROM unnest(m.dependencies) AS d
         WHERE NOT EXISTS (
               SELECT 1 FROM (VALUES ('statement capture'), ('row capture')) AS lvl(used_for)
                WHERE NOT EXISTS (
                      SELECT 1 FROM @extschema@.pg_tviews_own_triggers() k
                       WHERE k.used_for OPERATOR(pg_catalog.=) ANY (ARRAY[lvl.used_for, 'statement and row capture'])
                         AND NOT EXISTS (SELECT 1 FROM pg_trigger tg
                                          WHERE tg.tgrelid OPERATOR(pg_catalog.=) d::oid
                                            AND tg.tgname OPERATOR(pg_catalog.=) k.trigger_name
                                            AND tg.tgfoid OPERATOR(pg_catalog.=) k.trigger_function::oid
                                            AND tg.tgenabled OPERATOR(pg_catalog.<>) 'D')))
    ) missing ON true
    LEFT JOIN LATERAL (
        -- the tables its view reads now (through helper views, from the
        -- rules' dependencies) that the registry does not list
        WITH RECURSIVE reads(rel) AS (
            SELECT d.refobjid FROM pg_depend d JOIN pg_rewrite r ON r.oid OPERATOR(pg_catalog.=) d.objid
             WHERE d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_rewrite'::regclass
               AND r.ev_class OPERATOR(pg_catalog.=) m.view_oid::oid
               AND d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::regclass
               AND d.refobjid OPERATOR(pg_catalog.<>) m.view_oid::oid
          UNION
            SELECT d.refobjid FROM reads
              JOIN pg_class c ON c.oid OPERATOR(pg_catalog.=) reads.rel AND c.relkind OPERATOR(pg_catalog.=) 'v'
              JOIN pg_rewrite r ON r.ev_class OPERATOR(pg_catalog.=) c.oid
              JOIN pg_depend d ON d.objid OPERATOR(pg_catalog.=) r.oid
                              AND d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_rewrite'::regclass
                              AND d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::regclass
                              AND d.refobjid OPERATOR(pg_catalog.<>) c.oid)
        SELECT string_agg(DISTINCT reads.rel::regclass::text, ', ') AS rels
          FROM reads JOIN pg_class c ON c.oid OPERATOR(pg_catalog.=) reads.rel
         WHERE c.relkind OPERATOR(pg_catalog.=) ANY ('{r,p,m,f}'::"char"[])
           AND reads.rel OPERATOR(pg_catalog.<>) ALL (m.dependencies::oid[])
    ) unregistered ON true
  UNION ALL
    SELECT 'orphaned_triggers',
           CASE WHEN count(*) OPERATOR(pg_catalog.=) 0 THEN 'OK' ELSE 'WARNING' END,
           CASE WHEN count(*) OPERATOR(pg_catalog.=) 0 THEN 'no capture trigger without a TVIEW'
                ELSE 'capture triggers on relations no TVIEW reads: ' ||
                     string_agg(DISTINCT tg.tgrelid::regclass::text, ', ') END
    FROM pg_trigger tg
   WHERE tg.tgname OPERATOR(pg_catalog.=) ANY (SELECT k.trigger_name FROM @extschema@.pg_tviews_own_triggers() k
                                                 WHERE k.used_for OPERATOR(pg_catalog.<>) 'guard')
     AND NOT EXISTS (SELECT 1 FROM @extschema@.pg_tview_meta m
                      WHERE tg.tgrelid OPERATOR(pg_catalog.=) ANY (m.dependencies::oid[])
                         OR EXISTS (SELECT 1 FROM pg_partition_ancestors(tg.tgrelid) a
                                     WHERE a.relid::oid OPERATOR(pg_catalog.=) ANY (m.dependencies::oid[])))
  UNION ALL
    SELECT 'queue', 'OK',
           format('%s key(s) pending in this transaction',
                  (@extschema@.pg_tviews_queue_stats() ->> 'queue_size'))
$fn$;

-- Two-phase commit. The queue is flushed at PREPARE TRANSACTION, so the
-- TVIEW changes are part of the prepared transaction and appear exactly at
-- COMMIT PREPARED, from any session. These functions stay callable for
-- scripts written against the original extension; they have nothing left
-- to do, and say so when the transaction is still waiting for its COMMIT /
-- ROLLBACK PREPARED.
CREATE FUNCTION @extschema@.pg_tviews_commit_prepared(gid text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_prepared_xacts p WHERE p.gid = $1) THEN
        RAISE NOTICE 'pg_tviews: TVIEW changes of prepared transaction "%" are already part of it', $1
            USING HINT = format('Run COMMIT PREPARED %L to commit them with the rest.', $1);
    END IF;
END $fn$;

CREATE FUNCTION @extschema@.pg_tviews_rollback_prepared(gid text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_prepared_xacts p WHERE p.gid = $1) THEN
        RAISE NOTICE 'pg_tviews: TVIEW changes of prepared transaction "%" are already part of it', $1
            USING HINT = format('Run ROLLBACK PREPARED %L to discard them with the rest.', $1);
    END IF;
END $fn$;

-- Prepared transactions of this database and what pg_tviews needs for them
-- (nothing: their TVIEW changes were applied at PREPARE TRANSACTION).
CREATE FUNCTION @extschema@.pg_tviews_recover_prepared_transactions()
RETURNS TABLE(gid text, prepared timestamptz, owner name, action text)
LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS $fn$
    SELECT p.gid, p.prepared, p.owner,
           'none: TVIEW changes are part of the prepared transaction; COMMIT PREPARED or ROLLBACK PREPARED it'
    FROM pg_prepared_xacts p
    WHERE p.database = current_database()
    ORDER BY p.prepared
$fn$;

-- What creating a TVIEW from this SELECT would do (nothing is created):
-- entity, columns and types, relations read and how each finds keys
-- (direct / key query / full refresh), equality links, refusals, warnings.
CREATE FUNCTION @extschema@.pg_tviews_analyze_select(select_sql text) RETURNS jsonb
    LANGUAGE c STRICT AS 'MODULE_PATHNAME', 'pg_tviews_analyze_select';

-- Types of a table's columns ({"column": "type"}), all of them when columns is NULL.
CREATE FUNCTION @extschema@.pg_tviews_infer_types(table_name text, columns text[] DEFAULT NULL) RETURNS jsonb
    LANGUAGE c STABLE AS 'MODULE_PATHNAME', 'pg_tviews_infer_types';

-- Refresh everything that depends on one base row, found by its one-column
-- primary key (for example after changes made with triggers
-- disabled). pg_tviews_insert requires the row to exist; pg_tviews_delete
-- and pg_tviews_cascade also handle a row that is gone (they are one
-- function under two names).
CREATE FUNCTION @extschema@.pg_tviews_cascade(base_table_oid oid, pk_value bigint) RETURNS void
    LANGUAGE c STRICT AS 'MODULE_PATHNAME', 'pg_tviews_cascade';
CREATE FUNCTION @extschema@.pg_tviews_insert(base_table_oid oid, pk_value bigint) RETURNS void
    LANGUAGE c STRICT AS 'MODULE_PATHNAME', 'pg_tviews_insert';
CREATE FUNCTION @extschema@.pg_tviews_delete(base_table_oid oid, pk_value bigint) RETURNS void
    LANGUAGE c STRICT AS 'MODULE_PATHNAME', 'pg_tviews_cascade';
-- The same for a primary key of another type: pass a uuid, or the key as
-- text, which the key column's type parses ('A-17', '2024-01-31', '42').
CREATE FUNCTION @extschema@.pg_tviews_cascade(base_table_oid oid, pk_value uuid) RETURNS void
    LANGUAGE c STRICT AS 'MODULE_PATHNAME', 'pg_tviews_cascade';
CREATE FUNCTION @extschema@.pg_tviews_cascade(base_table_oid oid, pk_value text) RETURNS void
    LANGUAGE c STRICT AS 'MODULE_PATHNAME', 'pg_tviews_cascade';
CREATE FUNCTION @extschema@.pg_tviews_insert(base_table_oid oid, pk_value uuid) RETURNS void
    LANGUAGE c STRICT AS 'MODULE_PATHNAME', 'pg_tviews_insert';
CREATE FUNCTION @extschema@.pg_tviews_insert(base_table_oid oid, pk_value text) RETURNS void
    LANGUAGE c STRICT AS 'MODULE_PATHNAME', 'pg_tviews_insert';
CREATE FUNCTION @extschema@.pg_tviews_delete(base_table_oid oid, pk_value uuid) RETURNS void
    LANGUAGE c STRICT AS 'MODULE_PATHNAME', 'pg_tviews_cascade';
CREATE FUNCTION @extschema@.pg_tviews_delete(base_table_oid oid, pk_value text) RETURNS void
    LANGUAGE c STRICT AS 'MODULE_PATHNAME', 'pg_tviews_cascade';

-- Capture modes: statement-level triggers with transition tables (default,
-- set-based) or row-level triggers (also fired by logical replication apply
-- workers once enabled ALWAYS). Both return the number of relations switched.
CREATE FUNCTION @extschema@.pg_tviews_install_stmt_triggers() RETURNS integer
    LANGUAGE c AS 'MODULE_PATHNAME', 'pg_tviews_install_stmt_triggers';
CREATE FUNCTION @extschema@.pg_tviews_uninstall_stmt_triggers() RETURNS integer
    LANGUAGE c AS 'MODULE_PATHNAME', 'pg_tviews_uninstall_stmt_triggers';

-- Privileges (docs/security.md). Everyone reads the metadata, as everyone
-- reads pg_views; only the extension writes it (its functions switch to the
-- extension's owner to do so). Creating, dropping and refreshing are open
-- to every role and check ownership and privileges themselves, as the DDL
-- forms do; repair and the capture mode are granted by the DBA (and check
-- ownership too); event trigger functions are called by the server only.
-- The capture and guard trigger functions keep EXECUTE for PUBLIC: creating
-- a trigger needs it, and a restore by the database's owner recreates the
-- TVIEWs' triggers (called directly, they only raise an error).
GRANT SELECT ON @extschema@.pg_tview_meta, @extschema@.pg_tviews_settings TO PUBLIC;
REVOKE EXECUTE ON FUNCTION
    @extschema@.pg_tviews_cascade(oid, bigint), @extschema@.pg_tviews_insert(oid, bigint),
    @extschema@.pg_tviews_delete(oid, bigint),
    @extschema@.pg_tviews_cascade(oid, uuid), @extschema@.pg_tviews_insert(oid, uuid),
    @extschema@.pg_tviews_delete(oid, uuid),
    @extschema@.pg_tviews_cascade(oid, text), @extschema@.pg_tviews_insert(oid, text),
    @extschema@.pg_tviews_delete(oid, text),
    @extschema@.pg_tviews_install_stmt_triggers(), @extschema@.pg_tviews_uninstall_stmt_triggers(),
    @extschema@.pg_tviews_ddl_start(), @extschema@.pg_tviews_ddl_end(), @extschema@.pg_tviews_drop_start(),
    @extschema@.pg_tviews_sql_drop(), @extschema@.pg_tviews_ddl_guard()
FROM PUBLIC;

-- Server-wide figures (docs/operations.md). With shared_preload_libraries
-- = 'pg_tviews' they cover every backend; without it, the calling backend
-- alone, and the column scope says so.
CREATE FUNCTION @extschema@.pg_tviews_backend_queues()
RETURNS TABLE(pid integer, database oid, role oid, application_name text, transaction_id xid,
              queue_size bigint, tviews integer, last_enqueued timestamptz, flushing_since timestamptz,
              scope text)
    LANGUAGE c VOLATILE AS 'MODULE_PATHNAME', 'pg_tviews_backend_queues';

CREATE VIEW @extschema@.pg_tviews_queue_realtime AS
SELECT q.pid AS session, q.transaction_id, d.datname AS database, q.application_name,
       q.queue_size, q.tviews, q.last_enqueued, q.flushing_since, q.scope
  FROM @extschema@.pg_tviews_backend_queues() q
  LEFT JOIN pg_catalog.pg_database d ON d.oid OPERATOR(pg_catalog.=) q.database
 WHERE q.queue_size OPERATOR(pg_catalog.>) 0 OR q.flushing_since IS NOT NULL;

CREATE FUNCTION @extschema@.pg_tviews_cache_figures()
RETURNS TABLE(cache_type text, entries bigint, hits bigint, misses bigint, scope text)
    LANGUAGE c VOLATILE AS 'MODULE_PATHNAME', 'pg_tviews_cache_figures';

CREATE VIEW @extschema@.pg_tviews_cache_stats AS
SELECT c.cache_type, c.entries, c.hits, c.misses,
       CASE WHEN c.hits OPERATOR(pg_catalog.+) c.misses OPERATOR(pg_catalog.=) 0 THEN NULL
            ELSE pg_catalog.round(c.hits::numeric OPERATOR(pg_catalog./) (c.hits OPERATOR(pg_catalog.+) c.misses), 4)
       END AS hit_rate,
       c.scope
  FROM @extschema@.pg_tviews_cache_figures() c;

CREATE FUNCTION @extschema@.pg_tviews_tview_figures()
RETURNS TABLE(table_oid oid, refreshes bigint, keys_refreshed bigint, rows_inserted bigint,
              rows_updated bigint, rows_deleted bigint, rows_unchanged bigint, full_refreshes bigint,
              total_time_ms double precision, max_time_ms double precision, last_refresh timestamptz,
              scope text)
    LANGUAGE c VOLATILE AS 'MODULE_PATHNAME', 'pg_tviews_tview_figures';

-- Per TVIEW of this database, cumulative (like pg_stat_user_tables).
CREATE VIEW @extschema@.pg_tviews_stats AS
SELECT m.entity, m.table_oid AS tview, s.refreshes, s.keys_refreshed, s.rows_inserted, s.rows_updated,
       s.rows_deleted, s.rows_unchanged, s.full_refreshes, s.total_time_ms, s.max_time_ms,
       s.last_refresh, s.scope
  FROM @extschema@.pg_tview_meta m
  JOIN @extschema@.pg_tviews_tview_figures() s ON s.table_oid OPERATOR(pg_catalog.=) m.table_oid::oid;

CREATE FUNCTION @extschema@.pg_tviews_stats_reset(tview regclass DEFAULT NULL) RETURNS void
    LANGUAGE c AS 'MODULE_PATHNAME', 'pg_tviews_stats_reset';

GRANT SELECT ON @extschema@.pg_tviews_queue_realtime, @extschema@.pg_tviews_cache_stats,
    @extschema@.pg_tviews_stats TO PUBLIC;
REVOKE EXECUTE ON FUNCTION @extschema@.pg_tviews_stats_reset(regclass) FROM PUBLIC;

-- Long steps under way (a refresh of many keys, a full refresh, the
-- population of a new TVIEW), in every backend with preload.
CREATE FUNCTION @extschema@.pg_tviews_progress_figures()
RETURNS TABLE(pid integer, database oid, table_oid oid, phase text, keys_done bigint, keys_total bigint,
              started timestamptz, scope text)
    LANGUAGE c VOLATILE AS 'MODULE_PATHNAME', 'pg_tviews_progress_figures';
CREATE VIEW @extschema@.pg_tviews_progress AS
SELECT p.pid AS session, d.datname AS database, p.table_oid::pg_catalog.regclass AS tview, p.phase,
       p.keys_done, p.keys_total,
       CASE WHEN p.keys_total OPERATOR(pg_catalog.>) 0
            THEN pg_catalog.round(100.0 OPERATOR(pg_catalog.*) p.keys_done OPERATOR(pg_catalog./) p.keys_total, 1) END
           AS percent,
       p.started, pg_catalog.clock_timestamp() OPERATOR(pg_catalog.-) p.started AS elapsed, p.scope
  FROM @extschema@.pg_tviews_progress_figures() p
  LEFT JOIN pg_catalog.pg_database d ON d.oid OPERATOR(pg_catalog.=) p.database;
GRANT SELECT ON @extschema@.pg_tviews_progress TO PUBLIC;

-- The figures of pg_tviews_queue_stats() for the whole server (with
-- preload; this backend alone without it, "scope" says which), for alerts
-- run from a monitoring session: queues pending now in every backend, the
-- flush running longest, cumulative refresh figures of this database's
-- TVIEWs, and cache hit rates (NULL before the first lookup).
CREATE FUNCTION @extschema@.pg_tviews_server_stats() RETURNS jsonb
LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS $fn$
    SELECT pg_catalog.jsonb_build_object(
        'queue_size', q.keys,
        'pending_tviews', q.tviews,
        'backends_with_queue', q.backends,
        'max_backend_queue', q.max_keys,
        'queue_idle_ms', q.idle_ms,
        'flushes_running', q.flushing,
        'longest_flush_ms', q.flush_ms,
        'total_refreshes', s.refreshes,
        'keys_refreshed', s.keys,
        'rows_written', s.rows_written,
        'full_refreshes', s.full_refreshes,
        'total_timing_ms', s.total_ms,
        'max_refresh_ms', s.max_ms,
        'graph_cache_hit_rate', c.graph,
        'table_cache_hit_rate', c.tables,
        'prepared_statements_hit_rate', c.plans,
        'scope', CASE WHEN @extschema@.pg_tviews_preloaded() THEN 'server' ELSE 'this backend' END)
      FROM (SELECT COALESCE(pg_catalog.sum(b.queue_size), 0) AS keys,
                   COALESCE(pg_catalog.sum(b.tviews), 0) AS tviews,
                   pg_catalog.count(*) FILTER (WHERE b.queue_size OPERATOR(pg_catalog.>) 0) AS backends,
                   COALESCE(pg_catalog.max(b.queue_size), 0) AS max_keys,
                   pg_catalog.round((pg_catalog.date_part('epoch', pg_catalog.clock_timestamp() OPERATOR(pg_catalog.-)
                       pg_catalog.min(b.last_enqueued) FILTER (WHERE b.queue_size OPERATOR(pg_catalog.>) 0))
                       OPERATOR(pg_catalog.*) 1000)::numeric, 3) AS idle_ms,
                   pg_catalog.count(b.flushing_since) AS flushing,
                   pg_catalog.round((pg_catalog.date_part('epoch', pg_catalog.clock_timestamp() OPERATOR(pg_catalog.-)
                       pg_catalog.min(b.flushing_since)) OPERATOR(pg_catalog.*) 1000)::numeric, 3) AS flush_ms
              FROM @extschema@.pg_tviews_backend_queues() b) q,
           (SELECT COALESCE(pg_catalog.sum(f.refreshes), 0) AS refreshes,
                   COALESCE(pg_catalog.sum(f.keys_refreshed), 0) AS keys,
                   COALESCE(pg_catalog.sum((f.rows_inserted OPERATOR(pg_catalog.+) f.rows_updated)
                                                      OPERATOR(pg_catalog.+) f.rows_deleted), 0) AS rows_written,
                   COALESCE(pg_catalog.sum(f.full_refreshes), 0) AS full_refreshes,
                   COALESCE(pg_catalog.sum(f.total_time_ms), 0) AS total_ms,
                   COALESCE(pg_catalog.max(f.max_time_ms), 0) AS max_ms
              FROM @extschema@.pg_tviews_tview_figures() f) s,
           (SELECT pg_catalog.max(x.hit_rate) FILTER (WHERE x.cache_type OPERATOR(pg_catalog.=) 'graph_cache') AS graph,
                   pg_catalog.max(x.hit_rate) FILTER (WHERE x.cache_type OPERATOR(pg_catalog.=) 'table_cache') AS tables,
                   pg_catalog.max(x.hit_rate) FILTER (WHERE x.cache_type OPERATOR(pg_catalog.=) 'prepared_statements') AS plans
              FROM @extschema@.pg_tviews_cache_stats x) c
$fn$;
GRANT EXECUTE ON FUNCTION @extschema@.pg_tviews_server_stats() TO PUBLIC;

-- One row per committed transaction that refreshed TVIEWs, written by that
-- transaction at commit when pg_tviews.metrics_enabled = on (set by a
-- superuser: ALTER SYSTEM / DATABASE / ROLE). Readable by pg_read_all_stats
-- (it names other roles' applications); cleaned with pg_tviews_cleanup_metrics().
CREATE TABLE @extschema@.pg_tviews_metrics (
    recorded_at        timestamptz      NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    application_name   text,
    transaction_id     xid,
    role               text,
    queue_size         bigint           NOT NULL,
    tviews             integer          NOT NULL,
    timing_ms          double precision NOT NULL,
    graph_cache_hit    boolean          NOT NULL,
    bulk_refresh_count integer          NOT NULL,
    rows_written       bigint           NOT NULL,
    entities           text[]           NOT NULL DEFAULT '{}'
);
CREATE INDEX pg_tviews_metrics_recorded_at ON @extschema@.pg_tviews_metrics (recorded_at);
COMMENT ON TABLE @extschema@.pg_tviews_metrics IS 'pg_tviews: one row per committed transaction that refreshed TVIEWs (pg_tviews.metrics_enabled)';
GRANT SELECT ON @extschema@.pg_tviews_metrics TO pg_read_all_stats;

-- Per hour, from the metrics table.
CREATE VIEW @extschema@.pg_tviews_performance_summary AS
SELECT m.hour,
       pg_catalog.max(m.recorded_at) AS collected_at,
       pg_catalog.count(*) AS transactions,
       pg_catalog.sum(m.queue_size) AS keys_refreshed,
       pg_catalog.sum(m.rows_written) AS rows_written,
       pg_catalog.avg(m.timing_ms) AS avg_timing_ms,
       pg_catalog.max(m.timing_ms) AS max_timing_ms,
       pg_catalog.sum(m.bulk_refresh_count) AS bulk_refreshes,
       (SELECT pg_catalog.array_agg(t.entity ORDER BY t.n DESC, t.entity)
          FROM (SELECT e.entity, pg_catalog.count(*) AS n
                  FROM @extschema@.pg_tviews_metrics m2, pg_catalog.unnest(m2.entities) AS e(entity)
                 WHERE pg_catalog.date_trunc('hour', m2.recorded_at) OPERATOR(pg_catalog.=) m.hour
                 GROUP BY e.entity ORDER BY n DESC, e.entity LIMIT 3) t) AS top_tviews
  FROM (SELECT pg_catalog.date_trunc('hour', x.recorded_at) AS hour, x.*
          FROM @extschema@.pg_tviews_metrics x) m
 GROUP BY m.hour;
GRANT SELECT ON @extschema@.pg_tviews_performance_summary TO pg_read_all_stats;

-- Deletes metrics older than `days` days; returns the rows deleted. Runs
-- with the extension owner's rights (the table is the extension's), so the
-- DBA grants EXECUTE to whoever keeps the table short.
CREATE FUNCTION @extschema@.pg_tviews_cleanup_metrics(days integer) RETURNS bigint
LANGUAGE plpgsql STRICT SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    n bigint;
BEGIN
    IF days OPERATOR(pg_catalog.<) 0 THEN
        RAISE EXCEPTION 'pg_tviews_cleanup_metrics: days must not be negative (got %)', days
            USING ERRCODE = '22023', HINT = 'Pass how many days of metrics to keep, for example 7.';
    END IF;
    DELETE FROM @extschema@.pg_tviews_metrics
     WHERE recorded_at OPERATOR(pg_catalog.<) (pg_catalog.now() OPERATOR(pg_catalog.-) pg_catalog.make_interval(days => days));
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END $fn$;
REVOKE EXECUTE ON FUNCTION @extschema@.pg_tviews_cleanup_metrics(integer) FROM PUBLIC;

-- Whether the optional helper extensions are installed in this database.
CREATE FUNCTION @extschema@.pg_tviews_check_jsonb_ivm() RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
    SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname OPERATOR(pg_catalog.=) 'jsonb_ivm')
$fn$;
CREATE FUNCTION @extschema@.pg_tviews_check_jsonb_delta() RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
    SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname OPERATOR(pg_catalog.=) 'jsonb_delta')
$fn$;

-- The helper views each TVIEW reads through (they are watched: a change to
-- one re-analyses and refreshes the TVIEW).
CREATE FUNCTION @extschema@.pg_tviews_helper_views()
RETURNS TABLE(table_oid oid, helper_oid oid)
    LANGUAGE c STABLE AS 'MODULE_PATHNAME', 'pg_tviews_helper_views';
CREATE VIEW @extschema@.pg_tview_helpers AS
SELECT m.entity, m.table_oid AS tview, h.helper_oid::pg_catalog.regclass AS helper_view
  FROM @extschema@.pg_tview_meta m
  JOIN @extschema@.pg_tviews_helper_views() h ON h.table_oid OPERATOR(pg_catalog.=) m.table_oid::oid;
GRANT SELECT ON @extschema@.pg_tview_helpers TO PUBLIC;

-- Compares a TVIEW with a fresh run of its definition: rows the table lacks
-- (missing), rows it has that the view does not (extra), rows whose
-- content differs (different), out of `checked` keys; `sample` (0 < s <= 1)
-- checks a random share of the keys. Runs with the caller's rights.
CREATE FUNCTION @extschema@.pg_tviews_verify(tview regclass, sample real DEFAULT 1.0)
RETURNS TABLE(missing bigint, extra bigint, different bigint, checked bigint)
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    m record;
BEGIN
    IF tview IS NULL THEN
        RAISE EXCEPTION 'pg_tviews_verify: the TVIEW must not be NULL' USING ERRCODE = '22004';
    END IF;
    IF sample IS NULL OR sample <= 0 OR sample > 1 THEN
        RAISE EXCEPTION 'pg_tviews_verify: sample must be in (0, 1], got %', sample
            USING ERRCODE = '22023', HINT = 'Pass 1.0 to check every key, 0.1 for a tenth of them.';
    END IF;
    SELECT x.entity, x.table_oid, x.view_oid INTO m FROM @extschema@.pg_tview_meta x WHERE x.table_oid = tview;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'relation % is not a TVIEW', tview
            USING ERRCODE = '42P01', HINT = 'SELECT table_oid FROM pg_tview_meta lists the TVIEWs.';
    END IF;
    RETURN QUERY EXECUTE format($q$
        WITH k AS (SELECT t.%1$I AS k FROM %2$s t WHERE $1 >= 1 OR random() < $1
                   UNION SELECT v.%1$I FROM %3$s v WHERE $1 >= 1 OR random() < $1),
             tt AS (SELECT t.%1$I AS k, t::text AS img FROM %2$s t JOIN k ON k.k = t.%1$I),
             vv AS (SELECT v.%1$I AS k, v::text AS img FROM %3$s v JOIN k ON k.k = v.%1$I)
        SELECT count(*) FILTER (WHERE tt.k IS NULL),
               count(*) FILTER (WHERE vv.k IS NULL),
               count(*) FILTER (WHERE tt.k IS NOT NULL AND vv.k IS NOT NULL AND tt.img IS DISTINCT FROM vv.img),
               (SELECT count(*) FROM k)
          FROM tt FULL JOIN vv ON tt.k = vv.k $q$,
        'pk_' || m.entity, m.table_oid, m.view_oid) USING sample;
END $fn$;

-- Rewrites exactly the rows of a TVIEW that differ from its definition
-- (the owner, as for pg_tviews_refresh); returns the rows written.
CREATE FUNCTION @extschema@.pg_tviews_repair(tview regclass) RETURNS bigint
LANGUAGE sql STRICT SET search_path = pg_catalog, pg_temp AS $fn$
    SELECT @extschema@.pg_tviews_refresh(tview::oid::regclass::text)
$fn$;

-- Changes the definition of a TVIEW in place (creates it when it does not
-- exist): TVIEWs built on it stay, and its documents are rebuilt at commit,
-- writing only the rows that differ. Its table's columns follow the new
-- SELECT in place (kept ones first, in their order; see
-- docs/sql-reference.md), and it gets the refusals of creation. Runs with
-- the caller's rights and search_path, like the DDL.
CREATE FUNCTION @extschema@.pg_tviews_create_or_replace(tview_name text, select_sql text) RETURNS text
    LANGUAGE c VOLATILE AS 'MODULE_PATHNAME', 'pg_tviews_create_or_replace';

-- The health check, plus (with verify) one row per TVIEW comparing it with
-- a fresh run of its definition (pg_tviews_verify, every row: as costly as
-- running each definition once). TVIEWs the caller may not read are
-- reported, not verified.
CREATE FUNCTION @extschema@.pg_tviews_health_check(verify boolean)
RETURNS TABLE(check_name text, status text, details text)
LANGUAGE sql STABLE STRICT
SET search_path = pg_catalog, pg_temp
AS $fn$
    SELECT h.check_name, h.status, h.details FROM @extschema@.pg_tviews_health_check() h
  UNION ALL
    SELECT 'verify:' || m.entity,
           CASE WHEN v.checked IS NULL THEN 'WARNING'
                WHEN v.missing OPERATOR(pg_catalog.+) v.extra OPERATOR(pg_catalog.+) v.different
                     OPERATOR(pg_catalog.=) 0 THEN 'OK'
                ELSE 'ERROR' END,
           CASE WHEN v.checked IS NULL
                THEN format('not verified: %s may not read %s and %s', current_user, m.table_oid, m.view_oid)
                WHEN v.missing OPERATOR(pg_catalog.+) v.extra OPERATOR(pg_catalog.+) v.different
                     OPERATOR(pg_catalog.=) 0
                THEN format('%s equals its definition (%s key(s) checked)', m.table_oid, v.checked)
                ELSE format('%s differs from its definition: %s missing, %s extra, %s different of %s; '
                            'SELECT pg_tviews_repair(%L) rewrites them', m.table_oid, v.missing, v.extra,
                            v.different, v.checked, m.table_oid::text) END
      FROM @extschema@.pg_tview_meta m
      LEFT JOIN LATERAL (SELECT x.* FROM @extschema@.pg_tviews_verify(m.table_oid) x
                          WHERE pg_catalog.has_table_privilege(m.table_oid, 'SELECT')
                            AND pg_catalog.has_table_privilege(m.view_oid, 'SELECT')) v ON true
     WHERE verify
$fn$;

-- The read model as a graph (Mermaid or Graphviz DOT text).
CREATE FUNCTION @extschema@.pg_tviews_graph(format text DEFAULT 'mermaid') RETURNS text
    LANGUAGE c STABLE AS 'MODULE_PATHNAME', 'pg_tviews_graph';

-- Flushes the queue now and returns the documents this transaction changed
-- (net operation per document; only TVIEWs the caller may read). With
-- pg_tviews.change_feed off, the flushes before the first call are not in
-- it. See docs/change-feed.md.
CREATE FUNCTION @extschema@.pg_tviews_flush_and_report()
RETURNS TABLE(entity text, pk text, id uuid, op text)
    LANGUAGE c VOLATILE AS 'MODULE_PATHNAME', 'pg_tviews_flush_and_report';
