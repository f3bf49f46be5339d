-- (4) Hand-written FOR EACH STATEMENT triggers with transition tables
-- (set-based): one statement collects the affected post keys, recomputes them
-- in one upsert, then recomputes the affected user documents in one upsert.
\set ON_ERROR_STOP 1
\ir hand_tables.sql

CREATE FUNCTION hand_refresh_users(p_users bigint[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM tv_user t
    WHERE t.pk_user = ANY (p_users)
      AND NOT EXISTS (SELECT 1 FROM tb_user u WHERE u.pk_user = t.pk_user);
    INSERT INTO tv_user SELECT * FROM v_user WHERE pk_user = ANY (p_users)
    ON CONFLICT (pk_user) DO UPDATE SET id = EXCLUDED.id, data = EXCLUDED.data;
END $$;

-- Recompute the post documents p_posts, then the user documents of their
-- owners (before and after) plus p_users.
CREATE FUNCTION hand_refresh_posts(p_posts bigint[], p_users bigint[] DEFAULT '{}') RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    v_users bigint[];
BEGIN
    SELECT p_users || COALESCE(array_agg(fk_user), '{}') INTO v_users
    FROM tv_post WHERE pk_post = ANY (p_posts);
    DELETE FROM tv_post t
    WHERE t.pk_post = ANY (p_posts)
      AND NOT EXISTS (SELECT 1 FROM tb_post p WHERE p.pk_post = t.pk_post);
    INSERT INTO tv_post SELECT * FROM v_post WHERE pk_post = ANY (p_posts)
    ON CONFLICT (pk_post) DO UPDATE
        SET id = EXCLUDED.id, fk_user = EXCLUDED.fk_user,
            user_id = EXCLUDED.user_id, data = EXCLUDED.data;
    SELECT v_users || COALESCE(array_agg(fk_user), '{}') INTO v_users
    FROM tb_post WHERE pk_post = ANY (p_posts);
    PERFORM hand_refresh_users(ARRAY(SELECT DISTINCT unnest(v_users)));
END $$;

CREATE FUNCTION hand_stmt_post() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM hand_refresh_posts(ARRAY(SELECT pk_post FROM new_rows));
    ELSIF TG_OP = 'UPDATE' THEN
        PERFORM hand_refresh_posts(ARRAY(SELECT pk_post FROM new_rows
                                         UNION SELECT pk_post FROM old_rows));
    ELSE
        PERFORM hand_refresh_posts(ARRAY(SELECT pk_post FROM old_rows));
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION hand_stmt_comment() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM hand_refresh_posts(ARRAY(SELECT DISTINCT fk_post FROM new_rows));
    ELSIF TG_OP = 'UPDATE' THEN
        PERFORM hand_refresh_posts(ARRAY(SELECT fk_post FROM new_rows
                                         UNION SELECT fk_post FROM old_rows));
    ELSE
        PERFORM hand_refresh_posts(ARRAY(SELECT DISTINCT fk_post FROM old_rows));
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION hand_stmt_user() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_users bigint[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        v_users := ARRAY(SELECT pk_user FROM new_rows);
    ELSIF TG_OP = 'UPDATE' THEN
        v_users := ARRAY(SELECT pk_user FROM new_rows UNION SELECT pk_user FROM old_rows);
    ELSE
        v_users := ARRAY(SELECT pk_user FROM old_rows);
    END IF;
    -- every post that shows one of these users, as author or as commenter
    PERFORM hand_refresh_posts(
        ARRAY(SELECT pk_post FROM tb_post WHERE fk_user = ANY (v_users)
              UNION
              SELECT fk_post FROM tb_comment WHERE fk_user = ANY (v_users)),
        v_users);
    RETURN NULL;
END $$;

CREATE TRIGGER hand_stmt_post_ins AFTER INSERT ON tb_post
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION hand_stmt_post();
CREATE TRIGGER hand_stmt_post_upd AFTER UPDATE ON tb_post
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION hand_stmt_post();
CREATE TRIGGER hand_stmt_post_del AFTER DELETE ON tb_post
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION hand_stmt_post();

CREATE TRIGGER hand_stmt_comment_ins AFTER INSERT ON tb_comment
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION hand_stmt_comment();
CREATE TRIGGER hand_stmt_comment_upd AFTER UPDATE ON tb_comment
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION hand_stmt_comment();
CREATE TRIGGER hand_stmt_comment_del AFTER DELETE ON tb_comment
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION hand_stmt_comment();

CREATE TRIGGER hand_stmt_user_ins AFTER INSERT ON tb_user
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION hand_stmt_user();
CREATE TRIGGER hand_stmt_user_upd AFTER UPDATE ON tb_user
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION hand_stmt_user();
CREATE TRIGGER hand_stmt_user_del AFTER DELETE ON tb_user
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION hand_stmt_user();
