#!/usr/bin/env bash
# Three consumers of the change feed (docs/change-feed.md) read the same
# scripted workload on the blog schema (test/load), each from its own slot:
#  * pg_recvlogical with test_decoding (streaming into a file);
#  * pg_recvlogical with wal2json (format-version 2, which carries messages);
#  * examples/change_feed_consumer.sh, killed (SIGKILL) three times while it
#    works through the backlog and started again: together its runs print
#    every changed document of every transaction, and a transaction twice
#    at most once per kill (the at-least-once boundary).
# Each must see exactly the documents a reference read of the feed lists.
set -euo pipefail
HERE="$(cd "$(dirname "$0")/.." && pwd)"
source "${PGTV_COMMON:-$HERE/lib/common.sh}"
[ -f "$PG_PKGLIBDIR/wal2json.so" ] || { echo "wal2json is not installed (postgresql-15-wal2json)"; exit 77; }

DIR="$(make_tmpdir)"
cleanup() {
    [ -n "${recv_pids:-}" ] && kill $recv_pids 2>/dev/null || true
    stop_server "$DIR/srv" >/dev/null 2>&1 || true
    rm -rf "$DIR"
}
trap cleanup EXIT
start_server "$DIR/srv" "shared_preload_libraries = 'pg_tviews'" "wal_level = logical" \
    "max_replication_slots = 8" "max_wal_senders = 8" >/dev/null
chmod 777 "$DIR"
# Recent minor releases name the libraries a slot may use as its output
# plugin (output_plugin_libraries, superuser): wal2json must be listed.
if [ "$(psql -X -At -d postgres -c "SELECT count(*) FROM pg_settings WHERE name = 'output_plugin_libraries'")" = 1 ]; then
    psql -X -q -d postgres -c "ALTER SYSTEM SET output_plugin_libraries = pgoutput, test_decoding, wal2json" \
        -c "SELECT pg_reload_conf()" >/dev/null
fi
export PGDATABASE=feedc
q() { psql -X -q -At -v ON_ERROR_STOP=1 "$@"; }
fail=0
check() {
    if [ "$2" = "$3" ]; then echo "ok: $1"; else echo "FAIL: $1: got '$2', want '$3'"; fail=1; fi
}

q -d postgres -c "CREATE DATABASE feedc"
q -v users=50 -f "$HERE/load/blog_schema.sql" >/dev/null
q -c "CREATE EXTENSION pg_tviews" -f "$HERE/load/blog_tviews.sql" >/dev/null
q -c "ALTER DATABASE feedc SET pg_tviews.change_feed = documents"
for s in reference recv_test recv_w2j example; do
    plugin=test_decoding
    [ "$s" = recv_w2j ] && plugin=wal2json
    q -c "SELECT 1 FROM pg_create_logical_replication_slot('$s', '$plugin')" >/dev/null
done

# Streaming consumers first: they receive the workload as it commits.
runuser -u postgres -- pg_recvlogical -h "$PGHOST" -p "$PGPORT" -d feedc --slot recv_test --start \
    -o include-xids=1 -F 1 -f "$DIR/recv_test.out" &
recv_pids="$!"
runuser -u postgres -- pg_recvlogical -h "$PGHOST" -p "$PGPORT" -d feedc --slot recv_w2j --start \
    -o format-version=2 -F 1 -f "$DIR/recv_w2j.out" &
recv_pids="$recv_pids $!"

# ---- the workload: 300 transactions of every kind -------------------------------
for i in $(seq 1 100); do
    u=$((1 + i % 50)) p=$((1 + i % 250))
    q -c "UPDATE tb_user SET name = 'user $u v$i' WHERE pk_user = $u" \
      -c "INSERT INTO tb_comment (fk_post, fk_user, body) VALUES ($p, $u, 'c$i')" \
      -c "BEGIN" -c "UPDATE tb_post SET title = 'post $p v$i' WHERE pk_post = $p" \
      -c "DELETE FROM tb_comment WHERE pk_comment = (SELECT min(pk_comment) FROM tb_comment WHERE fk_post = $p)" \
      -c "COMMIT"
done
q -c "INSERT INTO tb_post VALUES (9001, 1, 'new post')" -c "DELETE FROM tb_post WHERE pk_post = 9001"
end_lsn="$(q -c "SELECT pg_current_wal_lsn()")"

# ---- the reference: what the feed holds, read with SQL ---------------------------
ref_sql="SELECT c->>'op' || ' ' || (c->>'entity') || ' ' || (c->>'pk')
  FROM pg_logical_slot_get_changes('reference', NULL, NULL) d,
       jsonb_array_elements(substr(d.data, strpos(d.data, 'content:') + 8)::jsonb->'changes') c
 WHERE d.data LIKE 'message: transactional: 1 prefix: pg_tviews, %'"
q -c "$ref_sql" | sort >"$DIR/reference"
total="$(wc -l <"$DIR/reference")"
echo "reference: $total changed documents"
[ "$total" -gt 1000 ] || { echo "FAIL: the workload changed only $total documents"; fail=1; }

# ---- pg_recvlogical + test_decoding / wal2json -------------------------------------
wait_confirmed() {  # the slot has confirmed everything up to the workload's end
    local i
    for i in $(seq 300); do
        [ "$(q -c "SELECT confirmed_flush_lsn >= '$end_lsn' FROM pg_replication_slots WHERE slot_name = '$1'")" = t ] &&
            return 0
        sleep 0.1
    done
    echo "FAIL: slot $1 did not confirm the workload"
    fail=1
}
wait_confirmed recv_test
wait_confirmed recv_w2j
kill $recv_pids 2>/dev/null || true
wait 2>/dev/null || true
recv_pids=""
q -c "CREATE TABLE lines (n serial, line text)"
load() { q -c "TRUNCATE lines" -c "\\copy lines (line) FROM '$1' WITH (FORMAT csv, DELIMITER E'\\x01', QUOTE E'\\x02')"; }
load "$DIR/recv_test.out"
q -c "SELECT c->>'op' || ' ' || (c->>'entity') || ' ' || (c->>'pk')
        FROM lines l, jsonb_array_elements(substr(l.line, strpos(l.line, 'content:') + 8)::jsonb->'changes') c
       WHERE l.line LIKE 'message: transactional: 1 prefix: pg_tviews, %'" | sort >"$DIR/recv_test"
check "pg_recvlogical + test_decoding: the same documents" "$(cmp -s "$DIR/reference" "$DIR/recv_test" && echo same)" same
load "$DIR/recv_w2j.out"
q -c "SELECT c->>'op' || ' ' || (c->>'entity') || ' ' || (c->>'pk')
        FROM lines l, jsonb_array_elements((l.line::jsonb->>'content')::jsonb->'changes') c
       WHERE l.line::jsonb->>'action' = 'M' AND l.line::jsonb->>'prefix' = 'pg_tviews'
         AND (l.line::jsonb->>'transactional')::boolean" | sort >"$DIR/recv_w2j"
check "pg_recvlogical + wal2json: the same documents" "$(cmp -s "$DIR/reference" "$DIR/recv_w2j" && echo same)" same
check "wal2json: every pg_tviews message inside its transaction (B ... M ... C)" \
    "$(q -c "SELECT count(*) FROM lines l WHERE l.line::jsonb->>'action' = 'M'
               AND NOT (l.line::jsonb->>'transactional')::boolean")" 0

# ---- the example consumer, killed three times --------------------------------------
# Each run is killed (SIGKILL, with its psql: its own process group) once it
# has printed another quarter of the documents; the last run finishes.
consumer() { FEED_BATCH=1000 bash "$HERE/../examples/change_feed_consumer.sh" "$@" example "$DIR/example.state"; }
for k in 1 2 3; do
    FEED_BATCH=1000 setsid bash "$HERE/../examples/change_feed_consumer.sh" example "$DIR/example.state" \
        >>"$DIR/example.out" 2>>"$DIR/example.err" &
    pid=$!
    for _ in $(seq 600); do
        [ "$(wc -l <"$DIR/example.out")" -ge $((k * total / 4)) ] && break
        sleep 0.05
    done
    kill -KILL -- "-$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    echo "after kill $k: $(wc -l <"$DIR/example.out") line(s) printed"
done
consumer --once >>"$DIR/example.out" 2>>"$DIR/example.err" ||
    { echo "FAIL: the example consumer failed:"; tail -5 "$DIR/example.err"; exit 1; }
cut -d' ' -f2- "$DIR/example.out" | sort >"$DIR/example.all"
sort -u "$DIR/example.out" | cut -d' ' -f2- | sort >"$DIR/example.distinct"
check "example consumer: every changed document of every transaction" \
    "$(cmp -s "$DIR/reference" "$DIR/example.distinct" && echo same)" same
dup_xacts="$(sort "$DIR/example.out" | uniq -d | cut -d' ' -f1 | sort -u | wc -l)"
echo "example consumer: transactions printed twice: $dup_xacts (kills: 3)"
[ "$dup_xacts" -le 3 ] || { echo "FAIL: more transactions printed twice than kills"; fail=1; }
[ -s "$DIR/example.err" ] && { echo "example consumer stderr:"; tail -5 "$DIR/example.err"; }

[ "$fail" = 0 ] && echo "change_feed_consumers: ok ($total documents, 3 consumers)"
exit "$fail"
