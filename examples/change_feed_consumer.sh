#!/usr/bin/env bash
# A small consumer of the pg_tviews change feed (docs/change-feed.md): prints
# one line per changed document,
#     <commit LSN> <op> <entity> <pk>
# in commit order, and resumes where it stopped.
#
#   PGHOST=... PGDATABASE=app bash examples/change_feed_consumer.sh [--once] SLOT STATE_FILE
#
# It reads the slot with SQL (pg_logical_slot_peek_changes, test_decoding; the
# slot is created if missing), needs a role with REPLICATION, and psql only.
# After printing a transaction it writes that transaction's commit LSN to
# STATE_FILE; after each batch it moves the slot past what it printed
# (pg_replication_slot_advance). Killed at any point, it starts again from the
# slot's position and skips the transactions STATE_FILE says it printed:
# nothing is lost, and a transaction is printed twice only if the kill came
# between printing it and saving its LSN. --once stops when nothing is left.
set -euo pipefail

ONCE=0
if [ "${1:-}" = --once ]; then ONCE=1; shift; fi
[ $# -eq 2 ] || { echo "usage: $0 [--once] SLOT STATE_FILE" >&2; exit 2; }
SLOT="$1" STATE="$2"
BATCH="${FEED_BATCH:-10000}"   # changes per read (whole transactions)
sql() { psql -X -q -At -v ON_ERROR_STOP=1 -v slot="$SLOT" "$@"; }

# (psql reads the SQL from standard input: -c would not expand :'variables')
sql >/dev/null <<<"SELECT pg_create_logical_replication_slot(:'slot', 'test_decoding')
                    WHERE NOT EXISTS (SELECT FROM pg_replication_slots WHERE slot_name = :'slot')"
last="$(cat "$STATE" 2>/dev/null || echo 0/0)"

# Prints one transaction's lines, then records it as printed.
current="" lines=""
flush_transaction() {
    [ -n "$current" ] || return 0
    printf '%s\n' "$lines"
    echo "$current" >"$STATE.tmp" && mv "$STATE.tmp" "$STATE"
    last="$current" current="" lines=""
}

while true; do
    # One row per changed document of the transactions read that STATE_FILE
    # does not list, then one "END <lsn>" row: where the batch ends
    # (transactions without feed messages included).
    rows="$(sql -1 -v batch="$BATCH" -v last="$last" <<'SQL'
CREATE TEMP TABLE batch ON COMMIT DROP AS
SELECT lsn, xid, data, row_number() OVER () AS n
  FROM pg_logical_slot_peek_changes(:'slot', NULL, :batch, 'include-xids', '1', 'skip-empty-xacts', '1');
SELECT c.commit_lsn || ' ' || (ch->>'op') || ' ' || (ch->>'entity') || ' ' || (ch->>'pk')
  FROM (SELECT xid, n, substr(data, strpos(data, 'content:') + 8)::jsonb AS msg FROM batch
         WHERE data LIKE 'message: transactional: 1 prefix: pg_tviews, %') m
  JOIN (SELECT xid, lsn AS commit_lsn FROM batch WHERE data LIKE 'COMMIT%') c USING (xid),
       jsonb_array_elements(m.msg->'changes') WITH ORDINALITY AS x(ch, i)
 WHERE c.commit_lsn > :'last'::pg_lsn
 ORDER BY c.commit_lsn, m.n, x.i;
SELECT 'END ' || coalesce(max(lsn)::text, '') FROM batch WHERE data LIKE 'COMMIT%';
SQL
)"
    end=""
    while IFS= read -r row; do
        [ -n "$row" ] || continue
        case "$row" in
            "END "*) end="${row#END }"; continue ;;
        esac
        lsn="${row%% *}"
        if [ "$lsn" != "$current" ]; then
            flush_transaction
            current="$lsn" lines="$row"
        else
            lines+=$'\n'"$row"
        fi
    done <<<"$rows"
    flush_transaction
    if [ -n "$end" ]; then
        sql -v upto="$end" >/dev/null <<<"SELECT pg_replication_slot_advance(:'slot', :'upto'::pg_lsn)"
    elif [ "$ONCE" -eq 1 ]; then
        exit 0
    else
        sleep 1
    fi
done
