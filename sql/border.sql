-- The C++/PostgreSQL border: errors raised by the server inside the
-- engine keep their SQLSTATE and message; the session stays usable.
\set SHOW_CONTEXT never
CREATE SCHEMA border;
SET search_path = border, public;

CREATE FUNCTION sqlstate_of(sql text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE sql;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

CREATE TABLE tb_ratio (pk_ratio bigint PRIMARY KEY, a int NOT NULL, b int NOT NULL);
INSERT INTO tb_ratio VALUES (1, 10, 2), (2, 9, 3);
CREATE TABLE tv_ratio AS SELECT r.pk_ratio, r.a / r.b AS q FROM tb_ratio r;

-- division by zero while refreshing at commit: 22012 reaches the client,
-- the transaction is rolled back, base and TVIEW stay consistent
UPDATE tb_ratio SET b = 0 WHERE pk_ratio = 1;
SELECT * FROM tb_ratio ORDER BY 1;
-- (an exception block around the UPDATE cannot catch it: it is raised at commit)
SELECT sqlstate_of('UPDATE border.tb_ratio SET b = 0 WHERE pk_ratio = 2');

-- the same error inside pg_tviews_flush() caught by an exception block
DO $$
BEGIN
    UPDATE tb_ratio SET b = 0 WHERE pk_ratio = 2;
    PERFORM pg_tviews_flush();
EXCEPTION WHEN division_by_zero THEN
    RAISE NOTICE 'caught division_by_zero (%)', SQLSTATE;
END $$;
SELECT * FROM tv_ratio ORDER BY 1;

-- errors of the engine itself carry their own SQLSTATE
SELECT sqlstate_of($$SELECT pg_tviews_refresh('tv_nope')$$);
SELECT sqlstate_of($$INSERT INTO border.tv_ratio VALUES (3, 3)$$);
SELECT sqlstate_of($$SELECT pg_tviews_create('tv_bad', 'SELECT 1 AS pk_bad FROM nowhere')$$);
-- a server error raised inside creation keeps its code (23505 from the key)
SELECT sqlstate_of($$SELECT pg_tviews_create('tv_dup', 'SELECT 1::bigint AS pk_dup FROM border.tb_ratio')$$);

-- after all of that the session works and the TVIEW is exact
UPDATE tb_ratio SET b = 1 WHERE pk_ratio = 2;
SELECT * FROM tv_ratio ORDER BY 1;
SELECT * FROM tv_check();

DROP SCHEMA border CASCADE;
