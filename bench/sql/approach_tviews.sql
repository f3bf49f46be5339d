-- (5)/(6) pg_tviews: the read model is declared, nothing else.
-- The immediate-mode database additionally gets
--   ALTER DATABASE ... SET pg_tviews.refresh_mode = immediate  (see run.sh).
-- Placeholder: pg_tviews' row-level capture mode
-- (pg_tviews_install_stmt_triggers() / pg_tviews_uninstall_stmt_triggers())
-- does not exist yet; when it does, add it as another approach row in run.sh.
\set ON_ERROR_STOP 1
CREATE EXTENSION pg_tviews;
CREATE TABLE tv_post AS :post_select;
CREATE TABLE tv_user AS :user_select_tv;
