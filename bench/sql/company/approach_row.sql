-- (3) Hand-written FOR EACH ROW triggers for the "company" model, written as
-- a competent user would: every changed base row recomputes the post
-- documents it appears in and the company documents it appears in (upsert
-- from the view; a document the filters no longer select is deleted). A
-- post document shows its author, the author's company, its tags and its
-- comments with their commenters; a company document shows its active users
-- and their published posts.
\set ON_ERROR_STOP 1
\ir hand_tables.sql

CREATE FUNCTION hand_refresh_post(p_post bigint) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO tv_post SELECT * FROM v_post WHERE pk_post = p_post
    ON CONFLICT (pk_post) DO UPDATE
        SET id = EXCLUDED.id, fk_user = EXCLUDED.fk_user,
            fk_company = EXCLUDED.fk_company, data = EXCLUDED.data;
    IF NOT FOUND THEN   -- gone, or no longer published / author no longer active
        DELETE FROM tv_post WHERE pk_post = p_post;
    END IF;
END $$;

CREATE FUNCTION hand_refresh_company(p_company bigint) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF p_company IS NULL THEN
        RETURN;
    END IF;
    INSERT INTO tv_company SELECT * FROM v_company WHERE pk_company = p_company
    ON CONFLICT (pk_company) DO UPDATE SET id = EXCLUDED.id, data = EXCLUDED.data;
    IF NOT FOUND THEN
        DELETE FROM tv_company WHERE pk_company = p_company;
    END IF;
END $$;

CREATE FUNCTION hand_row_company() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_company bigint := CASE WHEN TG_OP = 'DELETE' THEN OLD.pk_company ELSE NEW.pk_company END;
    r record;
BEGIN
    PERFORM hand_refresh_company(v_company);
    IF TG_OP = 'UPDATE' AND OLD.pk_company <> NEW.pk_company THEN
        PERFORM hand_refresh_company(OLD.pk_company);
    END IF;
    -- post documents show their author's company
    FOR r IN SELECT p.pk_post FROM tb_post p JOIN tb_user u ON u.pk_user = p.fk_user
             WHERE u.fk_company = v_company
    LOOP
        PERFORM hand_refresh_post(r.pk_post);
    END LOOP;
    RETURN NULL;
END $$;

CREATE FUNCTION hand_row_user() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_user bigint := CASE WHEN TG_OP = 'DELETE' THEN OLD.pk_user ELSE NEW.pk_user END;
    r record;
BEGIN
    -- every post that shows this user, as author or as commenter
    FOR r IN SELECT pk_post FROM tb_post WHERE fk_user = v_user
             UNION
             SELECT fk_post FROM tb_comment WHERE fk_user = v_user
    LOOP
        PERFORM hand_refresh_post(r.pk_post);
    END LOOP;
    -- the company that lists this user (before and after a move)
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM hand_refresh_company(NEW.fk_company);
    END IF;
    IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND OLD.fk_company <> NEW.fk_company) THEN
        PERFORM hand_refresh_company(OLD.fk_company);
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION hand_row_post() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM hand_refresh_post(NEW.pk_post);
        PERFORM hand_refresh_company((SELECT fk_company FROM tb_user WHERE pk_user = NEW.fk_user));
    END IF;
    IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND OLD.pk_post <> NEW.pk_post) THEN
        PERFORM hand_refresh_post(OLD.pk_post);
    END IF;
    IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND OLD.fk_user <> NEW.fk_user) THEN
        PERFORM hand_refresh_company((SELECT fk_company FROM tb_user WHERE pk_user = OLD.fk_user));
    END IF;
    RETURN NULL;
END $$;

-- comments and tags are shown by their post only
CREATE FUNCTION hand_row_post_child() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM hand_refresh_post(NEW.fk_post);
    END IF;
    IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND OLD.fk_post <> NEW.fk_post) THEN
        PERFORM hand_refresh_post(OLD.fk_post);
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION hand_row_tag() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT fk_post FROM tb_post_tag
             WHERE fk_tag = CASE WHEN TG_OP = 'DELETE' THEN OLD.pk_tag ELSE NEW.pk_tag END
    LOOP
        PERFORM hand_refresh_post(r.fk_post);
    END LOOP;
    RETURN NULL;
END $$;

CREATE TRIGGER hand_row_company AFTER INSERT OR UPDATE OR DELETE ON tb_company
    FOR EACH ROW EXECUTE FUNCTION hand_row_company();
CREATE TRIGGER hand_row_user AFTER INSERT OR UPDATE OR DELETE ON tb_user
    FOR EACH ROW EXECUTE FUNCTION hand_row_user();
CREATE TRIGGER hand_row_post AFTER INSERT OR UPDATE OR DELETE ON tb_post
    FOR EACH ROW EXECUTE FUNCTION hand_row_post();
CREATE TRIGGER hand_row_comment AFTER INSERT OR UPDATE OR DELETE ON tb_comment
    FOR EACH ROW EXECUTE FUNCTION hand_row_post_child();
CREATE TRIGGER hand_row_post_tag AFTER INSERT OR UPDATE OR DELETE ON tb_post_tag
    FOR EACH ROW EXECUTE FUNCTION hand_row_post_child();
CREATE TRIGGER hand_row_tag AFTER INSERT OR UPDATE OR DELETE ON tb_tag
    FOR EACH ROW EXECUTE FUNCTION hand_row_tag();
