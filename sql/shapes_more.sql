-- More view shapes: RIGHT and FULL joins, a self-referencing tree, a chain
-- company -> user -> post (and TVIEWs four levels deep), GROUP BY / HAVING
-- at the top, aggregates with FILTER / ORDER BY / DISTINCT, LATERAL, a
-- partitioned base table (row movement and writes straight into a
-- partition), composite and non-integer primary keys, generated columns,
-- and column types from numeric to multi-megabyte text.
CREATE SCHEMA shapes_more;
SET search_path = shapes_more, public;

CREATE TABLE tb_company (pk_company bigint PRIMARY KEY, name text NOT NULL);
CREATE TABLE tb_user (pk_user bigint PRIMARY KEY, fk_company bigint REFERENCES tb_company, name text NOT NULL);
CREATE TABLE tb_post (pk_post bigint PRIMARY KEY, fk_user bigint NOT NULL REFERENCES tb_user, title text NOT NULL,
                      words int NOT NULL DEFAULT 0, words_x2 int GENERATED ALWAYS AS (words * 2) STORED);
CREATE TABLE tb_comment (pk_comment bigint PRIMARY KEY, fk_post bigint NOT NULL REFERENCES tb_post ON DELETE CASCADE,
                         fk_user bigint REFERENCES tb_user, body text, spam boolean NOT NULL DEFAULT false);
INSERT INTO tb_company VALUES (1, 'acme'), (2, 'globex');
INSERT INTO tb_user VALUES (1, 1, 'alice'), (2, 1, 'bob'), (3, 2, 'carol'), (4, NULL, 'dave');
INSERT INTO tb_post VALUES (1, 1, 'p1', 10), (2, 2, 'p2', 20), (3, 3, 'p3', 30);
INSERT INTO tb_comment VALUES (1, 1, 2, 'c1', false), (2, 1, 3, 'c2', true), (3, 2, 1, 'c3', false), (4, 2, 1, 'c4', false);

-- the post shows its author's company (a chain of joins)
CREATE TABLE tv_post AS
SELECT p.pk_post, p.fk_user, p.words_x2,
       jsonb_build_object('title', p.title, 'author', u.name, 'company', co.name,
         'commenters', (SELECT jsonb_agg(DISTINCT cu.name ORDER BY cu.name) FILTER (WHERE NOT c.spam)
                        FROM tb_comment c JOIN tb_user cu ON cu.pk_user = c.fk_user WHERE c.fk_post = p.pk_post),
         'spam', (SELECT count(*) FILTER (WHERE c.spam) FROM tb_comment c WHERE c.fk_post = p.pk_post)) AS data
FROM tb_post p JOIN tb_user u ON u.pk_user = p.fk_user LEFT JOIN tb_company co ON co.pk_company = u.fk_company;

-- RIGHT JOIN: every user, with their post count (users without posts too)
CREATE TABLE tv_author AS
SELECT u.pk_user AS pk_author, u.name, count(p.pk_post) AS posts, sum(p.words) AS words
FROM tb_post p RIGHT JOIN tb_user u ON u.pk_user = p.fk_user
GROUP BY u.pk_user, u.name
HAVING count(p.pk_post) >= 0;

-- LATERAL: each user's latest post
CREATE TABLE tv_latest AS
SELECT u.pk_user AS pk_latest, lp.title
FROM tb_user u LEFT JOIN LATERAL (SELECT p.title FROM tb_post p WHERE p.fk_user = u.pk_user
                                  ORDER BY p.pk_post DESC LIMIT 1) lp ON true;

-- four levels of TVIEWs: comment -> post -> user -> company
CREATE TABLE tv_comment AS SELECT c.pk_comment, c.fk_post, jsonb_build_object('body', c.body) AS data FROM tb_comment c;
CREATE TABLE tv_cpost AS
SELECT p.pk_post AS pk_cpost, p.fk_user,
       jsonb_build_object('title', p.title, 'comments',
         COALESCE((SELECT jsonb_agg(tc.data ORDER BY tc.pk_comment) FROM tv_comment tc WHERE tc.fk_post = p.pk_post), '[]')) AS data
FROM tb_post p;
CREATE TABLE tv_cuser AS
SELECT u.pk_user AS pk_cuser, u.fk_company,
       jsonb_build_object('name', u.name, 'posts',
         COALESCE((SELECT jsonb_agg(tp.data ORDER BY tp.pk_cpost) FROM tv_cpost tp WHERE tp.fk_user = u.pk_user), '[]')) AS data
FROM tb_user u;
CREATE TABLE tv_ccompany AS
SELECT co.pk_company AS pk_ccompany,
       jsonb_build_object('name', co.name, 'users',
         COALESCE((SELECT jsonb_agg(tu.data ORDER BY tu.pk_cuser) FROM tv_cuser tu WHERE tu.fk_company = co.pk_company), '[]')) AS data
FROM tb_company co;

-- a self-referencing category tree (each category with its parent's name and its children's)
CREATE TABLE tb_category (pk_category bigint PRIMARY KEY, fk_parent bigint REFERENCES tb_category, name text NOT NULL);
INSERT INTO tb_category VALUES (1, NULL, 'root'), (2, 1, 'a'), (3, 1, 'b'), (4, 2, 'a1');
CREATE TABLE tv_category AS
SELECT c.pk_category, c.fk_parent, par.name AS parent_name,
       (SELECT jsonb_agg(ch.name ORDER BY ch.name) FROM tb_category ch WHERE ch.fk_parent = c.pk_category) AS children
FROM tb_category c LEFT JOIN tb_category par ON par.pk_category = c.fk_parent;

SELECT entity, dependencies FROM pg_tview_meta
WHERE entity IN ('post', 'author', 'latest', 'comment', 'cpost', 'cuser', 'ccompany', 'category') ORDER BY 1;
SELECT * FROM tv_check();

-- changes at every level
UPDATE tb_company SET name = 'ACME' WHERE pk_company = 1;
UPDATE tb_user SET fk_company = 2 WHERE pk_user = 2;
INSERT INTO tb_comment VALUES (5, 3, 4, 'c5', false);
UPDATE tb_comment SET spam = true WHERE pk_comment = 3;
UPDATE tb_comment SET body = 'c1!' WHERE pk_comment = 1;
INSERT INTO tb_post VALUES (4, 4, 'p4', 40);
UPDATE tb_post SET words = 11 WHERE pk_post = 1;
DELETE FROM tb_post WHERE pk_post = 2;
UPDATE tb_category SET fk_parent = 3 WHERE pk_category = 4;
UPDATE tb_category SET name = 'ROOT' WHERE pk_category = 1;
SELECT pk_post, words_x2, data FROM tv_post ORDER BY 1;
SELECT * FROM tv_author ORDER BY 1;
SELECT * FROM tv_latest ORDER BY 1;
SELECT pk_ccompany, data FROM tv_ccompany ORDER BY 1;
SELECT * FROM tv_category ORDER BY 1;
SELECT * FROM tv_check();

-- a partitioned base table: row movement between partitions, and writes
-- straight into a partition
CREATE TABLE tb_event (pk_event bigint NOT NULL, region text NOT NULL, label text, PRIMARY KEY (pk_event, region))
    PARTITION BY LIST (region);
CREATE TABLE tb_event_eu PARTITION OF tb_event FOR VALUES IN ('eu');
CREATE TABLE tb_event_us PARTITION OF tb_event FOR VALUES IN ('us');
INSERT INTO tb_event VALUES (1, 'eu', 'one'), (2, 'us', 'two');
CREATE TABLE tv_event AS SELECT e.pk_event, e.region, upper(e.label) AS label FROM tb_event e;
UPDATE tb_event SET region = 'us' WHERE pk_event = 1;
INSERT INTO tb_event_eu VALUES (3, 'eu', 'three');
UPDATE tb_event_us SET label = 'TWO' WHERE pk_event = 2;
DELETE FROM tb_event_us WHERE pk_event = 1;
-- a partition created after the TVIEW gets capture triggers too
CREATE TABLE tb_event_asia PARTITION OF tb_event FOR VALUES IN ('asia');
INSERT INTO tb_event_asia VALUES (4, 'asia', 'four');
UPDATE tb_event SET region = 'asia' WHERE pk_event = 2;
SELECT tgrelid::regclass AS partition, count(*) AS capture_triggers FROM pg_trigger
WHERE tgname LIKE 'tview\_capture\_%' AND tgrelid::regclass::text LIKE 'tb_event%' GROUP BY 1 ORDER BY 1;
SELECT check_name, status FROM pg_tviews_health_check() WHERE check_name IN ('tview:event', 'orphaned_triggers');
SELECT * FROM tv_event ORDER BY 1;
SELECT * FROM tv_check();

-- non-integer and composite base keys, and many column types
CREATE TABLE tb_doc (code text NOT NULL, version int NOT NULL, uid uuid NOT NULL DEFAULT gen_random_uuid(),
                     amount numeric(12,4), at timestamptz, tags text[], meta jsonb, body text,
                     PRIMARY KEY (code, version));
-- (a key from row_number() would be refused: window functions)
CREATE TABLE tv_doc AS
SELECT hashtext(d.code)::bigint * 1000 + d.version AS pk_doc, d.code, d.version, d.amount, d.at, d.tags, d.meta,
       length(d.body) AS body_length, md5(d.body) AS body_md5
FROM tb_doc d;
INSERT INTO tb_doc VALUES ('ünïcødé ✓', 1, DEFAULT, 12.3400, '2026-01-02 03:04:05+00', ARRAY['a', 'b'],
                           '{"k": [1, 2.50, null]}', repeat('x', 5 * 1024 * 1024));
UPDATE tb_doc SET body = body || 'y', amount = 12.34 WHERE code = 'ünïcødé ✓';
SELECT code, version, amount, at, tags, meta, body_length FROM tv_doc;
SELECT * FROM tv_check();

-- UNION ALL branches whose keys do not overlap (plain UNION stays refused)
CREATE TABLE tb_article (pk_article bigint PRIMARY KEY, title text);
CREATE TABLE tb_video (pk_video bigint PRIMARY KEY, title text, secs int);
INSERT INTO tb_article VALUES (1, 'a1'), (2, 'a2');
INSERT INTO tb_video VALUES (1, 'v1', 10);
CREATE TABLE tv_item AS
SELECT a.pk_article * 2 AS pk_item, 'article' AS kind, a.title FROM tb_article a
UNION ALL
SELECT v.pk_video * 2 + 1, 'video', v.title || ' (' || v.secs || 's)' FROM tb_video v;
UPDATE tb_video SET secs = 12;
INSERT INTO tb_article VALUES (3, 'a3');
DELETE FROM tb_article WHERE pk_article = 1;
SELECT * FROM tv_item ORDER BY 1;
INSERT INTO tb_video VALUES (2, 'v2', 5);
SELECT count(*) AS items FROM tv_item;
SELECT * FROM tv_check();

DROP SCHEMA shapes_more CASCADE;
