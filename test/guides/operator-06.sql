-- The guide's collect_tview_metrics() reads pg_class.schemaname, which does
-- not exist: it fails when called. The monitoring script replaces it with a
-- working one (same name, same table), scheduled with pg_cron. The guide
-- schedules it every 5 minutes; the walk every minute, to see it run.
DO $$ BEGIN
    PERFORM collect_tview_metrics();
    RAISE EXCEPTION 'the guide''s collect_tview_metrics() worked: the walk and docs/guides.md are out of date';
EXCEPTION WHEN undefined_column THEN NULL;
END $$;
\i sql/pg_tviews_monitoring.sql
SELECT cron.schedule('collect-tview-metrics', '* * * * *', 'SELECT collect_tview_metrics();') > 0 AS scheduled;
SELECT collect_tview_metrics();
