-- as: super
\i test/guides/refused.sql
-- EXECUTE on every function does not make app_user a maintainer: the
-- functions check ownership themselves
SET ROLE app_user;
SELECT count(*) > 0 FROM tv_post;
SELECT count(*) >= 0 FROM pg_tviews_queue_realtime;
SELECT pg_temp.refused($$SELECT pg_tviews_cascade('tb_post'::regclass::oid, 1)$$);
SELECT pg_temp.refused($$SELECT pg_tviews_uninstall_stmt_triggers()$$);
SELECT pg_temp.refused($$UPDATE tv_post SET data = '{}' WHERE pk_post = 1$$);
RESET ROLE;
