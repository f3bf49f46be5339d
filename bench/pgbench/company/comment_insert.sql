-- add one comment to a post (its post document shows it)
\set pid random(1, :nposts)
\set uid random(1, :nusers)
INSERT INTO tb_comment (fk_post, fk_user, body) VALUES (:pid, :uid, 'bench comment by ' || :uid);
