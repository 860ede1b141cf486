#!/usr/bin/env bash
# What a unified call costs over the Dialpad call under it: GET
# /v1/resources/genericContact?limit=100 through the gateway against GET
# /api/v2/contacts?include_local=true (the same 100 records) straight at the sandbox, same
# machine, same run, 64 concurrent clients. Targets: >= 70% of the direct throughput,
# <= +20% on the median latency.
# Usage: bench/resources.sh [seconds per run, default 10]. Needs wrk (apt-get install -y wrk).
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }
cargo build --quiet --release -p patchbay-gateway --bin patchbay
bin=target/release/patchbay
tmp=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT

PATCHBAY_ENCRYPTION_KEY=$("$bin" encryption generate-key --id bench) \
  "$bin" serve --sandbox --listen 127.0.0.1:0 --database "sqlite://$tmp/bench.db" \
  >"$tmp/serve.out" 2>"$tmp/serve.err" &
pid=$!
for _ in $(seq 1 600); do
  grep -q '^{"ready":true' "$tmp/serve.out" 2>/dev/null && break
  sleep 0.1
done
ready=$(grep '^{"ready":true' "$tmp/serve.out")
field() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$ready" "$1"; }
gw=$(field url)
sb=$(field sandboxUrl)
sk=$(field secretKey)
dialpad_key=$(curl -s "$sb/_sandbox/info" | python3 -c 'import json,sys; print(json.load(sys.stdin)["apiKey"])')
# Dialpad's own 20 requests/second would otherwise be what is measured.
curl -s -X PATCH -H 'Content-Type: application/json' -d '{"rate_limits": false}' "$sb/_sandbox/settings" >/dev/null

run() { wrk -t2 -c64 -d"${secs}s" --latency "$@" >"$tmp/wrk.log"; }
rps() { awk '/Requests\/sec/ {print $2}' "$tmp/wrk.log"; }
pct() { awk -v p="$1" '$1 == p {v=$2} END {print v}' "$tmp/wrk.log"; }
ms() { python3 -c 'import sys; v=sys.argv[1]
units={"us":0.001,"ms":1,"s":1000}
for u in ("us","ms","s"):
    if v.endswith(u): print(float(v[:-len(u)])*units[u]); break' "$1"; }

direct_url="$sb/api/v2/contacts?include_local=true"
gateway_url="$gw/v1/resources/genericContact?limit=100"
# Warm both paths (caches, connections).
curl -sf -H "Authorization: Bearer $dialpad_key" "$direct_url" >/dev/null
curl -sf -H "Authorization: Bearer $sk" -H 'x-connector-id: dialpad' -H 'x-owner-id: demo' "$gateway_url" >/dev/null

run -H "Authorization: Bearer $dialpad_key" "$direct_url"
d_rps=$(rps); d_p50=$(ms "$(pct 50%)"); d_p99=$(ms "$(pct 99%)")
run -H "Authorization: Bearer $sk" -H 'x-connector-id: dialpad' -H 'x-owner-id: demo' "$gateway_url"
g_rps=$(rps); g_p50=$(ms "$(pct 50%)"); g_p99=$(ms "$(pct 99%)")
rss=$(awk '/VmRSS/ {printf "%.1f", $2/1024}' "/proc/$pid/status")

# The same with a realistic upstream: every Dialpad call takes 20 ms (a sandbox latency
# fault; Dialpad's own latency is tens of milliseconds), so neither path is CPU-bound.
curl -s -X POST -H 'Content-Type: application/json' \
  -d '{"route": "GET /api/v2/contacts", "kind": "latency", "latency_ms": 20}' "$sb/_sandbox/faults" >/dev/null
run -H "Authorization: Bearer $dialpad_key" "$direct_url"
dl_rps=$(rps); dl_p50=$(ms "$(pct 50%)"); dl_p99=$(ms "$(pct 99%)")
run -H "Authorization: Bearer $sk" -H 'x-connector-id: dialpad' -H 'x-owner-id: demo' "$gateway_url"
gl_rps=$(rps); gl_p50=$(ms "$(pct 50%)"); gl_p99=$(ms "$(pct 99%)")

echo
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo); wrk -t2 -c64 -d${secs}s; gateway and sandbox in one process"
printf '%-52s %10s %10s %10s\n' "path" "req/s" "p50 ms" "p99 ms"
printf '%-52s %10.0f %10.2f %10.2f\n' "direct GET /api/v2/contacts (100 items)" "$d_rps" "$d_p50" "$d_p99"
printf '%-52s %10.0f %10.2f %10.2f\n' "gateway GET /v1/resources/genericContact?limit=100" "$g_rps" "$g_p50" "$g_p99"
printf '%-52s %10.2f %10s %10s\n' "throughput ratio (target >= 0.70)" "$(awk -v a="$g_rps" -v b="$d_rps" 'BEGIN {print a/b}')" "" ""
printf '%-52s %10s %+9.0f%% %10s\n' "added to the median (target <= +20%)" "" "$(awk -v a="$g_p50" -v b="$d_p50" 'BEGIN {print (a/b-1)*100}')" ""
printf '%-52s %10.0f %10.2f %10.2f\n' "direct, Dialpad taking 20 ms" "$dl_rps" "$dl_p50" "$dl_p99"
printf '%-52s %10.0f %10.2f %10.2f\n' "gateway, Dialpad taking 20 ms" "$gl_rps" "$gl_p50" "$gl_p99"
printf '%-52s %10.2f %10s %10s\n' "throughput ratio, 20 ms upstream" "$(awk -v a="$gl_rps" -v b="$dl_rps" 'BEGIN {print a/b}')" "" ""
printf '%-52s %10s %+9.1f%% %10s\n' "added to the median, 20 ms upstream" "" "$(awk -v a="$gl_p50" -v b="$dl_p50" 'BEGIN {print (a/b-1)*100}')" ""
printf '%-52s %10s\n' "gateway+sandbox RSS after the first runs (MB)" "$rss"
