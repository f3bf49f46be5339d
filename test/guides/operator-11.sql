-- pg_stat_user_tables names the table relname, not tablename.
ANALYZE tv_post, tv_user, tv_comment;
REINDEX TABLE CONCURRENTLY tv_post;
SELECT schemaname, relname, n_dead_tup, n_live_tup
FROM pg_stat_user_tables
WHERE n_dead_tup > n_live_tup * 0.1;
VACUUM FULL tv_post;
