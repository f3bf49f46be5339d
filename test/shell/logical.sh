#!/usr/bin/env bash
# Logical replication, both directions, on one server (two databases each
# way, replication slots created beforehand).
#  * Subscriber: a database subscribing to tb_* defines TVIEWs over them,
#    switched to row-level capture before the subscription starts; the
#    initial table copy and every change applied afterwards reach the
#    TVIEWs (compared with their definitions both ways).
#  * Publisher of read models: tv_* published to a database without
#    pg_tviews (plain tables with the same columns) follow the publisher's
#    documents, a full refresh included.
set -euo pipefail
HERE="$(cd "$(dirname "$0")/.." && pwd)"
source "${PGTV_COMMON:-$HERE/lib/common.sh}"

DIR="$(make_tmpdir)"
trap 'stop_server "$DIR/srv" >/dev/null 2>&1 || true; rm -rf "$DIR"' EXIT
start_server "$DIR/srv" "shared_preload_libraries = 'pg_tviews'" "wal_level = logical" \
    "max_replication_slots = 10" "max_wal_senders = 10" "max_logical_replication_workers = 8" \
    "max_worker_processes = 16" >/dev/null
CONN="host=$PGHOST port=$PGPORT user=postgres"
q() { psql -X -q -At -v ON_ERROR_STOP=1 "$@"; }
fail=0
bad() { echo "FAIL: $*"; fail=1; }

q -d postgres -c "CREATE DATABASE pub" -c "CREATE DATABASE sub" -c "CREATE DATABASE readers"
SCHEMA="CREATE TABLE tb_user (pk_user bigint PRIMARY KEY, name text NOT NULL);
CREATE TABLE tb_post (pk_post bigint PRIMARY KEY, fk_user bigint NOT NULL REFERENCES tb_user, title text NOT NULL);"
TVIEWS="CREATE TABLE tv_post AS
SELECT p.pk_post, p.fk_user, jsonb_build_object('title', p.title, 'author', u.name) AS data
  FROM tb_post p JOIN tb_user u ON u.pk_user = p.fk_user;
CREATE TABLE tv_user AS
SELECT u.pk_user, jsonb_build_object('name', u.name, 'posts',
       (SELECT count(*) FROM tv_post p WHERE p.fk_user = u.pk_user)) AS data FROM tb_user u;"
STALE="SELECT
  (SELECT count(*) FROM ((SELECT * FROM tv_post EXCEPT ALL SELECT * FROM v_post) UNION ALL
                         (SELECT * FROM v_post EXCEPT ALL SELECT * FROM tv_post)) d)
+ (SELECT count(*) FROM ((SELECT * FROM tv_user EXCEPT ALL SELECT * FROM v_user) UNION ALL
                         (SELECT * FROM v_user EXCEPT ALL SELECT * FROM tv_user)) d)"

# ---- the publisher: base tables and read models --------------------------------
q -d pub <<SQL
CREATE EXTENSION pg_tviews;
$SCHEMA
INSERT INTO tb_user SELECT g, 'user ' || g FROM generate_series(1, 50) g;
INSERT INTO tb_post SELECT g, 1 + g % 50, 'post ' || g FROM generate_series(1, 1000) g;
$TVIEWS
CREATE PUBLICATION base FOR TABLE tb_user, tb_post;
CREATE PUBLICATION read_models FOR TABLE tv_post, tv_user;
SELECT 1 FROM pg_create_logical_replication_slot('to_sub', 'pgoutput');
SELECT 1 FROM pg_create_logical_replication_slot('to_readers', 'pgoutput');
SQL

# ---- subscriber of the base tables, with its own TVIEWs -------------------------
q -d sub <<SQL
CREATE EXTENSION pg_tviews;
$SCHEMA
$TVIEWS
-- the one replication-specific step: row-level capture (fires for the apply workers)
SELECT pg_tviews_uninstall_stmt_triggers();
SQL
q -d sub -c "CREATE SUBSCRIPTION sub_base CONNECTION '$CONN dbname=pub' PUBLICATION base
             WITH (create_slot = false, slot_name = 'to_sub')"
# ---- a plain PostgreSQL database reading the published documents ----------------
q -d readers <<SQL
CREATE TABLE tv_post (pk_post bigint PRIMARY KEY, fk_user bigint, data jsonb);
CREATE TABLE tv_user (pk_user bigint PRIMARY KEY, data jsonb);
SQL
q -d readers -c "CREATE SUBSCRIPTION readers CONNECTION '$CONN dbname=pub' PUBLICATION read_models
                 WITH (create_slot = false, slot_name = 'to_readers')"

caught_up() {  # SLOT: the slot confirmed everything written so far
    local lsn i
    lsn="$(q -d pub -c "SELECT pg_current_wal_lsn()")"
    for i in $(seq 300); do
        [ "$(q -d pub -c "SELECT confirmed_flush_lsn >= '$lsn'::pg_lsn FROM pg_replication_slots WHERE slot_name = '$1'")" = t ] && return 0
        sleep 0.1
    done
    bad "slot $1 did not confirm $lsn"
}
synced() {  # DB SUBSCRIPTION: initial copy done
    local i
    for i in $(seq 300); do
        [ "$(q -d "$1" -c "SELECT count(*) FROM pg_subscription_rel sr JOIN pg_subscription s ON s.oid = sr.srsubid
                           WHERE s.subname = '$2' AND sr.srsubstate NOT IN ('r', 's')")" = 0 ] && return 0
        sleep 0.1
    done
    bad "subscription $2 in $1 did not finish its initial copy"
}

synced sub sub_base; caught_up to_sub
synced readers readers; caught_up to_readers
got="$(q -d sub -c "SELECT count(*) FROM tv_post") $(q -d sub -c "$STALE")"
echo "subscriber after the initial copy: documents, stale rows: $got"
[ "$got" = "1000 0" ] || bad "the initial copy must reach the subscriber's TVIEWs"

# changes on the publisher: rename (fans out to 20 posts), insert, delete, truncate-free bulk update
q -d pub -c "UPDATE tb_user SET name = 'renamed' WHERE pk_user = 7" \
         -c "INSERT INTO tb_post VALUES (2001, 7, 'new')" -c "DELETE FROM tb_post WHERE pk_post = 8" \
         -c "UPDATE tb_post SET title = title || '!' WHERE pk_post % 10 = 0"
caught_up to_sub; caught_up to_readers
got="$(q -d sub -c "$STALE") $(q -d sub -c "SELECT count(*) FROM tv_post WHERE data->>'author' = 'renamed'") $(q -d sub -c "SELECT count(*) FROM tv_post WHERE data->>'title' LIKE '%!'")"
echo "subscriber after applied changes: stale rows, renamed author's posts, retitled posts: $got"
[ "$got" = "0 21 100" ] || bad "applied changes must reach the subscriber's TVIEWs"
health="$(q -d sub -c "SELECT count(*) FROM pg_tviews_health_check() WHERE status <> 'OK'")"
[ "$health" = 0 ] || bad "the subscriber's health check ($health not OK)"

# the read models published to a database without pg_tviews
diff_readers() {
    local a b
    a="$(q -d pub -c "SELECT md5(string_agg(pk_post || ':' || data::text, ',' ORDER BY pk_post)) FROM tv_post")$(q -d pub -c "SELECT md5(string_agg(pk_user || ':' || data::text, ',' ORDER BY pk_user)) FROM tv_user")"
    b="$(q -d readers -c "SELECT md5(string_agg(pk_post || ':' || data::text, ',' ORDER BY pk_post)) FROM tv_post")$(q -d readers -c "SELECT md5(string_agg(pk_user || ':' || data::text, ',' ORDER BY pk_user)) FROM tv_user")"
    [ "$a" = "$b" ]
}
diff_readers && echo "readers: the published documents equal the publisher's" || bad "the published read models differ from the publisher's"
q -d pub -c "SELECT pg_tviews_refresh('tv_post')" -c "SELECT pg_tviews_refresh('tv_user')" >/dev/null
q -d pub -c "UPDATE tb_user SET name = 'after the refresh' WHERE pk_user = 9"
caught_up to_readers
diff_readers && echo "readers: equal after a full refresh on the publisher" || bad "the published read models differ after a full refresh"
[ "$(q -d readers -c "SELECT count(*) FROM pg_extension WHERE extname = 'pg_tviews'")" = 0 ] || bad "readers must not need pg_tviews"

q -d sub -c "DROP SUBSCRIPTION sub_base"
q -d readers -c "DROP SUBSCRIPTION readers"
[ "$fail" = 0 ] && echo "logical: subscribers keep their TVIEWs, and published read models follow the publisher"
exit "$fail"
