SELECT count(*) = 0 FROM pg_tviews_health_check() WHERE status != 'OK';
