-- one UPDATE of :bulk_posts consecutive posts
\set s random(0, :nposts - :bulk_posts)
\set r random(1, 1000000000)
UPDATE tb_post SET title = 'Post ' || pk_post || ' bulk ' || :r
WHERE pk_post > :s AND pk_post <= :s + :bulk_posts;
