-- (4) Hand-written FOR EACH STATEMENT triggers with transition tables for the
-- "company" model (set-based): each statement collects the affected post and
-- company keys from its OLD and NEW rows, then recomputes them with one
-- delete (documents the filters no longer select) and one upsert per table.
\set ON_ERROR_STOP 1
\ir hand_tables.sql

CREATE FUNCTION hand_refresh(p_posts bigint[], p_companies bigint[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF cardinality(p_posts) > 0 THEN
        DELETE FROM tv_post t
        WHERE t.pk_post = ANY (p_posts)
          AND NOT EXISTS (SELECT 1 FROM v_post v WHERE v.pk_post = t.pk_post);
        INSERT INTO tv_post SELECT * FROM v_post WHERE pk_post = ANY (p_posts)
        ON CONFLICT (pk_post) DO UPDATE
            SET id = EXCLUDED.id, fk_user = EXCLUDED.fk_user,
                fk_company = EXCLUDED.fk_company, data = EXCLUDED.data;
    END IF;
    IF cardinality(p_companies) > 0 THEN
        DELETE FROM tv_company t
        WHERE t.pk_company = ANY (p_companies)
          AND NOT EXISTS (SELECT 1 FROM tb_company c WHERE c.pk_company = t.pk_company);
        INSERT INTO tv_company SELECT * FROM v_company WHERE pk_company = ANY (p_companies)
        ON CONFLICT (pk_company) DO UPDATE SET id = EXCLUDED.id, data = EXCLUDED.data;
    END IF;
END $$;

CREATE FUNCTION hand_stmt_company() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_companies bigint[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        v_companies := ARRAY(SELECT pk_company FROM new_rows);
    ELSIF TG_OP = 'UPDATE' THEN
        v_companies := ARRAY(SELECT pk_company FROM new_rows UNION SELECT pk_company FROM old_rows);
    ELSE
        v_companies := ARRAY(SELECT pk_company FROM old_rows);
    END IF;
    -- post documents show their author's company
    PERFORM hand_refresh(
        ARRAY(SELECT p.pk_post FROM tb_post p JOIN tb_user u ON u.pk_user = p.fk_user
              WHERE u.fk_company = ANY (v_companies)),
        v_companies);
    RETURN NULL;
END $$;

CREATE FUNCTION hand_stmt_user() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_users bigint[];
    v_companies bigint[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        v_users := ARRAY(SELECT pk_user FROM new_rows);
        v_companies := ARRAY(SELECT DISTINCT fk_company FROM new_rows);
    ELSIF TG_OP = 'UPDATE' THEN
        v_users := ARRAY(SELECT pk_user FROM new_rows UNION SELECT pk_user FROM old_rows);
        v_companies := ARRAY(SELECT fk_company FROM new_rows UNION SELECT fk_company FROM old_rows);
    ELSE
        v_users := ARRAY(SELECT pk_user FROM old_rows);
        v_companies := ARRAY(SELECT DISTINCT fk_company FROM old_rows);
    END IF;
    -- every post that shows one of these users, as author or as commenter
    PERFORM hand_refresh(
        ARRAY(SELECT pk_post FROM tb_post WHERE fk_user = ANY (v_users)
              UNION
              SELECT fk_post FROM tb_comment WHERE fk_user = ANY (v_users)),
        v_companies);
    RETURN NULL;
END $$;

CREATE FUNCTION hand_stmt_post() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_posts bigint[];
    v_users bigint[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        v_posts := ARRAY(SELECT pk_post FROM new_rows);
        v_users := ARRAY(SELECT DISTINCT fk_user FROM new_rows);
    ELSIF TG_OP = 'UPDATE' THEN
        v_posts := ARRAY(SELECT pk_post FROM new_rows UNION SELECT pk_post FROM old_rows);
        v_users := ARRAY(SELECT fk_user FROM new_rows UNION SELECT fk_user FROM old_rows);
    ELSE
        v_posts := ARRAY(SELECT pk_post FROM old_rows);
        v_users := ARRAY(SELECT DISTINCT fk_user FROM old_rows);
    END IF;
    -- company documents list their users' posts
    PERFORM hand_refresh(
        v_posts,
        ARRAY(SELECT DISTINCT fk_company FROM tb_user WHERE pk_user = ANY (v_users)));
    RETURN NULL;
END $$;

-- comments and post tags are shown by their post only
CREATE FUNCTION hand_stmt_post_child() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM hand_refresh(ARRAY(SELECT DISTINCT fk_post FROM new_rows), '{}');
    ELSIF TG_OP = 'UPDATE' THEN
        PERFORM hand_refresh(ARRAY(SELECT fk_post FROM new_rows UNION SELECT fk_post FROM old_rows), '{}');
    ELSE
        PERFORM hand_refresh(ARRAY(SELECT DISTINCT fk_post FROM old_rows), '{}');
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION hand_stmt_tag() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- renamed tags (a new tag is on no post yet; a deleted tag's tb_post_tag rows go
    -- by ON DELETE CASCADE, whose trigger refreshes their posts)
    PERFORM hand_refresh(ARRAY(SELECT DISTINCT pt.fk_post FROM tb_post_tag pt
                               WHERE pt.fk_tag IN (SELECT pk_tag FROM new_rows
                                                   UNION SELECT pk_tag FROM old_rows)), '{}');
    RETURN NULL;
END $$;

CREATE TRIGGER hand_stmt_company_ins AFTER INSERT ON tb_company
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION hand_stmt_company();
CREATE TRIGGER hand_stmt_company_upd AFTER UPDATE ON tb_company
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION hand_stmt_company();
CREATE TRIGGER hand_stmt_company_del AFTER DELETE ON tb_company
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION hand_stmt_company();

CREATE TRIGGER hand_stmt_user_ins AFTER INSERT ON tb_user
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION hand_stmt_user();
CREATE TRIGGER hand_stmt_user_upd AFTER UPDATE ON tb_user
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION hand_stmt_user();
CREATE TRIGGER hand_stmt_user_del AFTER DELETE ON tb_user
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION hand_stmt_user();

CREATE TRIGGER hand_stmt_post_ins AFTER INSERT ON tb_post
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION hand_stmt_post();
CREATE TRIGGER hand_stmt_post_upd AFTER UPDATE ON tb_post
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION hand_stmt_post();
CREATE TRIGGER hand_stmt_post_del AFTER DELETE ON tb_post
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION hand_stmt_post();

CREATE TRIGGER hand_stmt_comment_ins AFTER INSERT ON tb_comment
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION hand_stmt_post_child();
CREATE TRIGGER hand_stmt_comment_upd AFTER UPDATE ON tb_comment
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION hand_stmt_post_child();
CREATE TRIGGER hand_stmt_comment_del AFTER DELETE ON tb_comment
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION hand_stmt_post_child();

CREATE TRIGGER hand_stmt_post_tag_ins AFTER INSERT ON tb_post_tag
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION hand_stmt_post_child();
CREATE TRIGGER hand_stmt_post_tag_upd AFTER UPDATE ON tb_post_tag
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION hand_stmt_post_child();
CREATE TRIGGER hand_stmt_post_tag_del AFTER DELETE ON tb_post_tag
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION hand_stmt_post_child();

CREATE TRIGGER hand_stmt_tag_upd AFTER UPDATE ON tb_tag
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION hand_stmt_tag();
