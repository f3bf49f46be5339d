-- A TVIEW joining another table: updating an author changes exactly that
-- author's posts; re-parenting a post moves it to the new author.
CREATE SCHEMA join_fanout;
SET search_path = join_fanout, public;

CREATE TABLE tb_user (pk_user bigint PRIMARY KEY, name text NOT NULL);
CREATE TABLE tb_post (pk_post bigint PRIMARY KEY, fk_user bigint NOT NULL REFERENCES tb_user,
                      title text NOT NULL);
INSERT INTO tb_user VALUES (1, 'alice'), (2, 'bob'), (3, 'carol');
INSERT INTO tb_post SELECT g, 1 + g % 3, 'post ' || g FROM generate_series(1, 30) g;

SELECT pg_tviews_create('tv_post', $$
    SELECT p.pk_post, p.fk_user,
           jsonb_build_object('title', p.title, 'author', jsonb_build_object('name', u.name)) AS data
    FROM tb_post p JOIN tb_user u ON u.pk_user = p.fk_user $$);

CREATE TEMP TABLE before AS SELECT pk_post, fk_user, xmin::text AS x FROM tv_post;

UPDATE tb_user SET name = 'BOB' WHERE pk_user = 2;

-- exactly bob's posts were rewritten, no other row
SELECT b.fk_user, count(*) AS posts,
       count(*) FILTER (WHERE t.xmin::text <> b.x) AS rewritten
FROM before b JOIN tv_post t USING (pk_post)
GROUP BY b.fk_user ORDER BY 1;
SELECT DISTINCT data->'author'->>'name' AS author FROM tv_post WHERE fk_user = 2;
SELECT * FROM tv_check();

-- re-parenting: post 3 moves from alice (1) to carol (3)
UPDATE tb_post SET fk_user = 3 WHERE pk_post = 3;
SELECT pk_post, fk_user, data->'author'->>'name' AS author FROM tv_post WHERE pk_post = 3;

-- an author row changed twice in one transaction, and a post deleted
BEGIN;
UPDATE tb_user SET name = 'al' WHERE pk_user = 1;
UPDATE tb_user SET name = 'alice again' WHERE pk_user = 1;
DELETE FROM tb_post WHERE pk_post = 4;
COMMIT;
SELECT count(*) FILTER (WHERE data->'author'->>'name' = 'alice again') AS alice_posts,
       count(*) FILTER (WHERE pk_post = 4) AS deleted_post
FROM tv_post;

-- the author's key changes (ON UPDATE is not set: move posts first)
INSERT INTO tb_user VALUES (4, 'dave');
UPDATE tb_post SET fk_user = 4 WHERE fk_user = 3;
DELETE FROM tb_user WHERE pk_user = 3;
SELECT fk_user, count(*) FROM tv_post GROUP BY 1 ORDER BY 1;
SELECT * FROM tv_check();

-- A relation read twice: a member as a note's author (with their team) and
-- as the author of its replies (name only). An UPDATE finds documents only
-- through the occurrences that read a column it changed: moving a member to
-- another team recomputes the notes they wrote, not those they replied to.
-- traced() raises the same NOTICE for every document recomputed while
-- join_fanout.trace is on (the name is shown through upper(): never a patch).
CREATE FUNCTION traced(k bigint) RETURNS bigint LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF current_setting('join_fanout.trace', true) = 'on' THEN
        RAISE NOTICE 'a document recomputed';
    END IF;
    RETURN k;
END $$;
CREATE TABLE tb_team (pk_team bigint PRIMARY KEY, name text NOT NULL);
CREATE TABLE tb_member (pk_member bigint PRIMARY KEY, fk_team bigint NOT NULL REFERENCES tb_team,
                        name text NOT NULL, email text);
CREATE TABLE tb_note (pk_note bigint PRIMARY KEY, fk_member bigint NOT NULL REFERENCES tb_member, title text NOT NULL);
CREATE TABLE tb_reply (pk_reply bigint PRIMARY KEY, fk_note bigint NOT NULL REFERENCES tb_note,
                       fk_member bigint NOT NULL REFERENCES tb_member, body text NOT NULL);
INSERT INTO tb_team VALUES (1, 'red'), (2, 'blue');
INSERT INTO tb_member VALUES (1, 1, 'ann', 'ann@x'), (2, 1, 'bo', NULL), (3, 2, 'cy', NULL);
-- ann wrote note 10; she replied to notes 20 and 30 (bo's and cy's)
INSERT INTO tb_note VALUES (10, 1, 'n10'), (20, 2, 'n20'), (30, 3, 'n30');
INSERT INTO tb_reply VALUES (100, 20, 1, 'r100'), (101, 30, 1, 'r101'), (102, 10, 2, 'r102');
SELECT pg_tviews_create('tv_note', $$
    SELECT n.pk_note, n.fk_member,
           jsonb_build_object('title', n.title, 'seen', traced(n.pk_note),
               'author', jsonb_build_object('name', upper(m.name), 'team', t.name),
               'replies', COALESCE((SELECT jsonb_agg(jsonb_build_object('body', r.body, 'by', upper(rm.name))
                                                     ORDER BY r.pk_reply)
                                    FROM tb_reply r JOIN tb_member rm ON rm.pk_member = r.fk_member
                                    WHERE r.fk_note = n.pk_note), '[]'::jsonb)) AS data
    FROM tb_note n JOIN tb_member m ON m.pk_member = n.fk_member JOIN tb_team t ON t.pk_team = m.fk_team $$);
SET join_fanout.trace = on;
-- the team is read by the author occurrence only: one note (10)
UPDATE tb_member SET fk_team = 2 WHERE pk_member = 1;
-- the e-mail is read by neither: no note
UPDATE tb_member SET email = 'ann@y' WHERE pk_member = 1;
-- the name is read by both: three notes (10 as author, 20 and 30 as replier)
UPDATE tb_member SET name = 'anne' WHERE pk_member = 1;
-- names exchanged between two members: the column holds the same values,
-- but not in the same rows (each row is compared with its new version):
-- the notes and replies of both, 10 20 30
UPDATE tb_member SET name = CASE pk_member WHEN 1 THEN 'bo' ELSE 'anne' END WHERE pk_member IN (1, 2);
-- a key column of the author occurrence only, unchanged by a no-op
-- assignment: no note
UPDATE tb_member SET fk_team = fk_team, email = email WHERE pk_member = 3;
SET join_fanout.trace = off;
SELECT pk_note, data->'author' AS author, data->'replies' AS replies FROM tv_note ORDER BY 1;
SELECT * FROM tv_check();

-- A whole-row reference reads every column: the e-mail now reaches the
-- documents through it
SELECT pg_tviews_create('tv_reply', $$
    SELECT r.pk_reply, jsonb_build_object('body', r.body, 'by', to_jsonb(rm) - 'pk_member', 'seen', traced(r.pk_reply)) AS data
    FROM tb_reply r JOIN tb_member rm ON rm.pk_member = r.fk_member $$);
SET join_fanout.trace = on;
UPDATE tb_member SET email = 'ann@z' WHERE pk_member = 1;
SET join_fanout.trace = off;
SELECT pk_reply, data->'by'->>'email' AS email FROM tv_reply ORDER BY 1;
SELECT * FROM tv_check();

-- Under row-level security a policy may read any column (it decides which
-- rows the view sees): every occurrence finds its keys. cy's e-mail: note
-- 30, which cy wrote, is recomputed although tv_note does not show it
ALTER TABLE tb_member ENABLE ROW LEVEL SECURITY;
CREATE POLICY members_shown ON tb_member USING (email IS DISTINCT FROM 'hidden');
SET join_fanout.trace = on;
UPDATE tb_member SET email = 'cy@x' WHERE pk_member = 3;
SET join_fanout.trace = off;
DROP POLICY members_shown ON tb_member;
ALTER TABLE tb_member DISABLE ROW LEVEL SECURITY;
SELECT * FROM tv_check();

DROP SCHEMA join_fanout CASCADE;
