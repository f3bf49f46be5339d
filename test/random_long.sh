#!/usr/bin/env bash
# Long run of the randomized consistency test (the regress topic random_blog
# runs 2,000 transactions of it), as root:
#
#   bash test/random_long.sh [TRANSACTIONS [SEED]] [--keep-going] [--progress N]
#
#   TRANSACTIONS   transactions to run (default 100000)
#   SEED           integer seed of the generator (default 1); the same seed
#                  replays the same transactions
#   --keep-going   report each difference as a warning, repair it and go on;
#                  exit non-zero at the end if there was any
#   --progress N   print a progress line every N transactions (default 1000)
#
# Starts a throwaway server (test/lib/common.sh), creates the extension, runs
# sql/setup.sql and sql/random_blog.sql with the psql variables rb_seed,
# rb_transactions, rb_progress and rb_stop, and stops the server. Prints
# "transactions: N, differences: 0" and exits 0 when every TVIEW matched its
# view after every transaction; otherwise prints the seed, the transaction
# and its statements, keeps the server directory (logs) and exits 1.
# The extension must be installed (make install, or bash test/run_all.sh).
# PGOPTIONS='-c random_blog.trace=on' prints every statement as it runs.
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$HERE/lib/common.sh"

TRANSACTIONS=100000 SEED=1 STOP=true PROGRESS=1000
positional=()
while [ $# -gt 0 ]; do
    case "$1" in
        --keep-going) STOP=false ;;
        --progress) shift; PROGRESS="${1:-}" ;;
        -h | --help) sed -n '2,20p' "$0"; exit 0 ;;
        -*) die "unknown option: $1 (see $0 --help)" ;;
        *) positional+=("$1") ;;
    esac
    shift
done
[ ${#positional[@]} -le 2 ] || die "too many arguments (see $0 --help)"
TRANSACTIONS="${positional[0]:-$TRANSACTIONS}"
SEED="${positional[1]:-$SEED}"
[[ "$TRANSACTIONS" =~ ^[0-9]+$ ]] || die "TRANSACTIONS must be a number: $TRANSACTIONS"
[[ "$SEED" =~ ^-?[0-9]+$ ]] || die "SEED must be an integer: $SEED"
[[ "$PROGRESS" =~ ^[0-9]+$ ]] || die "--progress needs a number: $PROGRESS"
require_root

DIR="$(make_tmpdir)"
OK=0
# shellcheck disable=SC2317  # (invoked by the trap)
cleanup() {
    stop_server "$DIR" || true
    if [ "$OK" -eq 1 ]; then
        rm -rf "$DIR"
    else
        echo "kept for inspection: $DIR (server.log)"
    fi
}
trap cleanup EXIT

start_server "$DIR"
PSQL=("$PG_BINDIR/psql" -X -q -v ON_ERROR_STOP=1 -d random_long)
"$PG_BINDIR/psql" -X -q -d postgres -c 'CREATE DATABASE random_long'
"${PSQL[@]}" -c 'CREATE EXTENSION pg_tviews' -c 'SELECT pg_tviews_version()' >/dev/null ||
    die "the extension does not load: run make install (or bash test/run_all.sh) first"
"${PSQL[@]}" -f "$PGTV_ROOT/sql/setup.sql" >/dev/null

log "random_blog: $TRANSACTIONS transactions, seed $SEED (server $DIR)"
start=$(date +%s)
rc=0
# stdin rather than -f: messages come without the "psql:file:line:" prefix;
# notices (TRUNCATE ... CASCADE, DROP SCHEMA) are left out
PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning" "${PSQL[@]}" -v rb_seed="$SEED" -v rb_transactions="$TRANSACTIONS" -v rb_progress="$PROGRESS" \
    -v rb_stop="$STOP" <"$PGTV_ROOT/sql/random_blog.sql" 2>&1 | tee "$DIR/random_blog.log" || rc=$?
elapsed=$(($(date +%s) - start))

if [ "$rc" -ne 0 ]; then
    txn="$("${PSQL[@]}" -At -c 'SELECT last_value FROM random_blog.rb_txn' 2>/dev/null || echo '?')"
    echo "FAILED after ${elapsed}s: seed $SEED, transaction $txn (psql exit $rc; output in $DIR/random_blog.log)"
    exit 1
fi
summary="$(grep -Eo 'transactions: [0-9]+, differences: [0-9]+' "$DIR/random_blog.log" | tail -n 1 || true)"
echo "${summary:-no summary}, seed $SEED, ${elapsed}s"
if [[ "$summary" =~ differences:\ 0$ ]]; then
    OK=1
    exit 0
fi
exit 1
