-- as: super
-- ALTER EXTENSION migrates the metadata (0.1.0 -> 0.2.0 renames the table
-- to pg_tviews_registry and makes pg_tview_meta a view); there is no
-- metadata_version column to update.
ALTER EXTENSION pg_tviews UPDATE;
SELECT pg_tviews_install_stmt_triggers();
