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
-- replaces it in place; other columns are refused; a new name creates
SELECT pg_tviews_create_or_replace('redefine.tv_user',
    $$SELECT u.pk_user, jsonb_build_object('name', upper(u.name)) AS data FROM redefine.tb_user u$$);
SELECT data->>'name' AS name FROM tv_user WHERE pk_user = 1;
SELECT * FROM tv_check();
SELECT pg_tviews_create_or_replace('redefine.tv_user',
    $$SELECT u.pk_user, u.name FROM redefine.tb_user u$$);
SELECT pg_tviews_create_or_replace('redefine.tv_user',
    $$SELECT u.pk_user, jsonb_build_object('name', upper(u.name)) AS data FROM redefine.tb_user u$$);
SELECT pg_tviews_create_or_replace('redefine.tv_name', $$SELECT u.pk_user AS pk_name, u.name FROM redefine.tb_user u$$);
SELECT pg_tviews_drop('redefine.tv_name');
SELECT pg_tviews_create_or_replace('redefine.tv_user',
    $$SELECT u.pk_user, jsonb_build_object('name', u.name) AS data FROM redefine.tb_user u$$);

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
