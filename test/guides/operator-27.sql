-- A TVIEW is rebuilt from its definition, not from a copy: its documents
-- are rewritten where they differ from a fresh run of it.
CREATE TABLE tv_post_backup AS SELECT * FROM tv_post;
SELECT * FROM pg_tviews_repair('tv_post');
-- Manual repair of one document: refused by default, allowed to the owner
-- with pg_tviews.allow_direct_writes (the next change of the post, or
-- pg_tviews_repair(), puts the computed document back).
SET pg_tviews.allow_direct_writes = on;
UPDATE tv_post SET data = data || '{"status": "repaired"}'::jsonb
WHERE id = 'bea404ee-b42e-d203-9eda-3253b6b79819';
RESET pg_tviews.allow_direct_writes;
SELECT different FROM pg_tviews_verify('tv_post');
SELECT * FROM pg_tviews_repair('tv_post');
DROP TABLE tv_post_backup;
