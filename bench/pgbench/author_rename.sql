-- rename one user: about 10 posts as author + 50 as commenter depend on it
\set uid random(1, :nusers)
\set r random(1, 1000000000)
UPDATE tb_user SET name = 'User ' || :uid || ' rev ' || :r WHERE pk_user = :uid;
