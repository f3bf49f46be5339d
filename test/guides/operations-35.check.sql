SELECT count(*) = 4 FROM pg_tview_meta;
SELECT count(*) = 0 FROM pg_tviews_health_check() WHERE status <> 'OK';
