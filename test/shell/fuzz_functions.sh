#!/usr/bin/env bash
# Argument fuzzing of every SQL function of the extension.
#
# The functions are enumerated from the catalogs (pg_depend deptype 'e' on the
# pg_tviews extension), and each is called with every combination of a fixed
# list of edge values per argument type (oid/regclass: NULL, 0, 4294967295, a
# missing oid, a catalog, a toast table, a sequence, a view, a matview, a
# partitioned table and its partition, tables without / with a composite /
# with a text primary key, a TVIEW, base tables; bigint, text, text[],
# boolean, integer: their edge values), with the calls that omit defaulted
# arguments too. Trigger and event-trigger functions are called once each,
# directly (they must refuse). When a function has more combinations than
# PER_FUNCTION_CAP, a sample chosen by md5(SEED || call) is taken: the set of
# calls is the same on every run.
#
# Every call runs in its own transaction that is rolled back (so
# pg_tviews_drop and pg_tviews_refresh leave the schema intact), first as the
# superuser, then as fuzz_user (LOGIN, USAGE on schema public and nothing else),
# each role in one long psql session with ON_ERROR_STOP off and VERBOSITY
# verbose. After each call a probe checks that the session is still usable:
# same role, no transaction left open, same search_path, empty change queue.
#
# Fails (exit 1, listing the offending calls) if the server crashed or
# restarted (server log, pg_postmaster_start_time()), if a call raised
# SQLSTATE XX000 or a message starting with "pg_tviews: internal error", if a
# call lost the connection or left the session unusable, or if at the end a
# TVIEW differs from its backing view. Prints the number of calls, successes
# and errors per SQLSTATE for each role. FUZZ_KEEP=1 keeps the work directory.
set -euo pipefail
HERE="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck source=../lib/common.sh
source "${PGTV_COMMON:-$HERE/lib/common.sh}"

SEED="${FUZZ_SEED:-pg_tviews-fuzz-1}"
PER_FUNCTION_CAP=600      # calls per function and role
TOTAL_CAP=2000            # calls per role
CALL_TIMEOUT_S=5          # statement_timeout of each call
RUN_BUDGET_S=70           # wall-clock budget for all the calls (the test must end < 90 s)
T0=$SECONDS

DIR="$(make_tmpdir)"
SRV="$DIR/srv"
# shellcheck disable=SC2317  # (invoked by the trap)
cleanup() {
    stop_server "$SRV" >/dev/null 2>&1 || true
    if [ "${FUZZ_KEEP:-0}" = 1 ]; then echo "kept: $DIR"; else rm -rf "$DIR"; fi
}
trap cleanup EXIT
start_server "$SRV" "shared_preload_libraries = 'pg_tviews'" >/dev/null
LOG="$SRV/server.log"
DB=pgtv_fuzz
psql -X -q -d postgres -c "CREATE DATABASE $DB"

# --- schema ------------------------------------------------------------------
psql -X -q -v ON_ERROR_STOP=1 -d $DB >/dev/null <<'SQL'
CREATE EXTENSION pg_tviews;
CREATE TABLE tb_user (pk_user bigint PRIMARY KEY, id uuid NOT NULL, name text);
CREATE TABLE tb_post (pk_post bigint PRIMARY KEY, id uuid NOT NULL,
                      fk_user bigint NOT NULL REFERENCES tb_user, title text);
CREATE TABLE tb_part (pk bigint PRIMARY KEY, v text) PARTITION BY RANGE (pk);
CREATE TABLE tb_part_1 PARTITION OF tb_part FOR VALUES FROM (MINVALUE) TO (MAXVALUE);
CREATE SEQUENCE fuzz_seq;
CREATE VIEW fuzz_view AS SELECT pk_user, name FROM tb_user;
CREATE MATERIALIZED VIEW fuzz_matview AS SELECT pk_user, name FROM tb_user;
CREATE TABLE tb_composite (a bigint, b bigint, v text, PRIMARY KEY (a, b));
CREATE TABLE tb_textpk (k text PRIMARY KEY, v text);
CREATE TABLE tb_nopk (a bigint, v text);

INSERT INTO tb_user SELECT g, md5('u' || g)::uuid, 'user ' || g FROM generate_series(1, 5) g;
INSERT INTO tb_post SELECT g, md5('p' || g)::uuid, 1 + g % 5, 'post ' || g FROM generate_series(1, 10) g;
INSERT INTO tb_part SELECT g, 'v' || g FROM generate_series(-2, 5) g;
INSERT INTO tb_composite SELECT g, g, 'c' FROM generate_series(1, 3) g;
INSERT INTO tb_textpk VALUES ('1', 'one'), ('tv_user', 'two');
INSERT INTO tb_nopk VALUES (1, 'a'), (1, 'a'), (NULL, NULL);
REFRESH MATERIALIZED VIEW fuzz_matview;

CREATE TABLE tv_user AS
SELECT u.pk_user, u.id, jsonb_build_object('name', u.name) AS data FROM tb_user u;
CREATE TABLE tv_post AS
SELECT p.pk_post, p.id, p.fk_user, u.id AS user_id,
       jsonb_build_object('title', p.title,
                          'author', jsonb_build_object('id', u.id, 'name', u.name)) AS data
FROM tb_post p JOIN tb_user u ON u.pk_user = p.fk_user;

-- changes after creation, through the capture triggers
INSERT INTO tb_user VALUES (6, md5('u6')::uuid, 'user 6');
INSERT INTO tb_post VALUES (11, md5('p11')::uuid, 6, 'post 11');
UPDATE tb_user SET name = name || '!' WHERE pk_user = 2;

CREATE ROLE fuzz_user LOGIN;
GRANT USAGE ON SCHEMA public TO fuzz_user;
SQL

# --- the calls -----------------------------------------------------------------
# One line per call: "<function>\t<SELECT ...;>". Values are SQL expressions,
# each cast to the parameter's type; oids are spelled by name so that a call
# reads the same on every run.
TOAST="$(psql -X -At -d $DB -c "SELECT quote_literal(reltoastrelid::regclass::text) FROM pg_class WHERE oid = 'pg_proc'::regclass")"
MISSING_OID="$(psql -X -At -d $DB -c "SELECT max(oid)::bigint + 100000 FROM pg_class")"
if [ -z "$TOAST" ] || [ -z "$MISSING_OID" ]; then die "could not look up the toast table / a missing oid"; fi

CALLS="$DIR/calls.tsv"
psql -X -At -F $'\t' -v ON_ERROR_STOP=1 -d $DB -v seed="$SEED" -v per_fn=$PER_FUNCTION_CAP \
    -v total=$TOTAL_CAP -v toast="$TOAST" -v missing="$MISSING_OID" >"$CALLS" <<'SQL'
WITH RECURSIVE
vals(kind, expr) AS (VALUES
    ('oid', 'NULL'), ('oid', '0'), ('oid', '4294967295'), ('oid', :'missing'),
    ('oid', $e$'pg_class'::regclass$e$), ('oid', :'toast' || '::regclass'),
    ('oid', $e$'fuzz_seq'::regclass$e$), ('oid', $e$'fuzz_view'::regclass$e$),
    ('oid', $e$'fuzz_matview'::regclass$e$), ('oid', $e$'tb_part'::regclass$e$),
    ('oid', $e$'tb_part_1'::regclass$e$), ('oid', $e$'tb_nopk'::regclass$e$),
    ('oid', $e$'tb_composite'::regclass$e$), ('oid', $e$'tb_textpk'::regclass$e$),
    ('oid', $e$'tv_user'::regclass$e$), ('oid', $e$'tb_user'::regclass$e$),
    ('oid', $e$'tb_post'::regclass$e$), ('oid', $e$'v_user'::regclass$e$),
    ('int8', 'NULL'), ('int8', '0'), ('int8', '-1'), ('int8', '1'),
    ('int8', '9223372036854775807'), ('int8', '-9223372036854775808'),
    ('text', 'NULL'), ('text', $e$''$e$), ('text', $e$' '$e$),
    ('text', $e$repeat('n', 64)$e$), ('text', $e$repeat('n', 200)$e$),
    ('text', $e$'"quoted"'$e$), ('text', $e$'a.b.c'$e$), ('text', $e$'tv_user'$e$),
    ('text', $e$'user'$e$), ('text', $e$'tv_nope'$e$), ('text', $e$'public.tv_user'$e$),
    ('text', $e$'select 1'$e$), ('text', '$q$SELECT 1 AS pk_x FROM tb_user$q$'),
    ('text', $e$E'tv_\x01user'$e$), ('text', $e$'DROP TABLE tb_user'$e$),
    ('text', $e$repeat('x', 102400)$e$),
    ('text', $e$$q$SELECT u.pk_user AS pk_nope, jsonb_build_object('n', u.name) AS data FROM tb_user u$q$$e$),
    ('text[]', 'NULL'), ('text[]', $e$'{}'$e$), ('text[]', $e$'{NULL}'$e$),
    ('text[]', $e$'{pk_user}'$e$), ('text[]', $e$'{nope}'$e$),
    ('bool', 'NULL'), ('bool', 'true'), ('bool', 'false'),
    ('int4', 'NULL'), ('int4', '0'), ('int4', '-1')),
fn AS (
    SELECT p.oid, format('%I.%I', n.nspname, p.proname) AS qname, p.proname,
           p.pronargs, p.pronargdefaults, p.proretset,
           p.prorettype IN ('trigger'::regtype, 'event_trigger'::regtype) AS is_trigger
    FROM pg_extension e
    JOIN pg_depend d ON d.refclassid = 'pg_extension'::regclass AND d.refobjid = e.oid
                    AND d.classid = 'pg_proc'::regclass AND d.deptype = 'e'
    JOIN pg_proc p ON p.oid = d.objid
    JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE e.extname = 'pg_tviews'),
arg AS (
    SELECT fn.oid, a.pos::int AS pos, a.typ,
           CASE WHEN a.typ IN ('oid'::regtype, 'regclass'::regtype) THEN 'oid'
                WHEN a.typ IN ('bigint'::regtype) THEN 'int8'
                WHEN a.typ IN ('integer'::regtype, 'smallint'::regtype) THEN 'int4'
                WHEN a.typ IN ('text'::regtype, 'name'::regtype, 'character varying'::regtype) THEN 'text'
                WHEN a.typ IN ('text[]'::regtype, 'name[]'::regtype) THEN 'text[]'
                WHEN a.typ IN ('boolean'::regtype) THEN 'bool'
                ELSE 'other' END AS kind
    FROM fn, unnest((SELECT proargtypes::oid[] FROM pg_proc WHERE oid = fn.oid)) WITH ORDINALITY a(typ, pos)),
-- arities: all arguments, and each shorter form that only omits defaulted ones
arity AS (
    SELECT fn.*, k FROM fn, generate_series(fn.pronargs::int - fn.pronargdefaults, fn.pronargs::int) k
    WHERE NOT fn.is_trigger),
calls(oid, k, i, args) AS (
    SELECT oid, k, 0, ''::text FROM arity
    UNION ALL
    SELECT c.oid, c.k, c.i + 1,
           c.args || CASE WHEN c.i > 0 THEN ', ' ELSE '' END
                  || '(' || COALESCE(v.expr, 'NULL') || ')'
                  || CASE WHEN a.kind = 'other' AND v.expr IS NULL AND a.typ::regtype::text LIKE 'any%'
                          THEN '' ELSE '::' || format_type(a.typ, NULL) END
    FROM calls c
    JOIN arg a ON a.oid = c.oid AND a.pos = c.i + 1
    LEFT JOIN vals v ON v.kind = a.kind
    WHERE c.i < c.k),
full_calls AS (
    SELECT fn.proname, 'SELECT ' || fn.qname || '(' || c.args || ');' AS sql
    FROM calls c JOIN fn USING (oid) WHERE c.i = c.k
    UNION ALL
    SELECT proname, 'SELECT ' || qname || '();' FROM fn WHERE is_trigger),
capped AS (
    SELECT proname, sql,
           row_number() OVER (PARTITION BY proname ORDER BY md5(:'seed' || sql)) AS rn_fn
    FROM full_calls),
sampled AS (
    SELECT proname, sql, row_number() OVER (ORDER BY md5(:'seed' || 'total' || sql)) AS rn
    FROM capped WHERE rn_fn <= :per_fn)
SELECT proname, sql FROM sampled WHERE rn <= :total ORDER BY proname, sql;
SQL
NCALLS="$(wc -l <"$CALLS")"
NFUNCS="$(cut -f1 "$CALLS" | sort -u | wc -l)"
[ "$NCALLS" -gt 0 ] || die "no function of pg_tviews found"
echo "fuzz: $NFUNCS functions, $NCALLS calls per role (seed $SEED)"

START_TIME="$(psql -X -At -d $DB -c "SELECT pg_postmaster_start_time()")"
LOG_LINES_BEFORE="$(wc -l <"$LOG")"

# gen_script FIRST: the psql script for calls FIRST.. of calls.tsv.
gen_script() {
    awk -F'\t' -v first="$1" '
        NR == 1 {
            print "\\set VERBOSITY verbose"
            print "SELECT current_setting($$search_path$$) AS exp_sp \\gset"
        }
        NR >= first {
            print "\\set p_user none"
            print "\\set p_notx none"
            print "\\set p_sp none"
            print "\\set p_q none"
            print "\\warn @@BEGIN " NR
            print "BEGIN;"
            print $2
            print "ROLLBACK;"
            print "\\warn @@PROBE " NR
            print "SELECT current_user AS p_user, now() = statement_timestamp() AS p_notx,"
            print "       current_setting($$search_path$$) = :'"'"'exp_sp'"'"' AS p_sp,"
            print "       COALESCE((public.pg_tviews_queue_stats()->>$$queue_size$$)::bigint, -1) AS p_q \\gset"
            print "\\warn @@END " NR " :p_user :p_notx :p_sp :p_q"
        }' "$CALLS"
}

# Waits until the server accepts connections again (after a crash restart).
wait_ready() {
    for _ in $(seq 300); do
        psql -X -At -d $DB -c "SELECT 1" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    return 1
}

# run_role ROLE: runs all the calls in one session as ROLE; when the session
# is lost (crash, FATAL) resumes in a new one after the call that lost it.
# Output: $DIR/ROLE.err.N (stderr of each session, markers + errors).
declare -A NOT_RUN=()
run_role() {
    local role="$1" first=1 n=0 rc last_begin last_end log_lines why
    while [ "$first" -le "$NCALLS" ]; do
        if [ $((SECONDS - T0)) -ge "$RUN_BUDGET_S" ]; then
            NOT_RUN[$role]=$((NCALLS - first + 1))
            warn "time budget spent: $((NCALLS - first + 1)) calls as $role not run"
            return 0
        fi
        n=$((n + 1))
        gen_script "$first" >"$DIR/$role.sql.$n"
        log_lines="$(wc -l <"$LOG")"
        rc=0
        PGOPTIONS="-c statement_timeout=${CALL_TIMEOUT_S}s -c lock_timeout=2s" \
            timeout $((RUN_BUDGET_S + 5 - (SECONDS - T0))) \
            psql -X -q -U "$role" -d $DB -f "$DIR/$role.sql.$n" >/dev/null 2>"$DIR/$role.err.$n" </dev/null || rc=$?
        last_begin="$(sed -n 's/^@@BEGIN \([0-9]*\)$/\1/p' "$DIR/$role.err.$n" | tail -n 1)"
        last_end="$(sed -n 's/^@@END \([0-9]*\) .*/\1/p' "$DIR/$role.err.$n" | tail -n 1)"
        if [ "$rc" -eq 0 ] && [ "${last_end:-0}" -eq "$NCALLS" ]; then return 0; fi
        if [ -z "$last_begin" ]; then
            warn "psql as $role exited ($rc) before any call"; tail -n 5 "$DIR/$role.err.$n" >&2
            NOT_RUN[$role]=$((NCALLS - first + 1))
            return 0
        fi
        # the call that started last did not finish: it lost the session
        # (the postmaster logs why: "server process (PID n) was terminated by signal 11: ...")
        why="$(tail -n +"$((log_lines + 1))" "$LOG" |
            sed -n 's/.*LOG:  server process (PID [0-9]*) \(was terminated by .*\|exited with .*\)$/backend \1/p' | head -n 1)"
        if [ -z "$why" ]; then
            if [ "$rc" -eq 124 ]; then why="psql killed after the time budget (call hung)"; else why="psql exit $rc"; fi
        fi
        echo "@@LOST $last_begin $why" >>"$DIR/$role.err.$n"
        wait_ready || { warn "the server did not come back"; NOT_RUN[$role]=$((NCALLS - last_begin)); return 0; }
        first=$((last_begin + 1))
    done
}

log "calls as postgres (superuser), then as fuzz_user"
run_role postgres
run_role fuzz_user
CALLS_DONE_AT=$SECONDS

# --- results -----------------------------------------------------------------
# One line per call and role: role \t n \t status \t message
RESULTS="$DIR/results.tsv"
: >"$RESULTS"
for role in postgres fuzz_user; do
    # shellcheck disable=SC2012
    for f in $(ls "$DIR/$role".err.* 2>/dev/null | sort -t. -k3 -n); do
        awk -v role="$role" -v expuser="$role" '
            function flush() {
                if (cur == "") return
                gsub(/\t/, " ", msg)
                print role "\t" cur "\t" status "\t" substr(msg, 1, 300)
                cur = ""
            }
            /^@@BEGIN [0-9]+$/ { flush(); cur = $2; status = "ok"; msg = ""; probe = 0; next }
            /^@@PROBE [0-9]+$/ { if ($2 == cur) probe = 1; next }
            /^@@END / {
                if (cur == "" || $2 != cur) next
                if ($3 != expuser || $4 != "t" || $5 != "t" || $6 != "0") {
                    p = "session unusable after ROLLBACK: probe gave user=" $3 " no_open_transaction=" $4 \
                        " search_path_unchanged=" $5 " queue_size=" $6 (perr == "" ? "" : " (" perr ")")
                    if (status == "XX000") msg = msg "; " p
                    else { msg = p (status == "ok" ? "" : "; the call itself: " status " " msg); status = "UNUSABLE" }
                }
                perr = ""
                flush(); next
            }
            /^@@LOST / {
                if (cur == "") next
                why = $0; sub(/^@@LOST [0-9]+ /, "", why)
                m = "session lost: " why
                if (status == "XX000") msg = msg "; " m
                else { msg = m (status == "ok" ? "" : "; " status " " msg); status = "LOST" }
                flush(); next
            }
            cur != "" && /^psql:.*: (ERROR|FATAL|PANIC|WARNING):  [0-9A-Z][0-9A-Z][0-9A-Z][0-9A-Z][0-9A-Z]: / {
                line = $0
                sub(/^psql:[^ ]*: /, "", line)
                lvl = line; sub(/:.*/, "", lvl)
                code = line; sub(/^[A-Z]+:  /, "", code); code = substr(code, 1, 5)
                text = line; sub(/^[A-Z]+:  [0-9A-Z][0-9A-Z][0-9A-Z][0-9A-Z][0-9A-Z]: /, "", text)
                if (code == "XX000" || text ~ /^pg_tviews: (unknown )?internal error/) {
                    if (status != "XX000") { status = "XX000"; msg = (probe ? "in the probe after the call: " : "") lvl ": " text }
                } else if (probe) {
                    if (perr == "") perr = lvl " " code ": " text
                } else if (lvl == "ERROR" || lvl == "FATAL" || lvl == "PANIC") {
                    if (status == "ok") { status = code; msg = text }
                }
                next
            }
            END { flush() }' "$f" >>"$RESULTS"
    done
done

status=0
FINDINGS="$DIR/findings.txt"
: >"$FINDINGS"
sql_of() { sed -n "${1}p" "$CALLS" | cut -f2; }

printf '\n==================== summary\n'
for role in postgres fuzz_user; do
    total="$(awk -F'\t' -v r="$role" '$1 == r' "$RESULTS" | wc -l)"
    ok="$(awk -F'\t' -v r="$role" '$1 == r && $3 == "ok"' "$RESULTS" | wc -l)"
    printf '%s: %d calls run (of %d), %d succeeded' "$role" "$total" "$NCALLS" "$ok"
    [ -n "${NOT_RUN[$role]:-}" ] && printf ', %d not run' "${NOT_RUN[$role]}"
    printf '\n  errors by SQLSTATE:'
    awk -F'\t' -v r="$role" '$1 == r && $3 != "ok" { c[$3]++ } END { for (k in c) printf " %s=%d", k, c[k] }' "$RESULTS" |
        tr ' ' '\n' | sort | tr '\n' ' '
    printf '\n'
done

# the offending calls
while IFS=$'\t' read -r role n st msg; do
    case "$st" in
        XX000 | LOST | UNUSABLE) printf '%s\t%s\t%s\t%s\n' "$st" "$role" "$(sql_of "$n")" "$msg" >>"$FINDINGS" ;;
    esac
done <"$RESULTS"
for role in postgres fuzz_user; do
    if [ -n "${NOT_RUN[$role]:-}" ]; then
        printf 'NOT-RUN\t%s\t%s calls\t%s\n' "$role" "${NOT_RUN[$role]}" "time budget or server gone" >>"$FINDINGS"
    fi
done

# the server log: crashes and restarts during the calls
CRASH_LOG="$(tail -n +"$((LOG_LINES_BEFORE + 1))" "$LOG" |
    grep -E -A1 'process \(PID [0-9]+\) (was terminated|exited with exit code [1-9])|TRAP:|PANIC:' |
    grep -v '^--$' || true)"
START_TIME_AFTER="$(psql -X -At -d $DB -c "SELECT pg_postmaster_start_time()" 2>/dev/null || echo unknown)"
if [ -n "$CRASH_LOG" ]; then
    printf 'CRASH\tserver log\t%s crash(es)\t%s\n' \
        "$(grep -cE 'process \(PID [0-9]+\) (was terminated|exited with exit code)|TRAP:|PANIC:' <<<"$CRASH_LOG" || true)" \
        "see below" >>"$FINDINGS"
fi
if [ "$START_TIME_AFTER" != "$START_TIME" ]; then
    printf 'RESTART\tserver\tpg_postmaster_start_time\t%s -> %s\n' "$START_TIME" "$START_TIME_AFTER" >>"$FINDINGS"
fi

# the TVIEWs still equal their views, and the schema is intact
CHECK="$(psql -X -At -d $DB 2>&1 <<'SQL' || true
SELECT 'tv_user ' || (SELECT count(*) FROM ((TABLE tv_user EXCEPT ALL TABLE v_user)
                                UNION ALL (TABLE v_user EXCEPT ALL TABLE tv_user)) d) || ' stale';
SELECT 'tv_post ' || (SELECT count(*) FROM ((TABLE tv_post EXCEPT ALL TABLE v_post)
                                UNION ALL (TABLE v_post EXCEPT ALL TABLE tv_post)) d) || ' stale';
SELECT 'meta ' || count(*) || ' tviews' FROM pg_tview_meta;
SELECT 'tb_user ' || count(*) || ' rows' FROM tb_user;
SELECT 'health ' || COALESCE(string_agg(check_name || '=' || status, ' ') FILTER (WHERE status <> 'OK'), 'OK')
FROM pg_tviews_health_check();
SQL
)"
echo "after the calls: $(tr '\n' ',' <<<"$CHECK" | sed 's/,$//; s/,/, /g')"
if [ "$CHECK" != $'tv_user 0 stale\ntv_post 0 stale\nmeta 2 tviews\ntb_user 6 rows\nhealth OK' ]; then
    printf 'STATE\tdatabase\tfinal check\t%s\n' "$(tr '\n' ';' <<<"$CHECK")" >>"$FINDINGS"
fi

echo "fuzz: calls took $((CALLS_DONE_AT - T0)) s in all (setup included), test $((SECONDS - T0)) s"
if [ -s "$FINDINGS" ]; then
    status=1
    printf '\n==================== findings (%d)\n' "$(wc -l <"$FINDINGS")"
    # group identical findings of both roles
    sort "$FINDINGS" | awk -F'\t' '{ printf "%-8s %-9s %s\n         -> %s\n", $1, $2, $3, $4 }'
    if [ -n "$CRASH_LOG" ]; then
        printf '\n---- server log (crashes)\n%s\n' "$CRASH_LOG"
    fi
    echo "fuzz_functions: FAILED"
else
    echo "fuzz_functions: ok"
fi
exit $status
