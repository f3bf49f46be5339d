#!/usr/bin/env bash
# Key locks cannot exhaust the server's lock table: 8 writers at once, each
# changing an author of 1,000 posts (1,000 documents of tv_post per
# transaction), at the server's default max_locks_per_transaction and
# max_connections and pg_tviews' default pg_tviews.max_key_locks. Every
# transaction must commit (no 53200 "out of shared memory"), the documents
# must equal their view, and the most advisory locks seen at once is
# printed beside the lock table's size.
set -euo pipefail
HERE="$(cd "$(dirname "$0")/.." && pwd)"
source "${PGTV_COMMON:-$HERE/lib/common.sh}"

DIR="$(make_tmpdir)"
trap 'stop_server "$DIR/srv" >/dev/null 2>&1 || true; rm -rf "$DIR"' EXIT
# LOCK_BUDGET_MAX_KEY_LOCKS=3000 LOCK_BUDGET_DOCS=2000 shows what the budget prevents
# (measured: 8 of 32 transactions failed with "out of shared memory", 14,014
# pg_tviews locks at once; with the default budget: none failed, 16 locks).
extra=()
if [ -n "${LOCK_BUDGET_MAX_KEY_LOCKS:-}" ]; then extra=("pg_tviews.max_key_locks = ${LOCK_BUDGET_MAX_KEY_LOCKS}"); fi
start_server "$DIR/srv" "shared_preload_libraries = 'pg_tviews'" "${extra[@]}" >/dev/null
DB=pgtv_locks
WRITERS=8
DOCS=${LOCK_BUDGET_DOCS:-1000}  # documents per writer
ROUNDS=${LOCK_BUDGET_ROUNDS:-4}
psql -X -q -d postgres -c "CREATE DATABASE $DB"
psql -X -q -v ON_ERROR_STOP=1 -d $DB <<SQL
CREATE EXTENSION pg_tviews;
CREATE TABLE tb_user (pk_user bigint PRIMARY KEY, name text NOT NULL);
CREATE TABLE tb_post (pk_post bigint PRIMARY KEY, fk_user bigint NOT NULL REFERENCES tb_user, title text);
INSERT INTO tb_user SELECT g, 'user ' || g FROM generate_series(1, $WRITERS) g;
INSERT INTO tb_post SELECT g, 1 + (g - 1) / $DOCS, 'post ' || g FROM generate_series(1, $WRITERS * $DOCS) g;
CREATE INDEX ON tb_post (fk_user);
CREATE TABLE tv_post AS
SELECT p.pk_post, p.fk_user, jsonb_build_object('title', p.title, 'author', u.name) AS data
FROM tb_post p JOIN tb_user u ON u.pk_user = p.fk_user;
SQL

capacity="$(psql -X -At -d $DB -c "SELECT current_setting('max_locks_per_transaction')::int *
    (current_setting('max_connections')::int + current_setting('max_prepared_transactions')::int)")"
budget="$(psql -X -At -d $DB -c "SHOW pg_tviews.max_key_locks")"

# Every writer waits on a shared advisory lock the main session holds, so
# that all of them flush at the same moment.
psql -X -q -d $DB -c "SELECT 1" >/dev/null
exec 3> >(psql -X -q -d $DB >/dev/null)
echo "SELECT pg_advisory_lock(4242);" >&3
sleep 0.5
pids=()
for w in $(seq 1 $WRITERS); do
    (
        {
            echo "SELECT pg_advisory_lock_shared(4242); SELECT pg_advisory_unlock_shared(4242);"
            for r in $(seq 1 "$ROUNDS"); do
                echo "UPDATE tb_user SET name = 'writer $w round $r' WHERE pk_user = $w;"
            done
        } | psql -X -q -d $DB >"$DIR/writer$w.log" 2>&1
    ) &
    pids+=($!)
done
# Sample the number of pg_tviews advisory locks while they run.
(
    peak=0
    for _ in $(seq 1 400); do
        n="$(psql -X -At -d $DB -c "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objsubid IN (3, 4, 5)" 2>/dev/null || echo 0)"
        [ "$n" -gt "$peak" ] && peak=$n
        echo "$peak" >"$DIR/peak"
        sleep 0.02
    done
) &
sampler=$!
sleep 0.3
echo "SELECT pg_advisory_unlock(4242);" >&3
for p in "${pids[@]}"; do wait "$p" || true; done
kill "$sampler" 2>/dev/null || true
exec 3>&-

failed="$(cat "$DIR"/writer*.log | grep -c 'ERROR' || true)"
oom="$(cat "$DIR"/writer*.log | grep -c 'out of shared memory' || true)"
stale="$(psql -X -At -d $DB -c "SELECT (SELECT count(*) FROM (TABLE v_post EXCEPT ALL TABLE tv_post) a)
                                     + (SELECT count(*) FROM (TABLE tv_post EXCEPT ALL TABLE v_post) b)")"
renamed="$(psql -X -At -d $DB -c "SELECT count(*) FROM tv_post WHERE data->>'author' LIKE 'writer % round $ROUNDS'")"
echo "$WRITERS writers x $ROUNDS transactions of $DOCS documents; pg_tviews.max_key_locks = $budget, lock table ~$capacity entries"
echo "errors: $failed (out of shared memory: $oom); most pg_tviews advisory locks at once: $(cat "$DIR/peak" 2>/dev/null || echo '?')"
echo "documents renamed by the last round: $renamed of $((WRITERS * DOCS)); stale documents: $stale"
if [ "$failed" -ne 0 ]; then grep -h ERROR "$DIR"/writer*.log | sort | uniq -c | head; exit 1; fi
[ "$stale" -eq 0 ] && [ "$renamed" -eq $((WRITERS * DOCS)) ]
