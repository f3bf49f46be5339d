-- As written the alerts read pg_tviews_queue_stats(): the figures of the
-- monitoring session's own transaction and backend, so a queue held by
-- another session is never seen. The same alerts on the server-wide figures:
SELECT CASE
    WHEN (pg_tviews_server_stats()->>'queue_size')::int > 1000
    THEN 'CRITICAL: TVIEW refresh queue > 1000'
    WHEN (pg_tviews_server_stats()->>'queue_size')::int > 100
    THEN 'WARNING: TVIEW refresh queue > 100'
    ELSE 'OK'
END as queue_status;
SELECT CASE
    WHEN (pg_tviews_server_stats()->>'longest_flush_ms')::float > 5000
    THEN 'WARNING: a TVIEW refresh has been running > 5 seconds'
    ELSE 'OK'
END as timing_status;
SELECT CASE
    WHEN (pg_tviews_server_stats()->>'graph_cache_hit_rate')::float < 0.8
    THEN 'WARNING: Graph cache hit rate < 80%'
    ELSE 'OK'
END as cache_status;
SELECT alert, status, value FROM pg_tviews_alerts;
