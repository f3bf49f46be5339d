-- A TVIEW table cannot be partitioned (docs/limits.md): partition the base
-- table instead; capture triggers follow its partitions.
SELECT pg_tviews_install_stmt_triggers();
