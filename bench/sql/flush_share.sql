-- Where pg_tviews' time goes: :n autocommit statements of one kind in one
-- session; prints the wall time and the time the engine spent in flushes
-- (pg_tviews_queue_stats().total_timing_ms) over them.
-- psql variables: n, kind (post_update | author_rename | comment_insert), nposts, nusers.
\set ON_ERROR_STOP 1
SELECT pg_tviews_queue_stats() AS s0 \gset
SELECT clock_timestamp() AS t0 \gset
SELECT CASE :'kind'
         WHEN 'post_update' THEN
           format('UPDATE tb_post SET title = %L WHERE pk_post = %s', 'Post flush ' || g,
                  1 + (hashint4(g) & 2147483647) % :nposts)
         WHEN 'author_rename' THEN
           format('UPDATE tb_user SET name = %L WHERE pk_user = %s', 'User flush ' || g,
                  1 + (hashint4(g) & 2147483647) % :nusers)
         ELSE
           format('INSERT INTO tb_comment (fk_post, fk_user, body) VALUES (%s, %s, %L)',
                  1 + (hashint4(g) & 2147483647) % :nposts,
                  1 + (hashint4(-g) & 2147483647) % :nusers, 'flush share')
       END
FROM generate_series(1, :n) g \gexec
SELECT 'share ' || round(extract(epoch FROM clock_timestamp() - :'t0'::timestamptz) * 1000, 1)
       || ' ' || round((pg_tviews_queue_stats()->>'total_timing_ms')::numeric
                       - (:'s0'::jsonb->>'total_timing_ms')::numeric, 1);
