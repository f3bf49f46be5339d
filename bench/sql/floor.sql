-- The floor of the blog read model: tables with the columns, keys, indexes
-- and storage settings of pg_tviews' tv_post and tv_user, no maintenance at
-- all, and for each workload samples of exactly the documents one change
-- rewrites, precomputed (bench_floor_doc, see floor_make.sql). The floor's
-- pgbench scripts (made by run.sh) run the workload's own statement and write
-- those documents with one prepared UPDATE ... SET data = doc per table: the
-- least any read-model engine must pay for the change.
-- psql variables: post_select, user_select_tv, storage_ddl (pg_tviews' storage
-- settings, one statement a line), and those of floor_make.sql.
\set ON_ERROR_STOP 1
\ir floor_common.sql

CREATE VIEW v_post AS :post_select;
CREATE TABLE tv_post AS SELECT * FROM v_post WITH NO DATA;
CREATE VIEW v_user AS :user_select_tv;
CREATE TABLE tv_user AS SELECT * FROM v_user WITH NO DATA;
SELECT s FROM unnest(string_to_array(:'storage_ddl', E'\n')) s WHERE s <> '' \gexec
INSERT INTO tv_post SELECT * FROM v_post;
ALTER TABLE tv_post ADD PRIMARY KEY (pk_post);
CREATE INDEX ON tv_post (id);
CREATE INDEX ON tv_post (fk_user);
CREATE INDEX ON tv_post (user_id);
INSERT INTO tv_user SELECT * FROM v_user;
ALTER TABLE tv_user ADD PRIMARY KEY (pk_user);
CREATE INDEX ON tv_user (id);
ANALYZE;

-- bench_floor_make(w, from, to, bulk): make the changes of samples from..to
-- of workload w (targets in bench_target) and capture the documents each rewrites.
CREATE FUNCTION bench_floor_make(p_w text, p_from int, p_to int, p_bulk bigint)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    v_a bigint;             -- the sample's target: the post, the user, the range start
    v_b bigint;             -- comment_insert: the commenter
    v_users bigint[];
    v_posts bigint[];
BEGIN
    FOR v_i IN p_from .. p_to LOOP
        SELECT t.a, t.b INTO v_a, v_b FROM bench_target t WHERE t.w = p_w AND t.i = v_i;
        v_users := NULL;
        CASE p_w
        WHEN 'post_update' THEN
            UPDATE tb_post SET title = 'Post ' || v_a || ' floor ' || v_i WHERE pk_post = v_a;
            v_posts := ARRAY[v_a];
        WHEN 'comment_insert' THEN
            INSERT INTO tb_comment (fk_post, fk_user, body) VALUES (v_a, v_b, 'bench comment by ' || v_b);
            v_posts := ARRAY[v_a];
        WHEN 'author_rename', 'bulk_authors' THEN
            v_users := CASE WHEN p_w = 'author_rename' THEN ARRAY[v_a]
                            ELSE ARRAY(SELECT generate_series(v_a + 1, v_a + p_bulk)) END;
            UPDATE tb_user SET name = 'User ' || pk_user || ' floor ' || v_i WHERE pk_user = ANY (v_users);
            v_posts := ARRAY(SELECT pk_post FROM tb_post WHERE fk_user = ANY (v_users)
                             UNION SELECT fk_post FROM tb_comment WHERE fk_user = ANY (v_users));
        END CASE;
        -- user documents show their own name and embed their posts' documents (v_user
        -- reads this table's tv_post, which holds the new post documents by then)
        v_users := ARRAY(SELECT fk_user FROM tb_post WHERE pk_post = ANY (v_posts)
                         UNION SELECT unnest(COALESCE(v_users, '{}')));
        WITH d AS (
            INSERT INTO bench_floor_doc (w, i, rel, pk, doc)
            SELECT p_w, v_i, 'tv_post', f.pk_post, f.data
            FROM bench_fresh_post f JOIN tv_post t ON t.pk_post = f.pk_post
            WHERE f.pk_post = ANY (v_posts) AND f.data IS DISTINCT FROM t.data
            RETURNING pk, doc)
        UPDATE tv_post t SET data = d.doc FROM d WHERE t.pk_post = d.pk;
        WITH d AS (
            INSERT INTO bench_floor_doc (w, i, rel, pk, doc)
            SELECT p_w, v_i, 'tv_user', f.pk_user, f.data
            FROM v_user f JOIN tv_user t ON t.pk_user = f.pk_user
            WHERE f.pk_user = ANY (v_users) AND f.data IS DISTINCT FROM t.data
            RETURNING pk, doc)
        UPDATE tv_user t SET data = d.doc FROM d WHERE t.pk_user = d.pk;
    END LOOP;
END $$;

\ir floor_make.sql
SELECT 'floor_check ' || (SELECT count(*) FROM (SELECT * FROM tv_post EXCEPT ALL SELECT * FROM bench_fresh_post) d)
                      + (SELECT count(*) FROM (SELECT * FROM tv_user EXCEPT ALL SELECT * FROM bench_fresh_user) d);
VACUUM (ANALYZE);
