\i test/guides/refused.sql
SELECT count(*) >= 1 FROM tview_metrics WHERE cache_stats ? 'tv_post';
SELECT count(*) = 1 FROM cron.job WHERE jobname = 'collect-tview-metrics' AND username = current_user;
