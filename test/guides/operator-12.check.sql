-- recreating with the TVIEW's own definition put both back
SELECT trigger_count = 8 AND guard_trigger_count = 2 FROM pg_tview_meta WHERE entity = 'post';
SELECT count(*) = 0 FROM pg_tviews_health_check() WHERE status <> 'OK';
