-- Every kind of write keeps every TVIEW equal to its view: INSERT ... ON
-- CONFLICT, MERGE, COPY FROM, foreign-key cascades (ON DELETE CASCADE,
-- ON UPDATE CASCADE, SET NULL), writes from PL/pgSQL and from triggers of
-- other tables, and a statement of 10,000+ rows.
CREATE SCHEMA kinds_of_write;
SET search_path = kinds_of_write, public;

CREATE TABLE tb_user (pk_user bigint PRIMARY KEY, name text NOT NULL);
CREATE TABLE tb_post (pk_post bigint PRIMARY KEY, fk_user bigint REFERENCES tb_user ON UPDATE CASCADE ON DELETE SET NULL,
                      title text NOT NULL);
CREATE TABLE tb_comment (pk_comment bigint PRIMARY KEY,
                         fk_post bigint NOT NULL REFERENCES tb_post ON UPDATE CASCADE ON DELETE CASCADE,
                         body text NOT NULL);
CREATE TABLE tb_audit (pk_audit bigserial PRIMARY KEY, fk_post bigint, note text);
CREATE INDEX ON tb_comment (fk_post);
CREATE INDEX ON tb_audit (fk_post);
INSERT INTO tb_user VALUES (1, 'alice'), (2, 'bob');
INSERT INTO tb_post VALUES (1, 1, 'a'), (2, 2, 'b'), (3, 2, 'c');
INSERT INTO tb_comment VALUES (1, 1, 'x'), (2, 2, 'y'), (3, 3, 'z');

CREATE TABLE tv_post AS
SELECT p.pk_post, p.fk_user,
       jsonb_build_object('title', p.title, 'author', u.name,
         'comments', COALESCE((SELECT jsonb_agg(c.body ORDER BY c.pk_comment) FROM tb_comment c
                               WHERE c.fk_post = p.pk_post), '[]'::jsonb),
         'audits', (SELECT count(*) FROM tb_audit a WHERE a.fk_post = p.pk_post)) AS data
FROM tb_post p LEFT JOIN tb_user u ON u.pk_user = p.fk_user;

-- INSERT ... ON CONFLICT: one statement inserts some rows and updates others
INSERT INTO tb_post VALUES (3, 1, 'c moved'), (4, 1, 'd')
ON CONFLICT (pk_post) DO UPDATE SET fk_user = EXCLUDED.fk_user, title = EXCLUDED.title;
INSERT INTO tb_comment VALUES (1, 1, 'x again') ON CONFLICT DO NOTHING;
SELECT * FROM tv_check();

-- MERGE: insert, update and delete in one statement
MERGE INTO tb_comment c
USING (VALUES (1, 1, 'x merged'), (2, 2, NULL), (10, 4, 'new')) AS s(pk, post, body) ON c.pk_comment = s.pk
WHEN MATCHED AND s.body IS NULL THEN DELETE
WHEN MATCHED THEN UPDATE SET body = s.body
WHEN NOT MATCHED THEN INSERT VALUES (s.pk, s.post, s.body);
SELECT pk_post, data->'comments' AS comments FROM tv_post ORDER BY 1;
SELECT * FROM tv_check();

-- COPY FROM
COPY tb_comment FROM stdin;
20	3	copied one
21	3	copied two
\.
SELECT data->'comments' AS comments FROM tv_post WHERE pk_post = 3;

-- foreign-key cascades: key change cascading to children, SET NULL, DELETE CASCADE
UPDATE tb_post SET pk_post = 30 WHERE pk_post = 3;
UPDATE tb_user SET pk_user = 10 WHERE pk_user = 1;
DELETE FROM tb_user WHERE pk_user = 2;
DELETE FROM tb_post WHERE pk_post = 4;
SELECT pk_post, fk_user, data FROM tv_post ORDER BY 1;
SELECT * FROM tv_check();

-- writes from PL/pgSQL, and from a trigger of another table
CREATE FUNCTION add_comments(p bigint, n int) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    FOR i IN 1..n LOOP
        INSERT INTO tb_comment VALUES (1000 + p * 100 + i, p, 'plpgsql ' || i);
    END LOOP;
    UPDATE tb_post SET title = title || ' (' || n || ' more)' WHERE pk_post = p;
END $$;
SELECT add_comments(1, 3);
CREATE FUNCTION audit_post() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO tb_audit (fk_post, note) VALUES (NEW.fk_post, 'comment ' || NEW.pk_comment);
    RETURN NULL;
END $$;
CREATE TRIGGER audit_comment AFTER INSERT ON tb_comment FOR EACH ROW EXECUTE FUNCTION audit_post();
INSERT INTO tb_comment VALUES (50, 30, 'audited'), (51, 30, 'audited too');
SELECT pk_post, data->>'title' AS title, data->'audits' AS audits FROM tv_post ORDER BY 1;
SELECT * FROM tv_check();

-- a rename whose row trigger moves the user's posts to another user in the
-- same statement: the key column is unchanged (the OLD rows' key query is
-- skipped), the moved posts are found through tb_post's own changes
CREATE FUNCTION hand_over_posts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE tb_post SET fk_user = 3 WHERE fk_user = NEW.pk_user;
    RETURN NULL;
END $$;
CREATE TRIGGER hand_over AFTER UPDATE OF name ON tb_user FOR EACH ROW
    WHEN (NEW.pk_user = 10) EXECUTE FUNCTION hand_over_posts();
INSERT INTO tb_user VALUES (3, 'carol');
INSERT INTO tb_post VALUES (60, 10, 'p60'), (61, 10, 'p61');
SELECT pk_post, fk_user, data->>'author' AS author FROM tv_post WHERE pk_post IN (60, 61) ORDER BY 1;
UPDATE tb_user SET name = 'alice (left)' WHERE pk_user = 10;
SELECT pk_post, fk_user, data->>'author' AS author FROM tv_post WHERE pk_post IN (60, 61) ORDER BY 1;
SELECT * FROM tv_check();
DROP TRIGGER hand_over ON tb_user;

-- 10,000+ rows in one statement, then all of them changed and deleted
DROP TRIGGER audit_comment ON tb_comment;
INSERT INTO tb_post SELECT g, 10, 'bulk ' || g FROM generate_series(100, 10199) g;
INSERT INTO tb_comment SELECT g, 100 + g % 10100, 'bulk' FROM generate_series(100000, 112000) g;
SELECT count(*) AS posts FROM tv_post;
UPDATE tb_post SET title = upper(title) WHERE pk_post >= 100;
SELECT * FROM tv_check();
DELETE FROM tb_post WHERE pk_post >= 100;
SELECT count(*) AS posts FROM tv_post;
SELECT * FROM tv_check();

DROP SCHEMA kinds_of_write CASCADE;
