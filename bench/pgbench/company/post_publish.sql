-- publish or unpublish one post (its document enters or leaves tv_post, and
-- its company document gains or loses it)
\set pid random(1, :nposts)
UPDATE tb_post SET published = NOT published WHERE pk_post = :pid;
