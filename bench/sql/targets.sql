-- The targets of the write samples, loaded into both models' templates: for
-- each workload, sample i changes the row(s) bench_target (w, i) names. The
-- floor precomputes the documents of each sample (floor.sql), and the I/O
-- runs of run.sh make every approach, the floor included, apply the same
-- samples, so that their WAL and tuple figures count the same changes.
-- psql variables: nt (samples per workload), nusers, nposts, bulk_users.
\set ON_ERROR_STOP 1
CREATE FUNCTION bench_pick(p_salt int, p_i int, p_n bigint) RETURNS bigint
LANGUAGE sql IMMUTABLE AS $$ SELECT 1 + (hashint8(p_salt * 1000003 + p_i) & 2147483647) % p_n $$;

CREATE TABLE bench_target (
    w text NOT NULL,        -- the workload's pgbench script
    i int NOT NULL,         -- sample number
    a bigint NOT NULL,      -- post_update, comment_insert: the post; author_rename: the user;
                            -- bulk_authors: the range starts after this user
    b bigint,               -- comment_insert: the commenter
    PRIMARY KEY (w, i)
);
INSERT INTO bench_target
SELECT 'post_update', i, bench_pick(1, i, :nposts), NULL FROM generate_series(1, :nt) i
UNION ALL
SELECT 'comment_insert', i, bench_pick(2, i, :nposts), bench_pick(3, i, :nusers) FROM generate_series(1, :nt) i
UNION ALL
SELECT 'author_rename', i, bench_pick(4, i, :nusers), NULL FROM generate_series(1, :nt) i
UNION ALL
SELECT 'bulk_authors', i, bench_pick(5, i, :nusers - :bulk_users + 1) - 1, NULL FROM generate_series(1, :nt) i;
ANALYZE bench_target;
