#!/usr/bin/env bash
# Through a real Pgpool-II (Debian's pgpool2, installed if missing) in
# streaming-replication mode, over a primary and a streaming standby, with
# load balancing on, reset_query_list = 'ABORT; DISCARD ALL' and the guides'
# function lists (4.2+ names: read_only_function_list / write_function_list).
# (The guides' 'DISCARD ALL' alone breaks a pooled connection whose client
# quit inside a transaction: PGTV_PGPOOL_RESET='DISCARD ALL' shows it.)
# Every pgpool setting, pid file, socket and log is the test's own, on free
# ports in a temp dir; the system's pgpool service is never touched.
# backend_weight0 = 0: whatever pgpool may balance goes to the standby, so a
# routing mistake fails every time, not by chance.
#
# As roles that are not superusers (app_owner owns the database, app_writer
# writes, reader reads the tv_ tables), through pgpool:
#  1. DDL and writes (single statements, explicit transactions, a rollback,
#     a multi-statement query, a writable CTE) go to the primary, and the
#     TVIEW equals its view there;
#  2. reads balanced to the standby (select_cnt of SHOW pool_nodes) equal the
#     primary's documents once the standby has replayed the commit; while
#     replay is paused they are stale, as any standby read (the caveat), and
#     reads in the writing transaction or with /*NO LOAD BALANCE*/ are not;
#  3. the write functions (pg_tviews_cascade, pg_tviews_refresh) are routed to
#     the primary and repair documents there, also in an explicit transaction;
#  4. the read-only list's functions work on the standby;
#  5. another client never sees a transaction's pending keys, and the pooled
#     connection is reset between clients (GUC, temp table, and an abandoned
#     open transaction with pending keys);
#  6. the extension's writing functions are VOLATILE, so pgpool with empty
#     function lists (its volatility rule) also routes them to the primary,
#     and balances the STABLE ones (prints where the others go).
set -euo pipefail
HERE="$(cd "$(dirname "$0")/.." && pwd)"
source "${PGTV_COMMON:-$HERE/lib/common.sh}"
require_root

DIR="$(make_tmpdir)"
POOL="$DIR/pgpool"
RESET="${PGTV_PGPOOL_RESET:-ABORT; DISCARD ALL}"
POOL_JOB="" POOL_PORT="" SESSION_PIDS=()
fail=0
bad() { echo "FAIL: $*"; fail=1; }

stop_pgpool() {
    local pid i
    if [ -s "$POOL/pgpool.pid" ]; then
        pid="$(tr -d '\0' <"$POOL/pgpool.pid")"   # pgpool ends its pid file with a NUL byte
        kill -INT "$pid" 2>/dev/null || true      # fast shutdown
        for i in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -0 "$pid" 2>/dev/null && kill -QUIT "$pid" 2>/dev/null || true
    fi
    if [ -n "$POOL_JOB" ]; then
        # no pid file (pgpool died or never got that far): stop what we started
        for i in $(seq 50); do kill -0 "$POOL_JOB" 2>/dev/null || break; [ "$i" -eq 20 ] && kill "$POOL_JOB" 2>/dev/null; sleep 0.1; done
        wait "$POOL_JOB" 2>/dev/null || true
    fi
    POOL_JOB=""
    rm -f "$POOL/pgpool.pid"
}
# shellcheck disable=SC2317  # (invoked by the trap)
cleanup() {
    local rc=$? p
    exec 7>&- 8>&- 2>/dev/null || true
    for p in "${SESSION_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    stop_pgpool
    if [ "$rc" -ne 0 ] || [ "$fail" -ne 0 ]; then
        echo "---- pgpool log (last 80 lines of $POOL/pgpool.log)"
        tail -n 80 "$POOL/pgpool.log" 2>/dev/null || true
        for p in primary standby; do
            echo "---- $p server log (last 15 lines)"
            tail -n 15 "$DIR/$p/server.log" 2>/dev/null || true
        done
    fi
    for p in standby primary; do stop_server "$DIR/$p" >/dev/null 2>&1 || true; done
    rm -rf "$DIR"
}
trap cleanup EXIT

# --- pgpool2, from Debian ----------------------------------------------------
if ! pkg_installed pgpool2; then
    log "apt-get install pgpool2"
    export DEBIAN_FRONTEND=noninteractive
    apt-cache show pgpool2 >/dev/null 2>&1 || apt-get update -q >"$DIR/apt.log" 2>&1 || true
    if ! apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=300 pgpool2 >>"$DIR/apt.log" 2>&1; then
        apt-get update -q >>"$DIR/apt.log" 2>&1 || true
        apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=300 pgpool2 >>"$DIR/apt.log" 2>&1 ||
            { tail -n 20 "$DIR/apt.log"; echo "SKIP: the Debian package pgpool2 could not be installed"; exit 77; }
    fi
fi
PGPOOL="$(command -v pgpool || echo /usr/sbin/pgpool)"
version="$("$PGPOOL" --version 2>&1 | sed -n 's/.*version \([0-9][0-9.]*\).*/\1/p' | head -n 1)"
echo "pgpool: $("$PGPOOL" --version 2>&1 | head -n 1)"
major="${version%%.*}" rest="${version#*.}" minor="${rest%%.*}"
# 4.2 renamed white_function_list / black_function_list (the old names are
# ignored without a word) and introduced backend_clustering_mode.
if [ -z "$version" ] || [ "$major" -lt 4 ] || { [ "$major" -eq 4 ] && [ "$minor" -lt 2 ]; }; then
    echo "SKIP: this test needs Pgpool-II 4.2 or later (found '${version:-?}')"
    exit 77
fi
READ_ONLY_LIST="pg_tviews_version,pg_tviews_check_jsonb_ivm,pg_tviews_queue_stats,pg_tviews_debug_queue,pg_tviews_analyze_select,pg_tviews_infer_types,pg_tviews_health_check"
WRITE_LIST="pg_tviews_cascade,pg_tviews_insert,pg_tviews_delete,pg_tviews_commit_prepared,pg_tviews_rollback_prepared"

# --- primary and streaming standby ------------------------------------------
start_server "$DIR/primary" "shared_preload_libraries = 'pg_tviews'" "wal_level = replica" \
    "max_wal_senders = 5" >/dev/null
PRIMARY_PORT="$(cat "$DIR/primary/port")"
mkdir -p "$DIR/standby" && chown postgres: "$DIR/standby"
(cd "$DIR" && runuser -u postgres -- "$PG_BINDIR/pg_basebackup" -h "$DIR/primary/sock" -p "$PRIMARY_PORT" \
    -U postgres -D "$DIR/standby/data" -R -X stream -c fast)
start_existing_server "$DIR/standby" "hot_standby = on" >/dev/null
STANDBY_PORT="$(cat "$DIR/standby/port")"
pq() { psql -X -q -At -v ON_ERROR_STOP=1 -h "$DIR/primary/sock" -p "$PRIMARY_PORT" -U postgres "$@"; }
sq() { psql -X -q -At -v ON_ERROR_STOP=1 -h "$DIR/standby/sock" -p "$STANDBY_PORT" -U postgres "$@"; }
echo "primary: port $PRIMARY_PORT, standby: port $STANDBY_PORT"

wait_replayed() {
    wait_for_replay "$DIR/primary" "$DIR/standby" && return 0
    bad "the standby did not replay what the primary wrote"
    return 1
}

# --- our own pgpool ------------------------------------------------------------
# start_pgpool [extra pgpool.conf lines...]: (re)writes pgpool.conf and starts
# pgpool in the foreground mode (-n) as a background job, on free ports.
start_pgpool() {
    local attempt i line pcp_port
    mkdir -p "$POOL"
    : >"$POOL/pool_passwd"   # empty, not '': else every backend login warns "unable to get password"
    : >"$POOL/pcp.conf"
    printf 'local all all trust\nhost all all 127.0.0.1/32 trust\n' >"$POOL/pool_hba.conf"
    for attempt in 1 2 3; do
        POOL_PORT="$(pick_free_port)"
        pcp_port="$(pick_free_port)"
        [ "$pcp_port" != "$POOL_PORT" ] || pcp_port=$((POOL_PORT + 1))
        cat >"$POOL/pgpool.conf" <<CONF
backend_clustering_mode = 'streaming_replication'
listen_addresses = '127.0.0.1'
port = $POOL_PORT
socket_dir = '$POOL'
pcp_listen_addresses = ''
pcp_port = $pcp_port
pcp_socket_dir = '$POOL'
wd_ipc_socket_dir = '$POOL'
use_watchdog = off
pid_file_name = '$POOL/pgpool.pid'
logdir = '$POOL'
log_destination = 'stderr'
log_per_node_statement = on
backend_hostname0 = '127.0.0.1'
backend_port0 = $PRIMARY_PORT
backend_weight0 = 0
backend_flag0 = 'DISALLOW_TO_FAILOVER'
backend_hostname1 = '127.0.0.1'
backend_port1 = $STANDBY_PORT
backend_weight1 = 1
backend_flag1 = 'DISALLOW_TO_FAILOVER'
failover_on_backend_error = off
enable_pool_hba = off
pool_passwd = 'pool_passwd'
num_init_children = 2
max_pool = 4
connection_cache = on
reset_query_list = '$RESET'
load_balance_mode = on
statement_level_load_balance = off
disable_load_balance_on_write = 'transaction'
sr_check_period = 1
sr_check_user = 'postgres'
sr_check_database = 'postgres'
delay_threshold = 0
health_check_period = 2
health_check_timeout = 5
health_check_user = 'postgres'
health_check_database = 'postgres'
CONF
        for line in "$@"; do echo "$line"; done >>"$POOL/pgpool.conf"
        chown -R postgres: "$POOL"
        echo "==== pgpool start (attempt $attempt, port $POOL_PORT)" >>"$POOL/pgpool.log"
        (cd "$POOL" && exec runuser -u postgres -- "$PGPOOL" -n -D -f "$POOL/pgpool.conf" -F "$POOL/pcp.conf" \
            -a "$POOL/pool_hba.conf" >>"$POOL/pgpool.log" 2>&1) &
        POOL_JOB=$!
        for i in $(seq 150); do
            if pool_nodes 2>/dev/null | grep -q .; then
                # both backends known, with their roles
                if [ "$(pool_nodes | awk -F'|' 'NR > 1 && NF > 8 {print $1 ":" $7}' | tr '\n' ' ')" = "0:primary 1:standby " ]; then
                    return 0
                fi
            fi
            kill -0 "$POOL_JOB" 2>/dev/null || break
            sleep 0.1
        done
        stop_pgpool
        grep -q -i 'address already in use' "$POOL/pgpool.log" || break
    done
    tail -n 30 "$POOL/pgpool.log"
    die "could not start pgpool (log above)"
}
pool_nodes() { psql -X -A -F'|' -h 127.0.0.1 -p "$POOL_PORT" -U postgres -d postgres -c "SHOW pool_nodes"; }
# select_cnt of node 0 and node 1, "N0 N1" (the column found by its name)
select_cnt() {
    pool_nodes | awk -F'|' 'NR == 1 {for (i = 1; i <= NF; i++) if ($i == "select_cnt") c = i; next}
                            NF > 1 {printf "%s ", $c}' | sed 's/ $//'
}
# Statements run through pgpool: via USER DB [psql args...]
via() {
    local user=$1 db=$2
    shift 2
    psql -X -q -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$POOL_PORT" -U "$user" -d "$db" "$@"
}
# routed LABEL N0 N1 BEFORE: select_cnt grew by N0 on the primary and N1 on the standby since BEFORE
routed() {
    local label=$1 want0=$2 want1=$3 b0 b1 a0 a1
    read -r b0 b1 <<<"$4"
    read -r a0 a1 <<<"$(select_cnt)"
    echo "$label: SELECTs on the primary +$((a0 - b0)), on the standby +$((a1 - b1))"
    [ $((a0 - b0)) = "$want0" ] && [ $((a1 - b1)) = "$want1" ] ||
        bad "$label: expected +$want0 on the primary and +$want1 on the standby"
}
STALE_SQL="SELECT (SELECT count(*) FROM (SELECT * FROM tv_post EXCEPT ALL SELECT * FROM v_post) a)
                + (SELECT count(*) FROM (SELECT * FROM v_post EXCEPT ALL SELECT * FROM tv_post) b)"
stale() { pq -d app -c "$STALE_SQL"; }

log "pgpool in streaming-replication mode (function lists of the guides)"
start_pgpool "read_only_function_list = '$READ_ONLY_LIST'" "write_function_list = '$WRITE_LIST'"
settings="$(psql -X -At -F'=' -h 127.0.0.1 -p "$POOL_PORT" -U postgres -d postgres -c "SHOW pool_status" |
    awk -F'=' '$1 ~ /^ *(read_only_function_list|write_function_list|reset_query_list|load_balance_mode|backend_clustering_mode) *$/ {gsub(/ /, "", $1); print $1 "=" $2}')"
echo "$settings" | sed 's/^/pgpool setting: /'
grep -q "^read_only_function_list=$READ_ONLY_LIST" <<<"$settings" && grep -q "^write_function_list=$WRITE_LIST" <<<"$settings" ||
    bad "pgpool did not take the function lists"
pool_nodes | sed 's/^/pool_nodes: /'

# --- roles, database, TVIEW: through pgpool ------------------------------------
# A pgpool session opens a connection to every backend: a database or role
# the standby has not replayed yet makes the login fail ("unable to read
# message kind"), so wait for the replay before using it.
via postgres postgres -c "CREATE ROLE app_owner LOGIN" -c "CREATE ROLE app_writer LOGIN" \
    -c "CREATE ROLE reader LOGIN" -c "CREATE DATABASE app OWNER app_owner"
wait_replayed
via postgres app -c "CREATE EXTENSION pg_tviews" \
    -c "GRANT EXECUTE ON FUNCTION pg_tviews_cascade(oid, bigint) TO app_owner"
via app_owner app <<'SQL'
CREATE TABLE tb_user (pk_user bigint PRIMARY KEY, name text NOT NULL);
CREATE TABLE tb_post (pk_post bigint PRIMARY KEY, fk_user bigint NOT NULL REFERENCES tb_user, title text NOT NULL);
INSERT INTO tb_user SELECT g, 'user ' || g FROM generate_series(1, 50) g;
INSERT INTO tb_post SELECT g, 1 + g % 50, 'post ' || g FROM generate_series(1, 500) g;
CREATE TABLE tv_post AS
SELECT p.pk_post, p.fk_user, jsonb_build_object('title', p.title, 'author', u.name) AS data
  FROM tb_post p JOIN tb_user u ON u.pk_user = p.fk_user;
GRANT SELECT, INSERT, UPDATE, DELETE ON tb_user, tb_post TO app_writer;
GRANT SELECT ON tv_post TO app_writer, reader;
SQL
got="$(pq -d app -c "SELECT string_agg(rolname || '=' || rolsuper, ',' ORDER BY rolname) FROM pg_roles WHERE rolname IN ('app_owner', 'app_writer', 'reader')") $(pq -d app -c "SELECT count(*) FROM pg_tview_meta")"
echo "primary: roles (superuser?) and TVIEWs: $got"
[ "$got" = "app_owner=false,app_writer=false,reader=false 1" ] || bad "the TVIEW tv_post was not created on the primary"

# --- 1. writes through pgpool go to the primary; the TVIEW is maintained -------
log "1. writes through pgpool"
lines_before="$(wc -l <"$POOL/pgpool.log")"
via app_writer app -c "UPDATE tb_user SET name = 'renamed' WHERE pk_user = 7"
via app_writer app -c "INSERT INTO tb_post VALUES (1001, 7, 'new post')"
via app_writer app -c "DELETE FROM tb_post WHERE pk_post = 107"
in_tx="$(via app_writer app -c "BEGIN" -c "INSERT INTO tb_user VALUES (51, 'user 51')" \
    -c "INSERT INTO tb_post SELECT 1001 + g, 51, 'by 51 #' || g FROM generate_series(1, 5) g" \
    -c "UPDATE tb_post SET title = 'edited in a transaction' WHERE pk_post = 2" \
    -c "SELECT data->>'author' FROM tv_post WHERE pk_post = 1002" -c "COMMIT")"
via app_writer app -c "BEGIN" -c "UPDATE tb_user SET name = 'rolled back' WHERE pk_user = 8" -c "ROLLBACK"
via app_writer app -c "UPDATE tb_post SET title = 'multi a' WHERE pk_post = 11; UPDATE tb_post SET title = 'multi b' WHERE pk_post = 12"
cte="$(via app_writer app -c "WITH moved AS (UPDATE tb_post SET fk_user = 9 WHERE pk_post = 13 RETURNING pk_post) SELECT pk_post FROM moved")"
echo "read in the writing transaction (author of a post inserted in it): $in_tx; writable CTE returned: $cte"
[ "$in_tx" = "user 51" ] || bad "a read after a write in a transaction must see its own write (pgpool sends it to the primary)"
[ "$cte" = 13 ] || bad "the writable CTE"
dml0="$(tail -n +"$((lines_before + 1))" "$POOL/pgpool.log" | grep -c -E 'DB node id: 0 .*statement: (INSERT|UPDATE|DELETE|WITH)' || true)"
dml1="$(tail -n +"$((lines_before + 1))" "$POOL/pgpool.log" | grep -c -E 'DB node id: 1 .*statement: (INSERT|UPDATE|DELETE|WITH)' || true)"
echo "pgpool log: write statements sent to the primary: $dml0, to the standby: $dml1"
[ "$dml0" -ge 8 ] && [ "$dml1" = 0 ] || bad "writes must go to the primary only"
got="$(stale) $(pq -d app -c "SELECT count(*) FILTER (WHERE data->>'author' = 'renamed') || ',' || count(*) FILTER (WHERE fk_user = 7) || ',' || count(*) FILTER (WHERE data->>'author' = 'rolled back') || ',' || count(*) FILTER (WHERE data->>'title' LIKE 'multi _') || ',' || count(*) FILTER (WHERE fk_user = 51) FROM tv_post")"
echo "primary: stale rows of tv_post (EXCEPT ALL both ways); posts by 'renamed', posts of user 7, 'rolled back', multi, of user 51: $got"
[ "$got" = "0 11,11,0,2,5" ] || bad "the TVIEW on the primary must equal its view after the writes through pgpool"

# --- 2. reads balanced to the standby -------------------------------------------
log "2. reads of tv_post balanced to the standby"
wait_replayed
expected="$(pq -d app -c "SELECT pk_post, fk_user, data FROM tv_post ORDER BY pk_post" | md5sum)"
where="$(via reader app -c "SHOW port" -c "SHOW in_hot_standby" | tr '\n' ' ')"
echo "a reader's session through pgpool: port, in_hot_standby: $where"
[ "$where" = "$STANDBY_PORT on " ] || bad "the reader's load-balance node must be the standby"
before="$(select_cnt)" same=0
for i in $(seq 20); do
    [ "$(via reader app -c "SELECT pk_post, fk_user, data FROM tv_post ORDER BY pk_post" | md5sum)" = "$expected" ] &&
        same=$((same + 1))
done
echo "20 reader sessions read all of tv_post through pgpool: $same equal to the primary's documents"
routed "the 20 reads" 0 20 "$before"
[ "$same" = 20 ] || bad "reads on the standby after replay must equal the primary's documents"

# The caveat: a standby that has not replayed the commit serves the old document.
sq -d postgres -c "SELECT pg_wal_replay_pause()" >/dev/null
for _ in $(seq 100); do [ "$(sq -d postgres -c "SELECT pg_get_wal_replay_pause_state()")" = paused ] && break; sleep 0.05; done
via app_writer app -c "UPDATE tb_post SET title = 'while paused' WHERE pk_post = 20"
in_tx="$(via app_writer app -c "BEGIN" -c "UPDATE tb_post SET title = 'while paused, read in tx' WHERE pk_post = 21" \
    -c "SELECT data->>'title' FROM tv_post WHERE pk_post = 21" -c "COMMIT")"
before="$(select_cnt)"
balanced="$(via reader app -c "SELECT data->>'title' FROM tv_post WHERE pk_post = 20")"
pinned="$(via reader app -c "/*NO LOAD BALANCE*/ SELECT data->>'title' FROM tv_post WHERE pk_post = 20")"
routed "replay paused: one balanced read, one /*NO LOAD BALANCE*/ read" 1 1 "$before"
echo "replay paused on the standby: balanced read '$balanced', /*NO LOAD BALANCE*/ '$pinned', in the writing transaction '$in_tx'"
[ "$balanced" = "post 20" ] && [ "$pinned" = "while paused" ] && [ "$in_tx" = "while paused, read in tx" ] ||
    bad "while replay is paused the standby serves the old document, the primary the new one"
sq -d postgres -c "SELECT pg_wal_replay_resume()" >/dev/null
wait_replayed
balanced="$(via reader app -c "SELECT data->>'title' FROM tv_post WHERE pk_post = 20")"
echo "after replay resumed: balanced read '$balanced'"
[ "$balanced" = "while paused" ] || bad "after replay the standby must serve the new document"

# --- 3. write functions are routed to the primary --------------------------------
log "3. write functions through pgpool"
# Documents made stale on purpose: writes that bypass the capture triggers.
pq -d app -c "SET session_replication_role = replica" -c "UPDATE tb_post SET title = 'bypassed ' || pk_post WHERE pk_post IN (30, 31, 32)"
echo "primary: stale rows after 3 writes that bypassed the capture triggers: $(stale)"
before="$(select_cnt)"
out="$(via app_owner app -c "SELECT pg_tviews_cascade('tb_post'::regclass, 30)" 2>&1)" || bad "pg_tviews_cascade through pgpool: $out"
out="$(via app_owner app -c "BEGIN" -c "SELECT pg_tviews_cascade('tb_post'::regclass, 31)" -c "COMMIT" 2>&1)" ||
    bad "pg_tviews_cascade in a transaction through pgpool: $out"
out="$(via app_owner app -c "SELECT pg_tviews_refresh('tv_post')" 2>&1)" || bad "pg_tviews_refresh through pgpool: $out"
echo "pg_tviews_refresh('tv_post') through pgpool rewrote $out row(s)"
routed "pg_tviews_cascade (alone, in a transaction), pg_tviews_refresh" 3 0 "$before"
got="$(stale) $(pq -d app -c "SELECT count(*) FROM tv_post WHERE data->>'title' LIKE 'bypassed %'")"
echo "primary: stale rows, repaired documents: $got"
[ "$got" = "0 3" ] || bad "the write functions must repair the documents on the primary"

# --- 4. read-only functions on the standby ---------------------------------------
log "4. read-only functions balanced to the standby"
def="SELECT p.pk_post, p.fk_user, jsonb_build_object(''title'', p.title, ''author'', u.name) AS data FROM tb_post p JOIN tb_user u ON u.pk_user = p.fk_user"
wait_replayed
before="$(select_cnt)" ok=0
for q in "SELECT pg_tviews_version()" "SELECT pg_tviews_check_jsonb_ivm()" "SELECT pg_tviews_infer_types('tb_post')" \
         "SELECT pg_tviews_analyze_select('$def')"; do
    a="$(via app_owner app -c "$q" 2>&1)" || true
    b="$(psql -X -q -At -h "$DIR/primary/sock" -p "$PRIMARY_PORT" -U app_owner -d app -c "$q" 2>&1)" || true
    if [ "$a" = "$b" ]; then ok=$((ok + 1)); else bad "$q on the standby: '$a', on the primary: '$b'"; fi
done
queue="$(via app_owner app -c "SELECT pg_tviews_queue_stats()->>'queue_size'" 2>&1)" || true
debug="$(via app_owner app -c "SELECT pg_tviews_debug_queue()" 2>&1)" || true
# (no count() or string_agg(): a function outside read_only_function_list sends the SELECT to the primary)
health="$(via app_owner app -c "SELECT check_name || '=' || status FROM pg_tviews_health_check() WHERE status <> 'OK'" 2>&1 | tr '\n' ' ')" || true
hreader="$(via reader app -c "SELECT check_name FROM pg_tviews_health_check()" 2>&1 | wc -l)" || true
verify="$(via app_owner app -c "SELECT status || ' ' || details FROM pg_tviews_health_check(true) WHERE check_name = 'verify:post'" 2>&1)" || true
echo "on the standby: version, jsonb_ivm, infer_types, analyze_select equal to the primary's: $ok of 4"
echo "on the standby: queue_size '$queue', debug_queue '$debug', health check not OK: '${health}', rows for reader: $hreader"
echo "on the standby: pg_tviews_health_check(true): $verify"
routed "the 9 read-only calls" 0 9 "$before"
[ "$queue" = 0 ] && [ "$debug" = "[]" ] && [ -z "$health" ] && [ "$hreader" -gt 3 ] 2>/dev/null &&
    [[ "$verify" == "OK "* ]] || bad "read-only functions on the standby"

# --- 5. sessions: pending keys stay in their transaction; reset between clients --
log "5. pending keys and the reset of pooled connections"
mkfifo "$DIR/a.in"
psql -X -q -At -h 127.0.0.1 -p "$POOL_PORT" -U app_writer -d app <"$DIR/a.in" >"$DIR/a.out" 2>&1 &
SESSION_PIDS+=($!)
exec 7>"$DIR/a.in"
wait_out() {  # FILE LINE: wait until the session printed LINE
    local i
    for i in $(seq 200); do grep -qx "$2" "$1" && return 0; sleep 0.05; done
    bad "no '$2' from the session ($1: $(tr '\n' ' ' <"$1"))"
    return 1
}
cat >&7 <<'SQL'
BEGIN;
UPDATE tb_post SET title = 'pending ' || pk_post WHERE pk_post BETWEEN 40 AND 44;
SELECT pg_tviews_queue_stats()->>'queue_size', pg_backend_pid();
\echo A-PENDING
SQL
wait_out "$DIR/a.out" A-PENDING
a_queue="$(sed -n 1p "$DIR/a.out")"
for _ in $(seq 100); do  # the shared figures are published shortly after the statement
    realtime="$(pq -d app -c "SELECT COALESCE(sum(queue_size), 0) FROM pg_tviews_queue_realtime")"
    [ "$realtime" = 0 ] || break
    sleep 0.05
done
b_primary="$(via app_writer app -c "/*NO LOAD BALANCE*/ SELECT pg_tviews_queue_stats()->>'queue_size', pg_backend_pid(), inet_server_port()")"
b_standby="$(via app_writer app -c "SELECT pg_tviews_queue_stats()->>'queue_size'")"
echo "client A (open transaction): queue_size|backend pid '$a_queue'; primary's pg_tviews_queue_realtime: $realtime key(s)"
echo "fresh client B: queue_size|backend pid|port on the primary '$b_primary', balanced to the standby '$b_standby'"
# (pg_tviews_queue_realtime counts keys as captured, before duplicates are merged: >= 5)
[ "${a_queue%%|*}" = 5 ] && [ "$realtime" -ge 5 ] || bad "client A's 5 pending keys"
[ "${b_primary%%|*}" = 0 ] && [ "${b_primary##*|}" = "$PRIMARY_PORT" ] && [ "$(cut -d'|' -f2 <<<"$b_primary")" != "${a_queue#*|}" ] &&
    [ "$b_standby" = 0 ] || bad "another client must not see A's pending keys"
# A reads its own documents (pg_tviews applies its pending keys first, in A's transaction).
printf '%s\n' "SELECT data->>'title' FROM tv_post WHERE pk_post = 40;" "\\echo A-READ" >&7
wait_out "$DIR/a.out" A-READ
a_read="$(sed -n 3p "$DIR/a.out")"
b_read="$(via app_writer app -c "/*NO LOAD BALANCE*/ SELECT data->>'title' FROM tv_post WHERE pk_post = 40")"
echo "A reads its document: '$a_read'; B reads it meanwhile on the primary: '$b_read'"
[ "$a_read" = "pending 40" ] && [ "$b_read" = "post 40" ] || bad "A sees its write, B does not until A commits"
printf 'COMMIT;\n\\echo A-DONE\n' >&7
wait_out "$DIR/a.out" A-DONE
exec 7>&-
wait "${SESSION_PIDS[0]}" || true
got="$(stale) $(pq -d app -c "SELECT count(*) FROM tv_post WHERE data->>'title' LIKE 'pending %'")"
echo "after A's COMMIT: stale rows, pending documents applied: $got"
[ "$got" = "0 5" ] || bad "A's commit"

# One pgpool child is held by an idle session, so every client below lands
# on the other child and its pooled connection: same backend, reset between.
mkfifo "$DIR/hold.in"
psql -X -q -At -h 127.0.0.1 -p "$POOL_PORT" -U postgres -d postgres <"$DIR/hold.in" >"$DIR/hold.out" 2>&1 &
SESSION_PIDS+=($!)
exec 8>"$DIR/hold.in"
printf 'SELECT 1;\n\\echo HOLD\n' >&8
wait_out "$DIR/hold.out" HOLD
pids="" seen=""
for i in 1 2 3 4 5 6; do
    # what this client inherits, then state left behind: a GUC, a temp table,
    # and an open transaction with pending keys (the client quits without COMMIT)
    out="$(via app_writer app \
        -c "SELECT pg_backend_pid(), COALESCE(current_setting('pgtv.marker', true), ''), COALESCE(to_regclass('pgtv_marker')::text, ''), pg_tviews_queue_stats()->>'queue_size'" \
        -c "SET pgtv.marker = 'client $i'" -c "CREATE TEMP TABLE pgtv_marker AS SELECT $i AS client" -c "BEGIN" \
        -c "UPDATE tb_post SET title = 'abandoned by client $i' WHERE pk_post = 50" \
        -c "SELECT pg_tviews_queue_stats()->>'queue_size'" 2>&1)" || bad "client $i: $out"
    first="$(head -n 1 <<<"$out")"
    pids="$pids ${first%%|*}"
    seen="$seen ${first#*|}"
    [ "$(tail -n 1 <<<"$out")" = 1 ] || bad "client $i: its own pending key ($out)"
done
exec 8>&-
echo "6 clients in turn, primary backend pids:$pids"
echo "what each found of the previous client's GUC|temp table|queue_size:$seen"
[ "$(tr ' ' '\n' <<<"$pids" | sed '/^$/d' | sort -u | wc -l)" = 1 ] || bad "the clients must reuse one pooled connection"
[ "$seen" = " ||0 ||0 ||0 ||0 ||0 ||0" ] || bad "the pooled connection must be reset between clients ($RESET)"
got="$(stale) $(pq -d app -c "SELECT count(*) FROM tb_post WHERE title LIKE 'abandoned%'") $(pq -d app -c "SELECT count(*) FROM tv_post WHERE data->>'title' LIKE 'abandoned%'")"
echo "primary: stale rows, abandoned writes in tb_post, in tv_post: $got"
[ "$got" = "0 0 0" ] || bad "abandoned transactions must leave nothing behind"

# --- 6. volatility: what pgpool's default rule (empty lists) does ------------------
log "6. volatility of the extension's functions"
pq -d app -F ': ' -c "SELECT CASE p.provolatile WHEN 'i' THEN 'IMMUTABLE' WHEN 's' THEN 'STABLE' ELSE 'VOLATILE' END,
                     string_agg(p.oid::regprocedure::text, ' ' ORDER BY 1) FROM pg_proc p
              WHERE p.proname LIKE 'pg_tviews%' AND p.prorettype NOT IN ('trigger'::regtype, 'event_trigger'::regtype)
              GROUP BY p.provolatile ORDER BY p.provolatile" | sed 's/^/volatility: /'
# the functions that write (the database, or the shared statistics)
writers="pg_tviews_create,pg_tviews_drop,pg_tviews_refresh,pg_tviews_flush,pg_tviews_cascade,pg_tviews_insert,pg_tviews_delete"
writers="$writers,pg_tviews_repair,pg_tviews_install_stmt_triggers,pg_tviews_uninstall_stmt_triggers,pg_tviews_stats_reset"
writers="$writers,pg_tviews_cleanup_metrics"
arr="'{$writers}'::name[]"
notv="$(pq -d app -c "SELECT string_agg(proname || ':' || provolatile::text, ' ') FROM pg_proc WHERE proname = ANY ($arr) AND provolatile <> 'v'")"
nwriters="$(pq -d app -c "SELECT count(DISTINCT proname) FROM pg_proc WHERE proname = ANY ($arr)")"
echo "writing functions found: $nwriters of 12, not VOLATILE: ${notv:-none}"
[ "$nwriters" = 12 ] && [ -z "$notv" ] || bad "a writing function that is not VOLATILE is balanced to a standby by pgpool's volatility rule"
echo "read-only but VOLATILE (sent to the primary by that rule): $(pq -d app -c "SELECT string_agg(DISTINCT proname, ' ') FROM pg_proc
      WHERE proname LIKE 'pg_tviews%' AND provolatile = 'v' AND prorettype NOT IN ('trigger'::regtype, 'event_trigger'::regtype)
        AND NOT proname = ANY ($arr || '{pg_tviews_commit_prepared,pg_tviews_rollback_prepared}'::name[])")"

stop_pgpool
start_pgpool   # read_only_function_list and write_function_list empty
pq -d app -c "SET session_replication_role = replica" -c "UPDATE tb_post SET title = 'bypassed again' WHERE pk_post IN (33, 34)"
wait_replayed
before="$(select_cnt)"
out="$(via app_owner app -c "SELECT pg_tviews_cascade('tb_post'::regclass, 33)" -c "SELECT pg_tviews_refresh('tv_post')" 2>&1)" ||
    bad "write functions with empty lists: $out"
routed "empty lists: pg_tviews_cascade, pg_tviews_refresh" 2 0 "$before"
before="$(select_cnt)"
out="$(via app_owner app -c "SELECT pg_tviews_version()" -c "SELECT pg_tviews_infer_types('tb_post')" \
    -c "SELECT pg_tviews_graph()" -c "SELECT pg_tviews_check_jsonb_ivm()" -c "SELECT pg_tviews_preloaded()" \
    -c "SELECT * FROM pg_tviews_problems()" -c "SELECT * FROM pg_tviews_helper_views()" \
    -c "SELECT count(*) FROM tv_post" 2>&1)" || bad "read-only calls with empty lists: $out"
routed "empty lists: pg_tviews_version, _infer_types, _graph, _check_jsonb_ivm, _preloaded, _problems, _helper_views, count(*)" 0 8 "$before"
before="$(select_cnt)"
via app_owner app -c "SELECT count(*) FROM pg_tviews_health_check()" >/dev/null
read -r b0 _ <<<"$before"; read -r a0 _ <<<"$(select_cnt)"
echo "empty lists: pg_tviews_health_check() (STABLE, but its overload (boolean) is VOLATILE) went to the $([ "$a0" -gt "$b0" ] && echo primary || echo standby)"
# A prepared transaction is listed on the primary only (a standby keeps none).
pq -d app -c "BEGIN" -c "UPDATE tb_post SET title = 'prepared' WHERE pk_post = 60" -c "PREPARE TRANSACTION 'pgtv_pool_2pc'"
wait_replayed
balanced="$(via app_owner app -c "SELECT gid FROM pg_tviews_recover_prepared_transactions()")"
pinned="$(via app_owner app -c "/*NO LOAD BALANCE*/ SELECT gid FROM pg_tviews_recover_prepared_transactions()")"
pq -d app -c "COMMIT PREPARED 'pgtv_pool_2pc'"
echo "empty lists: pg_tviews_recover_prepared_transactions() balanced: '${balanced}', with /*NO LOAD BALANCE*/: '$pinned'"
[ "$pinned" = pgtv_pool_2pc ] || bad "the prepared transaction must be listed on the primary"
echo "primary: stale rows after the repairs: $(stale)"
[ "$(stale)" = 0 ] || bad "the repairs with empty lists"

[ "$fail" = 0 ] && echo "pgpool: writes, write functions and reads route as configured; standby reads equal the primary's after replay; pooled connections are reset"
exit "$fail"
