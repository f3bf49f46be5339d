-- Transaction patterns: savepoints, exception blocks, flush inside a
-- savepoint then rolled back, two-phase commit, immediate mode.
\set SHOW_CONTEXT never
CREATE SCHEMA transactions;
SET search_path = transactions, public;

CREATE TABLE tb_item (pk_item bigint PRIMARY KEY, label text NOT NULL);
INSERT INTO tb_item SELECT g, 'item ' || g FROM generate_series(1, 5) g;
CREATE TABLE tv_item AS SELECT i.pk_item, i.label FROM tb_item i;

-- ROLLBACK TO SAVEPOINT drops the rolled-back change, keeps the rest
BEGIN;
UPDATE tb_item SET label = 'kept' WHERE pk_item = 1;
SAVEPOINT s1;
UPDATE tb_item SET label = 'undone' WHERE pk_item = 2;
ROLLBACK TO SAVEPOINT s1;
RELEASE SAVEPOINT s1;
COMMIT;
SELECT * FROM tv_item ORDER BY 1;

-- keys flushed inside a subtransaction that is rolled back are queued
-- again: the earlier change (before the savepoint) still reaches tv_item
BEGIN;
UPDATE tb_item SET label = 'before savepoint' WHERE pk_item = 3;
SAVEPOINT s1;
SELECT pg_tviews_flush() AS flushed_in_savepoint;
ROLLBACK TO SAVEPOINT s1;
SELECT pg_tviews_debug_queue() AS requeued;
COMMIT;
SELECT * FROM tv_item WHERE pk_item = 3;

-- nested savepoints
BEGIN;
SAVEPOINT a;
UPDATE tb_item SET label = 'level a' WHERE pk_item = 4;
SAVEPOINT b;
UPDATE tb_item SET label = 'level b' WHERE pk_item = 5;
SELECT pg_tviews_flush() AS flushed_in_b;
RELEASE SAVEPOINT b;
ROLLBACK TO SAVEPOINT a;
COMMIT;
SELECT * FROM tv_item WHERE pk_item IN (4, 5) ORDER BY 1;
SELECT * FROM tv_check();

-- PL/pgSQL exception block: the failed part is rolled back, the rest stays
DO $$
BEGIN
    UPDATE tb_item SET label = 'outer' WHERE pk_item = 1;
    BEGIN
        UPDATE tb_item SET label = 'inner' WHERE pk_item = 2;
        PERFORM pg_tviews_flush();
        RAISE EXCEPTION 'boom';
    EXCEPTION WHEN OTHERS THEN
        RAISE NOTICE 'caught: %', SQLERRM;
    END;
END $$;
SELECT * FROM tv_item WHERE pk_item IN (1, 2) ORDER BY 1;
SELECT * FROM tv_check();

-- two-phase commit: the TVIEW change is prepared with the base change and
-- appears exactly at COMMIT PREPARED
BEGIN;
UPDATE tb_item SET label = 'prepared' WHERE pk_item = 1;
PREPARE TRANSACTION 'pg_tviews_regress_1';
SELECT label FROM tv_item WHERE pk_item = 1;
COMMIT PREPARED 'pg_tviews_regress_1';
SELECT label FROM tv_item WHERE pk_item = 1;

BEGIN;
UPDATE tb_item SET label = 'never' WHERE pk_item = 1;
PREPARE TRANSACTION 'pg_tviews_regress_2';
ROLLBACK PREPARED 'pg_tviews_regress_2';
SELECT label FROM tv_item WHERE pk_item = 1;
SELECT * FROM tv_check();

-- a flush that fails inside a savepoint: after ROLLBACK TO SAVEPOINT the
-- keys it had taken are queued again (item 1's change is not lost)
CREATE TABLE tb_ratio (pk_ratio bigint PRIMARY KEY, a int NOT NULL, b int NOT NULL);
INSERT INTO tb_ratio VALUES (1, 10, 2), (2, 9, 3);
CREATE TABLE tv_ratio AS SELECT r.pk_ratio, r.a / r.b AS q FROM tb_ratio r;
BEGIN;
UPDATE tb_ratio SET a = 20 WHERE pk_ratio = 1;
UPDATE tb_ratio SET b = 0 WHERE pk_ratio = 2;
SAVEPOINT s;
SELECT pg_tviews_flush();
ROLLBACK TO SAVEPOINT s;
SELECT pg_tviews_debug_queue() AS queue_after_failed_flush;
UPDATE tb_ratio SET b = 1 WHERE pk_ratio = 2;
COMMIT;
SELECT * FROM tv_ratio ORDER BY 1;

-- COMMIT PREPARED from another session
BEGIN;
UPDATE tb_item SET label = 'prepared here, committed there' WHERE pk_item = 3;
PREPARE TRANSACTION 'pg_tviews_regress_3';
\c
SET search_path = transactions, public;
SELECT label FROM tv_item WHERE pk_item = 3;
COMMIT PREPARED 'pg_tviews_regress_3';
SELECT label FROM tv_item WHERE pk_item = 3;
SELECT * FROM tv_check();

-- immediate mode: maintained at the end of every statement
SET pg_tviews.refresh_mode = immediate;
BEGIN;
UPDATE tb_item SET label = 'immediate' WHERE pk_item = 2;
SELECT label FROM tv_item WHERE pk_item = 2;
SELECT pg_tviews_debug_queue() AS queue_after_statement;
COMMIT;
RESET pg_tviews.refresh_mode;
SELECT * FROM tv_check();

DROP SCHEMA transactions CASCADE;
