#!/usr/bin/env bash
# Webhook fan-out: Dialpad-signed contact events POSTed to the gateway's ingress, delivered
# to a local receiver (crates/gateway/examples/fanout_bench.rs holds both sides). Reports,
# for SQLite (WAL, the store's default synchronous=NORMAL) and for PostgreSQL (default
# synchronous_commit=on): events per second from the first POST until the receiver answered
# 2xx to all of them, and p50/p99 latency (POST -> receiver) at a steady rate.
# Aims: 2,000 events/s end to end on SQLite; p99 under 250 ms at 500 events/s.
# Usage: bench/fanout.sh [events, default 10000] [rate, default 500] [seconds, default 20].
# Needs psql and PostgreSQL at PATCHBAY_BENCH_POSTGRES_URL
# (default postgres://postgres@127.0.0.1:5432/test); skips PostgreSQL without them.
set -euo pipefail
cd "$(dirname "$0")/.."
events=${1:-10000}
rate=${2:-500}
secs=${3:-20}
server=${PATCHBAY_BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}
cargo build --quiet --release -p patchbay-gateway --bin patchbay --example fanout_bench
target=${CARGO_TARGET_DIR:-target}
bin=$target/release/patchbay
bench=$target/release/examples/fanout_bench
tmp=$(mktemp -d)
db="patchbay_bench_fanout_$$"
sb_pid=""
gw_pid=""
cleanup() {
  [ -n "$gw_pid" ] && kill "$gw_pid" 2>/dev/null && wait "$gw_pid" 2>/dev/null
  [ -n "$sb_pid" ] && kill "$sb_pid" 2>/dev/null
  command -v psql >/dev/null && psql -q "$server" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT
wait_ready() {
  for _ in $(seq 1 600); do
    grep -q '^{"ready":true' "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "no ready line in $1" >&2
  exit 1
}
json() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"; }

export PATCHBAY_ENCRYPTION_KEY
PATCHBAY_ENCRYPTION_KEY=$("$bin" encryption generate-key --id bench 2>/dev/null)

run() {
  local name=$1 database=$2
  "$bin" dialpad-sandbox --listen 127.0.0.1:0 --no-rate-limits --size 10 \
    >"$tmp/sandbox.out" 2>"$tmp/sandbox.err" &
  sb_pid=$!
  wait_ready "$tmp/sandbox.out"
  local sandbox sb key tenant sk
  sandbox=$(grep '^{"ready":true' "$tmp/sandbox.out")
  sb=$(json "$sandbox" url)
  key=$(json "$sandbox" apiKey)
  tenant=$("$bin" tenants create --name bench --json --database "$database" 2>/dev/null)
  sk=$(json "$tenant" secretKey)
  RUST_LOG=warn PATCHBAY_WEBHOOK_DEV=true "$bin" serve --listen 127.0.0.1:0 \
    --database "$database" --dialpad-base-url "$sb" \
    >"$tmp/serve.out" 2>"$tmp/serve.err" &
  gw_pid=$!
  wait_ready "$tmp/serve.out"
  local gw
  gw=$(json "$(grep '^{"ready":true' "$tmp/serve.out")" url)
  echo "== $name"
  "$bench" "$gw" "$sk" "$sb" "$key" "$events" "$rate" "$secs"
  kill "$gw_pid"; wait "$gw_pid" 2>/dev/null || true; gw_pid=""
  kill "$sb_pid"; wait "$sb_pid" 2>/dev/null || true; sb_pid=""
}

run sqlite "sqlite://$tmp/fanout.db"
if command -v psql >/dev/null && psql -q "$server" -c "CREATE DATABASE $db" >/dev/null 2>&1; then
  run postgres "${server%/*}/$db"
else
  echo "== postgres: skipped (no psql or no server at $server)"
fi
