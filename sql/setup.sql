-- Shared by every topic: tv_check() compares every TVIEW with a fresh run
-- of its definition (two-way EXCEPT ALL). Each topic ends with it.
SELECT extname, extversion FROM pg_extension WHERE extname = 'pg_tviews';
SELECT pg_tviews_version() ~ '^\d+\.\d+\.\d+' AS version_is_semver;

CREATE FUNCTION tv_check()
RETURNS TABLE(tview text, missing bigint, extra bigint)
LANGUAGE plpgsql AS $$
DECLARE
    m record;
BEGIN
    FOR m IN SELECT table_oid, view_oid FROM pg_tview_meta ORDER BY table_oid::text LOOP
        RETURN QUERY EXECUTE format(
            'SELECT %L::text,
                    (SELECT count(*) FROM (SELECT * FROM %s EXCEPT ALL SELECT * FROM %s) a),
                    (SELECT count(*) FROM (SELECT * FROM %s EXCEPT ALL SELECT * FROM %s) b)',
            m.table_oid::text, m.view_oid, m.table_oid, m.table_oid, m.view_oid);
    END LOOP;
END $$;

-- The same by the text of every row (catches what equality does not: a
-- numeric 1.0 kept where the view says 1.00), for the TVIEWs of one schema.
CREATE FUNCTION tv_images(nsp text)
RETURNS TABLE(tview text, differing bigint)
LANGUAGE plpgsql AS $$
DECLARE
    m record;
BEGIN
    FOR m IN SELECT x.table_oid, x.view_oid FROM pg_tview_meta x JOIN pg_class c ON c.oid = x.table_oid
              WHERE c.relnamespace = nsp::regnamespace ORDER BY x.table_oid::text LOOP
        RETURN QUERY EXECUTE format(
            'SELECT %L::text, (SELECT count(*) FROM ((SELECT t::text FROM %s t EXCEPT ALL SELECT v::text FROM %s v)
                                                    UNION ALL
                                                    (SELECT v::text FROM %s v EXCEPT ALL SELECT t::text FROM %s t)) d)',
            m.table_oid::text, m.table_oid, m.view_oid, m.view_oid, m.table_oid);
    END LOOP;
END $$;

-- The SQLSTATE of a statement, or 'no error' (topics show the message by
-- running the statement directly).
CREATE FUNCTION sqlstate_of(sql text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE sql;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE;
END $$;

-- Nothing of a TVIEW named e may remain after a failed or dropped creation.
CREATE FUNCTION tv_leftovers(e text)
RETURNS TABLE(what text)
LANGUAGE sql AS $$
    SELECT l.what FROM (
        SELECT 1 AS kind, 'relation ' || c.oid::regclass::text AS what FROM pg_class c
         WHERE c.relname IN ('tv_' || e, 'v_' || e)
        UNION ALL
        SELECT 2, 'meta row ' || m.entity FROM pg_tview_meta m WHERE m.entity = e) l
    ORDER BY l.kind, l.what
$$;

-- Objects of the extension are in place.
SELECT evtname, evtevent FROM pg_event_trigger WHERE evtname LIKE 'pg_tviews%' ORDER BY 1;
SELECT count(*) AS tviews FROM pg_tview_meta;
