#!/usr/bin/env bash
# rss_poll.sh PID OUT: sample /proc/PID/status every 20 ms until OUT.stop
# exists or PID is gone; then write "peak_RssAnon_kB peak_VmRSS_kB" to OUT.
pid="$1" out="$2"
max_anon=0 max_rss=0
while [ -r "/proc/$pid/status" ] && [ ! -e "$out.stop" ]; do
    read -r anon rss < <(awk '/^RssAnon:/ {a=$2} /^VmRSS:/ {r=$2} END {print a+0, r+0}' "/proc/$pid/status" 2>/dev/null)
    [ "${anon:-0}" -gt "$max_anon" ] && max_anon=$anon
    [ "${rss:-0}" -gt "$max_rss" ] && max_rss=$rss
    sleep 0.02
done
echo "$max_anon $max_rss" >"$out.tmp" && mv "$out.tmp" "$out"
