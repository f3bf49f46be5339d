SELECT count(*) = 4 FROM pg_tview_meta m
 WHERE EXISTS (SELECT 1 FROM information_schema.tables WHERE table_name = 'tv_' || m.entity);
