#!/usr/bin/env bash
# pg_tviews demo, as root:  bash test/demo.sh   (or: sudo bash test/demo.sh)
#
# Installs what is missing, builds and installs the extension, starts a
# throwaway PostgreSQL 15 server (as user postgres, in /tmp/pgtv.XXXXXX),
# creates database "demo" and runs test/demo.sql in it. The server is left
# running; the last lines say how to connect to it and how to stop it.
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$HERE/lib/common.sh"

require_root
ensure_packages
build_and_install

DEMO_DIR="$(make_tmpdir)"
# If anything below fails, don't leave a half-done server behind.
# shellcheck disable=SC2317  # (invoked by the trap)
on_exit() {
    local rc=$?
    [ "$rc" -eq 0 ] && return
    stop_server "$DEMO_DIR" || true
    echo "demo failed (exit $rc); files kept in $DEMO_DIR (server.log)" >&2
}
trap on_exit EXIT

log "starting a throwaway server in $DEMO_DIR"
start_server "$DEMO_DIR"

log "creating database demo and running test/demo.sql"
psql -X -q -v ON_ERROR_STOP=1 -d postgres -c 'CREATE DATABASE demo'
psql -X -v ON_ERROR_STOP=1 -d demo -f "$HERE/demo.sql"

cat <<EOF

The demo server is still running.
  connect: psql -h $PGHOST -p $PGPORT -U postgres demo
  stop:    runuser -u postgres -- $PG_BINDIR/pg_ctl -D $DEMO_DIR/data stop
EOF
