#!/usr/bin/env bash
# Physical copies. A streaming standby made with pg_basebackup -R replays the
# TVIEWs' rows with everything else: after writes on the primary, each tv_
# table on the standby equals its definition evaluated on the standby; the
# health check, pg_tview_meta and the monitoring views work on the read-only
# standby; after pg_ctl promote the new primary maintains the TVIEWs. Then
# point-in-time recovery: a base backup plus the WAL archive, recovered to a
# time between two commits, has the TVIEWs of the first commit and not of
# the second, equal to their definitions, with no manual step.
set -euo pipefail
HERE="$(cd "$(dirname "$0")/.." && pwd)"
source "${PGTV_COMMON:-$HERE/lib/common.sh}"

DIR="$(make_tmpdir)"
cleanup() {
    for s in standby pitr primary; do stop_server "$DIR/$s" >/dev/null 2>&1 || true; done
    rm -rf "$DIR"
}
trap cleanup EXIT
mkdir -p "$DIR/archive" && chown postgres: "$DIR/archive"
start_server "$DIR/primary" "shared_preload_libraries = 'pg_tviews'" "wal_level = replica" \
    "max_wal_senders = 5" "archive_mode = on" "archive_command = 'cp %p $DIR/archive/%f'" >/dev/null
PRIMARY=(-h "$DIR/primary/sock" -p "$(cat "$DIR/primary/port")")
pq() { psql -X -q -At -v ON_ERROR_STOP=1 "${PRIMARY[@]}" -d app "$@"; }
fail=0
bad() { echo "FAIL: $*"; fail=1; }

psql -X -q "${PRIMARY[@]}" -d postgres -c "CREATE ROLE app_owner LOGIN" -c "CREATE ROLE app_reader LOGIN" \
    -c "CREATE ROLE app_monitor LOGIN IN ROLE pg_monitor" -c "CREATE DATABASE app OWNER app_owner"
pq -c "CREATE EXTENSION pg_tviews"
psql -X -q -v ON_ERROR_STOP=1 "${PRIMARY[@]}" -U app_owner -d app <<'SQL'
CREATE TABLE tb_user (pk_user bigint PRIMARY KEY, name text NOT NULL);
CREATE TABLE tb_post (pk_post bigint PRIMARY KEY, fk_user bigint NOT NULL REFERENCES tb_user, title text NOT NULL);
INSERT INTO tb_user SELECT g, 'user ' || g FROM generate_series(1, 100) g;
INSERT INTO tb_post SELECT g, 1 + g % 100, 'post ' || g FROM generate_series(1, 2000) g;
CREATE TABLE tv_post AS
SELECT p.pk_post, p.fk_user, jsonb_build_object('title', p.title, 'author', u.name) AS data
  FROM tb_post p JOIN tb_user u ON u.pk_user = p.fk_user;
CREATE TABLE tv_user AS
SELECT u.pk_user, jsonb_build_object('name', u.name, 'posts',
       (SELECT count(*) FROM tv_post p WHERE p.fk_user = u.pk_user)) AS data FROM tb_user u;
GRANT SELECT ON tv_post, tv_user TO app_reader;
SQL

# Equal to their definitions, both ways, evaluated where the query runs.
STALE_SQL="SELECT
  (SELECT count(*) FROM ((SELECT * FROM tv_post EXCEPT ALL SELECT * FROM v_post) UNION ALL
                         (SELECT * FROM v_post EXCEPT ALL SELECT * FROM tv_post)) d)
+ (SELECT count(*) FROM ((SELECT * FROM tv_user EXCEPT ALL SELECT * FROM v_user) UNION ALL
                         (SELECT * FROM v_user EXCEPT ALL SELECT * FROM tv_user)) d)"

log "streaming standby (pg_basebackup -R)"
mkdir -p "$DIR/standby" && chown postgres: "$DIR/standby"
(cd "$DIR" && runuser -u postgres -- "$PG_BINDIR/pg_basebackup" -h "$DIR/primary/sock" -p "$(cat "$DIR/primary/port")" \
    -U postgres -D "$DIR/standby/data" -R -X stream -c fast)
start_existing_server "$DIR/standby" "hot_standby = on" "archive_mode = off" >/dev/null
STANDBY=(-h "$DIR/standby/sock" -p "$(cat "$DIR/standby/port")")
sq() { psql -X -q -At -v ON_ERROR_STOP=1 "${STANDBY[@]}" -d app "$@"; }

wait_replayed() {
    wait_for_replay "$DIR/primary" "$DIR/standby" && return 0
    bad "the standby did not replay what the primary wrote"
}

# writes on the primary: a rename fans out to the 21 posts of user 7 and its document
pq -c "UPDATE tb_user SET name = 'renamed' WHERE pk_user = 7" \
   -c "INSERT INTO tb_post VALUES (5001, 7, 'new')" -c "DELETE FROM tb_post WHERE pk_post = 107"
wait_replayed
got="$(sq -c "SELECT pg_is_in_recovery()") $(sq -c "$STALE_SQL") $(sq -c "SELECT count(*) FROM tv_post WHERE data->>'author' = 'renamed'")"
echo "standby: in recovery, stale rows, posts by the renamed author: $got"
[ "$got" = "t 0 21" ] || bad "the standby's TVIEWs must equal their definitions after replay"
reader="$(psql -X -At "${STANDBY[@]}" -U app_reader -d app -c "SELECT data->>'posts' FROM tv_user WHERE pk_user = 7")"
[ "$reader" = 21 ] || bad "a reader on the standby sees the document ($reader)"
health="$(psql -X -At "${STANDBY[@]}" -U app_monitor -d app \
    -c "SELECT string_agg(check_name || '=' || status, ',' ORDER BY check_name) FROM pg_tviews_health_check() WHERE status <> 'OK'")"
echo "standby health check (not OK rows, as a pg_monitor member): ${health:-none}"
[ -z "$health" ] || bad "the health check on the standby: $health"
mon="$(psql -X -At "${STANDBY[@]}" -U app_monitor -d app -c "SELECT
    (SELECT count(*) FROM pg_tviews_queue_realtime) || ' ' || (SELECT count(*) FROM pg_tview_meta) || ' ' ||
    (SELECT count(*) FROM pg_tviews_cache_stats) || ' ' || (pg_tviews_server_stats()->>'scope') || ' ' ||
    (SELECT count(*) FROM pg_tview_helpers) || ' ' || (SELECT sum(trigger_count) FROM pg_tview_meta)" 2>&1)" ||
    bad "monitoring on the standby: $mon"
echo "standby monitoring (queues, TVIEWs, caches, scope, helpers, capture triggers): $mon"
[ "$mon" = "0 2 3 server 0 16" ] || bad "monitoring views on the standby"
verify="$(sq -c "SELECT missing + extra + different FROM pg_tviews_verify('tv_post')" 2>&1)" || true
echo "pg_tviews_verify on the standby: $verify"
[ "$verify" = 0 ] || bad "pg_tviews_verify on the standby: $verify"
# writes are refused on a standby, as for any table
sq -c "UPDATE tb_user SET name = 'x' WHERE pk_user = 1" >/dev/null 2>&1 && bad "a write on the standby"

log "promote the standby"
runuser -u postgres -- "$PG_BINDIR/pg_ctl" -D "$DIR/standby/data" -w promote >/dev/null
for _ in $(seq 100); do [ "$(sq -c "SELECT pg_is_in_recovery()")" = f ] && break; sleep 0.1; done
psql -X -q -v ON_ERROR_STOP=1 "${STANDBY[@]}" -U app_owner -d app \
    -c "UPDATE tb_user SET name = 'after the promotion' WHERE pk_user = 8" \
    -c "INSERT INTO tb_post VALUES (5002, 8, 'on the new primary')" >/dev/null || bad "writes on the promoted standby"
got="$(sq -c "$STALE_SQL") $(sq -c "SELECT data->>'posts' FROM tv_user WHERE pk_user = 8")"
echo "new primary: stale rows, posts of user 8: $got"
[ "$got" = "0 20" ] || bad "the promoted standby must maintain its TVIEWs"
stop_server "$DIR/standby" >/dev/null

log "point-in-time recovery"
mkdir -p "$DIR/pitr" && chown postgres: "$DIR/pitr"
(cd "$DIR" && runuser -u postgres -- "$PG_BINDIR/pg_basebackup" -h "$DIR/primary/sock" -p "$(cat "$DIR/primary/port")" \
    -U postgres -D "$DIR/pitr/data" -X none -c fast)
pq -c "UPDATE tb_user SET name = 'first commit' WHERE pk_user = 9"
sleep 1.2
target="$(pq -c "SELECT now()")"
sleep 1.2
pq -c "UPDATE tb_user SET name = 'second commit' WHERE pk_user = 9" -c "INSERT INTO tb_post VALUES (5003, 9, 'too late')"
pq -c "SELECT pg_switch_wal()" >/dev/null
for _ in $(seq 100); do  # the segment with the second commit reached the archive
    [ "$(pq -c "SELECT last_archived_wal >= pg_walfile_name(pg_current_wal_lsn() - 1) FROM pg_stat_archiver")" = t ] && break
    sleep 0.1
done
touch "$DIR/pitr/data/recovery.signal"
start_existing_server "$DIR/pitr" "archive_mode = off" "restore_command = 'cp $DIR/archive/%f %p'" \
    "recovery_target_time = '$target'" "recovery_target_action = 'promote'" >/dev/null
PITR=(-h "$DIR/pitr/sock" -p "$(cat "$DIR/pitr/port")")
rq() { psql -X -q -At -v ON_ERROR_STOP=1 "${PITR[@]}" -d app "$@"; }
for _ in $(seq 200); do [ "$(rq -c "SELECT pg_is_in_recovery()" 2>/dev/null)" = f ] && break; sleep 0.1; done
got="$(rq -c "$STALE_SQL") $(rq -c "SELECT string_agg(DISTINCT data->>'author', ',') FROM tv_post WHERE fk_user = 9") $(rq -c "SELECT count(*) FROM tv_post WHERE pk_post = 5003")"
echo "recovered to $target: stale rows, author of user 9's posts, the later post: $got"
[ "$got" = "0 first commit 0" ] || bad "the recovered TVIEWs must be those of the first commit"
rq -c "UPDATE tb_user SET name = 'after the recovery' WHERE pk_user = 9" >/dev/null
got="$(rq -c "$STALE_SQL") $(rq -c "SELECT count(*) FROM pg_tviews_health_check() WHERE status <> 'OK'")"
[ "$got" = "0 0" ] || bad "the recovered server maintains its TVIEWs ($got)"

[ "$fail" = 0 ] && echo "standby: replicas, promotion and point-in-time recovery keep the TVIEWs whole"
exit "$fail"
