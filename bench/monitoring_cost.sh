#!/usr/bin/env bash
# bench/monitoring_cost.sh — what the monitoring costs a write, side by side in
# one run, on one preloaded server:
#   off      pg_tviews.track_stats = off, metrics_enabled = off
#   stats    the default: server-wide figures in shared memory, no metrics rows
#   metrics  figures and one pg_tviews_metrics row per committed transaction
# Each database has the same data and TVIEWs (tv_post with its author,
# tv_user with its posts). Workloads: one post's title (2 documents), one
# author's name (about 10 + 1 documents); ROUNDS interleaved pgbench rounds
# of T seconds, one client and 4 clients; figure = best round. Prints the
# latencies and the ratios to `off`.
#   bash bench/monitoring_cost.sh [--quick]
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
source "$HERE/../test/lib/common.sh"
require_root

ROUNDS=3 T=5 NUSERS=2000
if [ "${1:-}" = --quick ]; then ROUNDS=1 T=2 NUSERS=500; fi
DIR="$(make_tmpdir)"
trap 'stop_server "$DIR/srv" >/dev/null 2>&1 || true; rm -rf "$DIR"' EXIT
start_server "$DIR/srv" "shared_preload_libraries = 'pg_tviews'" "fsync = off" "synchronous_commit = off" >/dev/null
psqlq() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }

psqlq -d postgres -c "CREATE DATABASE mc_tpl"
psqlq -d mc_tpl -v nusers=$NUSERS <<'SQL'
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
VARIANTS=(off stats metrics)
for v in "${VARIANTS[@]}"; do psqlq -d postgres -c "CREATE DATABASE mc_$v TEMPLATE mc_tpl"; done
psqlq -d postgres -c "ALTER DATABASE mc_off SET pg_tviews.track_stats = off" \
    -c "ALTER DATABASE mc_metrics SET pg_tviews.metrics_enabled = on"

printf '%s\n' "\\set pid random(1, $((NUSERS * 10)))" \
    "UPDATE tb_post SET title = 'post ' || :pid || ' ' || random() WHERE pk_post = :pid;" >"$DIR/post.sql"
printf '%s\n' "\\set uid random(1, $NUSERS)" \
    "UPDATE tb_user SET name = 'user ' || :uid || ' ' || random() WHERE pk_user = :uid;" >"$DIR/rename.sql"

declare -A BEST=()
for r in $(seq 1 $ROUNDS); do
    for w in post rename; do
        for c in 1 4; do
            for v in "${VARIANTS[@]}"; do
                lat="$(pgbench -n -c $c -j $c -T $T -f "$DIR/$w.sql" "mc_$v" 2>/dev/null | awk '/^latency average/ { print $4 }')"
                [ -n "$lat" ] || { echo "pgbench failed on mc_$v ($w, $c clients)" >&2; exit 1; }
                key="$w:$c:$v"
                if [ -z "${BEST[$key]:-}" ] || awk -v a="$lat" -v b="${BEST[$key]}" 'BEGIN { exit !(a < b) }'; then
                    BEST[$key]=$lat
                fi
            done
        done
    done
done

rows="$(psql -X -At -d mc_metrics -c "SELECT count(*) FROM pg_tviews_metrics")"
echo "monitoring cost: $NUSERS users, $((NUSERS * 10)) posts; best of $ROUNDS round(s) of ${T}s; average latency in ms"
printf '%-22s %10s %10s %10s %12s %12s\n' workload off stats metrics stats/off metrics/off
for w in post rename; do
    for c in 1 4; do
        off=${BEST[$w:$c:off]} st=${BEST[$w:$c:stats]} me=${BEST[$w:$c:metrics]}
        printf '%-22s %10s %10s %10s %12s %12s\n' "$w, $c client(s)" "$off" "$st" "$me" \
            "$(awk -v a="$st" -v b="$off" 'BEGIN { printf "%.3f", a / b }')" \
            "$(awk -v a="$me" -v b="$off" 'BEGIN { printf "%.3f", a / b }')"
    done
done
echo "pg_tviews_metrics rows written in the metrics database: $rows"
