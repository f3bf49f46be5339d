-- Run by the image's entrypoint at the first start (empty data directory),
-- in the database POSTGRES_DB (default: postgres). Databases created later
-- need their own CREATE EXTENSION, unless you add it to template1 here too.
CREATE EXTENSION pg_tviews;
