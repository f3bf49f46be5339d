-- read one post document by key (:posts is tv_post, mv_post or the view v_post)
\set pid random(1, :nposts)
SELECT data FROM :posts WHERE pk_post = :pid;
