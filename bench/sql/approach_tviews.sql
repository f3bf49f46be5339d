-- (5)/(6)/(7) pg_tviews: the read model is declared, nothing else.
-- The immediate-mode database additionally gets
--   ALTER DATABASE ... SET pg_tviews.refresh_mode = immediate  (see run.sh),
-- the row-level capture database
--   SELECT pg_tviews_uninstall_stmt_triggers()  (see run.sh).
\set ON_ERROR_STOP 1
CREATE EXTENSION pg_tviews;
CREATE TABLE tv_post AS :post_select;
CREATE TABLE tv_user AS :user_select_tv;
