-- as: monitor
-- the block's threshold is 100 keys for 5 minutes: the writer's 150+ keys are
-- seen, and pass the size filter
SELECT count(*) = 1 FROM pg_tviews_queue_realtime WHERE queue_size > 100 AND application_name = 'walk_writer';
