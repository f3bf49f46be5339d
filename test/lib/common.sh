# shellcheck shell=bash
# Shared helpers for pg_tviews' test and demo scripts. Source it, don't run it:
#
#   source "$(dirname "$0")/lib/common.sh"
#
# Functions (each returns non-zero on failure; the callers use set -euo pipefail):
#   require_root                 stop with a message unless running as root
#   ensure_packages              apt-get install whatever of PGTV_PACKAGES is missing
#   build_extension [--clean]    make (output kept in $BUILD_LOG, default build/make.log) + make install
#   build_unit_tests             cmake configure + build into $PGTV_ROOT/build (skips if no CMakeLists.txt)
#   build_and_install [--clean]  build_extension, then build_unit_tests
#   make_tmpdir                  print a new /tmp/pgtv.XXXXXX directory that user postgres can traverse
#   start_server DIR [LINE...]   initdb + start a private server in DIR, export PGHOST/PGPORT/PGUSER/PGDATABASE
#   start_existing_server DIR [LINE...]  start the cluster already in DIR/data (own socket, free port)
#   wait_for_replay PRIMARY_DIR STANDBY_DIR  wait until the standby replayed what the primary wrote
#   stop_server DIR              stop the server started in DIR (no-op if it is not running)
#
# Layout of a server directory DIR: DIR/data (PGDATA), DIR/sock (unix socket),
# DIR/server.log, DIR/initdb.log, DIR/port (the TCP port it listens on).

# Repository root: two levels above this file (test/lib/common.sh).
PGTV_ROOT="${PGTV_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
PG_CONFIG="${PG_CONFIG:-/usr/bin/pg_config}"
PG_BINDIR="${PG_BINDIR:-/usr/lib/postgresql/15/bin}"
PG_PKGLIBDIR="${PG_PKGLIBDIR:-/usr/lib/postgresql/15/lib}"
export PGTV_ROOT PG_CONFIG

# Debian packages the project needs to build, test and demo. The contrib
# package is handled separately because its name differs between releases.
PGTV_PACKAGES=(postgresql-15 postgresql-server-dev-15 nlohmann-json3-dev libfmt-dev
               libgtest-dev cmake g++ make pkg-config pgbouncer postgresql-15-cron postgresql-15-wal2json perl)

log()  { printf '\n==> %s\n' "$*"; }
warn() { printf 'WARNING: %s\n' "$*" >&2; }
die()  { printf 'ERROR: %s\n' "$*" >&2; exit 1; }

require_root() {
    [ "$(id -u)" -eq 0 ] || die "run this as root (e.g. sudo bash $0): it installs packages and runs servers as user postgres"
}

# True if a Debian package is fully installed (not just known to dpkg).
pkg_installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

ensure_packages() {
    local missing=() p need_contrib=0
    for p in "${PGTV_PACKAGES[@]}"; do
        pkg_installed "$p" || missing+=("$p")
    done
    pkg_installed postgresql-contrib-15 || pkg_installed postgresql-contrib || need_contrib=1
    if [ ${#missing[@]} -eq 0 ] && [ "$need_contrib" -eq 0 ]; then
        echo "packages: all present"
        return 0
    fi

    export DEBIAN_FRONTEND=noninteractive
    log "apt-get update"
    apt-get update -q || return 1
    if [ "$need_contrib" -eq 1 ]; then
        # On Debian 12 postgresql-contrib-15 is only a virtual package (provided
        # by postgresql-15); the real one is postgresql-contrib.
        if apt-cache show postgresql-contrib-15 2>/dev/null | grep -q '^Package: postgresql-contrib-15$'; then
            missing+=(postgresql-contrib-15)
        else
            missing+=(postgresql-contrib)
        fi
    fi
    log "apt-get install ${missing[*]}"
    apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=300 "${missing[@]}"
}

# make + make install in the repository root. With --clean, first `make clean`
# so that $BUILD_LOG holds every compiler message (run_all.sh counts warnings).
build_extension() {
    BUILD_LOG="${BUILD_LOG:-$PGTV_ROOT/build/make.log}"
    export BUILD_LOG
    mkdir -p "$(dirname "$BUILD_LOG")"
    (
        cd "$PGTV_ROOT" || exit 1
        if [ "${1:-}" = "--clean" ]; then
            make clean PG_CONFIG="$PG_CONFIG" >/dev/null || exit 1
        fi
        log "make (log: $BUILD_LOG)"
        if ! make -j2 PG_CONFIG="$PG_CONFIG" 2>&1 | tee "$BUILD_LOG"; then
            echo "ERROR: make failed (full log: $BUILD_LOG)" >&2
            exit 1
        fi
        log "make install"
        make install PG_CONFIG="$PG_CONFIG" >/dev/null || { echo "ERROR: make install failed" >&2; exit 1; }
    )
}

# CMake build of the GoogleTest unit tests into $PGTV_ROOT/build.
build_unit_tests() {
    if [ ! -f "$PGTV_ROOT/CMakeLists.txt" ]; then
        echo "unit tests: no CMakeLists.txt yet, skipping the cmake build"
        return 0
    fi
    (
        cd "$PGTV_ROOT" || exit 1
        log "cmake build of the unit tests"
        cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null &&
            cmake --build build -j2
    ) || { echo "ERROR: cmake build of the unit tests failed" >&2; return 1; }
}

build_and_install() {
    build_extension "$@" && build_unit_tests
}

# A fresh directory under /tmp (short, so socket paths stay < 100 chars) that
# user postgres may traverse.
make_tmpdir() {
    local d
    d="$(mktemp -d /tmp/pgtv.XXXXXX)"
    chmod 755 "$d"
    echo "$d"
}

# True if a TCP socket uses local port $1 (listening, or the local end of a
# connection), or something accepts connections on 127.0.0.1:$1.
port_in_use() {
    if command -v ss >/dev/null 2>&1 && ss -Htan "sport = :$1" 2>/dev/null | grep -q .; then
        return 0
    fi
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Print a free TCP port below the kernel's ephemeral range (the source ports
# of outgoing connections, which a listener cannot bind while one is open):
# the first unused one from a random start.
pick_free_port() {
    local low=32768 lo hi port i
    read -r low _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || true
    hi=$((low - 1))
    lo=$((hi - 12000 < 1024 ? 1024 : hi - 12000))
    port=$((lo + RANDOM % (hi - lo - 500)))
    for ((i = 0; i < 500; i++)); do
        port_in_use "$port" || { echo "$port"; return 0; }
        port=$((port + 1))
    done
    echo "ERROR: no free TCP port found" >&2
    return 1
}

# start_server DIR [extra postgresql.conf lines...]
# Creates a new cluster in DIR/data (owned by postgres), starts it and exports
# PGHOST, PGPORT, PGUSER, PGDATABASE for it.
start_server() {
    local dir="$1"
    shift
    mkdir -p "$dir"
    dir="$(cd "$dir" && pwd)"
    mkdir -p "$dir/sock"
    chown postgres: "$dir" "$dir/sock"

    # cd to DIR so that postgres tools don't warn about an unreadable cwd.
    (cd "$dir" && runuser -u postgres -- "$PG_BINDIR/initdb" -D "$dir/data" -U postgres \
        -A trust --no-sync -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1) ||
        { cat "$dir/initdb.log" >&2; echo "ERROR: initdb failed in $dir" >&2; return 1; }
    {
        echo "# added by test/lib/common.sh start_server"
        echo "listen_addresses = '127.0.0.1'"
        echo "max_prepared_transactions = 10"
        echo "fsync = off"
    } >>"$dir/data/postgresql.conf"
    start_existing_server "$dir" "$@"
}

# start_existing_server DIR [extra postgresql.conf lines...]
# Starts the cluster already in DIR/data (a copy made by pg_basebackup, say)
# with its own socket directory DIR/sock and a free port, and exports
# PGHOST, PGPORT, PGUSER, PGDATABASE for it.
start_existing_server() {
    local dir="$1" port attempt line
    shift
    dir="$(cd "$dir" && pwd)"
    mkdir -p "$dir/sock"
    chown postgres: "$dir" "$dir/sock"
    {
        echo "# added by test/lib/common.sh start_existing_server"
        echo "unix_socket_directories = '$dir/sock'"
        for line in "$@"; do echo "$line"; done
    } >>"$dir/data/postgresql.conf"

    # Another process may grab the port between the check and the start: retry.
    for attempt in 1 2 3; do
        port="$(pick_free_port)" || return 1
        echo "port = $port" >>"$dir/data/postgresql.conf"   # the last setting wins
        if (cd "$dir" && runuser -u postgres -- "$PG_BINDIR/pg_ctl" -D "$dir/data" -w -t 60 \
                -l "$dir/server.log" start >/dev/null); then
            echo "$port" >"$dir/port"
            export PGHOST="$dir/sock" PGPORT="$port" PGUSER=postgres PGDATABASE=postgres
            echo "server: started in $dir (port $port)"
            return 0
        fi
        grep -q 'could not bind' "$dir/server.log" 2>/dev/null || break
        echo "server: port $port taken, retrying (attempt $attempt)"
    done
    tail -n 30 "$dir/server.log" >&2 || true
    echo "ERROR: could not start the server in $dir (log: $dir/server.log)" >&2
    return 1
}

# wait_for_replay PRIMARY_DIR STANDBY_DIR: true once the standby (servers
# started by start_server / start_existing_server) has replayed everything
# the primary had written when called; false after about 10 s.
wait_for_replay() {
    local p="$1" s="$2" lsn i
    lsn="$(psql -X -At -h "$p/sock" -p "$(cat "$p/port")" -U postgres -d postgres -c "SELECT pg_current_wal_lsn()")" ||
        return 1
    for i in $(seq 200); do
        [ "$(psql -X -At -h "$s/sock" -p "$(cat "$s/port")" -U postgres -d postgres \
              -c "SELECT pg_last_wal_replay_lsn() >= '$lsn'::pg_lsn")" = t ] && return 0
        sleep 0.05
    done
    return 1
}

# stop_server DIR: fast shutdown of the server started by start_server DIR.
stop_server() {
    local dir="$1"
    [ -f "$dir/data/postmaster.pid" ] || return 0
    (cd "$dir" && runuser -u postgres -- "$PG_BINDIR/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null) ||
        { echo "WARNING: could not stop the server in $dir" >&2; return 1; }
}
