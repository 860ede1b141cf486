#!/usr/bin/env bash
# The token path of a unified call: with a fresh OAuth token, the gateway must do no
# database work per request (key check, connection read and token all come from memory).
# One gateway on its own PostgreSQL database (so its transaction counter is the gateway's
# alone), a sandbox process, an OAuth connection authorized through the real flow and an
# API-key connection for comparison; wrk drives each, and pg_stat_database counts the
# transactions the gateway ran meanwhile. Expected: a handful per run (the 10-second cache
# refreshes), i.e. ~0 per 1,000 requests, and the OAuth path as fast as the API-key path.
# Usage: bench/tokens.sh [seconds per run, default 10]. Needs wrk and psql, and PostgreSQL
# at PATCHBAY_BENCH_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/test).
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
server=${PATCHBAY_BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }
command -v psql >/dev/null || { echo "psql is missing: apt-get install -y postgresql-client" >&2; exit 1; }
bash tests/postgres-up "$server"
cargo build --quiet --release -p patchbay-gateway --bin patchbay
bin=${CARGO_TARGET_DIR:-target}/release/patchbay
tmp=$(mktemp -d)
db="patchbay_bench_tokens_$$"
sb_pid=""
gw_pid=""
cleanup() {
  [ -n "$gw_pid" ] && kill "$gw_pid" 2>/dev/null && wait "$gw_pid" 2>/dev/null
  [ -n "$sb_pid" ] && kill "$sb_pid" 2>/dev/null
  psql -q "$server" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT

psql -q "$server" -c "CREATE DATABASE $db" >/dev/null
database="${server%/*}/$db"
wait_ready() {
  for _ in $(seq 1 600); do
    grep -q '^{"ready":true' "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "no ready line in $1" >&2
  exit 1
}
json() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"; }

"$bin" dialpad-sandbox --listen 127.0.0.1:0 --no-rate-limits --size 100 \
  >"$tmp/sandbox.out" 2>"$tmp/sandbox.err" &
sb_pid=$!
wait_ready "$tmp/sandbox.out"
sandbox=$(grep '^{"ready":true' "$tmp/sandbox.out")
sb=$(json "$sandbox" url)
export PATCHBAY_ENCRYPTION_KEY
PATCHBAY_ENCRYPTION_KEY=$("$bin" encryption generate-key --id bench 2>/dev/null)
tenant=$("$bin" tenants create --name bench --json --database "$database" 2>/dev/null)
sk=$(json "$tenant" secretKey)
# The sandbox's default app accepts any loopback redirect URI.
PATCHBAY_DIALPAD_CLIENT_ID=$(json "$sandbox" oauthClientId) \
PATCHBAY_DIALPAD_CLIENT_SECRET=$(json "$sandbox" oauthClientSecret) \
  "$bin" serve --listen 127.0.0.1:0 --database "$database" --dialpad-base-url "$sb" \
  >"$tmp/serve.out" 2>"$tmp/serve.err" &
gw_pid=$!
wait_ready "$tmp/serve.out"
gw=$(json "$(grep '^{"ready":true' "$tmp/serve.out")" url)

api() { curl -sf -H "Authorization: Bearer $sk" -H 'Content-Type: application/json' "$@"; }
done_url="http://127.0.0.1:9/done"
api -X PATCH -d "{\"redirectUrls\": [\"$done_url\"]}" "$gw/v1/settings" >/dev/null
api -X POST -d '{}' "$gw/v1/connections/dialpad/oauth" >/dev/null
auth=$(api -X POST "$gw/v1/connections/dialpad/oauth/authorization?mode=direct&redirectUrl=$done_url")
callback=$(curl -s -o /dev/null -w '%{redirect_url}' "$(json "$auth" authorizationUrl)")
landing=$(curl -s -o /dev/null -w '%{redirect_url}' "$callback")
case "$landing" in *status=authorized*) ;; *) echo "authorization failed: $landing" >&2; exit 1 ;; esac
api -X POST -d "{\"credentials\": {\"type\": \"apiKey\", \"apiKey\": \"$(json "$sandbox" apiKey)\"}}" \
  "$gw/v1/connections/dialpad/key" >/dev/null

xacts() {
  psql -qtA "$server" -c "SELECT pg_stat_force_next_flush()" >/dev/null 2>&1 || true
  psql -qtA "$server" -c "SELECT pg_stat_clear_snapshot(); SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = '$db'" | tail -1
}
# PostgreSQL 15+ backends hold their statistics until a transaction ends a second after the
# last flush, or for up to 10 s when idle: wait that out so each count is complete.
settle() { sleep 11; }

url="$gw/v1/resources/genericContact?limit=10"
results=()
for owner in oauth key; do
  headers=(-H "Authorization: Bearer $sk" -H 'x-connector-id: dialpad' -H "x-owner-id: $owner")
  # Warm up (caches, connections, the sandbox's own), then count from a quiet database.
  wrk -t2 -c32 -d3s "${headers[@]}" "$url" >/dev/null
  settle
  before=$(xacts)
  wrk -t2 -c32 -d"${secs}s" --latency "${headers[@]}" "$url" >"$tmp/wrk.log"
  settle
  after=$(xacts)
  requests=$(awk '/requests in/ {print $1}' "$tmp/wrk.log")
  rps=$(awk '/Requests\/sec/ {print $2}' "$tmp/wrk.log")
  p50=$(awk '$1 == "50%" {print $2}' "$tmp/wrk.log")
  non2xx=$(awk '/Non-2xx/ {print $NF}' "$tmp/wrk.log")
  # The two psql snapshots themselves are transactions of another database; none here.
  results+=("$owner|$requests|$rps|$p50|$((after - before))|${non2xx:-0}")
done
grants=$(curl -s "$sb/_sandbox/counters" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token_grants"])')

echo
echo "machine: $(nproc) cores; wrk -t2 -c32 -d${secs}s; gateway on PostgreSQL database $db (its own), sandbox in another process"
printf '%-34s %9s %9s %8s %14s %12s\n' "connection" "requests" "req/s" "p50" "DB xacts/run" "per 1k req"
for r in "${results[@]}"; do
  IFS='|' read -r owner requests rps p50 tx bad <<<"$r"
  label="OAuth token (fresh)"; [ "$owner" = key ] && label="API key"
  [ "$bad" != 0 ] && label="$label ($bad non-2xx!)"
  printf '%-34s %9s %9s %8s %14s %12.3f\n' "$label" "$requests" "$rps" "$p50" "$tx" \
    "$(awk -v t="$tx" -v n="$requests" 'BEGIN {print n ? t*1000/n : 0}')"
done
echo "token grants at the sandbox during the runs: $grants (the authorization only; no refresh)"
