-- TVIEWs keyed by types other than integers: uuid (a chain of three tables
-- and a TVIEW built on another), text with varchar foreign keys, date (a
-- type passed by value), numeric and citext (equal keys with different
-- images: 1.0 = 1.00, 'alice' = 'ALICE'), a domain over uuid. Every
-- scenario ends comparing each TVIEW with its definition, both by
-- equality (tv_check) and by the text of every row (tv_images), which
-- also catches a key kept in an old spelling.
CREATE SCHEMA key_types;
SET search_path = key_types, public;

-- ---- uuid keys: users, posts, comments -------------------------------------
CREATE FUNCTION u(n int) RETURNS uuid LANGUAGE sql IMMUTABLE
    AS $$ SELECT ('00000000-0000-4000-8000-' || lpad(n::text, 12, '0'))::uuid $$;

CREATE TABLE tb_user (pk_user uuid PRIMARY KEY, id uuid NOT NULL, name text NOT NULL);
CREATE TABLE tb_post (pk_post uuid PRIMARY KEY, id uuid NOT NULL, fk_user uuid NOT NULL REFERENCES tb_user,
                      title text NOT NULL);
CREATE TABLE tb_comment (pk_comment uuid PRIMARY KEY,
                         fk_post uuid NOT NULL REFERENCES tb_post ON DELETE CASCADE ON UPDATE CASCADE,
                         fk_user uuid NOT NULL REFERENCES tb_user, body text NOT NULL);
INSERT INTO tb_user SELECT u(g), u(1000 + g), 'user' || g FROM generate_series(1, 4) g;
INSERT INTO tb_post SELECT u(100 + g), u(2000 + g), u(1 + g % 4), 'post' || g FROM generate_series(1, 8) g;
INSERT INTO tb_comment SELECT u(300 + g), u(100 + 1 + g % 8), u(1 + (g * 3) % 4), 'comment' || g
  FROM generate_series(1, 20) g;

CREATE TABLE tv_post AS
SELECT p.pk_post, p.id, p.fk_user,
       jsonb_build_object('id', p.id, 'title', p.title,
                          'author', jsonb_build_object('id', u.id, 'name', u.name),
                          'comments', COALESCE((SELECT jsonb_agg(jsonb_build_object('body', c.body, 'by', cu.name)
                                                                 ORDER BY c.body)
                                                  FROM tb_comment c JOIN tb_user cu ON cu.pk_user = c.fk_user
                                                 WHERE c.fk_post = p.pk_post), '[]'::jsonb)) AS data
FROM tb_post p JOIN tb_user u ON u.pk_user = p.fk_user;

-- A TVIEW on a TVIEW: each user with the documents of their posts.
CREATE TABLE tv_user AS
SELECT u.pk_user, u.id,
       jsonb_build_object('name', u.name,
                          'posts', COALESCE((SELECT jsonb_agg(tp.data ORDER BY tp.data->>'title')
                                               FROM tv_post tp WHERE tp.fk_user = u.pk_user), '[]'::jsonb)) AS data
FROM tb_user u;

SELECT pg_typeof(pk_post) AS post_key, pg_typeof(pk_user) AS user_key
  FROM tv_post, tv_user LIMIT 1;
SELECT r->>'relation' AS relation, s->>'mode' AS mode
  FROM jsonb_array_elements(pg_tviews_analyze_select($$
       SELECT p.pk_post, p.id, p.fk_user, jsonb_build_object('title', p.title, 'by', u.name) AS data
         FROM tb_post p JOIN tb_user u ON u.pk_user = p.fk_user$$)->'relations') r,
       jsonb_array_elements(r->'key_sources') s
 ORDER BY 1, 2;

-- a rename reaches the author's posts, the posts they commented on, and
-- through tv_post every tv_user embedding them
UPDATE tb_user SET name = 'Ann' WHERE pk_user = u(1);
SELECT data->'author'->>'name' AS author, count(*) FROM tv_post GROUP BY 1 ORDER BY 1;
SELECT count(*) AS users_showing_ann FROM tv_user WHERE data::text LIKE '%Ann%';
SELECT * FROM tv_check();
SELECT * FROM tv_images('key_types');

-- several statements and tables in one transaction
BEGIN;
INSERT INTO tb_user VALUES (u(5), u(1005), 'user5');
INSERT INTO tb_post VALUES (u(109), u(2009), u(5), 'post9');
INSERT INTO tb_comment VALUES (u(321), u(109), u(2), 'first!');
UPDATE tb_comment SET fk_post = u(109) WHERE pk_comment = u(301);  -- moves between posts
DELETE FROM tb_comment WHERE pk_comment = u(302);
UPDATE tb_post SET fk_user = u(5) WHERE pk_post = u(101);          -- changes author
COMMIT;
SELECT data->>'title' AS title, data->'author'->>'name' AS author, jsonb_array_length(data->'comments') AS comments
  FROM tv_post WHERE pk_post IN (u(101), u(109)) ORDER BY 1;
SELECT * FROM tv_check();
SELECT * FROM tv_images('key_types');

-- a key that changes: the old document goes, the new one comes
UPDATE tb_post SET pk_post = u(110) WHERE pk_post = u(102);
SELECT count(*) FILTER (WHERE pk_post = u(102)) AS old_key, count(*) FILTER (WHERE pk_post = u(110)) AS new_key
  FROM tv_post;
SELECT * FROM tv_check();

-- rolled back, and a rolled-back savepoint
BEGIN;
UPDATE tb_user SET name = 'nobody' WHERE pk_user = u(2);
ROLLBACK;
BEGIN;
UPDATE tb_user SET name = 'kept' WHERE pk_user = u(3);
SAVEPOINT s;
UPDATE tb_user SET name = 'undone' WHERE pk_user = u(4);
SELECT count(*) AS undone_visible FROM tv_post WHERE data::text LIKE '%undone%';
ROLLBACK TO SAVEPOINT s;
COMMIT;
SELECT count(*) FILTER (WHERE data::text LIKE '%kept%') AS kept,
       count(*) FILTER (WHERE data::text LIKE '%undone%' OR data::text LIKE '%nobody%') AS undone
  FROM tv_post;
SELECT * FROM tv_check();

-- deletes (a cascade through the foreign key), TRUNCATE, a full refresh
DELETE FROM tb_post WHERE pk_post = u(103);
SELECT count(*) AS gone FROM tv_post WHERE pk_post = u(103);
TRUNCATE tb_comment;
SELECT count(*) AS posts_with_comments FROM tv_post WHERE data->'comments' <> '[]'::jsonb;
SELECT pg_tviews_refresh('tv_post') >= 0 AS refreshed;
SELECT * FROM tv_check();
SELECT * FROM tv_images('key_types');

-- repaired by hand after changes with triggers disabled: by uuid, or by
-- the key's text
ALTER TABLE tb_user DISABLE TRIGGER USER;
ALTER TABLE tb_post DISABLE TRIGGER USER;
UPDATE tb_user SET name = 'behind the back' WHERE pk_user = u(2);
UPDATE tb_post SET title = 'retitled behind the back' WHERE pk_post = u(104);
ALTER TABLE tb_user ENABLE TRIGGER USER;
ALTER TABLE tb_post ENABLE TRIGGER USER;
SELECT tview, missing > 0 AS stale FROM tv_check() WHERE tview LIKE '%tv_post' OR tview LIKE '%tv_user';
SELECT pg_tviews_cascade('tb_user'::regclass, u(2));
SELECT pg_tviews_cascade('tb_post'::regclass, '00000000-0000-4000-8000-000000000104');
SELECT * FROM tv_check();
-- bad input: a value of another type, no such row, no such value of the type
SELECT pg_tviews_cascade('tb_user'::regclass, 2);
SELECT pg_tviews_insert('tb_user'::regclass, u(99));
SELECT pg_tviews_cascade('tb_user'::regclass, 'not a uuid');

-- what the transaction changed, keyed by uuid (with the feed on, the
-- report covers the whole transaction in either refresh mode)
BEGIN;
SET LOCAL pg_tviews.change_feed = keys;
UPDATE tb_post SET title = 'reported' WHERE pk_post = u(105);
SELECT entity, pk, id = u(2005) AS posts_id, op FROM pg_tviews_flush_and_report() WHERE entity = 'post';
COMMIT;

-- ---- text keys, varchar foreign keys ---------------------------------------
CREATE TABLE tb_country (code text PRIMARY KEY, name text NOT NULL);
CREATE TABLE tb_city (code varchar(8) PRIMARY KEY, fk_country varchar(3) NOT NULL REFERENCES tb_country,
                      name text NOT NULL, people int NOT NULL);
INSERT INTO tb_country VALUES ('fr', 'France'), ('de', 'Germany'), ('it', 'Italy');
INSERT INTO tb_city VALUES ('par', 'fr', 'Paris', 2100), ('lyo', 'fr', 'Lyon', 520), ('ber', 'de', 'Berlin', 3600);
CREATE TABLE tv_country AS
SELECT c.code AS pk_country, jsonb_build_object(
         'name', c.name,
         'cities', COALESCE((SELECT jsonb_agg(ci.name ORDER BY ci.name) FROM tb_city ci WHERE ci.fk_country = c.code),
                            '[]'::jsonb),
         'people', (SELECT COALESCE(sum(ci.people), 0) FROM tb_city ci WHERE ci.fk_country = c.code)) AS data
FROM tb_country c;
CREATE TABLE tv_city AS
SELECT ci.code::text AS pk_city, jsonb_build_object('name', ci.name, 'country', co.name) AS data
FROM tb_city ci JOIN tb_country co ON co.code = ci.fk_country;
SELECT pg_typeof(pk_country) AS country_key, pg_typeof(pk_city) AS city_key FROM tv_country, tv_city LIMIT 1;
INSERT INTO tb_city VALUES ('mil', 'it', 'Milan', 1400);
UPDATE tb_city SET fk_country = 'it', name = 'Turin' WHERE code = 'lyo';
UPDATE tb_country SET name = 'République française' WHERE code = 'fr';
DELETE FROM tb_city WHERE code = 'ber';
SELECT pk_country, data FROM tv_country ORDER BY 1;
SELECT pk_city, data FROM tv_city ORDER BY 1;
SELECT * FROM tv_check();
SELECT * FROM tv_images('key_types');
SELECT pg_tviews_cascade('tb_country'::regclass, 'fr');

-- ---- date keys (passed by value) -------------------------------------------
CREATE TABLE tb_event (pk_event bigint PRIMARY KEY, day date NOT NULL, kind text NOT NULL);
INSERT INTO tb_event SELECT g, date '2026-01-01' + g % 5, 'k' || g % 3 FROM generate_series(1, 30) g;
CREATE TABLE tv_day AS
SELECT e.day AS pk_day, jsonb_build_object('events', count(*), 'kinds', jsonb_agg(DISTINCT e.kind)) AS data
FROM tb_event e GROUP BY e.day;
UPDATE tb_event SET day = date '2026-02-01' WHERE pk_event IN (1, 2);
DELETE FROM tb_event WHERE day = date '2026-01-03';
INSERT INTO tb_event VALUES (100, date '2026-01-03', 'late');
SELECT pk_day, data FROM tv_day ORDER BY 1;
SELECT * FROM tv_check();
SELECT pg_tviews_delete('tb_event'::regclass, 100);

-- ---- equal keys with different images: numeric, citext ---------------------
CREATE TABLE tb_price (pk_price numeric PRIMARY KEY, label text NOT NULL);
INSERT INTO tb_price VALUES (1.0, 'one'), (2.5, 'two and a half');
CREATE TABLE tv_price AS SELECT p.pk_price, jsonb_build_object('label', p.label) AS data FROM tb_price p;
UPDATE tb_price SET pk_price = 1.00 WHERE pk_price = 1;   -- equal, another image
UPDATE tb_price SET label = 'two.5' WHERE pk_price = 2.50;
SELECT pk_price::text, data FROM tv_price ORDER BY pk_price;
SELECT * FROM tv_check();
SELECT * FROM tv_images('key_types');

CREATE EXTENSION IF NOT EXISTS citext SCHEMA public;
CREATE TABLE tb_login (pk_login citext PRIMARY KEY, name text NOT NULL);
CREATE TABLE tb_session (pk_session bigint PRIMARY KEY, fk_login citext NOT NULL REFERENCES tb_login ON UPDATE CASCADE);
INSERT INTO tb_login VALUES ('alice', 'Alice'), ('bob', 'Bob');
INSERT INTO tb_session VALUES (1, 'alice'), (2, 'ALICE'), (3, 'bob');
CREATE TABLE tv_login AS
SELECT l.pk_login, jsonb_build_object('name', l.name,
                                      'sessions', (SELECT count(*) FROM tb_session s WHERE s.fk_login = l.pk_login)) AS data
FROM tb_login l;
SELECT pk_login, data FROM tv_login ORDER BY 1;
UPDATE tb_login SET pk_login = 'ALICE' WHERE pk_login = 'alice';
-- the session's key 'Bob' finds the document of 'bob' only with citext's
-- own equality (in schema public), which the refresh uses
INSERT INTO tb_session VALUES (4, 'Bob');
SELECT pk_login, data FROM tv_login ORDER BY 1;
SELECT * FROM tv_check();
SELECT * FROM tv_images('key_types');

-- ---- a domain over uuid ------------------------------------------------------
CREATE DOMAIN item_key AS uuid NOT NULL;
CREATE TABLE tb_item (pk_item item_key PRIMARY KEY, name text NOT NULL);
INSERT INTO tb_item VALUES (u(1), 'first'), (u(2), 'second');
CREATE TABLE tv_item AS SELECT i.pk_item, jsonb_build_object('name', i.name) AS data FROM tb_item i;
UPDATE tb_item SET name = 'renamed' WHERE pk_item = u(2);
SELECT pg_typeof(pk_item), data FROM tv_item ORDER BY pk_item;
SELECT * FROM tv_check();
DROP SCHEMA key_types CASCADE;
