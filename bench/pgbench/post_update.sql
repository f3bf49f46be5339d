-- update one post's title
\set pid random(1, :nposts)
\set r random(1, 1000000000)
UPDATE tb_post SET title = 'Post ' || :pid || ' rev ' || :r WHERE pk_post = :pid;
