#!/usr/bin/env bash
# bench/monitoring_cost.sh — what the monitoring costs a write (bench/setting_cost.sh):
#   off      pg_tviews.track_stats = off, metrics_enabled = off
#   stats    the default: server-wide figures in shared memory, no metrics rows
#   metrics  figures and one pg_tviews_metrics row per committed transaction
#   bash bench/monitoring_cost.sh [--quick]
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
exec bash "$HERE/setting_cost.sh" "$@" "monitoring cost" off='pg_tviews.track_stats=off' stats='' \
    metrics='pg_tviews.metrics_enabled=on'
