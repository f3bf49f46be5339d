#!/usr/bin/env bash
# Load test: 8 pgbench clients run the blog write mix (post updates, comment
# inserts, author renames, re-parenting) for LOAD_SECONDS (default 20), under
# READ COMMITTED and then REPEATABLE READ, then every tv_ table must equal its
# view. The same load runs once without any TVIEW for comparison. Retrying
# 40001/40P01 is the client's job (pgbench --max-tries).
#
#   bash test/shell/load_pgbench.sh                 (uses PGHOST/PGPORT, as run_all.sh does)
#   LOAD_SECONDS=300 LOAD_USERS=10000 bash test/shell/load_pgbench.sh   (longer, on demand)
#
# Prints transactions per second, failed transactions, time writers spent
# waiting on locks (sampled), and stale documents; exits non-zero if any
# document is stale.
set -euo pipefail
HERE="$(cd "$(dirname "$0")/.." && pwd)"
source "${PGTV_COMMON:-$HERE/lib/common.sh}"
[ -n "${PGPORT:-}" ] || die "PGHOST/PGPORT must point at a server with pg_tviews installed"

SECONDS_PER_RUN="${LOAD_SECONDS:-20}"
USERS="${LOAD_USERS:-1000}"
CLIENTS="${LOAD_CLIENTS:-8}"
PGBENCH="$PG_BINDIR/pgbench"
PSQL=(psql -X -q -v ON_ERROR_STOP=1)
DB=pgtv_load

setup_db() {  # setup_db WITH_TVIEWS(0|1)
    "${PSQL[@]}" -d postgres -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB" 2>&1 | grep -v NOTICE || true
    "${PSQL[@]}" -d $DB -v users="$USERS" -f "$HERE/load/blog_schema.sql" >/dev/null
    if [ "$1" = 1 ]; then
        "${PSQL[@]}" -d $DB -c "CREATE EXTENSION pg_tviews" -f "$HERE/load/blog_tviews.sql" >/dev/null
    fi
}

# Samples, every 0.1 s, how many backends of $DB wait on a lock; prints the
# total waiting time in seconds when stopped.
sample_lock_waits() {
    local waits=0 n
    while [ ! -f "$1" ]; do
        n=$(psql -X -At -d postgres -c "SELECT count(*) FROM pg_stat_activity
              WHERE datname = '$DB' AND wait_event_type = 'Lock'" 2>/dev/null || echo 0)
        waits=$((waits + n))
        sleep 0.1
    done
    awk -v w="$waits" 'BEGIN { printf "%.1f\n", w * 0.1 }'
}

run_load() {  # run_load LABEL ISOLATION -> prints "tps failed lockwait"
    local iso="$2" stop out
    stop="$(mktemp -u)"
    sample_lock_waits "$stop" > "$stop.waits" &
    local sampler=$!
    out="$(PGOPTIONS="-c default_transaction_isolation=${iso// /\\ }" "$PGBENCH" -n -d "$DB" -c "$CLIENTS" -j 2 \
            -T "$SECONDS_PER_RUN" --max-tries=100 -D users="$USERS" -f "$HERE/load/blog_mix.pgbench" 2>&1)" || {
        touch "$stop"; wait $sampler || true; echo "$out" >&2; die "pgbench failed ($1)"; }
    touch "$stop"; wait $sampler || true
    local tps failed waited
    tps="$(echo "$out" | awk '/^tps = / { printf "%.0f", $3 }')"
    failed="$(echo "$out" | awk '/number of failed transactions/ { print $5 }')"
    waited="$(cat "$stop.waits")"
    rm -f "$stop" "$stop.waits"
    echo "${tps:-0} ${failed:-0} ${waited:-0}"
}

log "load without TVIEWs: $CLIENTS clients, $SECONDS_PER_RUN s, $USERS users"
setup_db 0
read -r base_tps base_failed base_wait < <(run_load baseline "read committed")
echo "no TVIEW:          $base_tps tps, $base_failed failed, ${base_wait}s waiting on locks"

status=0
for iso in "read committed" "repeatable read"; do
    log "load with pg_tviews ($iso)"
    setup_db 1
    read -r tps failed wait < <(run_load pg_tviews "$iso")
    stale="$(psql -X -At -d $DB -f "$HERE/load/check.sql")"
    echo "pg_tviews ($iso): $tps tps, $failed failed after retries, ${wait}s waiting on locks, $stale stale documents"
    [ "$stale" = 0 ] || status=1
done
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $DB"
[ "$status" = 0 ] && echo "load test: no stale document" || echo "load test: STALE DOCUMENTS"
exit $status
