-- as: super
SELECT count(*) = 6 FROM pg_tviews_alerts;
SELECT NOT EXISTS (SELECT 1 FROM pg_tviews_settings WHERE name = 'capture_mode' AND value = 'row');
-- the DBA (who may read pg_tviews_metrics) collects a snapshot with the last hour's summary
SELECT collect_tview_metrics()::text = '';
SELECT performance_summary IS NOT NULL FROM tview_metrics ORDER BY id DESC LIMIT 1;
