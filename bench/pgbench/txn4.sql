-- a 4-statement transaction: edit a post, add two comments, edit it again
\set pid random(1, :nposts)
\set u1 random(1, :nusers)
\set u2 random(1, :nusers)
\set r random(1, 1000000000)
BEGIN;
UPDATE tb_post SET title = 'Post ' || :pid || ' draft ' || :r WHERE pk_post = :pid;
INSERT INTO tb_comment (fk_post, fk_user, body) VALUES (:pid, :u1, 'first!');
INSERT INTO tb_comment (fk_post, fk_user, body) VALUES (:pid, :u2, 'second');
UPDATE tb_post SET title = 'Post ' || :pid || ' final ' || :r WHERE pk_post = :pid;
COMMIT;
