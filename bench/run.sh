#!/usr/bin/env bash
# bench/run.sh — side-by-side benchmark of pg_tviews against the alternatives a
# user has, on identical data, in one invocation on a throwaway server.
#
#   bash bench/run.sh [--scale N] [--quick] [--duration SECS] [--growth] [--memory]
#                     [--monitoring] [--stats] [--keep] [--out FILE]
#
#   --scale N       data size: N x (10,000 users, 100,000 posts, 500,000 comments); default 1
#   --quick         smoke run: scale 0.1 and short pgbench runs (a couple of minutes)
#   --duration S    seconds per single-client pgbench run (default 12, --quick 3);
#                   the 8-writer run lasts 2 x S
#   --growth        also: cost of one refresh with 10,000 vs 1,000,000 documents
#                   (builds two more data sets; 1M documents takes several minutes)
#   --memory        also: backend memory of one transaction changing 1,000,000 base rows
#   --monitoring    also: what the monitoring costs a write (bench/monitoring_cost.sh,
#                   its own server: figures off / on / metrics rows on, ratios to off)
#   --change-feed   also: what the change feed costs a write (bench/change_feed_cost.sh,
#                   its own server: pg_tviews.change_feed off / keys / documents / patches)
#   --extras-only   skip the side-by-side comparison; run only --growth / --memory / --monitoring / --change-feed
#   --stats         preload pg_stat_statements (track = all) and save the top
#                   statements of every approach next to the logs (changes timings a little)
#   --keep          leave the server running (prints how to connect)
#   --out FILE      report file (default bench/results/latest.md)
#
# Approaches, each in its own database cloned from the template bench_tpl:
#   (1) none      no read model: documents computed at read time from views
#   (2) matview   materialized views, REFRESH MATERIALIZED VIEW [CONCURRENTLY]
#   (3) row       hand-written PL/pgSQL FOR EACH ROW triggers
#   (4) stmt      hand-written FOR EACH STATEMENT triggers with transition tables
#   (5) tvd       pg_tviews, refresh_mode = deferred (the default)
#   (6) tvi       pg_tviews, refresh_mode = immediate
#   (7) tvr       pg_tviews, row-level capture (pg_tviews_uninstall_stmt_triggers()), deferred
#
# Needs root (the server runs as user postgres), PostgreSQL 15 with pgbench, and
# pg_tviews built and installed (make && make install). Bash, psql, pgbench and awk only.
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../test/lib/common.sh
source "$BENCH_DIR/../test/lib/common.sh"

SCALE=1 QUICK=0 DURATION="" GROWTH=0 MEMORY=0 MONITORING=0 FEED=0 STATS=0 KEEP=0 MAIN=1
MONITORING_OUT="" FEED_OUT=""
OUT="$BENCH_DIR/results/latest.md"
ARGS_TEXT="$*"
while [ $# -gt 0 ]; do
    case "$1" in
        --scale) SCALE="$2"; shift 2 ;;
        --scale=*) SCALE="${1#*=}"; shift ;;
        --quick) QUICK=1; SCALE=0.1; shift ;;
        --duration) DURATION="$2"; shift 2 ;;
        --growth) GROWTH=1; shift ;;
        --memory) MEMORY=1; shift ;;
        --monitoring) MONITORING=1; shift ;;
        --change-feed) FEED=1; shift ;;
        --extras-only) MAIN=0; shift ;;
        --stats) STATS=1; shift ;;
        --keep) KEEP=1; shift ;;
        --out) OUT="$2"; shift 2 ;;
        -h|--help) sed -n '2,30p' "$0"; exit 0 ;;
        *) die "unknown option $1 (see --help)" ;;
    esac
done
require_root
[[ "$SCALE" =~ ^[0-9]*\.?[0-9]+$ ]] || die "--scale wants a number, got '$SCALE'"

# ---------------------------------------------------------------- parameters
NUSERS=$(awk -v s="$SCALE" 'BEGIN { n = int(10000 * s + 0.5); print (n < 100 ? 100 : n) }')
NPOSTS=$((NUSERS * 10))
NCOMMENTS=$((NPOSTS * 5))
BULK_POSTS=$((NPOSTS / 10 < 10000 ? NPOSTS / 10 : 10000))
BULK_USERS=$((NUSERS / 10 < 1000 ? NUSERS / 10 : 1000))
if [ -z "$DURATION" ]; then DURATION=$([ "$QUICK" -eq 1 ] && echo 2 || echo 12); fi
# Single-client workloads run in ROUNDS interleaved rounds of T_ROUND seconds
# per approach (best of the rounds), the 8 writers in WRITER_ROUNDS rounds.
if [ "$DURATION" -ge 8 ]; then ROUNDS=4; elif [ "$DURATION" -ge 4 ]; then ROUNDS=2; else ROUNDS=1; fi
T_ROUND=$(( DURATION / ROUNDS ))
T_SINGLE=$(( T_ROUND * ROUNDS ))
if [ "$DURATION" -ge 6 ]; then WRITER_ROUNDS=2; else WRITER_ROUNDS=1; fi
T_MIXED=$DURATION
T_READ=$(( DURATION >= 8 ? DURATION / 3 : 1 ))
BULK_RUNS=$([ "$QUICK" -eq 1 ] && echo 1 || echo 2)
MEMORY_ROWS=1000000
WRITERS=8

# Same server settings for every approach.
SERVER_SETTINGS=(
    "shared_buffers = 1GB"
    "work_mem = 64MB"
    "maintenance_work_mem = 512MB"
    "max_wal_size = 8GB"
    "checkpoint_timeout = 30min"
    "synchronous_commit = off"
    "max_connections = 50"
    # no autovacuum worker stealing one of the CPUs in the middle of a
    # measurement: run.sh vacuums every database between phases instead
    "autovacuum = off"
)
[ "$STATS" -eq 1 ] && SERVER_SETTINGS+=(
    "shared_preload_libraries = 'pg_stat_statements'"
    "pg_stat_statements.track = all"
    "pg_stat_statements.max = 2000")

APPROACHES=(none matview row stmt tvd tvi tvr)
WRITE_APPROACHES=(none row stmt tvd tvi tvr)      # matview: writes are those of (1)
declare -A LABEL=(
    [none]="(1) no read model (JSON at read time)"
    [matview]="(2) materialized views + REFRESH"
    [row]="(3) hand-written ROW triggers"
    [stmt]="(4) hand-written STATEMENT triggers"
    [tvd]="(5) pg_tviews (deferred)"
    [tvi]="(6) pg_tviews (immediate)"
    [tvr]="(7) pg_tviews (row-level capture, deferred)"
)
declare -A R=()          # R[approach:metric] = raw figure (ms, tps, count) or a word
NOTES=()                 # lines for the notes section

POST_SELECT="$(<"$BENCH_DIR/sql/post_select.sql")"
USER_SELECT="$(<"$BENCH_DIR/sql/user_select.sql")"
user_select_over() { local s="$USER_SELECT"; printf '%s' "${s//@POSTS@/$1}"; }

PGB_VARS=(-D "nusers=$NUSERS" -D "nposts=$NPOSTS" -D "bulk_posts=$BULK_POSTS" -D "bulk_users=$BULK_USERS")

START_TS=$(date +%s)
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
lib_built() { date -u -r "$PG_PKGLIBDIR/pg_tviews.so" '+%Y-%m-%d %H:%M:%S UTC' 2>/dev/null || echo '?'; }
LIB_START=$(lib_built)
WORK="$(make_tmpdir)"
LOGDIR="$WORK/logs"
mkdir -p "$LOGDIR"
chmod 777 "$LOGDIR"        # the server (user postgres) never writes here, but rss_poll runs as root anyway
LOG="$LOGDIR/run.log"
SRV="$WORK/srv"

cleanup() {
    local rc=$?
    if [ "$KEEP" -eq 1 ] && [ "$rc" -eq 0 ]; then
        echo
        echo "server kept running: psql -h $SRV/sock -p $(cat "$SRV/port" 2>/dev/null) -U postgres bench_tvd"
        echo "stop it with: runuser -u postgres -- $PG_BINDIR/pg_ctl -D $SRV/data -m fast stop"
    else
        stop_server "$SRV" || true
        rm -rf "$SRV/data"
    fi
    echo "logs: $LOGDIR"
    exit "$rc"
}
trap cleanup EXIT

elapsed() { echo "$(( $(date +%s) - START_TS ))s"; }
say() { printf '[%6s] %s\n' "$(elapsed)" "$*"; }

# ------------------------------------------------------------------ helpers
psqlq() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }

# run_sql DB FILE [psql args...]: run a SQL file with the read-model texts as variables.
run_sql() {
    local db="$1" file="$2"; shift 2
    psqlq -d "$db" -v nusers="$NUSERS" -v nposts="$NPOSTS" -v ncomments="$NCOMMENTS" \
        -v post_select="$POST_SELECT" \
        -v user_select_fresh="$(user_select_over bench_fresh_post)" \
        -v user_select_v="$(user_select_over v_post)" \
        -v user_select_mv="$(user_select_over mv_post)" \
        -v user_select_tv="$(user_select_over tv_post)" \
        -f "$file" "$@"
}

# time_sql DB SQL: milliseconds of one SQL string sent as one query (autocommit,
# so the commit — and pg_tviews' deferred flush — is included). ERR on error.
time_sql() {
    local out
    if ! out=$(psql -X -v ON_ERROR_STOP=1 -d "$1" -c '\timing on' -c "$2" 2>&1); then
        printf '%s\n--- time_sql %s: %s\n%s\n' "" "$1" "$2" "$out" >>"$LOG"
        NOTES+=("ERROR in $1 running \`$2\`: $(grep -m1 -E 'ERROR|FATAL' <<<"$out")")
        echo ERR
        return 0
    fi
    awk '/^Time: / { t = $2 } END { print (t == "" ? "ERR" : t) }' <<<"$out"
}

# secs_of CMD...: wall-clock milliseconds of a command (for multi-second steps).
ms_of() {
    local t0 t1
    t0=$(date +%s%N)
    "$@" >>"$LOG" 2>&1 || { echo ERR; return 0; }
    t1=$(date +%s%N)
    echo $(( (t1 - t0) / 1000000 ))
}

# pgb NAME DB PGBENCH-ARGS...: run pgbench; sets PGB_LAT (ms), PGB_TPS, PGB_FAIL, PGB_RETRY.
pgb() {
    local name="$1" db="$2" log rc=0
    shift 2
    log="$LOGDIR/pgbench.$name.log"
    pgbench -n "${PGB_VARS[@]}" "$@" "$db" >"$log" 2>&1 || rc=$?
    PGB_LAT=$(awk '/^latency average/ { print $4 }' "$log")
    PGB_TPS=$(awk '/^tps = / { print $3 }' "$log")
    PGB_FAIL=$(awk '/^number of failed transactions/ { print $5 }' "$log")
    PGB_RETRY=$(awk '/^number of transactions retried/ { print $5 }' "$log")
    PGB_FAIL=${PGB_FAIL:-0} PGB_RETRY=${PGB_RETRY:-0}
    if [ $rc -ne 0 ] || [ -z "$PGB_LAT" ]; then
        local err
        err=$(grep -m1 -E 'ERROR|FATAL|aborted' "$log" || echo "exit status $rc")
        NOTES+=("ERROR: pgbench $name on $db: $err (log: $log)")
        say "   pgbench $name FAILED: $err"
        PGB_LAT=ERR PGB_TPS=ERR
    fi
}

PG_DIR() { echo "$BENCH_DIR/pgbench/$1.sql"; }

stale_docs() { # DB POSTS USERS → "posts users"
    psqlq -At -d "$1" -v posts="$2" -v users="$3" -v user_select_tmp="$(user_select_over bench_tmp_post)" \
        -f "$BENCH_DIR/sql/stale.sql" 2>>"$LOG" || echo "ERR ERR"
}

clone_db() { # NAME [TEMPLATE]
    psqlq -d postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $1" \
        -c "CREATE DATABASE $1 TEMPLATE ${2:-bench_tpl}"
}

save_stats() { # DB: top statements by total time (with --stats)
    [ "$STATS" -eq 1 ] || return 0
    psqlq -d "$1" -c "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" >/dev/null 2>&1 || true
    psql -X -d "$1" -c "
        SELECT calls, round(total_exec_time::numeric, 1) AS total_ms,
               round(mean_exec_time::numeric, 3) AS mean_ms, rows,
               left(regexp_replace(query, '\s+', ' ', 'g'), 300) AS query
        FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
        WHERE d.datname = '$1'
        ORDER BY total_exec_time DESC LIMIT 25" >"$LOGDIR/pgss.$1.txt" 2>&1 || true
    psqlq -d "$1" -c "SELECT pg_stat_statements_reset()" >/dev/null 2>&1 || true
}

# Build the template database bench_tpl with base data at the given size.
# build_template NAME NUSERS
build_template() {
    local name="$1" nu="$2"
    psqlq -d postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $name" -c "CREATE DATABASE $name"
    psqlq -d "$name" -v nusers="$nu" -v nposts="$((nu * 10))" -v ncomments="$((nu * 50))" \
        -v post_select="$POST_SELECT" -v user_select_fresh="$(user_select_over bench_fresh_post)" \
        -f "$BENCH_DIR/sql/schema.sql" >>"$LOG" 2>&1
    psqlq -d postgres -c "CHECKPOINT"
}

# ------------------------------------------------------------ phases
db_of() { echo "bench_$1"; }
posts_of() { case "$1" in none) echo v_post ;; matview) echo mv_post ;; *) echo tv_post ;; esac; }
users_of() { case "$1" in none) echo v_user ;; matview) echo mv_user ;; *) echo tv_user ;; esac; }

setup_approach() { # A → clones the template into bench_A, builds the read model, sets R[A:build]
    local a="$1" db file ms
    db=$(db_of "$a")
    case "$a" in
        none) file=approach_none.sql ;;
        matview) file=approach_matview.sql ;;
        row) file=approach_row.sql ;;
        stmt) file=approach_stmt.sql ;;
        tvd|tvi|tvr) file=approach_tviews.sql ;;
    esac
    clone_db "$db"
    ms=$(ms_of run_sql "$db" "$BENCH_DIR/sql/$file")
    [ "$ms" = ERR ] && die "setting up approach $a failed (log: $LOG)"
    if [ "$a" = tvr ]; then
        psqlq -d "$db" -c "SELECT pg_tviews_uninstall_stmt_triggers()" >>"$LOG" 2>&1 \
            || die "switching $db to row-level capture failed (log: $LOG)"
    fi
    if [ "$a" = tvi ]; then
        psqlq -d postgres -c "ALTER DATABASE $db SET pg_tviews.refresh_mode = immediate"
        local mode
        mode=$(psqlq -At -d "$db" -c "SHOW pg_tviews.refresh_mode" 2>/dev/null || echo '?')
        [ "$mode" = immediate ] || NOTES+=("WARNING: $db runs with pg_tviews.refresh_mode = '$mode'")
    fi
    R[$a:build]=$ms
    psqlq -d "$db" -c "VACUUM (ANALYZE)" -c "CHECKPOINT"
    say "   ${LABEL[$a]}: read model built in $(fmt_ms "$ms")"
}

# best (lowest / highest) of the numbers given (ERR if any is not a number).
# Background load only ever makes a round slower, so the best round is the
# closest to the cost of the work itself.
best() { # low|high N...
    local dir="$1" v
    shift
    for v in "$@"; do [[ "$v" =~ ^[0-9]+(\.[0-9]+)?$ ]] || { echo ERR; return 0; }; done
    [ $# -gt 0 ] || { echo ERR; return 0; }
    if [ "$dir" = low ]; then printf '%s\n' "$@" | sort -g | head -n1; else printf '%s\n' "$@" | sort -g | tail -n1; fi
}

# VACUUM every database that takes writes (autovacuum is off), so that each
# phase starts from the same kind of state everywhere.
vacuum_all() {
    local a
    for a in "${WRITE_APPROACHES[@]}"; do psqlq -d "$(db_of "$a")" -c "VACUUM" >>"$LOG" 2>&1 || true; done
}

# A single-client workload on every writing approach, in ROUNDS interleaved
# rounds (so that a burst of background load hits every approach alike);
# the figure is the best of the rounds' average latencies.
run_workload() { # W
    local w="$1" r a
    declare -A got=()
    vacuum_all
    for ((r = 1; r <= ROUNDS; r++)); do
        for a in "${WRITE_APPROACHES[@]}"; do
            pgb "$a.$w.$r" "$(db_of "$a")" -T "$T_ROUND" -f "$(PG_DIR "$w")"
            got[$a]+="$PGB_LAT "
        done
    done
    for a in "${WRITE_APPROACHES[@]}"; do
        # shellcheck disable=SC2086
        R[$a:$w]=$(best low ${got[$a]})
        R[$a:$w:all]=${got[$a]}
    done
    say "   $w: $(for a in "${WRITE_APPROACHES[@]}"; do printf '%s %s; ' "$a" "$(fmt_ms "${R[$a:$w]}")"; done)"
}

# A bulk statement: BULK_RUNS single executions per approach, interleaved.
run_bulk() { # W SCRIPT
    local w="$1" script="$2" r a runs
    declare -A got=()
    vacuum_all
    for ((r = 1; r <= BULK_RUNS; r++)); do
        for a in "${WRITE_APPROACHES[@]}"; do
            runs=$BULK_RUNS
            # the ROW triggers' author bulk takes long at full scale: one run
            if [ "$a" = row ] && [ "$w" = bulk_users ] && [ "$NUSERS" -ge 5000 ]; then runs=1; fi
            [ "$r" -le "$runs" ] || continue
            pgb "$a.$w.$r" "$(db_of "$a")" -t 1 -f "$(PG_DIR "$script")"
            got[$a]+="$PGB_LAT "
        done
    done
    for a in "${WRITE_APPROACHES[@]}"; do
        # shellcheck disable=SC2086
        R[$a:$w]=$(best low ${got[$a]})
        R[$a:$w:all]=${got[$a]}
    done
    say "   $w: $(for a in "${WRITE_APPROACHES[@]}"; do printf '%s %s; ' "$a" "$(fmt_ms "${R[$a:$w]}")"; done)"
}

run_writers() {
    local r a
    declare -A got=() f=() t=()
    vacuum_all
    for ((r = 1; r <= WRITER_ROUNDS; r++)); do
        for a in "${WRITE_APPROACHES[@]}"; do
            pgb "$a.writers.$r" "$(db_of "$a")" -c "$WRITERS" -j 2 -T "$T_MIXED" --max-tries=100 \
                -f "$(PG_DIR post_update)" -f "$(PG_DIR comment_insert)" -f "$(PG_DIR author_rename)"
            got[$a]+="$PGB_TPS "
            f[$a]=$(( ${f[$a]:-0} + ${PGB_FAIL%%[!0-9]*} ))
            t[$a]=$(( ${t[$a]:-0} + ${PGB_RETRY%%[!0-9]*} ))
        done
    done
    for a in "${WRITE_APPROACHES[@]}"; do
        # shellcheck disable=SC2086
        R[$a:writers]=$(best high ${got[$a]})
        R[$a:writers:all]=${got[$a]}
        R[$a:writers_fail]=${f[$a]}
        R[$a:writers_retry]=${t[$a]}
    done
    say "   $WRITERS writers: $(for a in "${WRITE_APPROACHES[@]}"; do printf '%s %s (retried %s, failed %s); ' "$a" "$(fmt_tps "${R[$a:writers]}")" "${R[$a:writers_retry]}" "${R[$a:writers_fail]}"; done)"
}

check_stale() { # KEY: count stale documents of every maintained read model into R[a:KEY]
    local key="$1" a
    for a in "${WRITE_APPROACHES[@]}"; do
        [ "$a" = none ] && continue
        R[$a:$key]=$(stale_docs "$(db_of "$a")" "$(posts_of "$a")" "$(users_of "$a")")
    done
    say "   stale documents (posts users): $(for a in "${WRITE_APPROACHES[@]}"; do [ "$a" = none ] || printf '%s %s; ' "$a" "${R[$a:$key]}"; done)"
}

run_reads() {
    local a db
    for a in "${APPROACHES[@]}"; do
        db=$(db_of "$a")
        pgb "$a.read_post" "$db" -T "$T_READ" -D "posts=$(posts_of "$a")" -f "$(PG_DIR read_post)"
        R[$a:read_post]=$PGB_LAT
        pgb "$a.read_user" "$db" -T "$T_READ" -D "users=$(users_of "$a")" -f "$(PG_DIR read_user)"
        R[$a:read_user]=$PGB_LAT
    done
    say "   read one post doc / one user doc: $(for a in "${APPROACHES[@]}"; do printf '%s %s / %s; ' "$a" "$(fmt_ms "${R[$a:read_post]}")" "$(fmt_ms "${R[$a:read_user]}")"; done)"
}

# Full rebuilds: with the documents exact (2 rounds interleaved across
# approaches, best), then after every post changed behind the maintenance's
# back (triggers off through session_replication_role).
rebuild_sql() { # A → the statement that rebuilds the post documents
    case "$1" in
        matview) echo "REFRESH MATERIALIZED VIEW mv_post" ;;
        row|stmt) echo "BEGIN; TRUNCATE tv_post; INSERT INTO tv_post SELECT * FROM v_post; COMMIT;" ;;
        tvd|tvi|tvr) echo "SELECT pg_tviews_refresh('tv_post')" ;;
    esac
}

run_rebuilds() {
    local a db r t1 t2
    local rebuilt=(matview row stmt tvd tvi tvr)
    local touch="SET session_replication_role = replica; UPDATE tb_post SET title = title || ' *'; RESET session_replication_role;"
    declare -A got=()
    for a in "${rebuilt[@]}"; do psqlq -d "$(db_of "$a")" -c "VACUUM" >>"$LOG" 2>&1 || true; done
    for r in 1 2; do
        for a in "${rebuilt[@]}"; do
            got[$a]+="$(time_sql "$(db_of "$a")" "$(rebuild_sql "$a")") "
        done
    done
    for a in "${rebuilt[@]}"; do
        # shellcheck disable=SC2086
        R[$a:rebuild]=$(best low ${got[$a]})
        R[$a:rebuild:all]=${got[$a]}
    done
    R[matview:rebuild_conc]=$(time_sql "$(db_of matview)" "REFRESH MATERIALIZED VIEW CONCURRENTLY mv_post")
    say "   exact documents: $(for a in "${rebuilt[@]}"; do printf '%s %s; ' "$a" "$(fmt_ms "${R[$a:rebuild]}")"; done)"

    for a in "${rebuilt[@]}"; do
        db=$(db_of "$a")
        psqlq -d "$db" -c "$touch" >>"$LOG" 2>&1
        case "$a" in
            matview)
                t1=$(time_sql "$db" "REFRESH MATERIALIZED VIEW mv_post")
                t2=$(time_sql "$db" "REFRESH MATERIALIZED VIEW mv_user")
                R[$a:rebuild_all]=$(awk -v a="$t1" -v b="$t2" 'BEGIN { print (a ~ /ERR/ || b ~ /ERR/) ? "ERR" : a + b }')
                psqlq -d "$db" -c "$touch" >>"$LOG" 2>&1
                t1=$(time_sql "$db" "REFRESH MATERIALIZED VIEW CONCURRENTLY mv_post")
                t2=$(time_sql "$db" "REFRESH MATERIALIZED VIEW CONCURRENTLY mv_user")
                R[$a:rebuild_all_conc]=$(awk -v a="$t1" -v b="$t2" 'BEGIN { print (a ~ /ERR/ || b ~ /ERR/) ? "ERR" : a + b }')
                ;;
            row|stmt)
                R[$a:rebuild_all]=$(time_sql "$db" "BEGIN; TRUNCATE tv_post; INSERT INTO tv_post SELECT * FROM v_post; TRUNCATE tv_user; INSERT INTO tv_user SELECT * FROM v_user; COMMIT;")
                ;;
            tvd|tvi|tvr)
                R[$a:rebuild_all]=$(time_sql "$db" "SELECT pg_tviews_refresh('tv_post')")
                # pg_tviews_refresh must leave the documents exact
                local s
                s=$(stale_docs "$db" "$(posts_of "$a")" "$(users_of "$a")")
                [ "$s" = "0 0" ] || NOTES+=("WARNING: ${LABEL[$a]}: after pg_tviews_refresh, stale documents (posts users) = $s")
                ;;
        esac
    done
    say "   after every post changed: $(for a in "${rebuilt[@]}"; do printf '%s %s; ' "$a" "$(fmt_ms "${R[$a:rebuild_all]}")"; done)"
}

run_flush_share() { # where pg_tviews' time goes (deferred mode)
    local kind n
    for kind in post_update author_rename comment_insert; do
        n=200; [ "$kind" = author_rename ] && n=40
        R[tvd:share_n_$kind]=$n
        R[tvd:share_$kind]=$(psqlq -At -d "$(db_of tvd)" -v n="$n" -v kind="$kind" -v nposts="$NPOSTS" -v nusers="$NUSERS" \
                               -f "$BENCH_DIR/sql/flush_share.sql" 2>>"$LOG" | awk '/^share / { print $2, $3 }')
    done
}

memory_test() { # A DB
    local a="$1" db="$2" out="$LOGDIR/rss.$1" lines tv=0
    [[ "$a" == tv* ]] && tv=1
    say "   memory: one transaction inserting $MEMORY_ROWS comments ..."
    rm -f "$out" "$out.stop"
    if ! lines=$(psqlq -At -d "$db" -v rows="$MEMORY_ROWS" -v nposts="$NPOSTS" -v nusers="$NUSERS" \
                    -v poll="$BENCH_DIR/lib/rss_poll.sh" -v out="$out" -v tviews="$tv" \
                    -f "$BENCH_DIR/sql/memory.sql" 2>>"$LOG"); then
        touch "$out.stop"
        NOTES+=("ERROR: memory test on $db failed (log: $LOG)")
        return 0
    fi
    for _ in $(seq 1 100); do [ -s "$out" ] && break; sleep 0.1; done
    R[$a:mem_stmt]=$(awk '/^statement_ms/ { print $2 }' <<<"$lines")
    R[$a:mem_commit]=$(awk '/^commit_ms/ { print $2 }' <<<"$lines")
    R[$a:mem_ctx]=$(awk '/^contexts_kb/ { print $2 }' <<<"$lines")
    R[$a:mem_queue]=$(awk '/^queue_size/ { print $2 }' <<<"$lines")
    R[$a:mem_hwm]=$(awk '/^vmhwm_kb/ { print $2 }' <<<"$lines")
    R[$a:mem_anon]=$(awk '{ print $1 }' "$out" 2>/dev/null || echo '?')
    say "   memory: statement ${R[$a:mem_stmt]} ms, commit ${R[$a:mem_commit]} ms, peak RssAnon ${R[$a:mem_anon]} kB, VmHWM ${R[$a:mem_hwm]} kB"
}

growth_test() {
    local size nu db
    for size in 10k 1m; do
        case $size in 10k) nu=1000 ;; 1m) nu=100000 ;; esac
        say "growth: pg_tviews with $((nu * 10)) post documents: building the data ..."
        build_template "bench_tpl_$size" "$nu"
        db="bench_growth_$size"
        clone_db "$db" "bench_tpl_$size"
        R[growth_$size:build]=$(ms_of run_sql "$db" "$BENCH_DIR/sql/approach_tviews.sql" -v nusers="$nu")
        psqlq -d "$db" -c "VACUUM (ANALYZE)" -c "CHECKPOINT"
        local vars=(-D "nusers=$nu" -D "nposts=$((nu * 10))")
        pgbench -n "${vars[@]}" -T "$T_SINGLE" -f "$(PG_DIR post_update)" "$db" >"$LOGDIR/pgbench.growth_$size.log" 2>&1 || true
        R[growth_$size:post_update]=$(awk '/^latency average/ { print $4 }' "$LOGDIR/pgbench.growth_$size.log")
        pgbench -n "${vars[@]}" -T "$T_SINGLE" -f "$(PG_DIR comment_insert)" "$db" >"$LOGDIR/pgbench.growth_c_$size.log" 2>&1 || true
        R[growth_$size:comment_insert]=$(awk '/^latency average/ { print $4 }' "$LOGDIR/pgbench.growth_c_$size.log")
        R[growth_$size:flush]=$(psqlq -At -d "$db" -v n=200 -v kind=post_update -v nposts="$((nu * 10))" -v nusers="$nu" \
                                 -f "$BENCH_DIR/sql/flush_share.sql" 2>>"$LOG" | awk '/^share / { printf "%.3f", $3 / 200 }')
        say "   post update ${R[growth_$size:post_update]} ms, comment insert ${R[growth_$size:comment_insert]} ms, flush per post update ${R[growth_$size:flush]} ms"
        [ "$KEEP" -eq 1 ] || psqlq -d postgres -c "DROP DATABASE $db" -c "DROP DATABASE bench_tpl_$size" >>"$LOG" 2>&1 || true
    done
}

# ------------------------------------------------------------------ report
fmt_ms() { # raw ms → "0.84 ms" / "123.4 ms" / "12.3 s"
    awk -v v="$1" 'BEGIN {
        if (v == "" ) { print "?"; exit }
        if (v !~ /^[0-9.]+$/) { print v; exit }
        if (v < 10) printf "%.2f ms\n", v
        else if (v < 1000) printf "%.1f ms\n", v
        else printf "%.2f s\n", v / 1000 }'
}
fmt_tps() { awk -v v="$1" 'BEGIN { if (v !~ /^[0-9.]+$/) print v; else printf "%.0f tps\n", v }'; }
fmt_stale() {
    case "$1" in
        "") echo "n/a" ;;
        *ERR*) echo "ERR" ;;
        "0 0") echo "0" ;;
        *) awk '{ printf "%d posts + %d users\n", $1, $2 }' <<<"$1" ;;
    esac
}
# ratio A B → A/B with 2 decimals, or "?" when either is missing
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a !~ /^[0-9.]+$/ || b !~ /^[0-9.]+$/ || b == 0) print "?"; else printf "%.2f\n", a / b }'; }
# verdict RATIO OP GOAL → PASS / MISS / ?
verdict() {
    awk -v r="$1" -v op="$2" -v g="$3" 'BEGIN {
        if (r !~ /^[0-9.]+$/) { print "?"; exit }
        ok = (op == "<=") ? (r <= g) : (r >= g)
        print ok ? "PASS" : "MISS" }'
}

# "0.8612 12345.678" → "0.86 12346"
rounds_fmt() {
    awk '{ for (i = 1; i <= NF; i++) { v = $i; if (v ~ /^[0-9.]+$/) v = (v < 100 ? sprintf("%.2f", v) : sprintf("%.0f", v)); printf "%s%s", (i > 1 ? " " : ""), v } }' <<<"$1"
}

label_count() { # 10000 → 10k
    awk -v n="$1" 'BEGIN { if (n >= 1000 && n % 1000 == 0) printf "%dk\n", n / 1000; else print n }'
}

report() {
    local bp bu
    bp=$(label_count "$BULK_POSTS"); bu=$(label_count "$BULK_USERS")
    local pgver tvver cpu mem commit
    pgver=$(psql -X -At -d postgres -c "SHOW server_version" 2>/dev/null || echo '?')
    tvver=$(psql -X -At -d postgres -c "SELECT default_version FROM pg_available_extensions WHERE name = 'pg_tviews'" 2>/dev/null || echo '?')
    cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || echo '?')
    mem=$(awk '/^MemTotal/ { printf "%.1f GiB\n", $2 / 1048576 }' /proc/meminfo)
    commit=$( (cd "$BENCH_DIR/.." && git rev-parse --short HEAD 2>/dev/null && git diff --quiet HEAD -- src include sql 2>/dev/null || echo "+local changes") | paste -sd' ')

    echo "# pg_tviews benchmark — $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo
    echo "Command: \`bash bench/run.sh${ARGS_TEXT:+ $ARGS_TEXT}\` — total run time $(elapsed)."
    echo
    echo "* Machine: $(nproc) CPUs ($cpu), $mem RAM; PostgreSQL $pgver; pg_tviews $tvver"
    echo "  (repository at $commit; installed library built $LIB_START)."
    if [ "$(lib_built)" != "$LIB_START" ]; then
        echo "* **WARNING: pg_tviews.so was reinstalled during the run (now built $(lib_built)): connections opened"
        echo "  after that used the new build.**"
    fi
    echo "* Data (scale $SCALE): $NUSERS users, $NPOSTS posts (10 per user), $NCOMMENTS comments (5 per post, commenters spread over all users)."
    echo "  About 60 post documents show one user (10 as author, ~50 as commenter)."
    echo "* Read model: tv_post (post + author + comments with their commenters; join + correlated jsonb_agg),"
    echo "  tv_user (the user + jsonb_agg of their tv_post documents: a TVIEW on a TVIEW)."
    local settings
    settings=$(printf '%s, ' "${SERVER_SETTINGS[@]}")
    echo "* Server (same for every approach): ${settings}fsync = off;"
    echo "  every database is vacuumed before each phase; JIT left at its default (on)."
    if [ "$MAIN" -eq 1 ]; then
        echo "* Single-client workloads: pgbench, one client, $ROUNDS round(s) of \`-T $T_ROUND\` per approach, the rounds"
        echo "  interleaved across approaches; figure = the best round's average latency (background load only adds"
        echo "  time; every round is in the log). Bulk statements: $BULK_RUNS run(s) each (best). $WRITERS writers:"
        echo "  \`-c $WRITERS -j 2 -T $T_MIXED --max-tries=100\`, $WRITER_ROUNDS round(s), equal mix of post update / comment insert /"
        echo "  author rename; TPS = best round; then stale documents are counted"
        echo "  (two-way EXCEPT ALL of tv_post and tv_user against a fresh computation)."
    fi
    echo "* Load average (1/5/15 min) at start: $LOAD_START; at the end: $(cut -d' ' -f1-3 /proc/loadavg)."
    [ "$MAIN" -eq 1 ] && report_main
    report_extras
}

report_main() {
    local a bp bu
    bp=$(label_count "$BULK_POSTS"); bu=$(label_count "$BULK_USERS")
    echo
    echo "## Writes (latency per statement or transaction; lower is better)"
    echo
    echo "| approach | post update | author rename | comment insert | 4-stmt txn | $WRITERS writers | bulk $bp posts | bulk $bu authors | stale docs after $WRITERS writers |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
    for a in "${APPROACHES[@]}"; do
        if [ "$a" = matview ]; then
            echo "| ${LABEL[$a]} | as (1) | as (1) | as (1) | as (1) | as (1) | as (1) | as (1) | all changed ones, until REFRESH |"
            continue
        fi
        local stale
        stale=$(fmt_stale "${R[$a:stale]:-}")
        [ "$a" = none ] && stale="— (always fresh)"
        echo "| ${LABEL[$a]} | $(fmt_ms "${R[$a:post_update]:-}") | $(fmt_ms "${R[$a:author_rename]:-}") | $(fmt_ms "${R[$a:comment_insert]:-}") | $(fmt_ms "${R[$a:txn4]:-}") | $(fmt_tps "${R[$a:writers]:-}") | $(fmt_ms "${R[$a:bulk_posts]:-}") | $(fmt_ms "${R[$a:bulk_users]:-}") | $stale |"
    done
    echo
    echo "## Build, rebuild, read"
    echo
    echo "| approach | build the read model | full rebuild of the post documents | rebuild after every post changed (posts + users) | read one post doc | read one user doc |"
    echo "|---|---:|---:|---:|---:|---:|"
    for a in "${APPROACHES[@]}"; do
        local rb rba
        case "$a" in
            none) rb="n/a"; rba="n/a" ;;
            matview) rb="$(fmt_ms "${R[$a:rebuild]:-}") (CONCURRENTLY $(fmt_ms "${R[$a:rebuild_conc]:-}"))"
                     rba="$(fmt_ms "${R[$a:rebuild_all]:-}") (CONCURRENTLY $(fmt_ms "${R[$a:rebuild_all_conc]:-}"))" ;;
            row|stmt) rb="$(fmt_ms "${R[$a:rebuild]:-}") (TRUNCATE + INSERT)"; rba="$(fmt_ms "${R[$a:rebuild_all]:-}")" ;;
            *) rb="$(fmt_ms "${R[$a:rebuild]:-}") (pg_tviews_refresh)"; rba="$(fmt_ms "${R[$a:rebuild_all]:-}")" ;;
        esac
        local rd="${LABEL[$a]}"
        [ "$a" = none ] && rd="${LABEL[$a]} — computed from the view"
        echo "| $rd | $(fmt_ms "${R[$a:build]:-}") | $rb | $rba | $(fmt_ms "${R[$a:read_post]:-}") | $(fmt_ms "${R[$a:read_user]:-}") |"
    done
    echo
    echo "## Ratios vs targets (pg_tviews deferred; immediate mode and row-level capture for information)"
    echo
    echo "| target | pg_tviews | baseline | ratio | goal | result | immediate ratio | row-capture ratio |"
    echo "|---|---:|---:|---:|---:|:---:|---:|---:|"
    local pass=0 miss=0
    target_line() { # NAME METRIC BASE_APPROACH OP GOAL FORMAT
        local name="$1" m="$2" base="$3" op="$4" goal="$5" fmt="$6" r ri rr v
        r=$(ratio "${R[tvd:$m]:-}" "${R[$base:$m]:-}")
        ri=$(ratio "${R[tvi:$m]:-}" "${R[$base:$m]:-}")
        rr=$(ratio "${R[tvr:$m]:-}" "${R[$base:$m]:-}")
        v=$(verdict "$r" "$op" "$goal")
        if [ "$m" = writers ] && [ "$v" = PASS ] && [ "${R[tvd:stale]:-}" != "0 0" ]; then v=MISS; fi
        [ "$v" = PASS ] && pass=$((pass + 1)) || miss=$((miss + 1))
        echo "| $name | $($fmt "${R[tvd:$m]:-}") | $($fmt "${R[$base:$m]:-}") | ${r}× | $op ${goal}× | **$v** | ${ri}× | ${rr}× |"
    }
    target_line "post update vs hand ROW triggers" post_update row "<=" 1.0 fmt_ms
    target_line "comment insert vs hand ROW triggers" comment_insert row "<=" 1.0 fmt_ms
    target_line "author rename vs hand STATEMENT triggers" author_rename stmt "<=" 0.5 fmt_ms
    target_line "4-stmt txn vs hand ROW triggers" txn4 row "<=" 0.8 fmt_ms
    target_line "bulk $bp posts vs hand STATEMENT triggers" bulk_posts stmt "<=" 1.0 fmt_ms
    target_line "bulk $bu authors vs hand STATEMENT triggers" bulk_users stmt "<=" 0.7 fmt_ms
    target_line "$WRITERS writers TPS vs hand ROW triggers, with 0 stale docs (pg_tviews: $(fmt_stale "${R[tvd:stale]:-}"))" writers row ">=" 1.0 fmt_tps
    # full rebuild: pg_tviews_refresh vs REFRESH MATERIALIZED VIEW
    local r ri rr v
    r=$(ratio "${R[tvd:rebuild]:-}" "${R[matview:rebuild]:-}")
    ri=$(ratio "${R[tvi:rebuild]:-}" "${R[matview:rebuild]:-}")
    rr=$(ratio "${R[tvr:rebuild]:-}" "${R[matview:rebuild]:-}")
    v=$(verdict "$r" "<=" 1.2)
    [ "$v" = PASS ] && pass=$((pass + 1)) || miss=$((miss + 1))
    echo "| full rebuild: pg_tviews_refresh('tv_post') vs REFRESH MATERIALIZED VIEW mv_post | $(fmt_ms "${R[tvd:rebuild]:-}") | $(fmt_ms "${R[matview:rebuild]:-}") | ${r}× | <= 1.2× | **$v** | ${ri}× | ${rr}× |"
    echo
    echo "$pass targets PASS, $miss MISS."
    echo
    echo "Also: rebuild after every post changed, pg_tviews_refresh('tv_post') (+ tv_user at commit) vs REFRESH mv_post + mv_user:" \
         "$(ratio "${R[tvd:rebuild_all]:-}" "${R[matview:rebuild_all]:-}")×."
    echo
    echo "## Notes"
    echo
    for a in "${APPROACHES[@]}"; do
        [ -n "${R[$a:writers]:-}" ] || continue
        echo "* ${LABEL[$a]}, $WRITERS writers: ${R[$a:writers_retry]:-0} transactions retried after a serialization failure or deadlock, ${R[$a:writers_fail]:-0} failed."
    done
    for a in "${WRITE_APPROACHES[@]}"; do
        [ "$a" = none ] && continue
        case "${R[$a:stale_single]:-}" in
            "0 0") ;;
            "") ;;
            *) echo "* WARNING: ${LABEL[$a]}: $(fmt_stale "${R[$a:stale_single]}") stale after the single-client writes (before the $WRITERS writers)." ;;
        esac
    done
    echo "* Stale documents after the single-client writes: $(for a in "${WRITE_APPROACHES[@]}"; do [ "$a" = none ] || printf '%s %s; ' "$a" "$(fmt_stale "${R[$a:stale_single]:-}")"; done)"
    if [ -n "${R[tvd:share_post_update]:-}" ]; then
        local k
        for k in post_update author_rename comment_insert; do
            awk -v k="$k" -v n="${R[tvd:share_n_$k]}" -v s="${R[tvd:share_$k]}" 'BEGIN {
                split(s, x, " "); if (x[1] + 0 == 0) exit
                printf "* pg_tviews deferred, %d × %s in one session (autocommit): %.2f ms per statement, of which %.2f ms (%.0f%%) in the commit-time flush (pg_tviews_queue_stats total_timing_ms).\n",
                       n, k, x[1] / n, x[2] / n, 100 * x[2] / x[1] }'
        done
    fi
    local n
    for n in "${NOTES[@]}"; do echo "* $n"; done
    echo
    echo "## Every round (ms; TPS for the writers) — the tables above show the best one"
    echo
    echo "| workload |$(for a in "${WRITE_APPROACHES[@]}"; do printf ' %s |' "$a"; done)"
    echo "|---|$(for a in "${WRITE_APPROACHES[@]}"; do printf -- '---|'; done)"
    local w
    for w in post_update author_rename comment_insert txn4 bulk_posts bulk_users writers; do
        printf '| %s |' "$w"
        for a in "${WRITE_APPROACHES[@]}"; do printf ' %s |' "$(rounds_fmt "${R[$a:$w:all]:-}")"; done
        echo
    done
    printf '| rebuild tv_post |'
    for a in "${WRITE_APPROACHES[@]}"; do printf ' %s |' "$(rounds_fmt "${R[$a:rebuild:all]:-}")"; done
    echo
    echo
    echo "REFRESH MATERIALIZED VIEW mv_post: $(rounds_fmt "${R[matview:rebuild:all]:-}") ms."
}

report_extras() {
    local a
    if [ "$MEMORY" -eq 1 ]; then
        echo
        echo "## Memory: one transaction inserting $MEMORY_ROWS comments (every document affected)"
        echo
        echo "| approach | INSERT statement | COMMIT | queue (keys) | memory contexts before COMMIT | peak RssAnon (private) | VmHWM (incl. shared buffers touched) |"
        echo "|---|---:|---:|---:|---:|---:|---:|"
        for a in none stmt tvd tvi; do
            [ -n "${R[$a:mem_stmt]:-}" ] || continue
            echo "| ${LABEL[$a]} | $(fmt_ms "${R[$a:mem_stmt]}") | $(fmt_ms "${R[$a:mem_commit]}") | ${R[$a:mem_queue]:-—} | ${R[$a:mem_ctx]:-?} kB | ${R[$a:mem_anon]:-?} kB | ${R[$a:mem_hwm]:-?} kB |"
        done
        echo
        echo "(3) ROW triggers are left out: a million per-row refreshes take too long for this run."
    fi
    if [ "$GROWTH" -eq 1 ]; then
        echo
        echo "## Growth: one refresh with 10,000 vs 1,000,000 post documents (pg_tviews deferred)"
        echo
        echo "| post documents | build | post update | comment insert | flush per post update |"
        echo "|---:|---:|---:|---:|---:|"
        echo "| 10,000 | $(fmt_ms "${R[growth_10k:build]:-}") | $(fmt_ms "${R[growth_10k:post_update]:-}") | $(fmt_ms "${R[growth_10k:comment_insert]:-}") | $(fmt_ms "${R[growth_10k:flush]:-}") |"
        echo "| 1,000,000 | $(fmt_ms "${R[growth_1m:build]:-}") | $(fmt_ms "${R[growth_1m:post_update]:-}") | $(fmt_ms "${R[growth_1m:comment_insert]:-}") | $(fmt_ms "${R[growth_1m:flush]:-}") |"
    fi
    if [ "$MONITORING" -eq 1 ]; then
        echo
        echo "## What monitoring costs a write (bench/monitoring_cost.sh)"
        echo
        echo '```'
        echo "$MONITORING_OUT"
        echo '```'
    fi
    if [ "$FEED" -eq 1 ]; then
        echo
        echo "## What the change feed costs a write (bench/change_feed_cost.sh)"
        echo
        echo '```'
        echo "$FEED_OUT"
        echo '```'
    fi
}

# -------------------------------------------------------------------- main
# Everything runs from this function, so bash has read the whole file before
# the first step (editing run.sh while a run is in progress cannot break it).
main() {
    say "bench: scale $SCALE ($NUSERS users, $NPOSTS posts, $NCOMMENTS comments), work dir $WORK"
    start_server "$SRV" "${SERVER_SETTINGS[@]}" >>"$LOG" 2>&1 || { cat "$LOG"; die "could not start the server"; }
    export PGHOST PGPORT PGUSER PGDATABASE
    say "server on port $PGPORT (socket $PGHOST)"
    psql -X -At -d postgres -c "SELECT 1" >/dev/null || die "cannot connect to the server"
    [ -n "$(psql -X -At -d postgres -c "SELECT 1 FROM pg_available_extensions WHERE name = 'pg_tviews'")" ] ||
        die "pg_tviews is not installed on this server (make && make install)"

    say "loading the base data into bench_tpl ..."
    build_template bench_tpl "$NUSERS"
    say "base data loaded"

    if [ "$MAIN" -eq 0 ]; then
        # only the extras: the memory test needs these four databases
        [ "$MEMORY" -eq 1 ] && APPROACHES=(none stmt tvd tvi) || APPROACHES=()
        WRITE_APPROACHES=("${APPROACHES[@]}")
    fi
    say "building the read models (one database per approach) ..."
    for a in "${APPROACHES[@]}"; do setup_approach "$a"; done

    if [ "$MAIN" -eq 1 ]; then
        say "single-client writes ($ROUNDS round(s) of ${T_ROUND} s per approach and workload)"
        for w in post_update author_rename comment_insert txn4; do run_workload "$w"; done
        say "bulk statements ($BULK_RUNS run(s) each)"
        run_bulk bulk_posts bulk_posts
        run_bulk bulk_users bulk_authors
        say "stale documents after the single-client writes (must be 0 everywhere)"
        check_stale stale_single
        say "$WRITERS concurrent writers ($WRITER_ROUNDS round(s) of ${T_MIXED} s)"
        run_writers
        check_stale stale
        say "where pg_tviews' time goes"
        run_flush_share
        say "reads"
        run_reads
        say "full rebuilds"
        run_rebuilds
    fi
    if [ "$MEMORY" -eq 1 ]; then
        say "memory (one transaction changing $MEMORY_ROWS base rows)"
        for a in none stmt tvd tvi; do memory_test "$a" "$(db_of "$a")"; done
    fi
    for a in "${APPROACHES[@]}"; do save_stats "$(db_of "$a")"; done
    if [ "$KEEP" -eq 0 ]; then
        for a in "${APPROACHES[@]}"; do psqlq -d postgres -c "DROP DATABASE $(db_of "$a")" >>"$LOG" 2>&1 || true; done
    fi
    [ "$GROWTH" -eq 1 ] && growth_test
    local cflags=()
    [ "$QUICK" -eq 1 ] && cflags=(--quick)
    if [ "$MONITORING" -eq 1 ]; then
        say "monitoring cost (its own server) ..."
        MONITORING_OUT="$(bash "$BENCH_DIR/monitoring_cost.sh" "${cflags[@]}" 2>>"$LOG")" ||
            NOTES+=("ERROR: bench/monitoring_cost.sh failed (log: $LOG)")
    fi
    if [ "$FEED" -eq 1 ]; then
        say "change feed cost (its own server) ..."
        FEED_OUT="$(bash "$BENCH_DIR/change_feed_cost.sh" "${cflags[@]}" 2>>"$LOG")" ||
            NOTES+=("ERROR: bench/change_feed_cost.sh failed (log: $LOG)")
    fi

    mkdir -p "$(dirname "$OUT")"
    report | tee "$OUT.tmp"
    mv "$OUT.tmp" "$OUT"
    echo
    echo "report written to $OUT"
}

main; exit $?
