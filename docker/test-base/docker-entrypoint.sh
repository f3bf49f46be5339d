#!/usr/bin/env bash
# Entrypoint of the test stand-in image (see Dockerfile beside it). Behaves,
# for what test/shell/docker.sh relies on, like the official image's:
#
#   * `docker run IMAGE -c name=value` runs postgres with those options;
#     any other command than postgres is executed as is.
#   * Started as root, it fixes the ownership of PGDATA and of the socket
#     directory /var/run/postgresql (often a bind mount), then drops to user
#     postgres.
#   * On an empty PGDATA: initdb (superuser POSTGRES_USER, password
#     POSTGRES_PASSWORD, local connections trusted, others by
#     POSTGRES_HOST_AUTH_METHOD, default scram-sha-256), then a temporary
#     server with the same options but only the unix socket, creation of
#     POSTGRES_DB, every /docker-entrypoint-initdb.d/*.sql (psql,
#     ON_ERROR_STOP) and *.sh (sourced), in name order, and a fast stop.
#   * Finally execs postgres (PID 1) with the command's arguments.
set -Eeuo pipefail

if [ "${1:0:1}" = '-' ]; then
    set -- postgres "$@"
fi
if [ "$1" != postgres ]; then
    exec "$@"
fi

if [ "$(id -u)" = 0 ]; then
    mkdir -p "$PGDATA" /var/run/postgresql
    find "$PGDATA" \! -user postgres -exec chown postgres:postgres '{}' +
    chmod 700 "$PGDATA"
    chown postgres:postgres /var/run/postgresql
    chmod 3777 /var/run/postgresql
    exec setpriv --reuid=postgres --regid=postgres --init-groups "${BASH_SOURCE[0]}" "$@"
fi

POSTGRES_USER="${POSTGRES_USER:-postgres}"
POSTGRES_DB="${POSTGRES_DB:-$POSTGRES_USER}"
export PGUSER="$POSTGRES_USER" PGPORT="${PGPORT:-5432}" PGHOST=/var/run/postgresql

if [ ! -s "$PGDATA/PG_VERSION" ]; then
    auth="${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}"
    if [ -z "${POSTGRES_PASSWORD:-}" ] && [ "$auth" != trust ]; then
        echo "error: the database is uninitialized and no POSTGRES_PASSWORD is set" >&2
        echo "       (or set POSTGRES_HOST_AUTH_METHOD=trust to allow connections without one)" >&2
        exit 1
    fi

    pwfile="$(mktemp)"
    printf '%s\n' "${POSTGRES_PASSWORD:-}" >"$pwfile"
    pwopt=()
    if [ -n "${POSTGRES_PASSWORD:-}" ]; then pwopt=(--pwfile="$pwfile"); fi
    # shellcheck disable=SC2086  # POSTGRES_INITDB_ARGS is a list of words
    initdb --username="$POSTGRES_USER" "${pwopt[@]}" --auth-local=trust \
        --auth-host="$auth" ${POSTGRES_INITDB_ARGS:-}
    rm -f "$pwfile"
    {
        echo
        echo "listen_addresses = '*'"
    } >>"$PGDATA/postgresql.conf"
    echo "host all all all $auth" >>"$PGDATA/pg_hba.conf"

    # The temporary server: the command's options, no TCP.
    shift
    opts="-c listen_addresses= -p $PGPORT"
    if [ $# -gt 0 ]; then opts="$(printf '%q ' "$@")$opts"; fi
    pg_ctl -D "$PGDATA" -w -o "$opts" start
    set -- postgres "$@"

    if [ "$POSTGRES_DB" != postgres ]; then
        psql -X -v ON_ERROR_STOP=1 -d postgres -c "CREATE DATABASE \"$POSTGRES_DB\""
    fi
    for f in /docker-entrypoint-initdb.d/*; do
        [ -e "$f" ] || continue
        case "$f" in
            *.sql)
                echo "$0: running $f"
                psql -X -v ON_ERROR_STOP=1 -d "$POSTGRES_DB" -f "$f"
                ;;
            *.sh)
                echo "$0: sourcing $f"
                # shellcheck disable=SC1090
                . "$f"
                ;;
            *) echo "$0: ignoring $f" ;;
        esac
    done

    pg_ctl -D "$PGDATA" -m fast -w stop
    echo
    echo 'PostgreSQL init process complete; ready for start up.'
    echo
fi

exec "$@"
