SELECT count(*) = 6 FROM pg_tviews_alerts;
SELECT value = 'statement' FROM pg_tviews_settings WHERE name = 'capture_mode';
