-- Stale documents: keys whose row differs between the read model and a fresh
-- computation, in either direction (two-way EXCEPT ALL).
-- psql variables: posts, users (the read-model tables), user_select_tmp (the
-- user documents' SELECT over the temporary table bench_tmp_post).
\set ON_ERROR_STOP 1
-- not a measured figure: no JIT compilation, room to hash
SET jit = off;
SET work_mem = '256MB';
CREATE TEMP TABLE bench_tmp_post AS SELECT * FROM bench_fresh_post;
CREATE INDEX ON bench_tmp_post (fk_user);
ANALYZE bench_tmp_post;
CREATE TEMP TABLE bench_tmp_user AS :user_select_tmp;
SELECT (SELECT count(DISTINCT pk_post) FROM (
            (SELECT * FROM :posts EXCEPT ALL SELECT * FROM bench_tmp_post)
            UNION ALL
            (SELECT * FROM bench_tmp_post EXCEPT ALL SELECT * FROM :posts)) d)
       || ' ' ||
       (SELECT count(DISTINCT pk_user) FROM (
            (SELECT * FROM :users EXCEPT ALL SELECT * FROM bench_tmp_user)
            UNION ALL
            (SELECT * FROM bench_tmp_user EXCEPT ALL SELECT * FROM :users)) d);
