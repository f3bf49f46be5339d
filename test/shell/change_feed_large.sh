#!/usr/bin/env bash
# A transaction that changes 1,000,000 documents with pg_tviews.change_feed =
# documents: its feed goes out in numbered messages of at most
# pg_tviews.change_feed_message_size as the refresh goes, so the backend's
# memory does not grow with the feed. The writing backend's peak anonymous
# memory (RssAnon, sampled every 20 ms) is compared with the same
# transaction with the feed off; the feed itself is read back and counted.
set -euo pipefail
HERE="$(cd "$(dirname "$0")/.." && pwd)"
source "${PGTV_COMMON:-$HERE/lib/common.sh}"
ROWS="${FEED_LARGE_ROWS:-1000000}"

DIR="$(make_tmpdir)"
trap 'touch "$DIR/rss.stop"; stop_server "$DIR/srv" >/dev/null 2>&1 || true; rm -rf "$DIR"' EXIT
start_server "$DIR/srv" "shared_preload_libraries = 'pg_tviews'" "wal_level = logical" "max_replication_slots = 4" \
    "shared_buffers = 64MB" "max_wal_size = 4GB" "fsync = off" >/dev/null
# (not synchronous_commit = off: decoding reads only WAL already flushed)
export PGDATABASE=feedl
q() { psql -X -q -At -v ON_ERROR_STOP=1 "$@"; }
q -d postgres -c "CREATE DATABASE feedl"
q -v rows="$ROWS" <<'SQL'
CREATE EXTENSION pg_tviews;
CREATE TABLE tb_item (pk_item bigint PRIMARY KEY, v integer NOT NULL);
INSERT INTO tb_item SELECT g, 0 FROM generate_series(1, :rows) g;
CREATE TABLE tv_item AS SELECT i.pk_item, jsonb_build_object('v', i.v) AS data FROM tb_item i;
VACUUM ANALYZE;
SQL

# peak MODE: one transaction changing every document; prints the peak
# RssAnon (kB) of its backend.
peak() {
    rm -f "$DIR/rss" "$DIR/rss.stop"
    q -v mode="$1" -v poll="$HERE/../bench/lib/rss_poll.sh" -v out="$DIR/rss" <<'SQL' >/dev/null || return 1
SET pg_tviews.change_feed = :'mode';
SET pg_tviews.change_feed_message_size = '256kB';
SELECT pg_backend_pid() AS pid \gset
\setenv RSS_POLL :poll
\setenv RSS_PID :pid
\setenv RSS_OUT :out
\! bash "$RSS_POLL" "$RSS_PID" "$RSS_OUT" >/dev/null 2>&1 &
SELECT pg_sleep(0.2);
UPDATE tb_item SET v = v + 1;
\! touch "$RSS_OUT.stop"
SQL
    for _ in $(seq 100); do [ -s "$DIR/rss" ] && break; sleep 0.1; done
    awk '{ print $1 }' "$DIR/rss"
}

off_kb="$(peak off)" || die "the transaction failed (feed off)"
q -c "SELECT 1 FROM pg_create_logical_replication_slot('large', 'test_decoding')" >/dev/null
feed_kb="$(peak documents)" || die "the transaction failed (feed documents)"
read -r messages last_marked changes bytes max_size < <(q -F' ' -c "
  SELECT count(*), count(*) FILTER (WHERE (m->>'last')::boolean), sum(jsonb_array_length(m->'changes')),
         sum(size), max(size)
    FROM (SELECT substr(data, strpos(data, 'content:') + 8)::jsonb AS m,
                 substring(data from 'sz: ([0-9]+)')::bigint AS size
            FROM pg_logical_slot_get_changes('large', NULL, NULL)
           WHERE data LIKE 'message: transactional: 1 prefix: pg_tviews, %') x")
q -c "SELECT pg_drop_replication_slot('large')" >/dev/null
echo "one transaction, $ROWS documents changed: feed off peak RssAnon ${off_kb} kB, feed documents ${feed_kb} kB"
echo "feed: $messages messages ($last_marked marked last), $changes changes, $((bytes / 1024 / 1024)) MB, largest $max_size bytes"
fail=0
[ "$changes" = "$ROWS" ] || { echo "FAIL: the feed holds $changes changes, not $ROWS"; fail=1; }
[ "$last_marked" = 1 ] || { echo "FAIL: $last_marked messages marked last"; fail=1; }
[ "$max_size" -le 262144 ] || { echo "FAIL: a message of $max_size bytes (limit 256 kB)"; fail=1; }
# Bounded: the feed's extra peak memory is far below the feed's size (it
# would hold it all otherwise).
extra=$((feed_kb - off_kb))
echo "extra peak memory with the feed: $extra kB for a feed of $((bytes / 1024)) kB"
[ $((extra * 8)) -lt $((bytes / 1024)) ] || { echo "FAIL: the feed's memory grows with the transaction"; fail=1; }
[ "$fail" = 0 ] && echo "change_feed_large: ok"
exit "$fail"
