-- The definitions are in pg_tview_meta.definition; written as calls to
-- pg_tviews_create() they recreate every TVIEW (the guide's "CREATE TVIEW"
-- is not a PostgreSQL statement, and COPY ... TO a server file needs
-- pg_write_server_files). pg_dump lines belong in a shell.
\pset format unaligned
\pset tuples_only on
SELECT format('SELECT pg_tviews_create(%L, %L);', table_oid::text, definition)
  FROM pg_tview_meta ORDER BY created_at
\g :walkdir/tview_definitions.sql
