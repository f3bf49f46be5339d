-- Every TVIEW equals a fresh run of its definition, both ways (EXCEPT ALL
-- against its view) and by pg_tviews_verify(): one 't' per TVIEW and check.
CREATE FUNCTION pg_temp.same(t regclass, v regclass) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE n bigint;
BEGIN
    EXECUTE format('SELECT count(*) FROM ((SELECT * FROM %s EXCEPT ALL SELECT * FROM %s)
                    UNION ALL (SELECT * FROM %s EXCEPT ALL SELECT * FROM %s)) d', t, v, v, t) INTO n;
    RETURN n = 0;
END $$;
SELECT pg_temp.same(table_oid, view_oid) FROM pg_tview_meta ORDER BY entity;
SELECT missing = 0 AND extra = 0 AND different = 0 FROM pg_tview_meta m, pg_tviews_verify(m.table_oid) v ORDER BY entity;
SELECT count(*) = 4 FROM pg_tview_meta;
