-- as: super
-- init.sql made a database where the extension works (fresh database walk_init)
\c walk_init
SELECT extversion = pg_tviews_version() FROM pg_extension WHERE extname = 'pg_tviews';
