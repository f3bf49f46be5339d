-- The floor of the blog read model: tables with the columns, keys, indexes
-- and storage settings of pg_tviews' tv_post and tv_user, no maintenance at
-- all, and for each workload samples of exactly the documents one change
-- rewrites, precomputed (bench_floor_doc). The floor pgbench scripts (made by
-- run.sh) run the workload's own statement and write those documents with one
-- prepared UPDATE ... SET data = doc per table: the least any read-model
-- engine must pay for the change.
-- psql variables: post_select, user_select_tv, storage_ddl (pg_tviews' storage
-- settings, one statement a line), nusers, nposts, bulk_users and the number of
-- samples per workload n_post_update, n_author_rename, n_comment_insert, n_bulk_authors.
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

-- The documents of sample i: make the change, capture, undo it.
CREATE FUNCTION bench_floor_make(p_w text, p_n int, p_nusers bigint, p_nposts bigint, p_bulk bigint)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    v_pid bigint;
    v_uid bigint;
    v_old text;
    v_comment bigint;
    v_users bigint[];
    v_posts bigint[];
BEGIN
    FOR i IN 1 .. p_n LOOP
        v_pid := bench_floor_pick(1, i, p_nposts);
        v_uid := bench_floor_pick(2, i, p_nusers);
        CASE p_w
        WHEN 'post_update' THEN
            SELECT title INTO v_old FROM tb_post WHERE pk_post = v_pid;
            UPDATE tb_post SET title = 'Post ' || v_pid || ' floor ' || i WHERE pk_post = v_pid;
            v_posts := ARRAY[v_pid];
            v_users := ARRAY(SELECT fk_user FROM tb_post WHERE pk_post = v_pid);
        WHEN 'comment_insert' THEN
            INSERT INTO tb_comment (fk_post, fk_user, body)
            VALUES (v_pid, v_uid, 'bench comment by ' || v_uid) RETURNING pk_comment INTO v_comment;
            v_posts := ARRAY[v_pid];
            v_users := ARRAY(SELECT fk_user FROM tb_post WHERE pk_post = v_pid);
        WHEN 'author_rename', 'bulk_authors' THEN
            IF p_w = 'author_rename' THEN
                v_users := ARRAY[v_uid];
            ELSE
                v_uid := bench_floor_pick(3, i, p_nusers - p_bulk + 1) - 1;
                v_users := ARRAY(SELECT generate_series(v_uid + 1, v_uid + p_bulk));
            END IF;
            CREATE TEMP TABLE bench_floor_old AS
                SELECT pk_user, name FROM tb_user WHERE pk_user = ANY (v_users);
            UPDATE tb_user SET name = 'User ' || pk_user || ' floor ' || i WHERE pk_user = ANY (v_users);
            v_posts := ARRAY(SELECT pk_post FROM tb_post WHERE fk_user = ANY (v_users)
                             UNION SELECT fk_post FROM tb_comment WHERE fk_user = ANY (v_users));
            -- user documents embed the post documents of their author
            v_users := ARRAY(SELECT unnest(v_users)
                             UNION SELECT fk_user FROM tb_post WHERE pk_post = ANY (v_posts));
        END CASE;
        PERFORM bench_floor_capture(p_w, i, 'tv_post', 'bench_fresh_post', v_posts);
        PERFORM bench_floor_capture(p_w, i, 'tv_user', 'bench_fresh_user', v_users);
        CASE p_w
        WHEN 'post_update' THEN
            UPDATE tb_post SET title = v_old WHERE pk_post = v_pid;
        WHEN 'comment_insert' THEN
            DELETE FROM tb_comment WHERE pk_comment = v_comment;
        ELSE
            UPDATE tb_user u SET name = o.name FROM bench_floor_old o WHERE o.pk_user = u.pk_user;
            DROP TABLE bench_floor_old;
        END CASE;
    END LOOP;
    RETURN (SELECT count(*) FROM bench_floor_doc WHERE w = p_w);
END $$;

SELECT 'floor_docs post_update ' || bench_floor_make('post_update', :n_post_update, :nusers, :nposts, :bulk_users);
SELECT 'floor_docs comment_insert ' || bench_floor_make('comment_insert', :n_comment_insert, :nusers, :nposts, :bulk_users);
SELECT 'floor_docs author_rename ' || bench_floor_make('author_rename', :n_author_rename, :nusers, :nposts, :bulk_users);
SELECT 'floor_docs bulk_authors ' || bench_floor_make('bulk_authors', :n_bulk_authors, :nusers, :nposts, :bulk_users);
-- the sample changes were undone: the documents must be those of the data again
SELECT 'floor_check ' || (SELECT count(*) FROM (SELECT * FROM tv_post EXCEPT ALL SELECT * FROM bench_fresh_post) d)
                      + (SELECT count(*) FROM (SELECT * FROM tv_user EXCEPT ALL SELECT * FROM bench_fresh_user) d);
VACUUM (ANALYZE);
