#!/usr/bin/env bash
# ALTER EXTENSION pg_tviews UPDATE from every older version to the current
# one: a database that created its TVIEWs under 0.1.0 (one owned by a
# non-superuser) ends up with exactly the member objects, columns and dumped
# configuration tables of a fresh install, keeps its TVIEWs and their
# documents, and goes on maintaining them (checked against a fresh run of
# each definition, both ways).
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
grants="SELECT c.relname, c.relacl::text FROM pg_class c
          JOIN pg_depend d ON d.objid = c.oid AND d.classid = 'pg_class'::regclass AND d.deptype = 'e' ORDER BY 1"
procs="SELECT p.oid::regprocedure::text, p.proacl::text, p.prosecdef, p.provolatile FROM pg_proc p
          JOIN pg_depend d ON d.objid = p.oid AND d.classid = 'pg_proc'::regclass AND d.deptype = 'e' ORDER BY 1"

psql -X -q -d postgres -c "CREATE DATABASE fresh"
psql -X -q -d fresh -c "CREATE EXTENSION pg_tviews"
psql -X -q -d postgres -c "CREATE ROLE upgrade_owner LOGIN"

for old in $olds; do
    db="from_${old//./_}"
    log "upgrade $old -> $current"
    psql -X -q -d postgres -c "CREATE DATABASE $db OWNER upgrade_owner"
    psql -X -q -v ON_ERROR_STOP=1 -d "$db" <<SQL
CREATE EXTENSION pg_tviews VERSION '$old';
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
UPDATE tb_user SET name = 'before the upgrade' WHERE pk_user = 1;
ALTER EXTENSION pg_tviews UPDATE TO '$current';
SQL
    for q in members columns config grants procs; do
        if ! diff <(psql -X -At -d "$db" -c "${!q}") <(psql -X -At -d fresh -c "${!q}") >"$DIR/diff"; then
            echo "FAIL: $q differ between the upgraded and a fresh $current install:"; cat "$DIR/diff"; fail=1
        fi
    done
    out="$(psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" <<'SQL'
UPDATE tb_user SET name = 'after the upgrade' WHERE pk_user = 2;
INSERT INTO tb_post VALUES (101, 3, 'new');
DELETE FROM tb_post WHERE pk_post = 5;
SET ROLE upgrade_owner;
UPDATE app.tb_tag SET label = 'renamed' WHERE pk_tag = 4;
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
SELECT 'tviews', string_agg(entity || ':' || trigger_count || ':' || guard_trigger_count, ',' ORDER BY entity) FROM pg_tview_meta;
SELECT 'health', count(*) FROM pg_tviews_health_check() WHERE status <> 'OK';
SQL
)"
    echo "$out"
    expected_out="post|0
tag|0
tviews|post:8:2,tag:4:2
health|0"
    if [ "$out" != "$expected_out" ]; then
        echo "FAIL: after the upgrade from $old the TVIEWs are not maintained as before"; fail=1
    fi
done

[ "$fail" = 0 ] && echo "upgrade: every older version updates to $current like a fresh install"
exit "$fail"
