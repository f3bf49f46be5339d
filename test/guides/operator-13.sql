-- pg_stat_user_indexes names the table relname and the index indexrelname.
SELECT schemaname, relname, indexrelname, idx_scan, idx_tup_read, idx_tup_fetch
FROM pg_stat_user_indexes
WHERE relname LIKE 'tv_%'
ORDER BY idx_scan DESC;
DROP INDEX CONCURRENTLY unused_index;
CREATE INDEX CONCURRENTLY new_index ON tv_post(user_id, (data->>'createdAt'));
SELECT pg_stat_statements_reset();
