-- Backend memory for one transaction that changes :rows base rows (inserts
-- :rows comments spread over every post, so every document is affected).
-- psql variables: rows, nposts, nusers, poll (rss_poll.sh), out (its result
-- file), tviews (1 when pg_tviews is installed in this database).
\set ON_ERROR_STOP 1
\pset footer off
SELECT pg_backend_pid() AS backend_pid \gset
\setenv BENCH_POLL :poll
\setenv BENCH_PID :backend_pid
\setenv BENCH_OUT :out
\! bash "$BENCH_POLL" "$BENCH_PID" "$BENCH_OUT" >/dev/null 2>&1 &
SELECT pg_sleep(0.3);
SELECT clock_timestamp() AS t0 \gset
BEGIN;
INSERT INTO tb_comment (fk_post, fk_user, body)
SELECT ((g - 1) % :nposts) + 1, ((g * 7) % :nusers) + 1, 'memory test ' || g
FROM generate_series(1, :rows) g;
SELECT clock_timestamp() AS t1 \gset
SELECT 'contexts_kb ' || (sum(total_bytes) / 1024)::bigint FROM pg_backend_memory_contexts;
\if :tviews
SELECT 'queue_size ' || (pg_tviews_queue_stats()->>'queue_size');
\endif
COMMIT;
SELECT 'statement_ms ' || round(extract(epoch FROM (:'t1'::timestamptz - :'t0'::timestamptz)) * 1000)
    || E'\ncommit_ms ' || round(extract(epoch FROM (clock_timestamp() - :'t1'::timestamptz)) * 1000);
SELECT 'vmhwm_kb ' || substring(pg_read_file('/proc/self/status') FROM 'VmHWM:\s+(\d+)');
\! touch "$BENCH_OUT.stop"
