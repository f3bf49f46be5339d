-- A TVIEW is restored from its definition (the backup of operations-04), not
-- from a copy of its rows: a copy would make the copy its base table.
SELECT pg_tviews_drop('tv_test');
\i :walkdir/tview_definitions.sql
