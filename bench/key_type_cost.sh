#!/usr/bin/env bash
# bench/key_type_cost.sh — a TVIEW keyed by uuid against the same TVIEW keyed
# by bigint, side by side in one run on one preloaded server. Two databases
# hold the same data (users, 10 posts each, 3 comments per post) and the same
# TVIEWs (tv_post with its author and its comments' authors, tv_user with the
# documents of its posts); in one every key and foreign key is a uuid
# (md5 of the bigint key), in the other a bigint. Workloads: one post's
# title (2 documents), one author's name (~40 documents: their posts, the
# posts they commented on, the users embedding those), a comment inserted
# (2 documents). ROUNDS interleaved pgbench rounds of T seconds, 1 and 4
# clients; figure = best round. The two sides take turns going first (odd
# rounds bigint first, even rounds uuid first), so neither always runs right
# after the other's CREATE DATABASE and round. Every round starts from a
# fresh copy of its side's database (CREATE DATABASE ... TEMPLATE): the
# comments a round inserts would otherwise grow the documents of the later
# rounds, more on the side that ran faster. Prints latencies, the ratio uuid/bigint
# (issue 10's target: within 1.2) and the WAL bytes per transaction.
#
#   bash bench/key_type_cost.sh [--quick]     (ROUNDS, T in the environment)
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
source "$HERE/../test/lib/common.sh"
require_root

ROUNDS="${ROUNDS:-5}" T="${T:-5}" NUSERS=2000
if [ "${1:-}" = --quick ]; then
    ROUNDS=1 T=2 NUSERS=500
    shift
fi

DIR="$(make_tmpdir)"
trap 'stop_server "$DIR/srv" >/dev/null 2>&1 || true; rm -rf "$DIR"' EXIT
# The settings of bench/run.sh's server: no full-page images (fsync is off, they
# would protect nothing; uuid keys insert all over their indexes, so a
# checkpoint inside one side's rounds would add far more of them to that side),
# no checkpoint by time or WAL volume during the run, no autovacuum worker
# taking one of the CPUs in the middle of one side's round (each round starts
# on a freshly vacuumed database instead).
start_server "$DIR/srv" "shared_preload_libraries = 'pg_tviews'" "fsync = off" "synchronous_commit = off" \
    "shared_buffers = 1GB" "max_wal_size = 8GB" "checkpoint_timeout = 30min" "full_page_writes = off" \
    "autovacuum = off" >/dev/null
psqlq() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }

# build DB TYPE KEY_EXPR: KEY_EXPR turns the integer n into a key of TYPE.
build() {
    local db="$1" type="$2" key="$3"
    psqlq -d postgres -c "CREATE DATABASE $db"
    psqlq -d "$db" -v nusers=$NUSERS <<SQL
CREATE EXTENSION pg_tviews;
CREATE FUNCTION k(n bigint) RETURNS $type LANGUAGE sql IMMUTABLE PARALLEL SAFE AS \$\$ SELECT $key \$\$;
CREATE TABLE tb_user (pk_user $type PRIMARY KEY, name text NOT NULL);
CREATE TABLE tb_post (pk_post $type PRIMARY KEY, fk_user $type NOT NULL REFERENCES tb_user, title text NOT NULL);
CREATE TABLE tb_comment (pk_comment $type PRIMARY KEY, fk_post $type NOT NULL REFERENCES tb_post,
                         fk_user $type NOT NULL REFERENCES tb_user, body text NOT NULL);
INSERT INTO tb_user SELECT k(g), 'user ' || g FROM generate_series(1, :nusers) g;
INSERT INTO tb_post SELECT k(g), k(1 + g % :nusers), 'post ' || g FROM generate_series(1, :nusers * 10) g;
INSERT INTO tb_comment SELECT k(g), k(1 + g % (:nusers * 10)), k(1 + (g * 7) % :nusers), 'comment ' || g
  FROM generate_series(1, :nusers * 30) g;
CREATE INDEX ON tb_post (fk_user);
CREATE INDEX ON tb_comment (fk_post);
CREATE INDEX ON tb_comment (fk_user);
CREATE TABLE tv_post AS
SELECT p.pk_post, p.fk_user,
       jsonb_build_object('title', p.title, 'author', u.name,
         'comments', COALESCE((SELECT jsonb_agg(jsonb_build_object('body', c.body, 'by', cu.name) ORDER BY c.body)
                               FROM tb_comment c JOIN tb_user cu ON cu.pk_user = c.fk_user
                               WHERE c.fk_post = p.pk_post), '[]'::jsonb)) AS data
FROM tb_post p JOIN tb_user u ON u.pk_user = p.fk_user;
CREATE TABLE tv_user AS
SELECT u.pk_user, jsonb_build_object('name', u.name,
       'posts', COALESCE((SELECT jsonb_agg(tp.data ORDER BY tp.data->>'title') FROM tv_post tp
                          WHERE tp.fk_user = u.pk_user), '[]'::jsonb)) AS data
FROM tb_user u;
CREATE SEQUENCE comment_seq START $((NUSERS * 30 + 1));
VACUUM ANALYZE;
SQL
}
build kt_bigint_tpl bigint 'n'
build kt_uuid_tpl uuid "md5('k' || n)::uuid"
psqlq -d postgres -c CHECKPOINT

# stale DB: documents of DB's TVIEWs that differ from their definitions.
stale() {
    psql -X -At -d "$1" -c "SELECT (SELECT count(*) FROM (SELECT * FROM tv_post EXCEPT ALL SELECT * FROM v_post) a)
        + (SELECT count(*) FROM (SELECT * FROM v_post EXCEPT ALL SELECT * FROM tv_post) b)
        + (SELECT count(*) FROM (SELECT * FROM tv_user EXCEPT ALL SELECT * FROM v_user) c)
        + (SELECT count(*) FROM (SELECT * FROM v_user EXCEPT ALL SELECT * FROM tv_user) d)"
}

printf '%s\n' "\\set pid random(1, $((NUSERS * 10)))" \
    "UPDATE tb_post SET title = 'post ' || :pid || ' ' || random() WHERE pk_post = k(:pid);" >"$DIR/post.sql"
printf '%s\n' "\\set uid random(1, $NUSERS)" \
    "UPDATE tb_user SET name = 'user ' || :uid || ' ' || random() WHERE pk_user = k(:uid);" >"$DIR/rename.sql"
printf '%s\n' "\\set pid random(1, $((NUSERS * 10)))" "\\set uid random(1, $NUSERS)" \
    "INSERT INTO tb_comment VALUES (k(nextval('comment_seq')), k(:pid), k(:uid), 'new comment');" >"$DIR/comment.sql"

lsn() { psql -X -At -d postgres -c "SELECT pg_current_wal_insert_lsn()"; }
declare -A BEST=() WAL=()
for r in $(seq 1 $ROUNDS); do
    if [ $((r % 2)) = 1 ]; then VARIANTS=(bigint uuid); else VARIANTS=(uuid bigint); fi
    for w in post rename comment; do
        for c in 1 4; do
            for v in "${VARIANTS[@]}"; do
                psqlq -d postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS kt_$v" -c "CREATE DATABASE kt_$v TEMPLATE kt_${v}_tpl"
                before="$(lsn)"
                out="$(pgbench -n -c $c -j $c -T $T -f "$DIR/$w.sql" "kt_$v" 2>/dev/null)"
                after="$(lsn)"
                lat="$(awk '/^latency average/ { print $4 }' <<<"$out")"
                xacts="$(awk '/^number of transactions actually processed/ { print $6 }' <<<"$out")"
                [ -n "$lat" ] && [ -n "$xacts" ] || { echo "pgbench failed on kt_$v ($w, $c clients)" >&2; exit 1; }
                key="$w:$c:$v"
                if [ -z "${BEST[$key]:-}" ] || awk -v a="$lat" -v b="${BEST[$key]}" 'BEGIN { exit !(a < b) }'; then
                    BEST[$key]=$lat
                fi
                wal="$(psql -X -At -d postgres -c "SELECT round(pg_wal_lsn_diff('$after', '$before') / $xacts)")"
                if [ -z "${WAL[$key]:-}" ] || [ "$wal" -lt "${WAL[$key]}" ]; then WAL[$key]=$wal; fi
                # The round's documents must still equal their definitions.
                n="$(stale "kt_$v")"
                [ "$n" = 0 ] || { echo "kt_$v: $n stale document(s) after $w, $c client(s), round $r" >&2; exit 1; }
            done
        done
    done
done

echo "key type cost: $NUSERS users, $((NUSERS * 10)) posts, $((NUSERS * 30)) comments; best of $ROUNDS round(s) of ${T}s;"
echo "average latency in ms; WAL bytes per transaction: the least of the rounds; 0 stale documents after every round"
printf '%-22s %10s %10s %12s %12s %12s\n' workload bigint uuid uuid/bigint "WAL bigint" "WAL uuid"
for w in post rename comment; do
    for c in 1 4; do
        b="${BEST[$w:$c:bigint]}" u="${BEST[$w:$c:uuid]}"
        printf '%-22s %10s %10s %12s %12s %12s\n' "$w, $c client(s)" "$b" "$u" \
            "$(awk -v a="$u" -v b="$b" 'BEGIN { printf "%.3f", a / b }')" "${WAL[$w:$c:bigint]}" "${WAL[$w:$c:uuid]}"
    done
done
