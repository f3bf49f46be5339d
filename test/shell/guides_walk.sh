#!/usr/bin/env bash
# Walks every ```sql block of the two operator guides users of the original
# extension work from, in order, on a real server (pg_tviews, pg_cron and
# pg_stat_statements preloaded) with real roles: a non-superuser owner of the
# database and its TVIEWs, an application writer, a pg_monitor member and the
# DBA. test/guides/manifest says, per block, whether it runs as written or
# what docs/guides.md has users run instead (and test/guides/ holds that
# replacement, which is run too); checks after a block fail the walk when it
# did not do what its heading says. Every TVIEW is compared with a fresh run
# of its definition after the walk, and the guides' metrics collection must
# have run from a real pg_cron schedule.
#
# The guides are read from $PGTV_GUIDES_DIR, or ../shared/seeds beside the
# repository, or /work/shared/seeds. A block whose text differs from the one
# the manifest was written for fails the walk (review it, then update the
# manifest's md5).
set -euo pipefail
HERE="$(cd "$(dirname "$0")/.." && pwd)"
source "${PGTV_COMMON:-$HERE/lib/common.sh}"
G="$PGTV_ROOT/test/guides"

guides=""
for d in "${PGTV_GUIDES_DIR:-}" "$PGTV_ROOT/../shared/seeds" /work/shared/seeds; do
    if [ -n "$d" ] && [ -d "$d" ] && ls "$d"/*.txt >/dev/null 2>&1; then guides="$d"; break; fi
done
if [ -z "$guides" ]; then
    # They are the users' documents, not part of this repository.
    echo "SKIPPED: the operator guides were not found (set PGTV_GUIDES_DIR to the directory holding them)"
    exit 77
fi

DIR="$(make_tmpdir)"
trap 'exec 3>&- 2>/dev/null || true; stop_server "$DIR/srv" >/dev/null 2>&1 || true; rm -rf "$DIR"' EXIT

# ---- the blocks -------------------------------------------------------------
mkdir -p "$DIR/blocks"
for f in "$guides"/*.txt; do
    case "$(head -1 "$f")" in
        "# Operator Guide"*) g=operator ;;
        "# pg_tviews Operations Guide"*) g=operations ;;
        *) continue ;;
    esac
    awk -v g="$g" -v out="$DIR/blocks" '
        BEGIN { n = 0; inb = 0; fence = 0 }
        /^```/ { if (fence) { fence = 0; if (inb) { inb = 0; close(fn) }; next }
                 fence = 1
                 if ($0 == "```sql") { inb = 1; n++; fn = sprintf("%s/%s-%02d.sql", out, g, n)
                                       printf "" > fn; print h > (out "/" g "-" sprintf("%02d", n) ".head") }
                 next }
        /^#/ { if (!fence) h = $0 }
        { if (inb) print > fn }' "$f"
done
found="$(find "$DIR/blocks" -name '*.sql' | wc -l)"
listed="$(grep -vc '^#' "$G/manifest")"
[ "$found" = "$listed" ] || die "the guides have $found sql blocks, the manifest lists $listed: review test/guides/manifest"

# ---- the server, roles and schema ---------------------------------------------
start_server "$DIR/srv" "shared_preload_libraries = 'pg_tviews,pg_cron,pg_stat_statements'" \
    "cron.database_name = 'walk'" "cron.use_background_workers = on" "max_worker_processes = 16" \
    "pg_tviews.metrics_enabled = on" >/dev/null
SUPER="$PGUSER"
psql -X -q -v ON_ERROR_STOP=1 -d postgres <<'SQL'
CREATE ROLE walk_owner LOGIN;
CREATE ROLE walk_app LOGIN;
CREATE ROLE monitoring_user LOGIN IN ROLE pg_monitor;
CREATE ROLE readonly_user LOGIN;
CREATE ROLE app_user LOGIN;
CREATE DATABASE walk OWNER walk_owner;
SQL
psql -X -q -v ON_ERROR_STOP=1 -d walk <<'SQL'
CREATE EXTENSION pg_tviews;
CREATE EXTENSION pg_cron;
CREATE EXTENSION pg_stat_statements;
GRANT USAGE ON SCHEMA cron TO walk_owner;
-- the repair and capture-mode functions are the DBA's to grant (docs/security.md)
GRANT EXECUTE ON FUNCTION pg_tviews_cascade(oid, bigint), pg_tviews_install_stmt_triggers(),
    pg_tviews_uninstall_stmt_triggers(), pg_tviews_cleanup_metrics(integer) TO walk_owner;
GRANT EXECUTE ON FUNCTION pg_stat_statements_reset(oid, oid, bigint) TO walk_owner;
SQL
psql -X -q -v ON_ERROR_STOP=1 -U walk_owner -d walk -f "$G/setup.sql"
# some traffic for the figures and the metrics table
for i in 1 2 3; do
    PGAPPNAME=walk_app psql -X -q -v ON_ERROR_STOP=1 -U walk_app -d walk \
        -c "UPDATE tb_post SET title = 'warm-up $i' WHERE pk_post = 200 + $i" \
        -c "INSERT INTO tb_comment VALUES (1000 + $i, md5('warm$i')::uuid, $i, 'hello')"
done

role_user() {
    case "$1" in owner) echo walk_owner ;; monitor) echo monitoring_user ;; super) echo "$SUPER" ;;
                 *) die "unknown role $1" ;; esac
}
file_role() { local r; r="$(sed -n '1s/^-- as: *//p' "$1")"; role_user "${r:-owner}"; }

# A session of walk_app holding an open transaction: user 1's rename queues
# the 150 documents of its posts in tv_post, and its own.
writer_start() {
    exec 3> >(PGAPPNAME=walk_writer psql -X -q -U walk_app -d walk >"$DIR/writer.log" 2>&1)
    echo "BEGIN; UPDATE tb_user SET name = 'held by the writer' WHERE pk_user = 1;" >&3
    local n=""
    for _ in $(seq 100); do
        n="$(psql -X -At -d walk -c "SELECT queue_size FROM pg_tviews_queue_realtime WHERE application_name = 'walk_writer'")"
        [ -n "$n" ] && [ "$n" -gt 150 ] && return 0
        sleep 0.1
    done
    die "the writer's keys never showed in pg_tviews_queue_realtime (saw '$n')"
}
writer_stop() { echo "ROLLBACK;" >&3; exec 3>&-; sleep 0.3; }

ran=0 replaced=0 notes=0 failed=0
bad() { echo "FAIL $block ($head): $*"; failed=$((failed + 1)); }

# Runs a SQL file as a role in a database, from the repository root (the
# guides' \i sql/pg_tviews_monitoring.sql is relative to it).
run_sql() {  # user db file -> status; output in $DIR/out
    (cd "$PGTV_ROOT" && psql -X -v ON_ERROR_STOP=1 -v walkdir="$DIR" -U "$1" -d "$2" -f "$3") >"$DIR/out" 2>&1
}
run_check() {  # file: every row printed must be t
    local f="$1" u out
    u="$(file_role "$f")"
    if ! out="$( (cd "$PGTV_ROOT" && psql -X -q -At -v ON_ERROR_STOP=1 -v walkdir="$DIR" -U "$u" -d walk -f "$f") 2>&1)"; then
        bad "check ${f##*/} failed: $out"; return
    fi
    if [ -z "$out" ] || printf '%s\n' "$out" | grep -qv '^t$'; then bad "check ${f##*/} printed: $(echo "$out" | tr '\n' ' ')"; fi
}

# ---- the walk ----------------------------------------------------------------
while IFS=$'\t' read -r block md5 mode role flags subst; do
    case "$block" in ''|'#'*) continue ;; esac
    src="$DIR/blocks/$block.sql"
    [ -f "$src" ] || { echo "FAIL $block: no such block in the guides"; failed=$((failed + 1)); continue; }
    head="$(sed 's/^#* *//' "$DIR/blocks/$block.head")"
    actual="$(md5sum <"$src" | cut -c1-8)"
    if [ "$actual" != "$md5" ]; then bad "the block changed (md5 $actual, manifest $md5): review it"; continue; fi
    db=walk
    case ",$flags," in *,db=*) db="$(echo ",$flags," | sed 's/.*,db=\([^,]*\),.*/\1/')"
                               psql -X -q -d postgres -c "CREATE DATABASE $db" ;; esac
    if [ "$mode" != run ] && ! grep -q "($block)" "$PGTV_ROOT/docs/guides.md"; then
        bad "docs/guides.md has no entry ($block) saying what to run instead"
    fi
    [ -f "$G/$block.pre.sql" ] && { run_sql "$(file_role "$G/$block.pre.sql")" walk "$G/$block.pre.sql" || bad "pre: $(cat "$DIR/out")"; }
    case ",$flags," in *,writer,*) writer_start ;; esac
    text="$DIR/$block.run.sql"
    if [ "$subst" = - ]; then cp "$src" "$text"; else perl -pe "$subst" "$src" >"$text"; fi
    case "$mode" in
        run)
            if run_sql "$(role_user "$role")" "$db" "$text"; then ran=$((ran + 1)); echo "ok   $block  $head"
            else bad "it failed as written: $(grep -m3 -E 'ERROR|error' "$DIR/out" | tr '\n' ' ')"; fi ;;
        instead)
            case ",$flags," in
                *,fails,*) run_sql "$(role_user "$role")" "$db" "$text" && bad "the docs say it fails as written, but it ran" ;;
                *,runs,*) run_sql "$(role_user "$role")" "$db" "$text" || bad "as written it must run: $(grep -m3 ERROR "$DIR/out" | tr '\n' ' ')" ;;
            esac
            [ -f "$G/$block.sql" ] || bad "no replacement test/guides/$block.sql"
            if run_sql "$(file_role "$G/$block.sql")" "$db" "$G/$block.sql"; then
                replaced=$((replaced + 1)); echo "ok   $block  $head  (as docs/guides.md says instead)"
            else bad "the documented replacement failed: $(grep -m3 -E 'ERROR|error' "$DIR/out" | tr '\n' ' ')"; fi ;;
        note)
            notes=$((notes + 1)); echo "ok   $block  $head  (not SQL: docs/guides.md says where it belongs)" ;;
        *) bad "unknown mode $mode" ;;
    esac
    [ -f "$G/$block.post.sql" ] && { run_sql "$(file_role "$G/$block.post.sql")" walk "$G/$block.post.sql" || bad "post: $(cat "$DIR/out")"; }
    [ -f "$G/$block.check.sql" ] && run_check "$G/$block.check.sql"
    case ",$flags," in *,writer,*) writer_stop ;; esac
done <"$G/manifest"

# ---- after the walk ------------------------------------------------------------
run_check "$G/check_all.sql"
# The metrics collection scheduled with pg_cron (operator-06) ran and wrote
# snapshots, also after the extension was dropped and recreated (operations-36).
cron=""
for _ in $(seq 150); do
    cron="$(psql -X -At -d walk -c "SELECT count(*) FILTER (WHERE d.status = 'succeeded' AND d.start_time > e.recreated)
                                       || ' ' || count(*) FILTER (WHERE d.status = 'failed')
                                      FROM cron.job_run_details d,
                                           (SELECT max(created_at) AS recreated FROM pg_tview_meta) e")"
    case "$cron" in "0 "*) sleep 1 ;; *) break ;; esac
done
snapshots="$(psql -X -At -d walk -c "SELECT count(*) FROM tview_metrics WHERE (queue_stats->>'scope') = 'server'
                                      AND cache_stats ? 'tv_post'")"
echo "pg_cron runs of collect_tview_metrics() since the TVIEWs were recreated (succeeded failed): $cron; snapshots: $snapshots"
case "$cron" in "0 "*|*" "[1-9]*) bad "the pg_cron job must have run, without failures" ;; esac
[ "${snapshots:-0}" -ge 1 ] || { block=pg_cron; head=collect; bad "collect_tview_metrics() wrote no snapshot"; }

echo "guides walk: $ran block(s) ran as written, $replaced replaced as docs/guides.md says, $notes not SQL; $failed failure(s)"
[ "$failed" = 0 ]
