-- update one post's title (its post document and its company document show it,
-- when the post is published and its author active)
\set pid random(1, :nposts)
\set r random(1, 1000000000)
UPDATE tb_post SET title = 'Post ' || :pid || ' rev ' || :r WHERE pk_post = :pid;
