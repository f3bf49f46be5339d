-- as: monitor
SELECT count(*) >= 1 FROM pg_tviews_metrics WHERE recorded_at >= CURRENT_DATE;
