-- (3) Hand-written FOR EACH ROW triggers, written as a typical user would:
-- every changed base row recomputes the post documents it appears in (upsert
-- from v_post), and every recomputed post recomputes its author's user
-- document (upsert from v_user, which reads tv_post).
\set ON_ERROR_STOP 1
\ir hand_tables.sql

CREATE FUNCTION hand_refresh_user(p_user bigint) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF p_user IS NULL THEN
        RETURN;
    END IF;
    INSERT INTO tv_user SELECT * FROM v_user WHERE pk_user = p_user
    ON CONFLICT (pk_user) DO UPDATE SET id = EXCLUDED.id, data = EXCLUDED.data;
    IF NOT FOUND THEN
        DELETE FROM tv_user WHERE pk_user = p_user;
    END IF;
END $$;

CREATE FUNCTION hand_refresh_post(p_post bigint) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    v_old_user bigint;
    v_new_user bigint;
BEGIN
    SELECT fk_user INTO v_old_user FROM tv_post WHERE pk_post = p_post;
    INSERT INTO tv_post SELECT * FROM v_post WHERE pk_post = p_post
    ON CONFLICT (pk_post) DO UPDATE
        SET id = EXCLUDED.id, fk_user = EXCLUDED.fk_user,
            user_id = EXCLUDED.user_id, data = EXCLUDED.data
    RETURNING fk_user INTO v_new_user;
    IF v_new_user IS NULL THEN
        DELETE FROM tv_post WHERE pk_post = p_post;
    END IF;
    -- user documents embed their posts
    PERFORM hand_refresh_user(v_new_user);
    IF v_old_user IS DISTINCT FROM v_new_user THEN
        PERFORM hand_refresh_user(v_old_user);
    END IF;
END $$;

CREATE FUNCTION hand_row_post() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM hand_refresh_post(NEW.pk_post);
    END IF;
    IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND OLD.pk_post <> NEW.pk_post) THEN
        PERFORM hand_refresh_post(OLD.pk_post);
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION hand_row_comment() RETURNS trigger
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
    PERFORM hand_refresh_user(v_user);
    RETURN NULL;
END $$;

CREATE TRIGGER hand_row_post AFTER INSERT OR UPDATE OR DELETE ON tb_post
    FOR EACH ROW EXECUTE FUNCTION hand_row_post();
CREATE TRIGGER hand_row_comment AFTER INSERT OR UPDATE OR DELETE ON tb_comment
    FOR EACH ROW EXECUTE FUNCTION hand_row_comment();
CREATE TRIGGER hand_row_user AFTER INSERT OR UPDATE OR DELETE ON tb_user
    FOR EACH ROW EXECUTE FUNCTION hand_row_user();
