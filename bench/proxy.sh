#!/usr/bin/env bash
# The raw proxy against a real reverse proxy: the same small GET (GET /api/v2/company) and
# the same 1 MB response (the sandbox's /_sandbox/bytes probe) straight at a Dialpad sandbox,
# through Debian's nginx configured as a reverse proxy to it (upstream keepalive, no
# buffering), and through the gateway's /v1/proxy (limiter off: the sandbox's limits are
# off too), with the same load tool (wrk, 64 connections). Prints req/s and the latency
# added at p50/p99 over direct, and their ratios; then the gateway's resident memory while
# 4 x 100 MB stream through it (it should stay flat). Also, per small GET, the CPU time
# (user + system, from /proc) the proxy itself spent -- nginx's master and workers, or the
# gateway -- which is what decides throughput when everything shares two cores; and the
# latency added with one connection (wrk -t1 -c1), i.e. when the machine is not saturated.
# The small GET is also measured through a second gateway serving its connections on the
# shared work-stealing runtime (--http-workers 0) rather than one worker per core, the
# default, and through a third serving proxied calls with hyper's HTTP/1.1 rather than the
# gateway's own (--no-direct-http1), so each choice is compared in one run.
# Last, the small GET again through nginx and the gateway in ROUNDS interleaved pairs (the
# one run first alternating), each pair's throughput and CPU ratios printed with their
# median: on a noisy machine one pair of runs minutes apart says little.
# Aims: throughput >= nginx's, under 150 us added at the median.
# Usage: [ROUNDS=5] bench/proxy.sh [seconds per run, default 10]. Installs nginx and wrk (apt)
# if missing.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
for tool in nginx:nginx wrk:wrk; do
  command -v "${tool%%:*}" >/dev/null || [ -x "/usr/sbin/${tool%%:*}" ] \
    || apt-get install -y "${tool##*:}" >/dev/null
done
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)
cargo build --quiet --release -p patchbay-gateway --bin patchbay
bin=${CARGO_TARGET_DIR:-target}/release/patchbay
tmp=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -f "$tmp/nginx.pid" ] && kill "$(cat "$tmp/nginx.pid")" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
json() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_line() { for _ in $(seq 1 600); do grep -q '"ready":true' "$1" 2>/dev/null && return; sleep 0.1; done; echo "no ready line in $1" >&2; exit 1; }

# The sandbox, on its own.
"$bin" dialpad-sandbox --listen 127.0.0.1:0 --size 50 --companies 1 --no-rate-limits >"$tmp/sandbox.out" 2>/dev/null &
sb_pid=$!
pids+=($sb_pid)
wait_line "$tmp/sandbox.out"
sb_ready=$(grep '"ready":true' "$tmp/sandbox.out")
sb=$(json "$sb_ready" url)
dialpad_key=$(json "$sb_ready" apiKey)
sb_port=${sb##*:}

# The gateway, over that sandbox, with a tenant and a connection on the sandbox's key.
export PATCHBAY_ENCRYPTION_KEY
PATCHBAY_ENCRYPTION_KEY=$("$bin" encryption generate-key --id bench 2>/dev/null)
db="sqlite://$tmp/gateway.db"
"$bin" migrate --database "$db" >/dev/null 2>&1 || true
tenant=$("$bin" tenants create --name bench --json --database "$db" 2>/dev/null)
sk=$(json "$tenant" secretKey)
"$bin" serve --listen 127.0.0.1:0 --database "$db" --dialpad-base-url "$sb" --no-rate-limiter \
  >"$tmp/gateway.out" 2>"$tmp/gateway.err" &
gw_pid=$!
pids+=($gw_pid)
wait_line "$tmp/gateway.out"
gw=$(json "$(grep '"ready":true' "$tmp/gateway.out")" url)
# The same gateway with its connections served on the shared runtime (same database).
"$bin" serve --listen 127.0.0.1:0 --database "$db" --dialpad-base-url "$sb" --no-rate-limiter \
  --http-workers 0 >"$tmp/shared.out" 2>"$tmp/shared.err" &
gw_shared_pid=$!
pids+=($gw_shared_pid)
wait_line "$tmp/shared.out"
gw_shared=$(json "$(grep '"ready":true' "$tmp/shared.out")" url)
# And one serving proxied calls with hyper's HTTP/1.1 rather than its own (serving::direct).
"$bin" serve --listen 127.0.0.1:0 --database "$db" --dialpad-base-url "$sb" --no-rate-limiter \
  --no-direct-http1 >"$tmp/hyper.out" 2>"$tmp/hyper.err" &
gw_hyper_pid=$!
pids+=($gw_hyper_pid)
wait_line "$tmp/hyper.out"
gw_hyper=$(json "$(grep '"ready":true' "$tmp/hyper.out")" url)
curl -sf -X POST -H "Authorization: Bearer $sk" -H 'Content-Type: application/json' \
  -d "{\"credentials\": {\"type\": \"apiKey\", \"apiKey\": \"$dialpad_key\"}}" \
  "$gw/v1/connections/dialpad/bench" >/dev/null

# nginx as a reverse proxy to the same sandbox.
ng_port=$(free_port)
mkdir -p "$tmp/nginx"
cat >"$tmp/nginx.conf" <<CONF
worker_processes auto;
pid $tmp/nginx.pid;
error_log $tmp/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $tmp/nginx/body;
  proxy_temp_path $tmp/nginx/proxy;
  fastcgi_temp_path $tmp/nginx/fastcgi;
  uwsgi_temp_path $tmp/nginx/uwsgi;
  scgi_temp_path $tmp/nginx/scgi;
  upstream sandbox { server 127.0.0.1:$sb_port; keepalive 256; }
  server {
    listen 127.0.0.1:$ng_port;
    location / {
      proxy_pass http://sandbox;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
    }
  }
}
CONF
"$nginx_bin" -c "$tmp/nginx.conf" -p "$tmp/nginx" -g 'daemon on;'
ng="http://127.0.0.1:$ng_port"

run() { wrk -t"${threads:-2}" -c"${conns:-64}" -d"${secs}s" --latency "$@" >"$tmp/wrk.log"; }
rps() { awk '/Requests\/sec/ {print $2}' "$tmp/wrk.log"; }
pct() { awk -v p="$1" '$1 == p {v=$2} END {print v}' "$tmp/wrk.log"; }
us() { python3 -c 'import sys; v=sys.argv[1]
units={"us":1,"ms":1000,"s":1000000}
for u in ("us","ms","s"):
    if v.endswith(u): print(float(v[:-len(u)])*units[u]); break' "$1"; }
# CPU ticks (user + system, 1/100 s) of every thread of the given processes.
ticks() { local t=0 p task; for p in "$@"; do for task in /proc/"$p"/task/*; do
  t=$((t + $(awk '{print $14 + $15}' "$task/stat" 2>/dev/null || echo 0))); done; done; echo "$t"; }
declare -A R P50 P99 CPU
who_pids() { case $1 in direct*) echo "$sb_pid" ;; nginx*) m=$(cat "$tmp/nginx.pid"); echo "$m $(pgrep -P "$m" | tr '\n' ' ')" ;; shared*) echo "$gw_shared_pid" ;; hyper*) echo "$gw_hyper_pid" ;; *) echo "$gw_pid" ;; esac; }
measure() { # name, then wrk arguments
  local name=$1; shift
  local procs before
  procs=$(who_pids "$name")
  # shellcheck disable=SC2086
  before=$(ticks $procs)
  run "$@"
  # shellcheck disable=SC2086
  CPU[$name]=$(awk -v a="$before" -v b="$(ticks $procs)" -v n="$(awk '/requests in/ {print $1}' "$tmp/wrk.log")" 'BEGIN {printf "%.1f", (b - a) * 10000 / n}')
  R[$name]=$(rps); P50[$name]=$(us "$(pct 50%)"); P99[$name]=$(us "$(pct 99%)")
}

small=/api/v2/company
large=/_sandbox/bytes/1048576
direct_auth=(-H "Authorization: Bearer $dialpad_key")
gw_auth=(-H "Authorization: Bearer $sk")
# Warm every path.
for u in "$sb$small" "$ng$small"; do curl -sf "${direct_auth[@]}" "$u" >/dev/null; done
curl -sf "${gw_auth[@]}" "$gw/v1/proxy/dialpad/bench$small" >/dev/null
curl -sf "${gw_auth[@]}" "$gw_shared/v1/proxy/dialpad/bench$small" >/dev/null
curl -sf "${gw_auth[@]}" "$gw_hyper/v1/proxy/dialpad/bench$small" >/dev/null

measure direct_small "${direct_auth[@]}" "$sb$small"
measure nginx_small "${direct_auth[@]}" "$ng$small"
measure gateway_small "${gw_auth[@]}" "$gw/v1/proxy/dialpad/bench$small"
measure shared_small "${gw_auth[@]}" "$gw_shared/v1/proxy/dialpad/bench$small"
measure hyper_small "${gw_auth[@]}" "$gw_hyper/v1/proxy/dialpad/bench$small"
measure direct_large "${direct_auth[@]}" "$sb$large"
measure nginx_large "${direct_auth[@]}" "$ng$large"
measure gateway_large "${gw_auth[@]}" "$gw/v1/proxy/dialpad/bench$large"
threads=1 conns=1 measure direct_one "${direct_auth[@]}" "$sb$small"
threads=1 conns=1 measure nginx_one "${direct_auth[@]}" "$ng$small"
threads=1 conns=1 measure gateway_one "${gw_auth[@]}" "$gw/v1/proxy/dialpad/bench$small"

# Interleaved pairs, nginx and the gateway alternately first.
rounds=${ROUNDS:-5}
pairs=()
for i in $(seq 1 "$rounds"); do
  order="nginx gateway"; [ $((i % 2)) -eq 0 ] && order="gateway nginx"
  for who in $order; do
    if [ "$who" = nginx ]; then
      measure nginx_pair "${direct_auth[@]}" "$ng$small"
    else
      measure gateway_pair "${gw_auth[@]}" "$gw/v1/proxy/dialpad/bench$small"
    fi
  done
  pairs+=("$(awk -v g="${R[gateway_pair]}" -v n="${R[nginx_pair]}" -v gc="${CPU[gateway_pair]}" -v nc="${CPU[nginx_pair]}" \
    'BEGIN {if (nc<=0) nc=0.1; printf "%.0f %.0f %.2f %.2f", g, n, g/n, gc/nc}')")
done

# Memory while 4 x 100 MB stream through the gateway at once.
rss() { awk '/VmRSS/ {printf "%.1f", $2/1024}' "/proc/$gw_pid/status"; }
rss_before=$(rss)
streams=()
for _ in 1 2 3 4; do
  curl -sf "${gw_auth[@]}" -o /dev/null --limit-rate 50M "$gw/v1/proxy/dialpad/bench/_sandbox/bytes/104857600" &
  streams+=($!)
done
rss_max=$rss_before
running() { for p in "${streams[@]}"; do kill -0 "$p" 2>/dev/null && return 0; done; return 1; }
while running; do
  r=$(rss); rss_max=$(awk -v a="$r" -v b="$rss_max" 'BEGIN {print (a > b) ? a : b}')
  sleep 0.2
done
for p in "${streams[@]}"; do wait "$p"; done
rss_after=$(rss)

echo
echo "machine: $(nproc) cores; wrk -t2 -c64 -d${secs}s (one connection: -t1 -c1); sandbox, nginx ($("$nginx_bin" -v 2>&1 | sed 's/.*\///')) and gateway as separate processes"
echo "cpu us/req: user + system time of the process answering (the sandbox for direct, nginx or the gateway) per request"
printf '%-40s %10s %10s %10s %12s %12s %12s\n' "path" "req/s" "p50 us" "p99 us" "added p50" "added p99" "cpu us/req"
for size in small large one; do
  whos="direct nginx gateway"; [ "$size" = small ] && whos="$whos shared hyper"
  for who in $whos; do
    k=${who}_$size
    label=${size/small/small GET}; label=${label/one/small GET, 1 connection}
    name=$who; [ "$who" = shared ] && name="gateway (shared runtime)"
    [ "$who" = hyper ] && name="gateway (hyper's HTTP/1.1)"
    printf '%-40s %10.0f %10.0f %10.0f %12s %12s %12s\n' "$name, $label" "${R[$k]}" "${P50[$k]}" "${P99[$k]}" \
      "$([ "$who" = direct ] && echo - || awk -v a="${P50[$k]}" -v b="${P50[direct_$size]}" 'BEGIN {printf "%+.0f us", a-b}')" \
      "$([ "$who" = direct ] && echo - || awk -v a="${P99[$k]}" -v b="${P99[direct_$size]}" 'BEGIN {printf "%+.0f us", a-b}')" \
      "${CPU[$k]}"
  done
  printf '%-40s %10.2f\n' "gateway/nginx throughput, $size" "$(awk -v a="${R[gateway_$size]}" -v b="${R[nginx_$size]}" 'BEGIN {print a/b}')"
  printf '%-40s %10.2f\n' "gateway/direct throughput, $size" "$(awk -v a="${R[gateway_$size]}" -v b="${R[direct_$size]}" 'BEGIN {print a/b}')"
  printf '%-40s %10.2f\n' "gateway/nginx added p50, $size" "$(awk -v g="${P50[gateway_$size]}" -v n="${P50[nginx_$size]}" -v d="${P50[direct_$size]}" 'BEGIN {x=n-d; if (x<=0) x=1; print (g-d)/x}')"
  printf '%-40s %10.2f\n' "gateway/nginx cpu per request, $size" "$(awk -v g="${CPU[gateway_$size]}" -v n="${CPU[nginx_$size]}" 'BEGIN {if (n<=0) n=0.1; print g/n}')"
  if [ "$size" = small ]; then
    printf '%-40s %10.2f\n' "per-core/shared throughput, small" "$(awk -v a="${R[gateway_small]}" -v b="${R[shared_small]}" 'BEGIN {print a/b}')"
    printf '%-40s %10.2f\n' "per-core/shared cpu per request" "$(awk -v a="${CPU[gateway_small]}" -v b="${CPU[shared_small]}" 'BEGIN {if (b<=0) b=0.1; print a/b}')"
    printf '%-40s %10.2f\n' "own/hyper's HTTP/1.1 throughput" "$(awk -v a="${R[gateway_small]}" -v b="${R[hyper_small]}" 'BEGIN {print a/b}')"
    printf '%-40s %10.2f\n' "own/hyper's HTTP/1.1 cpu per req" "$(awk -v a="${CPU[gateway_small]}" -v b="${CPU[hyper_small]}" 'BEGIN {if (b<=0) b=0.1; print a/b}')"
  fi
done
if [ "$rounds" -gt 0 ]; then
  echo "interleaved pairs (${secs}s each, nginx first in odd pairs): gateway req/s, nginx req/s, throughput ratio, cpu per request ratio"
  for pair in "${pairs[@]}"; do printf '  %s\n' "$pair"; done
  median() { sort -n | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
  column() { printf '%s\n' "${pairs[@]}" | awk -v c="$1" '{print $c}'; }
  printf '%-40s %10.2f (min %.2f, max %.2f)\n' "gateway/nginx throughput, median pair" \
    "$(column 3 | median)" "$(column 3 | sort -n | head -1)" "$(column 3 | sort -n | tail -1)"
  printf '%-40s %10.2f\n' "gateway/nginx cpu per request, median" "$(column 4 | median)"
fi
printf 'gateway RSS (MB): %s before, %s peak while 4 x 100 MB streamed, %s after\n' "$rss_before" "$rss_max" "$rss_after"
