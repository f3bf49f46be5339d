-- Direct writes to a tv_ table are refused (the engine's own pass); deferred
-- triggers on tv_ tables are refused; renaming a TVIEW table keeps it working.
CREATE SCHEMA guards;
SET search_path = guards, public;

CREATE TABLE tb_note (pk_note bigint PRIMARY KEY, body text);
INSERT INTO tb_note VALUES (1, 'a'), (2, 'b');
CREATE TABLE tv_note AS SELECT n.pk_note, n.body FROM tb_note n;

INSERT INTO tv_note VALUES (3, 'c');
UPDATE tv_note SET body = 'x';
DELETE FROM tv_note;
TRUNCATE tv_note;
COPY tv_note FROM stdin;
3	c
\.
INSERT INTO tv_note VALUES (1, 'a') ON CONFLICT (pk_note) DO UPDATE SET body = 'y';
SELECT * FROM tv_note ORDER BY 1;

-- deferrable triggers and foreign keys on the tv_ table are refused
CREATE FUNCTION noop() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$;
CREATE CONSTRAINT TRIGGER late AFTER INSERT ON tv_note DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION noop();
CREATE TABLE tb_ref (fk_note bigint);
ALTER TABLE tb_ref ADD FOREIGN KEY (fk_note) REFERENCES tv_note DEFERRABLE;
SELECT count(*) AS deferrable_triggers FROM pg_trigger WHERE tgrelid = 'tv_note'::regclass AND tgdeferrable;
-- ordinary (immediate) triggers and foreign keys are fine
CREATE TRIGGER audit AFTER INSERT ON tv_note FOR EACH STATEMENT EXECUTE FUNCTION noop();
ALTER TABLE tb_ref ADD FOREIGN KEY (fk_note) REFERENCES tv_note;
INSERT INTO tb_note VALUES (3, 'c');
INSERT INTO tb_ref VALUES (3);
SELECT * FROM tv_note ORDER BY 1;

-- renaming the TVIEW table: the key is still pk_note, maintenance goes on
ALTER TABLE tv_note RENAME TO tv_memo;
UPDATE tb_note SET body = 'renamed' WHERE pk_note = 1;
SELECT * FROM tv_memo ORDER BY 1;
SELECT entity, table_oid FROM pg_tview_meta WHERE entity = 'note';
SELECT * FROM tv_check();

DROP SCHEMA guards CASCADE;
