-- as: monitor
-- the warm-up writes of walk_app are there, per application
SELECT count(*) >= 3 FROM pg_tviews_metrics WHERE application_name = 'walk_app';
