-- SHOW POOLS and SHOW server_reset_query are PgBouncer admin console
-- commands (psql -p 6432 pgbouncer). On PostgreSQL: nothing to reset, the
-- queue lives in one transaction (docs/concurrency.md).
SELECT pg_tviews_queue_stats()->>'queue_size' AS queue_size_of_this_transaction;
