-- SHOW POOLS is a command of PgBouncer's admin console (psql -p 6432
-- pgbouncer), not of PostgreSQL. The queue per connection:
SELECT session, transaction_id, queue_size
FROM pg_tviews_queue_realtime
ORDER BY queue_size DESC;
