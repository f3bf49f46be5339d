-- the guide's health functions run, and its counts agree
SELECT health_check() ? 'extension_version';
SELECT (tview_health_check()->'table_counts'->>'tv_post_count') = (tview_health_check()->'table_counts'->>'tb_post_count');
SELECT (tview_health_check()->'table_counts'->>'tv_user_count') = (tview_health_check()->'table_counts'->>'tb_user_count');
