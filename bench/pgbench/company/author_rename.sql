-- rename one user: the post documents that show them (about 8 as author, 22 as
-- commenter) and their company's document
\set uid random(1, :nusers)
\set r random(1, 1000000000)
UPDATE tb_user SET name = 'User ' || :uid || ' rev ' || :r WHERE pk_user = :uid;
