-- read one user document by key (:users is tv_user, mv_user or the view v_user)
\set uid random(1, :nusers)
SELECT data FROM :users WHERE pk_user = :uid;
