#!/usr/bin/env bash
# Transaction pooling through a real PgBouncer (pool_mode = transaction,
# server_reset_query = DISCARD ALL, always run): clients whose transactions
# land on whatever server connection is free write base tables, read their
# own writes from tv_ tables in the same transaction, run DISCARD ALL /
# DISCARD PLANS / RESET ALL and odd search_paths, while another session
# changes the schema (a new TVIEW, a base table column, a dropped TVIEW)
# under their warm caches. Every tv_ table must equal its view at the end,
# and no stale plan or metadata may be used on the way.
set -euo pipefail
HERE="$(cd "$(dirname "$0")/.." && pwd)"
source "${PGTV_COMMON:-$HERE/lib/common.sh}"
[ -n "${PGPORT:-}" ] || die "PGHOST/PGPORT must point at a server with pg_tviews installed"
command -v pgbouncer >/dev/null || [ -x /usr/sbin/pgbouncer ] || die "pgbouncer is not installed"
PGBOUNCER="$(command -v pgbouncer || echo /usr/sbin/pgbouncer)"

DB=pgtv_pool
DIR="$(make_tmpdir)"
BPORT=
cleanup() {
    [ -f "$DIR/pgbouncer.pid" ] && kill "$(cat "$DIR/pgbouncer.pid")" 2>/dev/null || true
    psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1 || true
    rm -rf "$DIR"
}
trap cleanup EXIT

psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB" 2>&1 | grep -v NOTICE || true
psql -X -q -v ON_ERROR_STOP=1 -d $DB -v users=200 -f "$HERE/load/blog_schema.sql" >/dev/null
psql -X -q -v ON_ERROR_STOP=1 -d $DB -c "CREATE EXTENSION pg_tviews" -f "$HERE/load/blog_tviews.sql" >/dev/null

# start_pgbouncer: writes pgbouncer.ini on a free port, starts PgBouncer and
# waits until it accepts connections (a new port if the bind failed).
start_pgbouncer() {
    local attempt i
    echo '"postgres" ""' > "$DIR/userlist.txt"
    for attempt in 1 2 3; do
        BPORT="$(pick_free_port)"
        cat > "$DIR/pgbouncer.ini" <<INI
[databases]
$DB = host=$PGHOST port=$PGPORT dbname=$DB user=postgres

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $BPORT
unix_socket_dir = $DIR
auth_type = trust
auth_file = $DIR/userlist.txt
pool_mode = transaction
server_reset_query = DISCARD ALL
server_reset_query_always = 1
default_pool_size = 3
max_client_conn = 100
logfile = $DIR/pgbouncer.log
pidfile = $DIR/pgbouncer.pid
INI
        chown -R postgres "$DIR"
        rm -f "$DIR/pgbouncer.pid"
        runuser -u postgres -- "$PGBOUNCER" -d "$DIR/pgbouncer.ini" || true
        for i in $(seq 100); do
            psql -X -q -At -h 127.0.0.1 -p "$BPORT" -U postgres -d $DB -c "SELECT 1" >/dev/null 2>&1 && return 0
            [ $i -gt 10 ] && [ ! -f "$DIR/pgbouncer.pid" ] && break
            sleep 0.1
        done
        [ -f "$DIR/pgbouncer.pid" ] && kill "$(cat "$DIR/pgbouncer.pid")" 2>/dev/null || true
        echo "PgBouncer did not accept connections on port $BPORT (attempt $attempt):" >&2
        tail -5 "$DIR/pgbouncer.log" >&2 || true
    done
    die "PgBouncer did not start"
}
start_pgbouncer

# Through the pooler (TCP, so every client is a pooled client).
bq() { psql -X -q -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$BPORT" -U postgres -d $DB "$@"; }

log "read your writes through transaction pooling"
# Eight clients, each running transactions that write and immediately read
# back the document, with session-state noise in between.
client() {
    local id=$1 i post got
    for i in $(seq 1 30); do
        post=$(( (id * 37 + i * 11) % 1000 + 1 ))
        got="$(bq -c "BEGIN;
            UPDATE tb_post SET title = 'c$id-$i' WHERE pk_post = $post;
            SELECT data->>'title' FROM tv_post WHERE pk_post = $post;
            COMMIT;")"
        [ "$got" = "c$id-$i" ] || { echo "client $id: read '$got' instead of 'c$id-$i'"; return 1; }
        case $((i % 4)) in
            0) bq -c "DISCARD ALL" ;;
            1) bq -c "DISCARD PLANS" ;;
            2) bq -c "RESET ALL" ;;
            3) bq -c "SET search_path = pg_catalog, \"\$user\"; SELECT count(*) FROM public.tv_post" >/dev/null ;;
        esac
    done
}
pids=()
for c in 1 2 3 4 5 6 7 8; do client $c & pids+=($!); done

# Meanwhile, DDL from a direct session: a new TVIEW on the same tables, a
# new base column, a TVIEW dropped and recreated.
sleep 1
psql -X -q -v ON_ERROR_STOP=1 -d $DB -c "CREATE TABLE tv_title AS SELECT p.pk_post AS pk_title, upper(p.title) AS title FROM tb_post p"
psql -X -q -v ON_ERROR_STOP=1 -d $DB -c "ALTER TABLE tb_post ADD COLUMN note text"
psql -X -q -v ON_ERROR_STOP=1 -d $DB -c "DROP TABLE tv_user"
psql -X -q -v ON_ERROR_STOP=1 -d $DB -c "CREATE TABLE tv_user AS SELECT u.pk_user,
    jsonb_build_object('name', u.name, 'posts', COALESCE((SELECT jsonb_agg(tp.data->'title' ORDER BY tp.pk_post)
    FROM tv_post tp WHERE tp.fk_user = u.pk_user), '[]'::jsonb)) AS data FROM tb_user u"
status=0
for p in "${pids[@]}"; do wait "$p" || status=1; done
[ "$status" = 0 ] || die "a pooled client did not read its own writes"

# After the DDL, pooled writes maintain the new TVIEW too.
bq -c "UPDATE tb_post SET title = 'after ddl' WHERE pk_post <= 20"
stale="$(psql -X -At -d $DB -c "
  SELECT (SELECT count(*) FROM (SELECT * FROM tv_post EXCEPT ALL SELECT * FROM v_post) a)
       + (SELECT count(*) FROM (SELECT * FROM v_post EXCEPT ALL SELECT * FROM tv_post) b)
       + (SELECT count(*) FROM (SELECT * FROM tv_user EXCEPT ALL SELECT * FROM v_user) c)
       + (SELECT count(*) FROM (SELECT * FROM v_user EXCEPT ALL SELECT * FROM tv_user) d)
       + (SELECT count(*) FROM (SELECT * FROM tv_title EXCEPT ALL SELECT * FROM v_title) e)
       + (SELECT count(*) FROM (SELECT * FROM v_title EXCEPT ALL SELECT * FROM tv_title) f)")"
echo "pgbouncer: 8 clients x 30 transactions read their own writes; stale documents: $stale"
[ "$stale" = 0 ]
