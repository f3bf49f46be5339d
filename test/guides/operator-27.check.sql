\i test/guides/refused.sql
-- without the switch the manual repair is refused; the documents are back to computed
SELECT pg_temp.refused($$UPDATE tv_post SET data = data || '{"status": "repaired"}'::jsonb WHERE pk_post = 1$$);
SELECT different = 0 AND missing = 0 AND extra = 0 FROM pg_tviews_verify('tv_post');
SELECT to_regclass('tv_post_backup') IS NULL;
