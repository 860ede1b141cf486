#!/usr/bin/env bash
# `patchbay export` of every call: 100,000 calls from a sandbox (rate limits off), checked
# exactly once against Dialpad's own listing, with records/s and peak RSS (`/usr/bin/time
# -v`, maximum resident set size) against a 10,000-call run in the same script: memory must
# not grow with the number of records.
# Usage: bench/export.sh [large size, default 100000] [baseline size, default 10000].
set -euo pipefail
cd "$(dirname "$0")/.."
large=${1:-100000}
small=${2:-10000}
cargo build --quiet --release -p patchbay-gateway --bin patchbay
bin=$PWD/target/release/patchbay
tmp=$(mktemp -d)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; rm -rf "$tmp"' EXIT
export PATCHBAY_ENCRYPTION_KEY RUST_LOG=warn
PATCHBAY_ENCRYPTION_KEY=$("$bin" encryption generate-key --id bench)
json() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"; }
ready() { for _ in $(seq 1 1200); do grep -q '"ready":true' "$1" 2>/dev/null && return; sleep 0.1; done; echo "no ready line in $1" >&2; exit 1; }

# measure SIZE: a sandbox of SIZE calls, a tenant and connection, one export; prints
# "records seconds peak_kb".
measure() {
  local size=$1 dir="$tmp/$1"
  mkdir -p "$dir"
  "$bin" dialpad-sandbox --listen 127.0.0.1:0 --size "$size" --companies 1 --no-rate-limits \
    >"$dir/sandbox.out" 2>/dev/null &
  pids+=("$!")
  ready "$dir/sandbox.out"
  local sb key db
  sb=$(json "$dir/sandbox.out" url)
  key=$(json "$dir/sandbox.out" apiKey)
  curl -sf -X PATCH -H 'Content-Type: application/json' -d '{"rate_limits": false}' \
    "$sb/_sandbox/settings" >/dev/null
  db="sqlite://$dir/patchbay.db"
  "$bin" tenants create --name bench --json --database "$db" >"$dir/tenant.json"
  # The connection is made through the API, which verifies the key with Dialpad.
  "$bin" serve --listen 127.0.0.1:0 --database "$db" --dialpad-base-url "$sb" \
    >"$dir/serve.out" 2>/dev/null &
  local serve=$!
  pids+=("$serve")
  ready "$dir/serve.out"
  curl -sf -X POST -H "Authorization: Bearer $(json "$dir/tenant.json" secretKey)" \
    -H 'Content-Type: application/json' -d "{\"credentials\": {\"type\": \"apiKey\", \"apiKey\": \"$key\"}}" \
    "$(json "$dir/serve.out" url)/v1/connections/dialpad/bench" >/dev/null
  kill "$serve"; wait "$serve" 2>/dev/null || true

  local start end
  start=$(date +%s.%N)
  /usr/bin/time -v -o "$dir/time.txt" "$bin" export --connection dialpad/bench \
    --model telephonyCall --output "$dir/calls.ndjson" --quiet \
    --database "$db" --dialpad-base-url "$sb"
  end=$(date +%s.%N)
  # Exactly once: every id unique, and the same set Dialpad lists.
  python3 - "$dir/calls.ndjson" "$sb" "$key" <<'PY'
import json, sys, urllib.request
path, sb, key = sys.argv[1:]
ids = [json.loads(line)["id"] for line in open(path)]
assert len(ids) == len(set(ids)), f"{len(ids) - len(set(ids))} duplicates"
expected, cursor = set(), None
while True:
    url = f"{sb}/api/v2/call" + (f"?cursor={cursor}" if cursor else "")
    page = json.load(urllib.request.urlopen(urllib.request.Request(url, headers={"Authorization": f"Bearer {key}"})))
    expected.update(item["call_id"] for item in page.get("items", []))
    cursor = page.get("cursor")
    if not cursor:
        break
assert set(ids) == expected, f"exported {len(ids)}, Dialpad lists {len(expected)}"
PY
  echo "$(wc -l <"$dir/calls.ndjson") $(awk -v a="$start" -v b="$end" 'BEGIN {print b - a}') $(awk -F': ' '/Maximum resident/ {print $2}' "$dir/time.txt")"
  kill "${pids[@]}" 2>/dev/null || true
  pids=()
}

measure "$small" >"$tmp/small.res"
measure "$large" >"$tmp/large.res"
read -r s_n s_t s_kb <"$tmp/small.res"
read -r l_n l_t l_kb <"$tmp/large.res"
echo
echo "machine: $(nproc) cores; sandbox in its own process; export to NDJSON on local disk; every call checked exactly once"
printf '%-28s %10s %10s %12s %14s\n' "run" "records" "seconds" "records/s" "peak RSS (MB)"
div() { awk -v a="$1" -v b="$2" 'BEGIN {print a / b}'; }
printf '%-28s %10d %10.1f %12.0f %14.1f\n' "export of $small calls" "$s_n" "$s_t" "$(div "$s_n" "$s_t")" "$(div "$s_kb" 1024)"
printf '%-28s %10d %10.1f %12.0f %14.1f\n' "export of $large calls" "$l_n" "$l_t" "$(div "$l_n" "$l_t")" "$(div "$l_kb" 1024)"
printf '%-28s %10s %10s %12s %14.2f\n' "peak RSS ratio (target ~1)" "" "" "" "$(div "$l_kb" "$s_kb")"
