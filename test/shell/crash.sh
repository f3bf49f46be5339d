#!/usr/bin/env bash
# Crash safety: the postmaster is killed (kill -9) while a large transaction
# is flushing its TVIEW changes at COMMIT; after restart (crash recovery)
# every tv_ table equals its view. Done twice: once killed during the flush,
# once right after a committed flush.
set -euo pipefail
HERE="$(cd "$(dirname "$0")/.." && pwd)"
source "${PGTV_COMMON:-$HERE/lib/common.sh}"

DIR="$(make_tmpdir)"
trap 'stop_server "$DIR/srv" >/dev/null 2>&1 || true; rm -rf "$DIR"' EXIT
start_server "$DIR/srv" >/dev/null
DB=pgtv_crash
psql -X -q -d postgres -c "CREATE DATABASE $DB"
psql -X -q -v ON_ERROR_STOP=1 -d $DB -v users=20000 -f "$HERE/load/blog_schema.sql" >/dev/null
psql -X -q -v ON_ERROR_STOP=1 -d $DB -c "CREATE EXTENSION pg_tviews" -f "$HERE/load/blog_tviews.sql" >/dev/null

check() {
    psql -X -At -d $DB -f "$HERE/load/check.sql"
}

POSTMASTER=0
restart() {
    # The children notice the postmaster's death and exit; then crash recovery.
    for _ in $(seq 300); do
        pgrep -P "$POSTMASTER" >/dev/null || break
        sleep 0.1
    done
    # A killed postmaster that nobody reaps stays a zombie, which would make
    # the new one think it is still running: its lock file is stale.
    if grep -qs "^State:.*Z" "/proc/$POSTMASTER/status"; then
        rm -f "$DIR/srv/data/postmaster.pid" "$DIR"/srv/sock/.s.PGSQL.*
    fi
    (cd "$DIR/srv" && runuser -u postgres -- "$PG_BINDIR/pg_ctl" -D "$DIR/srv/data" -w -t 120 \
        -l "$DIR/srv/server.log" start >/dev/null) || { tail -20 "$DIR/srv/server.log"; die "restart failed"; }
}

kill_postmaster() {
    POSTMASTER="$(head -1 "$DIR/srv/data/postmaster.pid")"
    kill -9 "$POSTMASTER"
}

status=0
log "kill -9 of the postmaster while COMMIT flushes the documents of every post"
# Renaming every user changes every post document (author and commenters)
# and every user document: a long flush.
psql -X -q -d $DB -c "BEGIN; UPDATE tb_user SET name = name || ' (edited)'; COMMIT;" >/dev/null 2>&1 &
writer=$!
# The flush is under way once the writer holds a lock on tv_post (the
# statement itself never touches it); then let it write for a moment.
for _ in $(seq 1200); do
    flushing="$(psql -X -At -d $DB -c "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid)
              WHERE l.relation = 'tv_post'::regclass AND a.query LIKE 'BEGIN; UPDATE tb_user%'" 2>/dev/null || echo 0)"
    [ "$flushing" != 0 ] && break
    sleep 0.05
done
[ "$flushing" != 0 ] || die "the writer never reached its flush"
sleep 0.5
# The backend would finish its commit if only the postmaster died (it checks
# for that between waits): kill it too, in the middle of its flush.
backend="$(psql -X -At -d postgres -c "SELECT pid FROM pg_stat_activity WHERE datname = '$DB'
             AND query LIKE 'BEGIN; UPDATE tb_user%'")"
kill_postmaster
[ -n "$backend" ] && kill -9 "$backend" 2>/dev/null || true
wait $writer || true
restart
edited="$(psql -X -At -d $DB -c "SELECT count(*) FROM tb_user WHERE name LIKE '%(edited)'")"
stale="$(check)"
echo "after the crash: $edited of 20000 users renamed (all or none), $stale stale documents"
[ "$stale" = 0 ] || status=1
[ "$edited" = 0 ] || [ "$edited" = 20000 ] || status=1

log "kill -9 right after a committed flush"
psql -X -q -v ON_ERROR_STOP=1 -d $DB -c "UPDATE tb_user SET name = name || '!' WHERE pk_user <= 500" >/dev/null
kill_postmaster
restart
renamed="$(psql -X -At -d $DB -c "SELECT count(*) FROM tv_post WHERE data->>'author' LIKE '%!'")"
stale="$(check)"
echo "after the crash: $renamed documents show the committed rename, $stale stale documents"
[ "$stale" = 0 ] || status=1
[ "$renamed" -gt 0 ] || status=1
exit $status
