-- with 151+ keys queued by another session: the guide's query says OK, the
-- server-wide one warns, and so does pg_tviews_alerts
SELECT CASE WHEN (pg_tviews_queue_stats()->>'queue_size')::int > 100 THEN 'WARNING' ELSE 'OK' END = 'OK';
SELECT CASE WHEN (pg_tviews_server_stats()->>'queue_size')::int > 100 THEN 'WARNING' ELSE 'OK' END = 'WARNING';
SELECT status = 'WARNING' AND value::int > 150 FROM pg_tviews_alerts WHERE alert = 'queue_size';
SELECT status = 'OK' FROM pg_tviews_alerts WHERE alert = 'health';
