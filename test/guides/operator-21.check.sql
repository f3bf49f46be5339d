-- the dropped and recreated tv_post is a TVIEW again, maintained
SELECT count(*) = 1 FROM pg_tview_meta WHERE table_oid = 'tv_post'::regclass;
SELECT trigger_count = 8 FROM pg_tview_meta WHERE entity = 'post';
