#!/usr/bin/env bash
# The change feed (pg_tviews.change_feed) read back through logical decoding
# (a test_decoding slot), on a server with wal_level = logical. Writes come
# from an application role with DML rights only. Checked: the ops and keys of
# every changed document (through joins and a TVIEW on a TVIEW) and nothing
# for documents recomputed identical; pg_tviews_flush_and_report(); documents and patches; rollback and
# savepoint rollback emit nothing of what they undid; 2PC emits at COMMIT
# PREPARED; a TVIEW without a data column; pg_tviews.notify_channel; two writers appear in commit order; a large transaction is cut
# into numbered messages no larger than the setting, the last one marked.
set -euo pipefail
HERE="$(cd "$(dirname "$0")/.." && pwd)"
source "${PGTV_COMMON:-$HERE/lib/common.sh}"

DIR="$(make_tmpdir)"
trap 'stop_server "$DIR/srv" >/dev/null 2>&1 || true; rm -rf "$DIR"' EXIT
start_server "$DIR/srv" "shared_preload_libraries = 'pg_tviews'" "wal_level = logical" \
    "max_replication_slots = 4" "max_wal_senders = 4" "max_prepared_transactions = 4" >/dev/null
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d feed "$@"; }
app() { psql -X -q -At -v ON_ERROR_STOP=1 -U feed_app -d feed "$@"; }
fail=0
check() {  # check WHAT GOT WANT
    if [ "$2" = "$3" ]; then echo "ok: $1"; else echo "FAIL: $1: got '$2', want '$3'"; fail=1; fi
}

psql -X -q -d postgres -c "CREATE ROLE feed_owner LOGIN" -c "CREATE ROLE feed_app LOGIN" \
    -c "CREATE DATABASE feed OWNER feed_owner"
q -c "CREATE EXTENSION pg_tviews"
psql -X -q -v ON_ERROR_STOP=1 -U feed_owner -d feed <<'SQL'
CREATE TABLE tb_user (pk_user bigint PRIMARY KEY, id uuid NOT NULL, name text NOT NULL);
CREATE TABLE tb_post (pk_post bigint PRIMARY KEY, fk_user bigint NOT NULL REFERENCES tb_user, title text NOT NULL);
INSERT INTO tb_user SELECT g, md5('u' || g)::uuid, 'user ' || g FROM generate_series(1, 20) g;
INSERT INTO tb_post SELECT g, 1 + g % 20, 'post ' || g FROM generate_series(1, 2000) g;
CREATE TABLE tv_post AS
SELECT p.pk_post, p.fk_user, jsonb_build_object('title', p.title, 'author', u.name) AS data
  FROM tb_post p JOIN tb_user u ON u.pk_user = p.fk_user;
CREATE TABLE tv_user AS
SELECT u.pk_user, u.id, jsonb_build_object('name', u.name, 'posts',
       (SELECT count(*) FROM tv_post p WHERE p.fk_user = u.pk_user)) AS data FROM tb_user u;
CREATE TABLE tb_tag (pk_tag bigint PRIMARY KEY, label text NOT NULL);
INSERT INTO tb_tag VALUES (1, 'one'), (2, 'two');
CREATE TABLE tv_tag AS SELECT t.pk_tag, t.label FROM tb_tag t;
GRANT SELECT, INSERT, UPDATE, DELETE ON tb_user, tb_post, tb_tag TO feed_app;
GRANT SELECT ON tv_post, tv_user, tv_tag TO feed_app;
SQL
q -c "ALTER ROLE feed_app IN DATABASE feed SET pg_tviews.change_feed = keys"
q -c "SELECT 1 FROM pg_create_logical_replication_slot('feed', 'test_decoding')" >/dev/null

# feed_changes: the changes decoded since the last call, one line per
# message: "chunk last op:entity:pk ..." (changes in the order written).
feed_changes() {
    q <<'SQL'
WITH m AS (
  SELECT n, substr(data, strpos(data, 'content:') + 8)::jsonb AS msg
    FROM pg_logical_slot_get_changes('feed', NULL, NULL, 'include-xids', '0') WITH ORDINALITY AS d(lsn, xid, data, n)
   WHERE data LIKE 'message: transactional: 1 prefix: pg_tviews, %')
SELECT (msg->>'chunk') || ' ' || (msg->>'last') || ' ' ||
       coalesce((SELECT string_agg((c->>'op') || ':' || (c->>'entity') || ':' || (c->>'pk'), ' '
                                   ORDER BY (c->>'entity'), (c->>'pk')::bigint, (c->>'op'))
                   FROM jsonb_array_elements(msg->'changes') c), '')
  FROM m ORDER BY n
SQL
}
# decoded: every test_decoding line since the last call (BEGIN / COMMIT / message / table).
decoded() { q -c "SELECT data FROM pg_logical_slot_get_changes('feed', NULL, NULL, 'include-xids', '0')"; }

# ---- keys: a rename reaches the user's posts and the user ---------------------
app -c "UPDATE tb_user SET name = 'renamed' WHERE pk_user = 3"
want="1 true $(q -c "SELECT string_agg('update:post:' || pk_post, ' ' ORDER BY pk_post) FROM tb_post WHERE fk_user = 3") update:user:3"
check "a rename: one message, every post of the user and the user" "$(feed_changes)" "$want"

# a recompute that changes nothing emits nothing
app -c "UPDATE tb_post SET title = title WHERE pk_post <= 50"
check "documents recomputed identical: no message" "$(feed_changes)" ""

# insert and delete
app -c "INSERT INTO tb_post VALUES (5001, 4, 'new')" -c "DELETE FROM tb_post WHERE pk_post = 5001"
check "insert then delete (two transactions)" "$(feed_changes)" "1 true insert:post:5001 update:user:4
1 true delete:post:5001 update:user:4"

# id of the TVIEW when it has one
got="$(app -c "UPDATE tb_user SET name = 'with id' WHERE pk_user = 5" && q -c "
  SELECT c->>'id' = (SELECT id::text FROM tb_user WHERE pk_user = 5)
    FROM pg_logical_slot_get_changes('feed', NULL, NULL) d,
         jsonb_array_elements(substr(d.data, strpos(d.data, 'content:') + 8)::jsonb->'changes') c
   WHERE d.data LIKE 'message: transactional: 1 prefix: pg_tviews, %' AND c->>'entity' = 'user'")"
check "a change of tv_user carries its id" "$got" "t"

# ---- pg_tviews_flush_and_report(): what this transaction changed ------------------
got="$(app -c "BEGIN" -c "UPDATE tb_user SET name = 'reported' WHERE pk_user = 6" \
    -c "SELECT entity || ':' || op || ':' || count(*) || ':' || count(id) FROM pg_tviews_flush_and_report()
         GROUP BY entity, op ORDER BY 1" -c "COMMIT" | paste -sd' ')"
check "flush_and_report: every post of the user and the user (with its id)" "$got" "post:update:100:0 user:update:1:1"
feed_changes >/dev/null
got="$(app -c "SET pg_tviews.change_feed = off" -c "BEGIN" -c "INSERT INTO tb_post VALUES (6001, 7, 'a')" \
    -c "SELECT count(*) FROM tv_post WHERE pk_post = 6001" -c "UPDATE tb_post SET title = 'b' WHERE pk_post = 15" \
    -c "SELECT string_agg(entity || ':' || op || ':' || pk, ' ' ORDER BY entity, pk::bigint) FROM pg_tviews_flush_and_report()" \
    -c "DELETE FROM tb_post WHERE pk_post = 6001" \
    -c "SELECT string_agg(entity || ':' || op || ':' || pk, ' ' ORDER BY entity, pk::bigint) FROM pg_tviews_flush_and_report()" \
    -c "COMMIT" | paste -sd' ')"
check "flush_and_report with the feed off: from its first call on (a read flushed the insert before)" "$got" \
    "1 post:update:15 post:update:15 post:delete:6001 user:update:7"
check "... and no feed message" "$(feed_changes)" ""
psql -X -q -d postgres -c "CREATE ROLE feed_blind LOGIN"
q -c "GRANT SELECT, UPDATE ON tb_post TO feed_blind"
got="$(psql -X -q -At -U feed_blind -d feed -c "BEGIN" -c "UPDATE tb_post SET title = 'blind' WHERE pk_post = 16" \
    -c "SELECT count(*) FROM pg_tviews_flush_and_report()" -c "COMMIT")"
check "flush_and_report lists only TVIEWs the caller may read" "$got" "0"
check "... while the documents changed" "$(q -c "SELECT data->>'title' FROM tv_post WHERE pk_post = 16")" "blind"

# ---- rollback, savepoint rollback, 2PC ------------------------------------------
app -c "BEGIN" -c "UPDATE tb_post SET title = 'rolled back' WHERE pk_post = 7" -c "SELECT pg_tviews_flush()" \
    -c "ROLLBACK" >/dev/null
check "a rolled-back transaction that flushed: nothing" "$(feed_changes)" ""
app -c "BEGIN" -c "UPDATE tb_post SET title = 'kept' WHERE pk_post = 8" -c "SAVEPOINT s" \
    -c "UPDATE tb_post SET title = 'undone' WHERE pk_post = 9" -c "SELECT pg_tviews_flush()" \
    -c "ROLLBACK TO SAVEPOINT s" -c "COMMIT" >/dev/null
check "savepoint rolled back: only the outer change" "$(feed_changes)" "1 true update:post:8"
q -c "BEGIN" -c "SET pg_tviews.change_feed = keys" -c "UPDATE tb_post SET title = 'prepared' WHERE pk_post = 10" \
    -c "PREPARE TRANSACTION 'feed_2pc'"
check "a prepared transaction: nothing yet" "$(feed_changes)" ""
q -c "COMMIT PREPARED 'feed_2pc'"
check "COMMIT PREPARED: its changes" "$(feed_changes)" "1 true update:post:10"

# ---- documents and patches ------------------------------------------------------
app -c "SET pg_tviews.change_feed = documents" -c "UPDATE tb_post SET title = 'doc' WHERE pk_post = 11"
got="$(q -c "SELECT (c->'data') = (SELECT data FROM tv_post WHERE pk_post = 11)
  FROM pg_logical_slot_get_changes('feed', NULL, NULL) d,
       jsonb_array_elements(substr(d.data, strpos(d.data, 'content:') + 8)::jsonb->'changes') c
 WHERE d.data LIKE 'message: transactional: 1 prefix: pg_tviews, %' AND c->>'entity' = 'post'")"
check "documents: the new document" "$got" "t"
app -c "SET pg_tviews.change_feed = patches" -c "UPDATE tb_post SET title = 'patched' WHERE pk_post = 11"
got="$(q -c "SELECT (c->'patch')::text || ' ' || ((c->'data') = (SELECT data FROM tv_post WHERE pk_post = 11))
  FROM pg_logical_slot_get_changes('feed', NULL, NULL) d,
       jsonb_array_elements(substr(d.data, strpos(d.data, 'content:') + 8)::jsonb->'changes') c
 WHERE d.data LIKE 'message: transactional: 1 prefix: pg_tviews, %' AND c->>'entity' = 'post'")"
check "patches: RFC 6902 from the old document, and the new one" "$got" \
    '[{"op": "replace", "path": "/title", "value": "patched"}] true'

app -c "SET pg_tviews.change_feed = documents" -c "UPDATE tb_tag SET label = 'uno' WHERE pk_tag = 1"
got="$(q -c "SELECT (c->'data')::text FROM pg_logical_slot_get_changes('feed', NULL, NULL) d,
       jsonb_array_elements(substr(d.data, strpos(d.data, 'content:') + 8)::jsonb->'changes') c
 WHERE d.data LIKE 'message: transactional: 1 prefix: pg_tviews, %'")"
check "documents of a TVIEW without a data column: the whole row" "$got" '{"label": "uno", "pk_tag": 1}'

# ---- NOTIFY: entities and counts at commit, nothing for a rollback ----------------
psql -X -q -U feed_app -d feed >"$DIR/notify.out" 2>&1 <<'SQL'
LISTEN tviews_changes;
\! psql -X -q -U feed_app -d feed -c "SET pg_tviews.notify_channel = tviews_changes" -c "BEGIN" -c "UPDATE tb_user SET name = 'not this' WHERE pk_user = 10" -c "ROLLBACK"
\! psql -X -q -U feed_app -d feed -c "SET pg_tviews.notify_channel = tviews_changes" -c "UPDATE tb_user SET name = 'notified' WHERE pk_user = 9"
SELECT 1;
SQL
check "NOTIFY pg_tviews.notify_channel: one per committed transaction, documents per entity" \
    "$(grep -o 'notification "tviews_changes" with payload "[^ ]*"' "$DIR/notify.out" | paste -sd' ')" \
    'notification "tviews_changes" with payload "{"post":100,"user":1}"'
feed_changes >/dev/null

# ---- commit order across two writers ---------------------------------------------
app -c "BEGIN" -c "UPDATE tb_post SET title = 'first to write' WHERE pk_post = 12" -c "SELECT pg_sleep(2)" \
    -c "COMMIT" >/dev/null &
slow=$!
sleep 0.5
app -c "UPDATE tb_post SET title = 'first to commit' WHERE pk_post = 13"
wait "$slow"
check "two writers: in commit order" "$(feed_changes)" "1 true update:post:13
1 true update:post:12"

# ---- a large transaction in numbered messages -------------------------------------
app -c "SET pg_tviews.change_feed_message_size = '4kB'" -c "UPDATE tb_post SET title = title || '!'"
got="$(q -c "
WITH m AS (
  SELECT n, substr(data, strpos(data, 'content:') + 8)::jsonb AS msg,
         substring(data from 'sz: ([0-9]+)')::int AS size
    FROM pg_logical_slot_get_changes('feed', NULL, NULL) WITH ORDINALITY AS d(lsn, xid, data, n)
   WHERE data LIKE 'message: transactional: 1 prefix: pg_tviews, %')
SELECT count(*) > 10, bool_and((msg->>'chunk')::int = r), count(*) FILTER (WHERE (msg->>'last')::boolean),
       bool_and((msg->>'last')::boolean = (r = max_r)), max(size) <= 4096,
       sum(jsonb_array_length(msg->'changes'))
  FROM (SELECT m.*, row_number() OVER (ORDER BY n) AS r, count(*) OVER () AS max_r FROM m) x")"
check "2,000 posts in one transaction (the users unchanged): >10 numbered messages, the last marked, each <= 4 kB" \
    "$got" "t|t|1|t|t|2000"

# ---- off: nothing; and the slot saw every transaction above -----------------------
app -c "SET pg_tviews.change_feed = off" -c "UPDATE tb_post SET title = 'quiet' WHERE pk_post = 14"
check "change_feed = off: no message" "$(decoded | grep -c 'prefix: pg_tviews' || true)" "0"

stale="$(q -c "SELECT (SELECT count(*) FROM ((SELECT * FROM tv_post EXCEPT ALL SELECT * FROM v_post) UNION ALL
                                            (SELECT * FROM v_post EXCEPT ALL SELECT * FROM tv_post)) a)
                   + (SELECT count(*) FROM ((SELECT * FROM tv_user EXCEPT ALL SELECT * FROM v_user) UNION ALL
                                            (SELECT * FROM v_user EXCEPT ALL SELECT * FROM tv_user)) b)
                   + (SELECT count(*) FROM ((SELECT * FROM tv_tag EXCEPT ALL SELECT * FROM v_tag) UNION ALL
                                            (SELECT * FROM v_tag EXCEPT ALL SELECT * FROM tv_tag)) c)")"
check "every TVIEW equals its definition" "$stale" "0"
q -c "SELECT pg_drop_replication_slot('feed')" >/dev/null
[ "$fail" = 0 ] && echo "change_feed: ok"
exit "$fail"
