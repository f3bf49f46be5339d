#!/usr/bin/env bash
# Server-wide monitoring: from a second connection, pg_tviews_queue_realtime
# shows another backend's pending keys while its transaction is open and
# nothing once it commits; pg_tviews_stats and pg_tviews_cache_stats count
# other backends' refreshes; a pg_monitor member sees other roles'
# application names, an ordinary role does not. Then the same server
# without shared_preload_libraries: every view answers, for the calling
# backend alone, and says so.
set -euo pipefail
HERE="$(cd "$(dirname "$0")/.." && pwd)"
source "${PGTV_COMMON:-$HERE/lib/common.sh}"

DIR="$(make_tmpdir)"
trap 'exec 3>&- 2>/dev/null || true; stop_server "$DIR/srv" >/dev/null 2>&1 || true; rm -rf "$DIR"' EXIT
start_server "$DIR/srv" "shared_preload_libraries = 'pg_tviews'" >/dev/null
DB=pgtv_mon
psql -X -q -d postgres -c "CREATE DATABASE $DB"
psql -X -q -v ON_ERROR_STOP=1 -d $DB <<'SQL'
CREATE EXTENSION pg_tviews;
CREATE ROLE mon_watcher LOGIN IN ROLE pg_monitor;
CREATE ROLE mon_nobody LOGIN;
CREATE TABLE tb_user (pk_user bigint PRIMARY KEY, name text NOT NULL);
CREATE TABLE tb_post (pk_post bigint PRIMARY KEY, fk_user bigint NOT NULL REFERENCES tb_user, title text);
INSERT INTO tb_user SELECT g, 'user ' || g FROM generate_series(1, 10) g;
INSERT INTO tb_post SELECT g, 1 + g % 10, 'post ' || g FROM generate_series(1, 100) g;
CREATE TABLE tv_post AS
SELECT p.pk_post, p.fk_user, jsonb_build_object('title', p.title, 'author', u.name) AS data
FROM tb_post p JOIN tb_user u ON u.pk_user = p.fk_user;
SQL

fail() { echo "FAILED: $*"; exit 1; }
q() { psql -X -At -d $DB "$@"; }
# wait_for WHAT SQL VALUE: until SQL returns VALUE (at most 30 s).
wait_for() {
    local i
    for i in $(seq 600); do
        [ "$(q -c "$2")" = "$3" ] && return 0
        sleep 0.05
    done
    fail "timed out waiting until $1"
}

# A writer with an open transaction: 10 documents of user 3 queued.
exec 3> >(PGAPPNAME=mon_writer psql -X -q -d $DB >"$DIR/writer.log" 2>&1)
echo "BEGIN; UPDATE tb_user SET name = 'renamed' WHERE pk_user = 3;" >&3
pending=""
for _ in $(seq 100); do
    pending="$(q -c "SELECT queue_size || ' ' || tviews || ' ' || (last_enqueued IS NOT NULL) || ' ' || (transaction_id IS NOT NULL) || ' ' || scope
                      FROM pg_tviews_queue_realtime WHERE application_name = 'mon_writer'")"
    [ -n "$pending" ] && break
    sleep 0.1
done
echo "while open, seen from another connection: $pending"
[ "$pending" = "10 1 true true server" ] || fail "expected 10 keys of 1 TVIEW pending, with the transaction"
# The guides' alert, asked of the server-wide figures (pg_tviews_queue_stats()
# is the monitoring session's own transaction, always 0 here).
server="$(q -c "SELECT (s->>'queue_size') || ' ' || (s->>'backends_with_queue') || ' ' || (s->>'max_backend_queue') || ' ' ||
                        (s->>'queue_idle_ms' IS NOT NULL) || ' ' || (s->>'scope') || ' ' || (pg_tviews_queue_stats()->>'queue_size')
                  FROM pg_tviews_server_stats() s")"
echo "pg_tviews_server_stats while open (keys backends max idle scope; own queue_stats): $server"
[ "$server" = "10 1 10 true server 0" ] || fail "the server-wide figures count the other backend's 10 keys"
alert="$(q -c "SELECT CASE WHEN (pg_tviews_server_stats()->>'queue_size')::int > 5 THEN 'WARNING' ELSE 'OK' END")"
[ "$alert" = WARNING ] || fail "an alert on the server-wide queue fires"
# A pg_monitor member sees the other role's application name; a role without it does not.
watcher="$(q -U mon_watcher -c "SELECT count(*) FROM pg_tviews_queue_realtime WHERE application_name = 'mon_writer'")"
nobody="$(q -U mon_nobody -c "SELECT count(*) || ' ' || count(application_name) FROM pg_tviews_queue_realtime")"
echo "pg_monitor member sees it by name: $watcher; a role without pg_read_all_stats sees rows/names: $nobody"
[ "$watcher" = 1 ] || fail "the pg_monitor member must see the writer's application name"
[ "$nobody" = "1 0" ] || fail "an ordinary role sees the row but not the name"
echo "COMMIT;" >&3
for _ in $(seq 100); do
    left="$(q -c "SELECT count(*) FROM pg_tviews_queue_realtime")"
    [ "$left" = 0 ] && break
    sleep 0.1
done
echo "after COMMIT: $left row(s) in pg_tviews_queue_realtime"
[ "$left" = 0 ] || fail "the queue must be gone after COMMIT"
exec 3>&-
stats="$(q -c "SELECT refreshes || ' ' || keys_refreshed || ' ' || rows_updated || ' ' || rows_inserted || ' ' || (last_refresh IS NOT NULL)
                FROM pg_tviews_stats WHERE tview = 'tv_post'::regclass")"
echo "pg_tviews_stats of tv_post (refreshes keys updated inserted last): $stats"
[ "$stats" = "1 10 10 0 true" ] || fail "one refresh of 10 keys, 10 rows updated"
server="$(q -c "SELECT (s->>'queue_size') || ' ' || (s->>'total_refreshes') || ' ' || (s->>'keys_refreshed') || ' ' || (s->>'rows_written') || ' ' ||
                        ((s->>'total_timing_ms')::float > 0) || ' ' || ((s->>'graph_cache_hit_rate') IS NOT NULL)
                  FROM pg_tviews_server_stats() s")"
echo "pg_tviews_server_stats after COMMIT (keys refreshes keys_refreshed rows timing>0 hit_rate): $server"
[ "$server" = "0 1 10 10 true true" ] || fail "the server-wide figures show the other backend's refresh"
cache="$(q -c "SELECT string_agg(cache_type || '=' || (hits + misses > 0), ',' ORDER BY cache_type) FROM pg_tviews_cache_stats")"
echo "cache lookups counted (from the writer's backend): $cache"
[ "$cache" = "graph_cache=true,prepared_statements=true,table_cache=true" ] || fail "every cache was used by the writer"
q -c "SELECT pg_tviews_stats_reset('tv_post')" >/dev/null
[ "$(q -c "SELECT count(*) FROM pg_tviews_stats")" = 0 ] || fail "reset forgets the figures"
denied="$(q -U mon_nobody -c "SELECT pg_tviews_stats_reset()" 2>&1 || true)"
echo "reset by a role without the grant: $denied"
case "$denied" in *"permission denied"*) ;; *) fail "reset is not PUBLIC's" ;; esac
healthy="$(q -c "SELECT status FROM pg_tviews_health_check() WHERE check_name = 'library_preloaded'")"
[ "$healthy" = OK ] || fail "preloaded: health check OK"

# ---- pg_tviews_progress: a long refresh seen from another session ----------
# The refresh is held at its row 'slow 500' (its function reads a table the
# test keeps locked) until every role has looked: the owner's session, a
# pg_monitor member and an ordinary role, which sees the session only.
q -q <<'SQL'
CREATE TABLE progress_gate ();
GRANT SELECT ON progress_gate TO PUBLIC;
CREATE FUNCTION slow_title(t text) RETURNS text LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF t = 'slow 500' THEN PERFORM FROM public.progress_gate; END IF;
    PERFORM pg_sleep(0.002);
    RETURN t;
END $$;
CREATE TABLE tb_slowp (pk_slowp bigint PRIMARY KEY, title text NOT NULL);
INSERT INTO tb_slowp SELECT g, 'slow ' || g FROM generate_series(1, 1000) g;
CREATE TABLE tv_slowp AS SELECT s.pk_slowp, slow_title(s.title) AS title FROM tb_slowp s;
SQL
PGAPPNAME=mon_gate psql -X -q -d $DB -c "BEGIN" -c "LOCK TABLE progress_gate" -c "SELECT pg_sleep(300)" >/dev/null 2>&1 &
gate=$!
wait_for "the gate is locked" "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid)
  WHERE a.application_name = 'mon_gate' AND l.relation = 'progress_gate'::regclass AND l.granted" 1
PGAPPNAME=mon_refresher psql -X -q -d $DB -c "SET pg_tviews.flush_chunk_keys = 50" -c "SET pg_tviews.progress_notices = 300" \
    -c "SELECT pg_tviews_refresh('tv_slowp')" >"$DIR/refresh.out" 2>&1 &
refresher=$!
wait_for "the refresh waits at the gate" "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid)
  WHERE a.application_name = 'mon_refresher' AND l.relation = 'progress_gate'::regclass AND NOT l.granted" 1
progress_sql="SELECT coalesce(phase, '-') || ' ' || coalesce((keys_done > 0 AND keys_done < keys_total)::text, '-') || ' ' ||
                     coalesce(keys_total::text, '-') || ' ' || coalesce((percent < 100)::text, '-') || ' ' ||
                     coalesce(tview::text, '-') || ' ' || (session IS NOT NULL)
                FROM pg_tviews_progress"
seen="$(q -c "$progress_sql")"
watcher_seen="$(psql -X -At -U mon_watcher -d $DB -c "$progress_sql")"
nobody_seen="$(psql -X -At -U mon_nobody -d $DB -c "$progress_sql")"
q -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'mon_gate'" >/dev/null
wait "$gate" || true
wait "$refresher"
echo "pg_tviews_progress during the refresh (phase, partway, total, percent < 100, tview, session): $seen"
echo "  as a pg_monitor member: $watcher_seen; as an ordinary role: $nobody_seen"
[ "$seen" = "full refresh true 1000 true tv_slowp true" ] || fail "another session sees the refresh's progress"
[ "$watcher_seen" = "$seen" ] || fail "a pg_monitor member sees other roles' progress"
[ "$nobody_seen" = "- - - - - true" ] || fail "an ordinary role sees only that a session is refreshing"
notices="$(grep -c 'pg_tviews: full refresh of tv_slowp:' "$DIR/refresh.out" || true)"
echo "progress NOTICEs received by the refreshing client: $notices"
[ "$notices" -ge 1 ] || fail "pg_tviews.progress_notices sends NOTICEs during a long refresh"
[ "$(q -c "SELECT count(*) FROM pg_tviews_progress")" = 0 ] || fail "no progress row once the refresh is over"
q -c "DROP TABLE progress_gate" >/dev/null
q -c "DROP TABLE tv_slowp" -c "DROP TABLE tb_slowp" -c "DROP FUNCTION slow_title(text)" >/dev/null

# ---- pg_tviews_metrics: one row per committed transaction that refreshed ----
q -c "ALTER SYSTEM SET pg_tviews.metrics_enabled = on" -c "SELECT pg_reload_conf()" >/dev/null
sleep 0.5
PGAPPNAME=mon_metrics q -q -c "UPDATE tb_user SET name = 'm1' WHERE pk_user = 5" >/dev/null
PGAPPNAME=mon_metrics q -q -c "BEGIN" -c "UPDATE tb_user SET name = 'rolled back' WHERE pk_user = 6" -c "ROLLBACK" >/dev/null
PGAPPNAME=mon_metrics q -q -c "SELECT 1" >/dev/null   # refreshes nothing: no row
PGAPPNAME=mon_metrics q -q -c "BEGIN" -c "UPDATE tb_post SET title = 'x' WHERE pk_post IN (1, 2)" -c "UPDATE tb_user SET name = 'm2' WHERE pk_user = 7" -c "COMMIT" >/dev/null
metrics="$(q -c "SELECT string_agg(queue_size || '/' || tviews || '/' || rows_written || '/' || bulk_refresh_count || '/' || (transaction_id IS NOT NULL) || '/' || array_to_string(entities, ','), ' ' ORDER BY recorded_at)
                  FROM pg_tviews_metrics WHERE application_name = 'mon_metrics'")"
echo "metrics rows (keys/tviews/rows/bulk/xid/entities): $metrics"
[ "$metrics" = "10/1/10/0/true/post 12/1/12/0/true/post" ] || fail "one row per committed transaction that refreshed"
summary="$(q -c "SELECT transactions || ' ' || keys_refreshed || ' ' || array_to_string(top_tviews, ',') FROM pg_tviews_performance_summary")"
echo "performance summary (transactions keys top): $summary"
[ "$summary" = "2 22 post" ] || fail "the summary counts the metrics rows"
[ "$(q -U mon_watcher -c "SELECT count(*) FROM pg_tviews_metrics")" = 2 ] || fail "pg_monitor reads the metrics"
q -U mon_nobody -c "SELECT count(*) FROM pg_tviews_metrics" >/dev/null 2>&1 && fail "an ordinary role must not read other roles' metrics"
[ "$(q -c "SELECT pg_tviews_cleanup_metrics(0)")" = 2 ] || fail "cleanup deletes what is older than 0 days"
q -c "ALTER SYSTEM RESET pg_tviews.metrics_enabled" -c "SELECT pg_reload_conf()" >/dev/null
for c in "SET pg_tviews.metrics_enabled = on"; do
    q -U mon_nobody -c "$c" >/dev/null 2>&1 && fail "metrics_enabled is the superuser's"
done

# ---- the same server without shared_preload_libraries ----
stop_server "$DIR/srv" >/dev/null
sed -i "s/^shared_preload_libraries = 'pg_tviews'/#&/" "$DIR/srv/data/postgresql.conf"
(cd "$DIR/srv" && runuser -u postgres -- "$PG_BINDIR/pg_ctl" -D "$DIR/srv/data" -w -l "$DIR/srv/server.log" start >/dev/null)
exec 3> >(PGAPPNAME=mon_writer psql -X -q -d $DB >"$DIR/writer2.log" 2>&1)
echo "BEGIN; UPDATE tb_user SET name = 'again' WHERE pk_user = 4;" >&3
sleep 1
other="$(q -c "SELECT count(*) FROM pg_tviews_queue_realtime")"
own="$(q -q -c "BEGIN; UPDATE tb_user SET name = 'mine' WHERE pk_user = 5; SELECT queue_size || ' ' || scope FROM pg_tviews_queue_realtime; ROLLBACK;" | grep backend || true)"
echo "without preload: other backends' rows seen: $other; own row: $own"
[ "$other" = 0 ] || fail "without preload only the own backend is visible"
case "$own" in "10 this backend"*) ;; *) fail "the own queue, labelled as this backend's" ;; esac
scope="$(q -c "SELECT pg_tviews_server_stats()->>'queue_size' || ' ' || (pg_tviews_server_stats()->>'scope')")"
echo "pg_tviews_server_stats without preload: $scope"
[ "$scope" = "0 this backend" ] || fail "without preload the server-wide figures say they are this backend's"
echo "COMMIT;" >&3
exec 3>&-
warn="$(q -c "SELECT status FROM pg_tviews_health_check() WHERE check_name = 'library_preloaded'")"
echo "health check without preload: $warn"
[ "$warn" = WARNING ] || fail "without preload the health check warns (figures are per backend)"
echo "monitoring: ok"
