#!/usr/bin/env bash
# bench/change_feed_cost.sh — what the change feed costs a write (bench/setting_cost.sh):
# pg_tviews.change_feed = off, keys, documents, patches; ratios to off.
#   bash bench/change_feed_cost.sh [--quick]
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
exec bash "$HERE/setting_cost.sh" "$@" "change feed cost" off='' keys='pg_tviews.change_feed=keys' \
    documents='pg_tviews.change_feed=documents' patches='pg_tviews.change_feed=patches'
