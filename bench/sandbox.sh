#!/usr/bin/env bash
# Sandbox speed and memory, so that the sandbox is never what limits a benchmark.
#  - throughput of GET /api/v2/users/{id} (rate limits off, auth, faults and counters
#    on the path) against the same server's bare GET /_sandbox/ping as baseline;
#  - resident memory once seeded with 100,000 calls and 100,000 contacts, against the
#    default data set as baseline.
# Usage: bench/sandbox.sh [seconds per run, default 10]. Needs wrk (Debian: apt-get install wrk).
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }
cargo build --quiet --release -p patchbay-gateway --bin patchbay
bin=target/release/patchbay
tmp=$(mktemp -d)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; rm -rf "$tmp"' EXIT

# start SIZE NAME: starts a sandbox, waits for its ready line, sets $url $key $pid.
start() {
  "$bin" dialpad-sandbox --listen 127.0.0.1:0 --size "$1" --companies 1 --no-rate-limits \
    --stats-processing-ms 0 \
    >"$tmp/$2.out" 2>/dev/null &
  pid=$!
  pids+=("$pid")
  for _ in $(seq 1 600); do
    if grep -q '"ready":true' "$tmp/$2.out" 2>/dev/null; then break; fi
    sleep 0.1
  done
  url=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["url"])' "$tmp/$2.out")
  key=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["apiKey"])' "$tmp/$2.out")
}
rss_mb() { awk '/VmRSS/ {printf "%.1f", $2/1024}' "/proc/$1/status"; }
hwm_mb() { awk '/VmHWM/ {printf "%.1f", $2/1024}' "/proc/$1/status"; }
rps() { wrk -t1 -c64 -d"${secs}s" --latency "$@" | tee -a "$tmp/wrk.log" | awk '/Requests\/sec/ {print $2}'; }
p99() { awk '/ 99%/ {v=$2} END {print v}' "$tmp/wrk.log"; }

start 200 small
small_rss=$(rss_mb "$pid")
kill "$pid"

start 100000 large
large_rss=$(rss_mb "$pid")
large_hwm=$(hwm_mb "$pid")
counts=$(curl -s "$url/_sandbox/companies" | python3 -c 'import json,sys; c=json.load(sys.stdin)["companies"][0]; print(c["calls"], c["shared_contacts"]+c["local_contacts"], c["users"])')
user_id=$(curl -s -H "Authorization: Bearer $key" "$url/api/v2/users" | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][3]["id"])')

: >"$tmp/wrk.log"
base=$(rps "$url/_sandbox/ping")
: >"$tmp/wrk.log"
users=$(rps -H "Authorization: Bearer $key" "$url/api/v2/users/$user_id")
users_p99=$(p99)
: >"$tmp/wrk.log"
calls=$(rps -H "Authorization: Bearer $key" "$url/api/v2/call")
after_rss=$(rss_mb "$pid")

# A Stats API records export of every call of the last 90 days, timed as a download.
rid=$(curl -s -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
  -d '{"export_type":"records","stat_type":"calls","days_ago_start":1,"days_ago_end":90}' \
  "$url/api/v2/stats" | python3 -c 'import json,sys; print(json.load(sys.stdin)["request_id"])')
download=""
for _ in $(seq 1 100); do
  download=$(curl -s -H "Authorization: Bearer $key" "$url/api/v2/stats/$rid" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin).get("download_url") or "")')
  [ -n "$download" ] && break
  sleep 0.1
done
export_secs=$(curl -s -o "$tmp/export.csv" -w '%{time_total}' "$download")
export_rows=$(( $(wc -l <"$tmp/export.csv") - 1 ))

read -r n_calls n_contacts n_users <<<"$counts"
echo
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo); wrk -t1 -c64 -d${secs}s on the same machine"
printf '%-44s %12s %10s\n' "measure" "value" "ratio"
printf '%-44s %12.0f %10s\n' "GET /_sandbox/ping req/s (baseline)" "$base" "1.00"
printf '%-44s %12.0f %10.2f\n' "GET /api/v2/users/{id} req/s" "$users" "$(awk -v a="$users" -v b="$base" 'BEGIN {print a/b}')"
printf '%-44s %12s %10s\n' "GET /api/v2/users/{id} p99" "$users_p99" ""
printf '%-44s %12.0f %10.2f\n' "GET /api/v2/call (page of 25) req/s" "$calls" "$(awk -v a="$calls" -v b="$base" 'BEGIN {print a/b}')"
printf '%-44s %12s %10s\n' "RSS, default data set (MB, baseline)" "$small_rss" "1.00"
printf '%-44s %12s %10.2f\n' "RSS, $n_calls calls + $n_contacts contacts (MB)" "$large_rss" "$(awk -v a="$large_rss" -v b="$small_rss" 'BEGIN {print a/b}')"
printf '%-44s %12s %10s\n' "peak RSS while seeding (MB)" "$large_hwm" ""
printf '%-44s %12s %10s\n' "RSS after the load (MB)" "$after_rss" ""
printf '%-44s %12s %10s\n' "stats export: rows, seconds" "$export_rows" "$export_secs"
printf '%-44s %12.0f %10s\n' "stats export rows/s" "$(awk -v r="$export_rows" -v t="$export_secs" 'BEGIN {print r/t}')" ""
echo "($n_users users)"
