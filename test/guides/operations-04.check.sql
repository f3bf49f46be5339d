-- as: super
\set deffile :walkdir '/tview_definitions.sql'
SELECT (SELECT count(*) FROM regexp_matches(pg_read_file(:'deffile'), 'pg_tviews_create', 'g')) = (SELECT count(*) FROM pg_tview_meta);
