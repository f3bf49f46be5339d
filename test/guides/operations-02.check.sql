-- as: super
SELECT count(*) = 6 FROM pg_tviews_alerts;
SELECT value = 'statement' FROM pg_tviews_settings WHERE name = 'capture_mode';
-- the DBA (who may read pg_tviews_metrics) collects a snapshot with the last hour's summary
SELECT collect_tview_metrics()::text = '';
SELECT performance_summary IS NOT NULL FROM tview_metrics ORDER BY id DESC LIMIT 1;
