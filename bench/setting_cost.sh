#!/usr/bin/env bash
# bench/setting_cost.sh — what settings cost a write, side by side in one run,
# on one preloaded server (wal_level = logical). Each variant is a database
# with the same data and TVIEWs (tv_post with its author, tv_user with its
# posts) and its own settings (ALTER DATABASE ... SET); the first variant is
# the baseline of the ratios. Workloads: one post's title (2 documents), one
# author's name (about 10 + 1 documents); ROUNDS interleaved pgbench rounds
# of T seconds, one client and 4 clients; figure = best round. Prints the
# latencies, the ratios to the baseline and the WAL bytes per transaction
# (the least of the rounds).
#
#   bash bench/setting_cost.sh [--quick] TITLE NAME='setting=value ...' NAME=... ...
#   (ROUNDS and T in the environment: the number of rounds and their seconds)
#
# bench/monitoring_cost.sh and bench/change_feed_cost.sh call it.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
source "$HERE/../test/lib/common.sh"
require_root

ROUNDS="${ROUNDS:-3}" T="${T:-5}" NUSERS=2000
if [ "${1:-}" = --quick ]; then
    ROUNDS=1 T=2 NUSERS=500
    shift
fi
TITLE="$1"
shift
VARIANTS=() SETTINGS=()
for arg in "$@"; do
    VARIANTS+=("${arg%%=*}")
    SETTINGS+=("${arg#*=}")
done
[ "${#VARIANTS[@]}" -ge 2 ] || die "usage: $0 [--quick] TITLE NAME='settings' NAME='settings' ..."

DIR="$(make_tmpdir)"
trap 'stop_server "$DIR/srv" >/dev/null 2>&1 || true; rm -rf "$DIR"' EXIT
start_server "$DIR/srv" "shared_preload_libraries = 'pg_tviews'" "fsync = off" "synchronous_commit = off" \
    "wal_level = logical" >/dev/null
psqlq() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }

psqlq -d postgres -c "CREATE DATABASE sc_tpl"
psqlq -d sc_tpl -v nusers=$NUSERS <<'SQL'
CREATE EXTENSION pg_tviews;
CREATE TABLE tb_user (pk_user bigint PRIMARY KEY, name text NOT NULL);
CREATE TABLE tb_post (pk_post bigint PRIMARY KEY, fk_user bigint NOT NULL REFERENCES tb_user, title text NOT NULL);
INSERT INTO tb_user SELECT g, 'user ' || g FROM generate_series(1, :nusers) g;
INSERT INTO tb_post SELECT g, 1 + g % :nusers, 'post ' || g FROM generate_series(1, :nusers * 10) g;
CREATE INDEX ON tb_post (fk_user);
CREATE TABLE tv_post AS
SELECT p.pk_post, p.fk_user, jsonb_build_object('title', p.title, 'author', u.name) AS data
FROM tb_post p JOIN tb_user u ON u.pk_user = p.fk_user;
CREATE TABLE tv_user AS
SELECT u.pk_user, jsonb_build_object('name', u.name,
       'posts', COALESCE((SELECT jsonb_agg(tp.data ORDER BY tp.pk_post) FROM tv_post tp WHERE tp.fk_user = u.pk_user),
                         '[]'::jsonb)) AS data
FROM tb_user u;
VACUUM ANALYZE;
SQL
for i in "${!VARIANTS[@]}"; do
    db="sc_${VARIANTS[$i]}"
    psqlq -d postgres -c "CREATE DATABASE $db TEMPLATE sc_tpl"
    for s in ${SETTINGS[$i]}; do psqlq -d postgres -c "ALTER DATABASE $db SET ${s%%=*} = '${s#*=}'"; done
done

printf '%s\n' "\\set pid random(1, $((NUSERS * 10)))" \
    "UPDATE tb_post SET title = 'post ' || :pid || ' ' || random() WHERE pk_post = :pid;" >"$DIR/post.sql"
printf '%s\n' "\\set uid random(1, $NUSERS)" \
    "UPDATE tb_user SET name = 'user ' || :uid || ' ' || random() WHERE pk_user = :uid;" >"$DIR/rename.sql"

lsn() { psql -X -At -d postgres -c "SELECT pg_current_wal_insert_lsn()"; }
declare -A BEST=() WAL=()
for r in $(seq 1 $ROUNDS); do
    for w in post rename; do
        for c in 1 4; do
            for v in "${VARIANTS[@]}"; do
                before="$(lsn)"
                out="$(pgbench -n -c $c -j $c -T $T -f "$DIR/$w.sql" "sc_$v" 2>/dev/null)"
                after="$(lsn)"
                lat="$(awk '/^latency average/ { print $4 }' <<<"$out")"
                xacts="$(awk '/^number of transactions actually processed/ { print $6 }' <<<"$out")"
                [ -n "$lat" ] && [ -n "$xacts" ] || { echo "pgbench failed on sc_$v ($w, $c clients)" >&2; exit 1; }
                key="$w:$c:$v"
                if [ -z "${BEST[$key]:-}" ] || awk -v a="$lat" -v b="${BEST[$key]}" 'BEGIN { exit !(a < b) }'; then
                    BEST[$key]=$lat
                fi
                # WAL per transaction: the least of the rounds (a checkpoint's
                # full-page images land in whichever round follows it).
                wal="$(psql -X -At -d postgres -c "SELECT round(pg_wal_lsn_diff('$after', '$before') / $xacts)")"
                if [ -z "${WAL[$key]:-}" ] || [ "$wal" -lt "${WAL[$key]}" ]; then WAL[$key]=$wal; fi
            done
        done
    done
done

echo "$TITLE: $NUSERS users, $((NUSERS * 10)) posts; best of $ROUNDS round(s) of ${T}s; average latency in ms;"
echo "WAL bytes per transaction: the least of the rounds"
base="${VARIANTS[0]}"
header="$(printf '%-20s' workload)"
for v in "${VARIANTS[@]}"; do header+="$(printf ' %10s' "$v")"; done
for v in "${VARIANTS[@]:1}"; do header+="$(printf ' %14s' "$v/$base")"; done
for v in "${VARIANTS[@]}"; do header+="$(printf ' %12s' "WAL $v")"; done
echo "$header"
for w in post rename; do
    for c in 1 4; do
        line="$(printf '%-20s' "$w, $c client(s)")"
        for v in "${VARIANTS[@]}"; do line+="$(printf ' %10s' "${BEST[$w:$c:$v]}")"; done
        for v in "${VARIANTS[@]:1}"; do
            line+="$(printf ' %14s' "$(awk -v a="${BEST[$w:$c:$v]}" -v b="${BEST[$w:$c:$base]}" 'BEGIN { printf "%.3f", a / b }')")"
        done
        for v in "${VARIANTS[@]}"; do line+="$(printf ' %12s' "${WAL[$w:$c:$v]}")"; done
        echo "$line"
    done
done
rows=""
for v in "${VARIANTS[@]}"; do rows+=" $v $(psql -X -At -d "sc_$v" -c "SELECT count(*) FROM pg_tviews_metrics")"; done
echo "pg_tviews_metrics rows per database:$rows"
