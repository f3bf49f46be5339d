-- A TVIEW over one table: insert, update, delete, key change, multi-row
-- statements, rows entering and leaving a WHERE filter, rollback.
CREATE SCHEMA single_table;
SET search_path = single_table, public;

CREATE TABLE tb_tag (
    pk_tag bigint PRIMARY KEY,
    name text NOT NULL,
    visible boolean NOT NULL DEFAULT true,
    weight numeric
);
INSERT INTO tb_tag VALUES (1, 'sql', true, 1.5), (2, 'c++', true, 2), (3, 'hidden', false, 3);

CREATE TABLE tv_tag AS
SELECT t.pk_tag, t.name, jsonb_build_object('name', t.name, 'weight', t.weight) AS data
FROM tb_tag t
WHERE t.visible;

SELECT pk_tag, name, data FROM tv_tag ORDER BY pk_tag;

-- insert (one row, several rows)
INSERT INTO tb_tag VALUES (4, 'rust', true, 4);
INSERT INTO tb_tag SELECT g, 'tag' || g, g % 2 = 0, g FROM generate_series(10, 15) g;
SELECT pk_tag, name FROM tv_tag ORDER BY pk_tag;
SELECT * FROM tv_check();

-- update of a document column
UPDATE tb_tag SET name = 'postgres' WHERE pk_tag = 1;
SELECT pk_tag, data FROM tv_tag WHERE pk_tag = 1;

-- numeric 1.5 -> 1.50 is equal but a different image: the document follows
UPDATE tb_tag SET weight = 1.50 WHERE pk_tag = 1;
SELECT data->'weight' AS weight FROM tv_tag WHERE pk_tag = 1;

-- an update that changes nothing the view reads writes nothing
SELECT xmin AS before_xmin FROM tv_tag WHERE pk_tag = 2 \gset
UPDATE tb_tag SET visible = true WHERE pk_tag = 2;
SELECT xmin = :'before_xmin'::xid AS row_not_rewritten FROM tv_tag WHERE pk_tag = 2;

-- key change: the old key disappears, the new one appears
UPDATE tb_tag SET pk_tag = 40 WHERE pk_tag = 4;
SELECT pk_tag, name FROM tv_tag WHERE pk_tag IN (4, 40) ORDER BY 1;

-- rows leaving and entering the WHERE filter
UPDATE tb_tag SET visible = false WHERE pk_tag = 2;
UPDATE tb_tag SET visible = true WHERE pk_tag = 3;
SELECT pk_tag, name FROM tv_tag ORDER BY pk_tag;

-- delete
DELETE FROM tb_tag WHERE pk_tag IN (10, 12);
DELETE FROM tb_tag WHERE pk_tag = 999;
SELECT pk_tag FROM tv_tag ORDER BY pk_tag;
SELECT * FROM tv_check();

-- several statements in one transaction, the same row touched repeatedly
BEGIN;
UPDATE tb_tag SET name = 'a' WHERE pk_tag = 1;
UPDATE tb_tag SET name = 'b' WHERE pk_tag = 1;
INSERT INTO tb_tag VALUES (50, 'fifty', true, 50);
DELETE FROM tb_tag WHERE pk_tag = 50;
SELECT pg_tviews_debug_queue();
COMMIT;
SELECT pk_tag, name FROM tv_tag WHERE pk_tag IN (1, 50);

-- rollback leaves the TVIEW untouched and the queue empty
BEGIN;
UPDATE tb_tag SET name = 'rolled back' WHERE pk_tag = 1;
ROLLBACK;
SELECT pk_tag, name FROM tv_tag WHERE pk_tag = 1;
SELECT pg_tviews_debug_queue();

-- an error in the transaction: nothing half-applied
BEGIN;
UPDATE tb_tag SET name = 'doomed' WHERE pk_tag = 1;
SELECT 1 / 0;
COMMIT;
SELECT pk_tag, name FROM tv_tag WHERE pk_tag = 1;

-- a large multi-row statement
INSERT INTO tb_tag SELECT g, 'bulk' || g, true, g FROM generate_series(1000, 3999) g;
UPDATE tb_tag SET weight = weight + 1 WHERE pk_tag BETWEEN 1000 AND 3999;
SELECT count(*) FROM tv_tag;
SELECT * FROM tv_check();

-- statistics are real figures
SELECT (s->>'total_refreshes')::bigint > 3000 AS refreshed_keys,
       (s->>'total_flushes')::bigint > 0 AS flushed,
       (s->>'queue_size')::bigint AS queue_size
FROM pg_tviews_queue_stats() s;

DROP SCHEMA single_table CASCADE;
