#!/usr/bin/env bash
# The CPU cost of one proxied call, in instructions, counted by callgrind (valgrind): the
# gateway runs under callgrind, a client warms it up, the counters are zeroed, then N
# small GETs go through /v1/proxy one connection at a time and the counters are dumped.
# Counting instructions rather than timing makes the figure repeatable on a busy machine,
# so two builds can be compared: run it against each binary (PATCHBAY_BIN).
# Usage: bench/proxy-instructions.sh [N, default 2000]. Needs valgrind (apt-get install -y valgrind).
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-2000}
command -v valgrind >/dev/null || apt-get install -y valgrind >/dev/null
bin=${PATCHBAY_BIN:-}
if [ -z "$bin" ]; then
  cargo build --quiet --release -p patchbay-gateway --bin patchbay
  bin=${CARGO_TARGET_DIR:-target}/release/patchbay
fi
tmp=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT
json() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"; }
wait_line() { for _ in $(seq 1 1200); do grep -q '"ready":true' "$1" 2>/dev/null && return; sleep 0.1; done; echo "no ready line in $1" >&2; exit 1; }

"$bin" dialpad-sandbox --listen 127.0.0.1:0 --size 50 --companies 1 --no-rate-limits >"$tmp/sandbox.out" 2>/dev/null &
pids+=($!)
wait_line "$tmp/sandbox.out"
sb_ready=$(grep '"ready":true' "$tmp/sandbox.out")
sb=$(json "$sb_ready" url)
dialpad_key=$(json "$sb_ready" apiKey)

export PATCHBAY_ENCRYPTION_KEY
PATCHBAY_ENCRYPTION_KEY=$("$bin" encryption generate-key --id bench 2>/dev/null)
db="sqlite://$tmp/gateway.db"
"$bin" migrate --database "$db" >/dev/null 2>&1 || true
sk=$(json "$("$bin" tenants create --name bench --json --database "$db" 2>/dev/null)" secretKey)
valgrind --tool=callgrind --callgrind-out-file="$tmp/callgrind.out" \
  "$bin" serve --listen 127.0.0.1:0 --database "$db" --dialpad-base-url "$sb" --no-rate-limiter \
  >"$tmp/gateway.out" 2>"$tmp/gateway.err" &
gw_pid=$!
pids+=($gw_pid)
wait_line "$tmp/gateway.out"
gw=$(json "$(grep '"ready":true' "$tmp/gateway.out")" url)
curl -sf -X POST -H "Authorization: Bearer $sk" -H 'Content-Type: application/json' \
  -d "{\"credentials\": {\"type\": \"apiKey\", \"apiKey\": \"$dialpad_key\"}}" \
  "$gw/v1/connections/dialpad/bench" >/dev/null

calls() { # count
  python3 - "$gw" "$sk" "$1" <<'PY'
import http.client, sys, urllib.parse
url, key, n = urllib.parse.urlparse(sys.argv[1]), sys.argv[2], int(sys.argv[3])
c = http.client.HTTPConnection(url.hostname, url.port)
for _ in range(n):
    c.request("GET", "/v1/proxy/dialpad/bench/api/v2/company", headers={"Authorization": "Bearer " + key})
    r = c.getresponse(); r.read()
    assert r.status == 200, r.status
PY
}
calls 200
callgrind_control -z "$gw_pid" >/dev/null
calls "$n"
callgrind_control -d "$gw_pid" >/dev/null
sleep 1
total=$(callgrind_annotate "$(ls -t "$tmp"/callgrind.out* | head -1)" 2>/dev/null \
  | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1; exit}')
echo "instructions per proxied small GET: $((total / n)) ($total over $n calls, one connection)"
# PROXY_PROFILE=file keeps callgrind's profile there (callgrind_annotate reads it).
if [ -n "${PROXY_PROFILE:-}" ]; then
  cp "$(ls -t "$tmp"/callgrind.out* | head -1)" "$PROXY_PROFILE"
fi
