#!/usr/bin/env bash
# ALTER EXTENSION pg_tviews UPDATE from every older version to the current
# one, and back (the guides' emergency rollback): a database that created its
# TVIEWs under one version (one owned by a non-superuser) ends up with exactly
# the member objects, columns, privileges and dumped configuration tables of
# a fresh install of the other, keeps its TVIEWs and their documents, and goes
# on maintaining them (checked against a fresh run of each definition, both
# ways). Then it updates again.
set -euo pipefail
HERE="$(cd "$(dirname "$0")/.." && pwd)"
source "${PGTV_COMMON:-$HERE/lib/common.sh}"

DIR="$(make_tmpdir)"
trap 'stop_server "$DIR/srv" >/dev/null 2>&1 || true; rm -rf "$DIR"' EXIT
start_server "$DIR/srv" "shared_preload_libraries = 'pg_tviews'" >/dev/null

current="$(sed -n "s/^default_version *= *'\(.*\)'/\1/p" "$PGTV_ROOT/pg_tviews.control")"
olds="$(psql -X -At -d postgres -c "SELECT version FROM pg_available_extension_versions
                                    WHERE name = 'pg_tviews' AND version <> '$current' ORDER BY 1")"
[ -n "$olds" ] || die "no older version of pg_tviews is installed to upgrade from"

fail=0
members="SELECT pg_describe_object(classid, objid, 0) FROM pg_depend
          WHERE refclassid = 'pg_extension'::regclass AND deptype = 'e' ORDER BY 1"
columns="SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull
           FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
           JOIN pg_depend d ON d.objid = c.oid AND d.classid = 'pg_class'::regclass AND d.deptype = 'e'
          WHERE a.attnum > 0 AND NOT a.attisdropped ORDER BY 1, 2"
config="SELECT extconfig::regclass[]::text, extcondition::text FROM pg_extension WHERE extname = 'pg_tviews'"
# privileges as granted (a NULL ACL read as the owner's defaults)
grants="SELECT c.relname, a.grantee::regrole, a.privilege_type FROM pg_class c
          JOIN pg_depend d ON d.objid = c.oid AND d.classid = 'pg_class'::regclass AND d.deptype = 'e',
          LATERAL aclexplode(COALESCE(c.relacl, acldefault('r', c.relowner))) a ORDER BY 1, 2, 3"
procs="SELECT p.oid::regprocedure::text, a.grantee, a.privilege_type, p.prosecdef, p.provolatile, md5(p.prosrc) FROM pg_proc p
          JOIN pg_depend d ON d.objid = p.oid AND d.classid = 'pg_proc'::regclass AND d.deptype = 'e',
          LATERAL aclexplode(COALESCE(p.proacl, acldefault('f', p.proowner))) a ORDER BY 1, 2, 3"
events="SELECT evtname, evtevent, evtenabled, evttags::text FROM pg_event_trigger ORDER BY 1"

psql -X -q -d postgres -c "CREATE ROLE upgrade_owner LOGIN"
for v in $olds $current; do
    psql -X -q -d postgres -c "CREATE DATABASE fresh_${v//./_}"
    psql -X -q -d "fresh_${v//./_}" -c "CREATE EXTENSION pg_tviews VERSION '$v'"
done

build_tviews() {  # DB VERSION
    psql -X -q -d postgres -c "CREATE DATABASE $1 OWNER upgrade_owner"
    psql -X -q -v ON_ERROR_STOP=1 -d "$1" <<SQL
CREATE EXTENSION pg_tviews VERSION '$2';
CREATE TABLE tb_user (pk_user bigint PRIMARY KEY, name text NOT NULL);
CREATE TABLE tb_post (pk_post bigint PRIMARY KEY, fk_user bigint NOT NULL REFERENCES tb_user, title text NOT NULL);
INSERT INTO tb_user SELECT g, 'user ' || g FROM generate_series(1, 10) g;
INSERT INTO tb_post SELECT g, 1 + g % 10, 'post ' || g FROM generate_series(1, 100) g;
CREATE TABLE tv_post AS
SELECT p.pk_post, p.fk_user, jsonb_build_object('title', p.title, 'author', u.name) AS data
  FROM tb_post p JOIN tb_user u ON u.pk_user = p.fk_user;
SET ROLE upgrade_owner;
CREATE SCHEMA app;
CREATE TABLE app.tb_tag (pk_tag bigint PRIMARY KEY, label text NOT NULL);
INSERT INTO app.tb_tag SELECT g, 'tag ' || g FROM generate_series(1, 5) g;
CREATE TABLE app.tv_tag AS SELECT t.pk_tag, jsonb_build_object('label', t.label) AS data FROM app.tb_tag t;
RESET ROLE;
UPDATE tb_user SET name = 'before the update' WHERE pk_user = 1;
SQL
}

same_as_fresh() {  # DB VERSION LABEL
    local q
    for q in members columns config grants procs events; do
        if ! diff <(psql -X -At -d "$1" -c "${!q}") <(psql -X -At -d "fresh_${2//./_}" -c "${!q}") >"$DIR/diff"; then
            echo "FAIL ($3): $q differ from a fresh $2 install:"; cat "$DIR/diff"; fail=1
        fi
    done
}

still_maintained() {  # DB LABEL ROUND
    local out
    out="$(psql -X -q -At -v ON_ERROR_STOP=1 -d "$1" <<SQL
UPDATE tb_user SET name = 'round $3' WHERE pk_user = 2 + $3;
INSERT INTO tb_post VALUES (1000 + $3, 3, 'new');
DELETE FROM tb_post WHERE pk_post = 5 + $3;
SET ROLE upgrade_owner;
UPDATE app.tb_tag SET label = 'round $3' WHERE pk_tag = 1 + $3;
RESET ROLE;
SELECT 'post', count(*) FROM (
  (SELECT * FROM tv_post EXCEPT ALL SELECT p.pk_post, p.fk_user, jsonb_build_object('title', p.title, 'author', u.name)
     FROM tb_post p JOIN tb_user u ON u.pk_user = p.fk_user)
  UNION ALL
  (SELECT p.pk_post, p.fk_user, jsonb_build_object('title', p.title, 'author', u.name)
     FROM tb_post p JOIN tb_user u ON u.pk_user = p.fk_user EXCEPT ALL SELECT * FROM tv_post)) d;
SELECT 'tag', count(*) FROM (
  (SELECT * FROM app.tv_tag EXCEPT ALL SELECT t.pk_tag, jsonb_build_object('label', t.label) FROM app.tb_tag t)
  UNION ALL
  (SELECT t.pk_tag, jsonb_build_object('label', t.label) FROM app.tb_tag t EXCEPT ALL SELECT * FROM app.tv_tag)) d;
SELECT 'tviews', string_agg(entity, ',' ORDER BY entity) FROM pg_tview_meta;
SELECT 'health', count(*) FROM pg_tviews_health_check() WHERE status <> 'OK';
SQL
)" || { echo "FAIL ($2): writes or checks failed: $out"; fail=1; return; }
    echo "[$2] $(echo "$out" | tr '\n' ' ')"
    [ "$out" = "post|0
tag|0
tviews|post,tag
health|0" ] || { echo "FAIL ($2): the TVIEWs are not maintained as before"; fail=1; }
}

for old in $olds; do
    db="up_${old//./_}"
    log "update $old -> $current"
    build_tviews "$db" "$old"
    psql -X -q -v ON_ERROR_STOP=1 -d "$db" -c "ALTER EXTENSION pg_tviews UPDATE TO '$current'"
    same_as_fresh "$db" "$current" "$old -> $current"
    still_maintained "$db" "$old -> $current" 1

    db="down_${old//./_}"
    log "downgrade $current -> $old, then update again"
    build_tviews "$db" "$current"
    psql -X -q -v ON_ERROR_STOP=1 -d "$db" -c "ALTER EXTENSION pg_tviews UPDATE TO '$old'"
    same_as_fresh "$db" "$old" "$current -> $old"
    still_maintained "$db" "$current -> $old" 1
    psql -X -q -v ON_ERROR_STOP=1 -d "$db" -c "ALTER EXTENSION pg_tviews UPDATE TO '$current'"
    same_as_fresh "$db" "$current" "$current -> $old -> $current"
    still_maintained "$db" "$current -> $old -> $current" 2
done

[ "$fail" = 0 ] && echo "upgrade: every older version updates to $current and back like a fresh install"
exit "$fail"
