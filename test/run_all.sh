#!/usr/bin/env bash
# Runs every pg_tviews test, as root:  bash test/run_all.sh [--quick]
#
#   build      make clean + make + make install (a failed build stops the run)
#   warnings   the clean build must print no compiler warning
#   unit       GoogleTest cases (cmake build in build/), one test per case
#   core-guard every src/core file ends its includes with core/cpp_only.hpp, which
#              stops a file that includes a server header (2 checks)
#   regress-*  pg_regress over test/regress_schedule, on a fresh server without
#              and then with shared_preload_libraries='pg_tviews', then again
#              with pg_tviews.refresh_mode = immediate, and (topics that do not
#              list trigger names) with row-level capture, and (the randomized
#              topic and others whose writes patch) with pg_tviews.patching =
#              off; each pass compares
#              with its own expected output only (expected/<pass>/<topic>.out
#              where a topic has one, else expected/<topic>.out)
#   regress-nosuper  the same topics (but security) as a role that is not a
#              superuser and owns its database, the extension installed by postgres
#   isolation  pg_isolation_regress over test/isolation/schedule (if present)
#   shell      every executable test/shell/*.sh (if any), exit 0 = pass
#
# Prints one line per section and, last, "N passed, N failed"; exits non-zero
# if anything failed or nothing ran. --quick skips the apt package check.
# On failure, regression diffs are copied to test/output/<section>/ and the
# servers' directories are kept (the path is printed).
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$HERE/lib/common.sh"

QUICK=0
for arg in "$@"; do
    case "$arg" in
        --quick) QUICK=1 ;;
        -h | --help) sed -n '2,15p' "$0"; exit 0 ;;
        *) die "unknown argument: $arg (usage: $0 [--quick])" ;;
    esac
done
require_root
cd "$PGTV_ROOT"

PASSED=0 FAILED=0 FINISHED=0
# Time limits (seconds) so that a hung test cannot eat CI's 90 minutes.
SUITE_TIMEOUT="${SUITE_TIMEOUT:-900}"   # each of unit, regress-*, isolation
SHELL_TIMEOUT="${SHELL_TIMEOUT:-600}"   # each shell test
SECTIONS=()       # "name: N passed, N failed" lines, for the recap
EXTRA_OPTS=()     # extra pg_regress options for one run_regress call
SERVERS=()        # server directories to stop at the end
SKIPPED=()        # shell tests that found what they need missing (exit 77)
WORK="$(make_tmpdir)"
OUTPUT="$PGTV_ROOT/test/output"
rm -rf "$OUTPUT"

# record SECTION PASSED FAILED: add to the totals and print the section line.
record() {
    local line
    line="$(printf '%s: %d passed, %d failed' "$1" "$2" "$3")"
    SECTIONS+=("$line")
    PASSED=$((PASSED + $2))
    FAILED=$((FAILED + $3))
    echo "$line"
}

# Stop the servers, keep or drop the work dir, print the recap and the final
# line, and exit: 0 only if something passed and nothing failed.
finish() {
    local s
    FINISHED=1
    for s in "${SERVERS[@]}"; do stop_server "$s" || true; done
    if [ "$FAILED" -eq 0 ] && [ "$PASSED" -gt 0 ]; then
        rm -rf "$WORK"
    elif ! rmdir "$WORK" 2>/dev/null; then
        echo "kept for inspection: $WORK (server logs, pg_regress output)"
    fi
    printf '\n==================== summary\n'
    for s in "${SECTIONS[@]}"; do echo "$s"; done
    if [ "${#SKIPPED[@]}" -gt 0 ]; then echo "skipped (not counted): ${SKIPPED[*]}"; fi
    echo "$PASSED passed, $FAILED failed"
    if [ "$FAILED" -eq 0 ] && [ "$PASSED" -gt 0 ]; then exit 0; else exit 1; fi
}
# If this script itself dies half-way, count that as a failure and still
# stop the servers and print the summary.
# shellcheck disable=SC2317  # (invoked by the trap)
on_exit() {
    local rc=$?
    [ "$FINISHED" -eq 1 ] && return
    echo "run_all.sh stopped unexpectedly (exit $rc)" >&2
    record runner 0 1
    finish
}
trap on_exit EXIT

# Test names from a schedule file: one or more per line, '#' comments, and an
# optional pg_regress-style "test:" prefix.
schedule_tests() {
    [ -f "$1" ] || return 0
    sed -e 's/#.*//' -e 's/^[[:space:]]*test:[[:space:]]*//' "$1" | tr -s ' \t' '\n' | grep -v '^$' || true
}

# run_regress SECTION TOOL INPUTDIR DBNAME TEST...  (EXTRA_OPTS: more pg_regress options)
# Runs pg_regress or pg_isolation_regress against $PGHOST/$PGPORT and records
# one result per test ("... ok" / "... FAILED" lines). Tests that never
# reported, or a tool that failed without reporting any, count as failures.
run_regress() {
    local section="$1" tool="$2" inputdir="$3" dbname="$4" out rc=0 ok bad
    shift 4
    out="$WORK/$section"
    mkdir -p "$out"
    log "$section: $# tests on $PGHOST port $PGPORT"
    timeout "$SUITE_TIMEOUT" "$tool" --bindir="$PG_BINDIR" --inputdir="$inputdir" --outputdir="$out" \
        --load-extension=pg_tviews --dbname="$dbname" \
        --host="$PGHOST" --port="$PGPORT" --user=postgres "${EXTRA_OPTS[@]}" "$@" </dev/null 2>&1 |
        tee "$out/pg_regress.log" || rc=$?
    ok="$(grep -cE '\.\.\. ok|^ok [0-9]+ ' "$out/pg_regress.log" || true)"
    bad="$(grep -E '\.\.\. (FAILED|failed)|^not ok [0-9]+ ' "$out/pg_regress.log" | grep -vc '(ignored)' || true)"
    if [ $((ok + bad)) -lt $# ]; then bad=$(($# - ok)); fi
    if [ "$rc" -ne 0 ] && [ "$bad" -eq 0 ]; then bad=1; fi
    if [ "$bad" -gt 0 ] && [ -f "$out/regression.diffs" ]; then
        mkdir -p "$OUTPUT/$section"
        cp "$out/regression.diffs" "$OUTPUT/$section/regression.diffs"
        echo "---- $section: regression.diffs (copy in test/output/$section/) ----"
        head -n 400 "$out/regression.diffs"
    fi
    record "$section" "$ok" "$bad"
}

# The regress passes; expected/<pass>/<topic>.out is a topic's output in
# that pass where it differs from expected/<topic>.out.
REGRESS_PASSES=(plain preload immediate row-capture no-patching nosuper)

# check_expected TOPIC...: the expected files hold one truth per pass and no
# copies: no pg_regress alternative expected/<topic>_N.out (pg_regress would
# accept it in every pass, and make installcheck still would), no override
# directory that is not a pass, no override of a topic that is not in the
# schedule or that equals the topic's expected/<topic>.out.
check_expected() {
    local bad=0 f dir t
    for f in expected/*_[0-9].out; do
        [ -e "$f" ] || continue
        echo "expected: $f is accepted by every pass; put it in expected/<pass>/ instead"
        bad=1
    done
    for dir in expected/*/; do
        [ -d "$dir" ] || continue
        dir="${dir%/}"
        if [[ " ${REGRESS_PASSES[*]} " != *" ${dir#expected/} "* ]]; then
            echo "expected: $dir is not a pass (${REGRESS_PASSES[*]})"
            bad=1
            continue
        fi
        for f in "$dir"/*; do
            [ -e "$f" ] || continue
            t="$(basename "$f" .out)"
            if [[ " $* " != *" $t "* ]] || [ "$f" != "$dir/$t.out" ]; then
                echo "expected: $f is not <topic>.out of a topic in test/regress_schedule"
                bad=1
            elif cmp -s "$f" "expected/$t.out"; then
                echo "expected: $f equals expected/$t.out; remove the copy"
                bad=1
            fi
        done
    done
    return "$bad"
}

# run_pass PASS DBNAME TOPIC...: run_regress section regress-PASS with an
# input directory of its own, $WORK/input-PASS: sql/ and, for each topic, a
# link to the one expected file of this pass, so that nothing but this
# pass's truth is accepted.
run_pass() {
    local pass="$1" dbname="$2" input="$WORK/input-$1" t f
    shift 2
    mkdir -p "$input/expected"
    ln -sfn "$PGTV_ROOT/sql" "$input/sql"
    for t in "$@"; do
        f="expected/$pass/$t.out"
        [ -f "$f" ] || f="expected/$t.out"
        ln -sfn "$PGTV_ROOT/$f" "$input/expected/$t.out"
    done
    run_regress "regress-$pass" "$PGXS_DIR/regress/pg_regress" "$input" "$dbname" "$@"
}

# --- build, and the warnings check on its output -----------------------------
if [ "$QUICK" -eq 0 ]; then
    ensure_packages || { record packages 0 1; finish; }
fi
if ! build_extension --clean; then
    record build 0 1
    finish
fi
log "warnings: compiler warnings in the clean build"
if grep -q 'warning:' "$BUILD_LOG"; then
    grep 'warning:' "$BUILD_LOG"
    record warnings 0 1
else
    record warnings 1 0
fi

# --- unit tests (GoogleTest) ------------------------------------------------
UNIT_BIN="$PGTV_ROOT/build/pg_tviews_unit_tests"
if [ ! -f CMakeLists.txt ]; then
    echo "unit: no CMakeLists.txt, skipped"
elif ! build_unit_tests; then
    record unit 0 1
elif [ -x "$UNIT_BIN" ]; then
    log "unit: $UNIT_BIN"
    rc=0
    timeout "$SUITE_TIMEOUT" "$UNIT_BIN" --gtest_brief=1 </dev/null 2>&1 | tee "$WORK/unit.log" || rc=$?
    # "[  PASSED  ] 51 tests." and, in brief mode, one "[  FAILED  ] Suite.Name (0 ms)" per failed case.
    ok="$(sed -n 's/^\[  PASSED  \] \([0-9]*\) tests\?\..*/\1/p' "$WORK/unit.log" | tail -n 1)"
    bad="$(grep -cE '^\[  FAILED  \] .* \([0-9]+ ms\)$' "$WORK/unit.log" || true)"
    ok="${ok:-0}" bad="${bad:-0}"
    if [ "$rc" -ne 0 ] && [ "$bad" -eq 0 ]; then bad=1; fi   # crashed or aborted
    record unit "$ok" "$bad"
else
    # No binary of the expected name: fall back to ctest's own counts.
    log "unit: ctest"
    rc=0
    timeout "$SUITE_TIMEOUT" ctest --test-dir build --output-on-failure </dev/null 2>&1 | tee "$WORK/unit.log" || rc=$?
    line="$(grep -E 'tests passed, [0-9]+ tests? failed out of [0-9]+' "$WORK/unit.log" | tail -n 1 || true)"
    bad="$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\1/' <<<"$line")"
    total="$(sed -E 's/.* failed out of ([0-9]+).*/\1/' <<<"$line")"
    bad="${bad:-0}" total="${total:-0}"
    if [ "$total" -eq 0 ]; then bad=1; fi                    # no test found: that's a failure
    if [ "$rc" -ne 0 ] && [ "$bad" -eq 0 ]; then bad=1; fi
    record unit $((total > bad ? total - bad : 0)) "$bad"
fi

# --- the core's guard (include/pg_tviews/core/cpp_only.hpp) ----------------
# Every src/core file includes it last, and it does stop a file that
# includes a server header.
guard_ok=0 guard_bad=0
missing_guard=""
for f in src/core/*.cpp; do
    last="$(grep -E '^#include' "$f" | tail -n 1)"
    [[ "$last" == *'"pg_tviews/core/cpp_only.hpp"'* ]] || missing_guard+=" $f"
done
if [ -z "$missing_guard" ]; then guard_ok=$((guard_ok + 1)); else
    echo "core-guard: not the last include of:$missing_guard"; guard_bad=$((guard_bad + 1)); fi
probe="$WORK/core_guard_probe.cpp"
printf '#include "postgres.h"\n#include "pg_tviews/core/cpp_only.hpp"\n' > "$probe"
if ${CXX:-g++} -std=c++17 -fsyntax-only -I include -I "$("$PG_CONFIG" --includedir-server)" "$probe" 2>"$WORK/core_guard.log"; then
    echo "core-guard: a core file including postgres.h still compiles"; guard_bad=$((guard_bad + 1))
elif grep -q 'pure C++' "$WORK/core_guard.log"; then guard_ok=$((guard_ok + 1)); else
    echo "core-guard: the probe failed for another reason:"; cat "$WORK/core_guard.log"; guard_bad=$((guard_bad + 1)); fi
record core-guard "$guard_ok" "$guard_bad"

# --- pg_regress, without and with shared_preload_libraries ------------------
PGXS_DIR="$PG_PKGLIBDIR/pgxs/src/test"
mapfile -t REGRESS_TESTS < <(schedule_tests test/regress_schedule)
if ! check_expected "${REGRESS_TESTS[@]}"; then
    record expected-files 0 1
fi

for mode in plain preload; do
    extra=()
    if [ "$mode" = preload ]; then extra=("shared_preload_libraries = 'pg_tviews'"); fi
    SERVERS+=("$WORK/$mode")
    if ! start_server "$WORK/$mode" "${extra[@]}"; then
        record "server-$mode" 0 1
        continue
    fi
    if [ ${#REGRESS_TESTS[@]} -gt 0 ]; then
        run_pass "$mode" contrib_regression "${REGRESS_TESTS[@]}"
    else
        echo "regress: test/regress_schedule lists no test, skipped"
    fi
    # Keep only the preload server: isolation and shell tests use it.
    if [ "$mode" = plain ]; then stop_server "$WORK/plain" || true; fi
done

# --- the same topics with pg_tviews.refresh_mode = immediate -----------------
# Both modes must pass the same tests; where a topic's output legitimately
# differs (queue contents, errors raised at the statement instead of at
# COMMIT), expected/immediate/<topic>.out holds the immediate-mode output.
if [ -f "$WORK/preload/data/postmaster.pid" ] && [ ${#REGRESS_TESTS[@]} -gt 0 ]; then
    PGOPTIONS="-c pg_tviews.refresh_mode=immediate" \
        run_pass immediate contrib_regression "${REGRESS_TESTS[@]}"
fi

# --- and with row-level capture ------------------------------------------------
# Every topic whose output does not list capture triggers by name (those
# differ by design between the two capture modes) runs again with the TVIEWs
# it creates captured by row-level triggers.
ROW_TESTS=()
for t in "${REGRESS_TESTS[@]}"; do
    case "$t" in caches | refusals | drop | shapes_more) ;; *) ROW_TESTS+=("$t") ;; esac
done
if [ -f "$WORK/preload/data/postmaster.pid" ] && [ ${#ROW_TESTS[@]} -gt 0 ]; then
    PGOPTIONS="-c pg_tviews.capture_mode=row" \
        run_pass row-capture contrib_regression "${ROW_TESTS[@]}"
fi

# --- and with patching off -----------------------------------------------------
# The randomized topic (and the other topics whose writes patch) again with
# pg_tviews.patching = off: both ways must equal a fresh computation after
# every transaction.
NOPATCH_TESTS=()
for t in "${REGRESS_TESTS[@]}"; do
    case "$t" in setup | random_blog | key_types | single_table | nested | transactions) NOPATCH_TESTS+=("$t") ;; esac
done
if [ -f "$WORK/preload/data/postmaster.pid" ] && [ ${#NOPATCH_TESTS[@]} -gt 0 ]; then
    PGOPTIONS="-c pg_tviews.patching=off" \
        run_pass no-patching contrib_regression "${NOPATCH_TESTS[@]}"
fi

# --- and as a non-superuser -------------------------------------------------
# What an application deployment looks like: the superuser installed the
# extension; a role that is not a superuser owns the database (and so its
# public schema), creates the tables and TVIEWs and runs every topic. The
# DBA granted it what docs/security.md says a DBA grants: the repair and
# capture-mode functions, and the one protected setting a topic changes.
# Topics that need a superuser themselves are left out: security (creates
# roles), caches (dblink to a second session needs a superuser or a
# password) and drop (creates a database and drops the extension).
NOSUPER_TESTS=()
for t in "${REGRESS_TESTS[@]}"; do
    case "$t" in security | caches | drop) ;; *) NOSUPER_TESTS+=("$t") ;; esac
done
if [ -f "$WORK/preload/data/postmaster.pid" ] && [ ${#NOSUPER_TESTS[@]} -gt 0 ]; then
    if psql -X -q -v ON_ERROR_STOP=1 -d postgres <<'SQL' && psql -X -q -v ON_ERROR_STOP=1 -d regress_nosuper <<'SQL2'
DROP DATABASE IF EXISTS regress_nosuper;
DROP ROLE IF EXISTS regress_tv_owner;
CREATE ROLE regress_tv_owner LOGIN;
CREATE DATABASE regress_nosuper OWNER regress_tv_owner;
GRANT SET ON PARAMETER pg_tviews.flush_chunk_keys TO regress_tv_owner;
SQL
CREATE EXTENSION pg_tviews;
GRANT EXECUTE ON FUNCTION pg_tviews_cascade(oid, bigint), pg_tviews_insert(oid, bigint),
    pg_tviews_delete(oid, bigint), pg_tviews_cascade(oid, uuid), pg_tviews_insert(oid, uuid),
    pg_tviews_delete(oid, uuid), pg_tviews_cascade(oid, text), pg_tviews_insert(oid, text),
    pg_tviews_delete(oid, text), pg_tviews_install_stmt_triggers(),
    pg_tviews_uninstall_stmt_triggers() TO regress_tv_owner;
SQL2
    then
        EXTRA_OPTS=(--use-existing --user=regress_tv_owner)
        run_pass nosuper regress_nosuper "${NOSUPER_TESTS[@]}"
        EXTRA_OPTS=()
    else
        record regress-nosuper 0 1
    fi
fi

# --- isolation tests (preload server) ---------------------------------------
mapfile -t ISO_TESTS < <(schedule_tests test/isolation/schedule)
if [ ${#ISO_TESTS[@]} -gt 0 ]; then
    if [ -f "$WORK/preload/data/postmaster.pid" ]; then
        run_regress isolation "$PGXS_DIR/isolation/pg_isolation_regress" "$PGTV_ROOT/test/isolation" \
            isolation_regression "${ISO_TESTS[@]}"
    else
        record isolation 0 ${#ISO_TESTS[@]}
    fi
fi

# --- shell tests -------------------------------------------------------------
# Each runs from the repo root with PGTV_COMMON pointing at test/lib/common.sh
# and PGHOST/PGPORT/PGUSER/PGDATABASE set for the (preload) server.
export PGTV_COMMON="$PGTV_ROOT/test/lib/common.sh"
shell_ok=0 shell_bad=0 shell_ran=0
for t in "$PGTV_ROOT"/test/shell/*.sh; do
    if [ ! -f "$t" ] || [ ! -x "$t" ]; then continue; fi
    shell_ran=1
    log "shell: ${t#"$PGTV_ROOT"/}"
    rc=0
    started=$SECONDS
    (cd "$PGTV_ROOT" && timeout "$SHELL_TIMEOUT" "$t" </dev/null) || rc=$?
    took="$((SECONDS - started)) s"
    if [ "$rc" -eq 0 ]; then
        echo "shell: ${t##*/} ok ($took)"
        shell_ok=$((shell_ok + 1))
    elif [ "$rc" -eq 77 ]; then
        # exit 77: what the test needs is not on this machine (it says what)
        echo "shell: ${t##*/} SKIPPED"
        SKIPPED+=("${t##*/}")
    else
        echo "shell: ${t##*/} FAILED ($took)"
        shell_bad=$((shell_bad + 1))
    fi
done
if [ "$shell_ran" -eq 1 ]; then record shell "$shell_ok" "$shell_bad"; fi

finish
