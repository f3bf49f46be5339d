#!/usr/bin/env bash
# bench/patching_cost.sh — what patching saves (bench/setting_cost.sh):
# pg_tviews.patching = off (recompute every document) against on.
#   bash bench/patching_cost.sh [--quick]
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
exec bash "$HERE/setting_cost.sh" "$@" "patching" recompute='pg_tviews.patching=off' patch=''
