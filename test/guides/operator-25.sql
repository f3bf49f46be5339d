-- as: super
-- pg_stat_user_tables names the table relname, not tablename.
ALTER SYSTEM SET log_statement = 'ddl';
ALTER SYSTEM SET log_line_prefix = '%t [%p]: [%l-1] user=%u,db=%d,app=%a,client=%h ';
SELECT * FROM pg_stat_user_tables
WHERE schemaname = 'public' AND relname LIKE 'tv_%';
