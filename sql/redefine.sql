-- CREATE OR REPLACE VIEW of a TVIEW's view, or of a helper view it reads,
-- may make it read other relations: writes to those must reach the TVIEW
-- (capture triggers follow the definition), the registry must say what it
-- reads and how it is defined now (a backup of the definitions would bring
-- the old one back), and relations no TVIEW reads any more lose their
-- capture triggers.
CREATE SCHEMA redefine;
SET search_path = redefine, public;
CREATE TABLE tb_user (pk_user bigint PRIMARY KEY, name text NOT NULL);
CREATE TABLE tb_badge (pk_badge bigint PRIMARY KEY, fk_user bigint NOT NULL REFERENCES tb_user, label text NOT NULL);
CREATE TABLE tb_like (pk_like bigint PRIMARY KEY, fk_user bigint NOT NULL REFERENCES tb_user);
INSERT INTO tb_user SELECT g, 'user ' || g FROM generate_series(1, 5) g;
INSERT INTO tb_badge VALUES (1, 1, 'gold');
INSERT INTO tb_like VALUES (1, 2);
CREATE TABLE tv_user AS SELECT u.pk_user, jsonb_build_object('name', u.name) AS data FROM tb_user u;
SELECT dependencies, trigger_count = cardinality(dependencies) * CASE current_setting('pg_tviews.capture_mode') WHEN 'row' THEN 2 ELSE 4 END AS all_capture FROM pg_tview_meta WHERE entity = 'user';

-- its own view now also reads tb_badge
CREATE OR REPLACE VIEW v_user AS
SELECT u.pk_user, jsonb_build_object('name', u.name,
       'badges', (SELECT count(*) FROM tb_badge b WHERE b.fk_user = u.pk_user)) AS data
  FROM tb_user u;
SELECT dependencies, trigger_count = cardinality(dependencies) * CASE current_setting('pg_tviews.capture_mode') WHEN 'row' THEN 2 ELSE 4 END AS all_capture, definition FROM pg_tview_meta WHERE entity = 'user';
INSERT INTO tb_badge VALUES (2, 1, 'silver'), (3, 4, 'bronze');
SELECT pk_user, data->>'badges' AS badges FROM tv_user WHERE pk_user IN (1, 4) ORDER BY 1;
SELECT * FROM tv_check();
-- the stored definition recreates the same TVIEW
SELECT pg_tviews_create('redefine.tv_user', (SELECT definition FROM pg_tview_meta WHERE entity = 'user'));

-- through a helper view: the helper starts reading tb_like
CREATE VIEW v_user_extra AS SELECT b.fk_user, count(*) AS n FROM tb_badge b GROUP BY b.fk_user;
CREATE OR REPLACE VIEW v_user AS
SELECT u.pk_user, jsonb_build_object('name', u.name, 'extra', COALESCE(x.n, 0)) AS data
  FROM tb_user u LEFT JOIN v_user_extra x ON x.fk_user = u.pk_user;
CREATE OR REPLACE VIEW v_user_extra AS
SELECT b.fk_user, count(*) + (SELECT count(*) FROM tb_like l WHERE l.fk_user = b.fk_user) AS n
  FROM tb_badge b GROUP BY b.fk_user;
SELECT dependencies FROM pg_tview_meta WHERE entity = 'user';
INSERT INTO tb_like VALUES (2, 1), (3, 1);
SELECT pk_user, data->>'extra' AS extra FROM tv_user WHERE pk_user = 1;
SELECT * FROM tv_check();

-- back to tb_user alone: tb_badge and tb_like lose their capture triggers
CREATE OR REPLACE VIEW v_user AS SELECT u.pk_user, jsonb_build_object('name', u.name) AS data FROM tb_user u;
SELECT dependencies, trigger_count = cardinality(dependencies) * CASE current_setting('pg_tviews.capture_mode') WHEN 'row' THEN 2 ELSE 4 END AS all_capture FROM pg_tview_meta WHERE entity = 'user';
SELECT c.relname, count(t.tgname) > 0 AS capture_triggers
  FROM pg_class c LEFT JOIN pg_trigger t ON t.tgrelid = c.oid AND t.tgname LIKE 'tview\_capture\_%'
 WHERE c.relnamespace = 'redefine'::regnamespace AND c.relname LIKE 'tb\_%' AND c.relkind = 'r'
 GROUP BY c.relname ORDER BY 1;
SELECT check_name, status FROM pg_tviews_health_check() WHERE status <> 'OK' AND check_name <> 'library_preloaded';
SELECT * FROM tv_check();

-- pg_tviews_create_or_replace(): another definition with the same columns
-- replaces it in place; a new name creates
SELECT pg_tviews_create_or_replace('redefine.tv_user',
    $$SELECT u.pk_user, jsonb_build_object('name', upper(u.name)) AS data FROM redefine.tb_user u$$);
SELECT data->>'name' AS name FROM tv_user WHERE pk_user = 1;
SELECT * FROM tv_check();
SELECT pg_tviews_create_or_replace('redefine.tv_user',
    $$SELECT u.pk_user, jsonb_build_object('name', upper(u.name)) AS data FROM redefine.tb_user u$$);
SELECT pg_tviews_create_or_replace('redefine.tv_name', $$SELECT u.pk_user AS pk_name, u.name FROM redefine.tb_user u$$);
SELECT pg_tviews_drop('redefine.tv_name');
SELECT pg_tviews_create_or_replace('redefine.tv_user',
    $$SELECT u.pk_user, jsonb_build_object('name', u.name) AS data FROM redefine.tb_user u$$);

-- other columns: the table follows the new SELECT in place (kept columns
-- first, in their order, then new ones), the TVIEW built on it stays and
-- is maintained; columns it reads cannot go
CREATE TABLE tb_post (pk_post bigint PRIMARY KEY, fk_user bigint NOT NULL REFERENCES tb_user, title text NOT NULL);
INSERT INTO tb_post SELECT g, 1 + g % 5, 'post ' || g FROM generate_series(1, 12) g;
CREATE TABLE tv_post AS SELECT p.pk_post, p.fk_user, p.title, jsonb_build_object('title', p.title) AS data FROM tb_post p;
CREATE TABLE tv_author AS SELECT u.pk_user AS pk_author,
       jsonb_build_object('name', u.name, 'posts', COALESCE((SELECT jsonb_agg(tp.data ORDER BY tp.pk_post)
         FROM tv_post tp WHERE tp.fk_user = u.pk_user), '[]'::jsonb)) AS data FROM tb_user u;
GRANT SELECT ON v_post TO PUBLIC;
SELECT 'v_post'::regclass::oid AS old_view \gset
-- a column appended: same view (CREATE OR REPLACE VIEW), one new column
SELECT pg_tviews_create_or_replace('redefine.tv_post',
    $$SELECT p.pk_post, p.fk_user, p.title, jsonb_build_object('title', p.title, 'author', u.name) AS data,
             length(p.title) AS title_length
        FROM redefine.tb_post p JOIN redefine.tb_user u ON u.pk_user = p.fk_user$$);
SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute
 WHERE attrelid = 'tv_post'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum;
SELECT 'v_post'::regclass::oid = :old_view AS same_view, dependencies FROM pg_tview_meta WHERE entity = 'post';
SELECT * FROM tv_check();
-- a column dropped, one retyped, one added: the view is created again
-- with its privileges; the registry follows it
SELECT pg_tviews_create_or_replace('redefine.tv_post',
    $$SELECT p.pk_post, p.fk_user, jsonb_build_object('title', p.title, 'author', u.name) AS data,
             length(p.title)::numeric(6,1) AS title_length, upper(p.title) AS shout
        FROM redefine.tb_post p JOIN redefine.tb_user u ON u.pk_user = p.fk_user$$);
SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute
 WHERE attrelid = 'tv_post'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum;
SELECT m.view_oid = 'v_post'::regclass AS registered, 'v_post'::regclass::oid <> :old_view AS new_view,
       has_table_privilege('public', 'v_post', 'SELECT') AS public_reads, fk_columns,
       (SELECT relowner = (SELECT relowner FROM pg_class WHERE oid = 'tv_post'::regclass) FROM pg_class
         WHERE oid = 'v_post'::regclass) AS same_owner,
       EXISTS (SELECT FROM pg_depend d WHERE d.objid = 'v_post'::regclass AND d.deptype = 'n'
                 AND d.refclassid = 'pg_extension'::regclass) AS extension_dependency
  FROM pg_tview_meta m WHERE entity = 'post';
SELECT pk_post, title_length, shout, data->>'author' AS author FROM tv_post WHERE pk_post = 3;
SELECT data->'posts'->0 AS first_post FROM tv_author WHERE pk_author = 2;
UPDATE tb_user SET name = 'renamed author' WHERE pk_user = 2;
UPDATE tb_post SET title = 'retitled' WHERE pk_post = 1;
SELECT pk_post, title_length, shout, data->>'author' AS author FROM tv_post WHERE pk_post = 1;
SELECT check_name, status FROM pg_tviews_health_check() WHERE status <> 'OK' AND check_name <> 'library_preloaded';
SELECT * FROM tv_check();
-- refused, and nothing changes: a column tv_author reads; another order;
-- the key's type; a volatile function (creation's refusals); a NULL argument
-- (a non-owner: security)
SELECT pg_tviews_create_or_replace('redefine.tv_post',
    $$SELECT p.pk_post, p.fk_user, length(p.title)::numeric(6,1) AS title_length FROM redefine.tb_post p$$);
SELECT pg_tviews_create_or_replace('redefine.tv_post',
    $$SELECT p.pk_post, p.fk_user, jsonb_build_object('title', p.title)::text AS data FROM redefine.tb_post p$$);
SELECT pg_tviews_create_or_replace('redefine.tv_post',
    $$SELECT p.pk_post, jsonb_build_object('title', p.title) AS data, p.fk_user FROM redefine.tb_post p$$);
SELECT pg_tviews_create_or_replace('redefine.tv_post',
    $$SELECT p.pk_post::integer AS pk_post, p.fk_user, jsonb_build_object('title', p.title) AS data FROM redefine.tb_post p$$);
SELECT pg_tviews_create_or_replace('redefine.tv_post',
    $$SELECT p.pk_post, p.fk_user, jsonb_build_object('title', p.title) AS data, random() AS r FROM redefine.tb_post p$$);
SELECT pg_tviews_create_or_replace('redefine.tv_post', NULL);
SELECT attname FROM pg_attribute
 WHERE attrelid = 'tv_post'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum;
SELECT * FROM tv_check();
SELECT pg_tviews_drop('redefine.tv_author');
SELECT pg_tviews_drop('redefine.tv_post');
DROP TABLE tb_post;

-- renaming or moving what a TVIEW reads keeps it maintained, and its
-- registered definition names things as they are now (a backup of the
-- definitions recreates the same TVIEW)
CREATE SCHEMA redefine_other;
ALTER TABLE tb_user RENAME TO tb_person;
ALTER TABLE tb_person RENAME COLUMN name TO full_name;
ALTER TABLE tb_like SET SCHEMA redefine_other;
UPDATE tb_person SET full_name = 'renamed' WHERE pk_user = 2;
SELECT data->>'name' AS name FROM tv_user WHERE pk_user = 2;
SELECT definition LIKE '%tb_person%' AND definition LIKE '%full_name%' AND definition NOT LIKE '%tb_user%' AS current
  FROM pg_tview_meta WHERE entity = 'user';
SELECT pg_tviews_create('redefine.tv_user', (SELECT definition FROM pg_tview_meta WHERE entity = 'user'));
SELECT * FROM tv_check();
DROP SCHEMA redefine_other CASCADE;

DROP SCHEMA redefine CASCADE;
