-- Stale documents of the "company" model: keys whose row differs between the
-- read model and a fresh computation, in either direction (two-way EXCEPT ALL).
\set ON_ERROR_STOP 1
SET jit = off;
SET work_mem = '256MB';
SELECT (SELECT count(DISTINCT pk_post) FROM (
            (SELECT * FROM tv_post EXCEPT ALL SELECT * FROM bench_fresh_post)
            UNION ALL
            (SELECT * FROM bench_fresh_post EXCEPT ALL SELECT * FROM tv_post)) d)
       || ' ' ||
       (SELECT count(DISTINCT pk_company) FROM (
            (SELECT * FROM tv_company EXCEPT ALL SELECT * FROM bench_fresh_company)
            UNION ALL
            (SELECT * FROM bench_fresh_company EXCEPT ALL SELECT * FROM tv_company)) d);
