-- pg_temp.refused(sql): true when the statement fails (included by checks)
CREATE FUNCTION pg_temp.refused(q text) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE q;
    RETURN false;
EXCEPTION WHEN others THEN
    RETURN true;
END $$;
