#!/usr/bin/env bash
# HTTP/1.1 reverse proxies side by side on loopback: which HTTP stack for the role servers (the proxy above all).
#
# Usage: benchmarks/scripts/http-stack.sh            one run of every row; writes run-<stamp>.csv and .md
#        benchmarks/scripts/http-stack.sh report RUN.csv  the .md of a run again
#        benchmarks/scripts/http-stack.sh summary    run-to-run spread over every run-*.csv in the results folder
# Environment: ROWS="id id ..." (a subset, ids below), WARMUP=5, DURATION=10 (seconds), OUT (results folder,
#              default benchmarks/results/http-stack), BUILD=1 to rebuild benchmarks/target/benchmarks.jar.
# Rows: nginx static (a backend itself), nginx and HAProxy as proxies, then minimal Java reverse proxies on each
# stack with C1 only (-XX:TieredStopAtLevel=1) or C2 (tiered) JIT: the JDK's HttpServer + HttpClient (4, 16, 64
# handler threads), Netty (1 or 2 event loops, NIO), Undertow's ProxyHandler (1 or 2 I/O threads), and roles'
# own ReverseProxy as the proxy sample runs it (NIO or epoll; "shipped": with samples/jvm.options).
#
# Backends: two nginx (worker_processes 1) on 127.0.0.51:8080 and 127.0.0.52:8080, a 37-byte 200 on every path
# (and a 4 MiB file on /big for the streaming check). Each row's proxy gets its own 127.0.0.N:8080 and balances
# round robin over both. Per row: checks with curl (both backends answer, keep-alive, a 4 MiB body back and a
# 1 MiB body up, byte for byte), RSS and threads idle, a warm-up (wrk -c64, WARMUP s), then wrk -t1 -c1 and wrk -t2
# -c64 for DURATION s each, --latency, with /proc sampled every 0.5 s for peak RSS and threads (the process group:
# nginx's master and worker, a JVM's every thread) and the CPU time the proxy used during the -c64 run.
# wrk, the proxy and both backends share the machine's cores (2 here): a proxy's figures include that contention.
# Everything started here runs in its own process group and is stopped on exit, whatever happens.
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-benchmarks/results/http-stack}
JAR=benchmarks/target/benchmarks.jar
WARMUP=${WARMUP:-5}
DURATION=${DURATION:-10}
ALL_ROWS="nginx-static nginx-proxy haproxy
  jdk-t4-c1 jdk-t16-c1 jdk-t64-c1 jdk-t4-c2 jdk-t16-c2 jdk-t64-c2
  netty-1t-c1 netty-2t-c1 netty-1t-c2 netty-2t-c2
  undertow-1io-c1 undertow-2io-c1 undertow-1io-c2 undertow-2io-c2
  roles-nio-c1 roles-epoll-c1 roles-epoll-c2 roles-epoll-shipped"
ROWS=${ROWS:-$ALL_ROWS}
JVM_C1="-Xmx64m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:-UsePerfData"
JVM_C2="-Xmx64m -XX:+UseSerialGC"
BACKENDS="127.0.0.51:8080,127.0.0.52:8080"
mkdir -p "$OUT"

# ---------------------------------------------------------------- the report of one run's CSV
report_md() { # $CSV -> $MD
{
  echo "# HTTP reverse proxies on loopback, run $STAMP"
  echo
  echo "- date: $(date -u '+%Y-%m-%d %H:%M:%S UTC'); command: \`ROWS=\"$(echo $ROWS)\" WARMUP=$WARMUP DURATION=$DURATION benchmarks/scripts/http-stack.sh\`"
  echo "- machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(uname -sr); load average before $LOAD_BEFORE, after $LOAD_AFTER"
  echo "- $(java -version 2>&1 | head -1); $(/usr/sbin/nginx -v 2>&1); $(/usr/sbin/haproxy -v | head -1 | cut -d' ' -f1-3); $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2)"
  echo "- JVM flags: C1 rows \`$JVM_C1\`, C2 rows \`$JVM_C2\`, shipped: \`$(tr '\n' ' ' <samples/jvm.options)\`; JDK rows add \`-Dsun.net.httpserver.nodelay=true\`"
  echo "- load: \`wrk -t1 -c1 -d${DURATION}s --latency\` and \`wrk -t2 -c64 -d${DURATION}s --latency\` after a ${WARMUP} s \`wrk -t2 -c64\` warm-up;"
  echo "  wrk, the proxy and both nginx backends share the same $(nproc) cores, so every proxy row also pays for the contention."
  echo "- errors: wrk's \"Non-2xx or 3xx\" (it counts statuses >= 400) / socket errors (connect+read+write+timeout), both runs added."
  echo "- CPU µs/req: the proxy's own user+system time during the -c64 run over its requests (the backends' and wrk's not included)."
  echo "- RSS and threads: summed over the proxy's process group (nginx: master + worker); peak over the warm-up and both runs, sampled every 0.5 s."
  echo
  echo "| row | stack | JIT | c1 req/s | c1 p50 µs | c1 p99 µs | c1 +p50 vs nginx static µs | c64 req/s | c64 p50 µs | c64 p99 µs | c64 vs nginx proxy | c64 vs HAProxy | errors | CPU µs/req c64 | RSS idle MiB | RSS peak MiB | threads idle / load | checks |"
  echo "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---|---|"
  awk -F, '
    NR == 1 { next }
    { k = $2; if (!(k in seen)) { order[++n] = k; seen[k] = 1 }
      stack[k] = $3; jit[k] = $17; chk[k] = $16; ri[k] = $12; rp[k] = $13; ti[k] = $14; tl[k] = $15
      rps[k, $4] = $5; p50[k, $4] = $6; p99[k, $4] = $7; bad[k] += $9; err[k] += $10; if ($4 == 64) cpu[k] = $11 }
    function ratio(a, b) { return b > 0 ? sprintf("%.2f", a / b) : "-" }
    END {
      s = rps["nginx-proxy", 64]; h = rps["haproxy", 64]; base = p50["nginx-static", 1]
      for (i = 1; i <= n; i++) { k = order[i]
        added = ("nginx-static" in seen) ? sprintf("%+d", p50[k, 1] - base) : "-"
        printf "| %s | %s | %s | %.0f | %d | %d | %s | %.0f | %d | %d | %s | %s | %d / %d | %s | %.1f | %.1f | %d / %d | %s |\n",
          k, stack[k], jit[k], rps[k, 1], p50[k, 1], p99[k, 1], added, rps[k, 64], p50[k, 64], p99[k, 64],
          ratio(rps[k, 64], s), ratio(rps[k, 64], h), bad[k], err[k], cpu[k], ri[k] / 1024, rp[k] / 1024, ti[k], tl[k], chk[k] }
    }' "$CSV"
  if [ -n "$STARTUP" ]; then echo; echo "What each Java proxy printed when it started:"; echo; printf '%s' "$STARTUP"; fi
} >"$MD"
}
if [ "${1:-}" = report ]; then   # report RUN.csv: its .md again (machine lines: this machine now)
  CSV=$2; MD=${CSV%.csv}.md; STAMP=$(basename "$CSV" .csv); STAMP=${STAMP#run-}
  ROWS=$(awk -F, 'NR > 1 && !seen[$2]++ { printf "%s ", $2 }' "$CSV"); STARTUP=""
  LOAD_BEFORE="(not recorded)"; LOAD_AFTER="(not recorded)"
  report_md; cat "$MD"; exit 0
fi

# ---------------------------------------------------------------- summary of earlier runs (nothing is started)
if [ "${1:-}" = summary ]; then
  shopt -s nullglob
  files=("$OUT"/run-*.csv)
  [ ${#files[@]} -gt 0 ] || { echo "no $OUT/run-*.csv" >&2; exit 1; }
  awk -F, -v runs=${#files[@]} '
    FNR == 1 { next }
    { k = $2 SUBSEP $4; if (!(k in n)) order[++rows] = k; n[k]++
      v = $5 + 0; sum[k] += v; if (!(k in lo) || v < lo[k]) lo[k] = v; if (!(k in hi) || v > hi[k]) hi[k] = v
      p = $6 + 0; psum[k] += p; if (!(k in plo) || p < plo[k]) plo[k] = p; if (!(k in phi) || p > phi[k]) phi[k] = p }
    END {
      printf "Run-to-run spread over %d runs (requests/s: mean, min..max, (max-min)/mean; p50 µs: mean, min..max)\n\n", runs
      print "| row | conns | runs | req/s mean | req/s min..max | spread | p50 µs mean | p50 µs min..max |"
      print "|---|---:|---:|---:|---|---:|---:|---|"
      for (i = 1; i <= rows; i++) { k = order[i]; split(k, a, SUBSEP); m = sum[k] / n[k]
        printf "| %s | %s | %d | %.0f | %.0f..%.0f | %.1f%% | %.0f | %.0f..%.0f |\n", a[1], a[2], n[k], m, lo[k], hi[k],
          (m > 0 ? 100 * (hi[k] - lo[k]) / m : 0), psum[k] / n[k], plo[k], phi[k] }
    }' "${files[@]}" | tee "$OUT/summary.md"
  exit 0
fi

for tool in wrk curl /usr/sbin/nginx /usr/sbin/haproxy java; do
  command -v "$tool" >/dev/null || { echo "missing: $tool" >&2; exit 1; }
done
if [ ! -f "$JAR" ] || [ "${BUILD:-0}" = 1 ]; then
  ./mvnw -q -B -ntp -pl benchmarks -am package -DskipTests
fi

WORK=$(mktemp -d -t grapevine-httpstack.XXXXXX)
GROUPS_STARTED=()   # process-group ids (setsid): nginx master + worker, haproxy, a JVM
SAMPLER=""
stop_group() { # pgid: TERM the group, then KILL what is left after 5 s
  local g=$1 i
  kill -TERM -- "-$g" 2>/dev/null || return 0
  for i in $(seq 1 50); do pgrep -g "$g" >/dev/null 2>&1 || return 0; sleep 0.1; done
  kill -KILL -- "-$g" 2>/dev/null || true
}
cleanup() {
  [ -n "$SAMPLER" ] && kill "$SAMPLER" 2>/dev/null || true
  for g in "${GROUPS_STARTED[@]}"; do stop_group "$g"; done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start_group() { # name command...: starts it as a new process group, prints the group id
  local name=$1; shift
  setsid "$@" >"$WORK/$name.log" 2>&1 </dev/null &
  GROUPS_STARTED+=($!)
  LAST_GROUP=$!
}
forget_group() { # pgid: stop it and drop it from the cleanup list
  stop_group "$1"
  local keep=() g
  for g in "${GROUPS_STARTED[@]}"; do [ "$g" = "$1" ] || keep+=("$g"); done
  GROUPS_STARTED=("${keep[@]}")
}
wait_http() { # host:port name: until it answers 200, 20 s at most
  local i
  for i in $(seq 1 200); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "http://$1/" 2>/dev/null)" = 200 ] && return 0
    sleep 0.1
  done
  echo "$2 did not answer on $1; its log:" >&2; cat "$WORK/$2.log" >&2; return 1
}
# Sum over the process group: VmRSS (KiB), Threads, utime+stime (ticks).
group_rss() { local p s=0; for p in $(pgrep -g "$1"); do s=$((s + $(awk '/^VmRSS/{print $2}' /proc/$p/status 2>/dev/null || echo 0))); done; echo $s; }
group_threads() { local p s=0; for p in $(pgrep -g "$1"); do s=$((s + $(awk '/^Threads/{print $2}' /proc/$p/status 2>/dev/null || echo 0))); done; echo $s; }
group_ticks() { local p s=0; for p in $(pgrep -g "$1"); do s=$((s + $(awk '{print $14+$15}' /proc/$p/stat 2>/dev/null || echo 0))); done; echo $s; }
start_sampler() { # pgid file: every 0.5 s, the peak RSS and threads so far as "rss threads"
  ( peak_r=0; peak_t=0
    while :; do r=$(group_rss "$1"); t=$(group_threads "$1")
      ((r > peak_r)) && peak_r=$r; ((t > peak_t)) && peak_t=$t
      echo "$peak_r $peak_t" >"$2.tmp" && mv "$2.tmp" "$2"; sleep 0.5; done ) &
  SAMPLER=$!
}
stop_sampler() { kill "$SAMPLER" 2>/dev/null || true; wait "$SAMPLER" 2>/dev/null || true; SAMPLER=""; }

# ---------------------------------------------------------------- configuration files
head -c $((4 * 1024 * 1024)) /dev/urandom >"$WORK/big.bin"
head -c $((1024 * 1024)) /dev/urandom >"$WORK/up.bin"
USER_LINE=""; [ "$(id -u)" -eq 0 ] && USER_LINE="user root;"   # workers can then read the temp dir
nginx_conf() { # name body-of-http-block
  mkdir -p "$WORK/$1"
  cat >"$WORK/$1/nginx.conf" <<EOF
$USER_LINE
worker_processes 1;
daemon off;
master_process on;
pid $WORK/$1/nginx.pid;
error_log $WORK/$1/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_timeout 300s;
  keepalive_requests 1000000;
  client_body_temp_path $WORK/$1/body; proxy_temp_path $WORK/$1/proxy; fastcgi_temp_path $WORK/$1/fcgi;
  uwsgi_temp_path $WORK/$1/uwsgi; scgi_temp_path $WORK/$1/scgi;
  $2
}
EOF
}
for i in 1 2; do
  nginx_conf "backend$i" "server {
    listen 127.0.0.5$i:8080;
    location / { default_type text/plain; return 200 \"Hello frontserver$i, I'm appserver$i !\n\"; }
    location = /big { default_type application/octet-stream; alias $WORK/big.bin; }
  }"
done
nginx_conf proxy "upstream backends {
    server 127.0.0.51:8080; server 127.0.0.52:8080;
    keepalive 32; keepalive_requests 1000000; keepalive_timeout 300s;
  }
  server {
    listen 127.0.0.10:8080;
    location / {
      proxy_pass http://backends; proxy_http_version 1.1;
      proxy_set_header Connection \"\"; proxy_set_header X-Forwarded-For \$remote_addr;
    }
  }"
cat >"$WORK/haproxy.cfg" <<EOF
global
  nbthread 1
  maxconn 4096
defaults
  mode http
  option http-keep-alive
  option forwardfor
  http-reuse always
  timeout connect 5s
  timeout client 60s
  timeout server 60s
  timeout http-keep-alive 300s
frontend proxy
  bind 127.0.0.11:8080
  default_backend backends
backend backends
  balance roundrobin
  server b1 127.0.0.51:8080
  server b2 127.0.0.52:8080
EOF

# ---------------------------------------------------------------- one row
# row id, index -> "address|stack|jit|command" (the command is started in its own process group; Java rows
# listen on 127.0.0.(100 + index))
row_spec() {
  local id=$1 addr=127.0.0.$((100 + $2)):8080 jvm n main
  case $id in
    nginx-static) echo "127.0.0.51:8080|nginx static (backend 1 direct)|-|"; return ;;
    nginx-proxy)  echo "127.0.0.10:8080|nginx proxy|-|/usr/sbin/nginx -c $WORK/proxy/nginx.conf"; return ;;
    haproxy)      echo "127.0.0.11:8080|HAProxy|-|/usr/sbin/haproxy -db -f $WORK/haproxy.cfg"; return ;;
  esac
  case $id in *-c1) jvm=$JVM_C1 ;; *-c2) jvm=$JVM_C2 ;; *-shipped) jvm="@samples/jvm.options" ;;
    *) echo "unknown row: $id" >&2; return 1 ;; esac
  main="-cp $JAR dev.grapevine.benchmarks.httpstack"
  case $id in
    jdk-t*)      n=${id#jdk-t}; n=${n%-c?}
                 echo "$addr|JDK HttpServer + HttpClient ($n threads)|${id##*-}|java $jvm -Dsun.net.httpserver.nodelay=true $main.JdkProxy --listen $addr --upstream $BACKENDS --threads $n" ;;
    netty-*)     n=${id#netty-}; n=${n%%t-*}
                 echo "$addr|Netty ($n event loops)|${id##*-}|java $jvm $main.NettyProxy --listen $addr --upstream $BACKENDS --threads $n" ;;
    roles-*)     n=${id#roles-}; n=${n%%-*}
                 echo "$addr|roles ReverseProxy (Netty $n; 1 event loop)|${id##*-}|java $jvm $main.RolesProxy --listen $addr --upstream $BACKENDS --transport $n" ;;
    undertow-*)  n=${id#undertow-}; n=${n%%io-*}
                 echo "$addr|Undertow ProxyHandler ($n I/O threads)|${id##*-}|java $jvm $main.UndertowProxy --listen $addr --upstream $BACKENDS --io-threads $n" ;;
    *)           echo "unknown row: $id" >&2; return 1 ;;
  esac
}

# wrk's report -> "rps p50_us p99_us requests non2xx3xx socket_errors"
parse_wrk() {
  awk 'function us(v) { if (v ~ /us$/) return v + 0; if (v ~ /ms$/) return 1000 * v; if (v ~ /m$/) return 60e6 * v; if (v ~ /s$/) return 1e6 * v; return v }
    /Requests\/sec:/ { rps = $2 }
    /^ +50%/ { p50 = us($2) } /^ +99%/ { p99 = us($2) }
    / requests in / { req = $1 }
    /Non-2xx or 3xx responses:/ { bad = $5 }
    /Socket errors:/ { gsub(",", ""); err = $4 + $6 + $8 + $10 }
    END { printf "%s %.0f %.0f %s %d %d\n", rps, p50, p99, req, bad, err }' "$1"
}

checks() { # host:port -> "ok" or what failed
  local a=$1 bodies fails=""
  bodies=$(curl -s "http://$a/" "http://$a/" "http://$a/" "http://$a/")
  { grep -q appserver1 <<<"$bodies" && grep -q appserver2 <<<"$bodies"; } || fails+="roundrobin "
  local conns
  conns=$(curl -s -o /dev/null -o /dev/null -o /dev/null -w '%{num_connects}\n' "http://$a/" "http://$a/" "http://$a/" | awk '{ s += $1 } END { print s }')
  [ "$conns" = 1 ] || fails+="keepalive($conns-connects) "
  [ "$(curl -s "http://$a/big" | md5sum)" = "$(md5sum <"$WORK/big.bin")" ] || fails+="big-body "
  [ "$(curl -s -o /dev/null -w '%{http_code}' --data-binary @"$WORK/up.bin" -H 'Content-Type: application/octet-stream' "http://$a/")" = 200 ] || fails+="upload "
  [ "$(curl -s -o /dev/null -w '%{http_code}' -H 'Transfer-Encoding: chunked' --data-binary @"$WORK/up.bin" "http://$a/")" = 200 ] || fails+="chunked-upload "
  echo "${fails:-ok}" | sed 's/ $//'
}

STAMP=$(date -u +%Y%m%d-%H%M%S)
CSV="$OUT/run-$STAMP.csv"
MD="$OUT/run-$STAMP.md"
echo "run,row,stack,conns,rps,p50_us,p99_us,requests,non2xx3xx,socket_errors,cpu_us_per_req,rss_idle_kib,rss_peak_kib,threads_idle,threads_load,checks,jit" >"$CSV"
HZ=$(getconf CLK_TCK)
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)

start_group backend1 /usr/sbin/nginx -c "$WORK/backend1/nginx.conf"; B1=$LAST_GROUP
start_group backend2 /usr/sbin/nginx -c "$WORK/backend2/nginx.conf"
wait_http 127.0.0.51:8080 backend1; wait_http 127.0.0.52:8080 backend2

idx=0
STARTUP=""
for id in $ROWS; do
  idx=$((idx + 1))
  spec=$(row_spec "$id" "$idx")
  IFS='|' read -r addr stack jit cmd <<<"$spec"
  echo "== $id: $stack on $addr" >&2
  if [ -n "$cmd" ]; then
    # shellcheck disable=SC2086
    start_group "$id" $cmd; G=$LAST_GROUP
    wait_http "$addr" "$id"
  else
    G=$B1                       # nginx static: backend 1 itself is measured
  fi
  sleep 1
  chk=$(checks "$addr"); [ "$id" = nginx-static ] && chk=${chk/roundrobin/single-backend}
  sleep 1
  rss_idle=$(group_rss "$G"); thr_idle=$(group_threads "$G")
  start_sampler "$G" "$WORK/peak"
  wrk -t2 -c64 -d"${WARMUP}s" "http://$addr/" >"$WORK/$id.warmup" 2>&1 || true
  wrk -t1 -c1 -d"${DURATION}s" --latency "http://$addr/" >"$WORK/$id.c1" 2>&1 || true
  t0=$(group_ticks "$G")
  wrk -t2 -c64 -d"${DURATION}s" --latency "http://$addr/" >"$WORK/$id.c64" 2>&1 || true
  t1=$(group_ticks "$G")
  sleep 0.6; stop_sampler
  read -r rss_peak thr_load <"$WORK/peak"
  for c in 1 64; do
    read -r rps p50 p99 req bad err <<<"$(parse_wrk "$WORK/$id.c$c")"
    cpu=""; [ "$c" = 64 ] && [ "${req:-0}" -gt 0 ] && cpu=$(awk -v t=$((t1 - t0)) -v hz="$HZ" -v n="$req" 'BEGIN { printf "%.1f", 1e6 * t / hz / n }')
    echo "$STAMP,$id,$stack,$c,$rps,$p50,$p99,$req,$bad,$err,$cpu,$rss_idle,$rss_peak,$thr_idle,$thr_load,$chk,$jit" >>"$CSV"
  done
  if [ -n "$cmd" ]; then
    case $cmd in java*) STARTUP+="- $id: \`$(grep -m1 "proxy on" "$WORK/$id.log" || head -1 "$WORK/$id.log")\`"$'\n' ;; esac
    forget_group "$G"
  fi
  sleep 1
done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

# ---------------------------------------------------------------- report
report_md

cat "$MD"
echo
echo "wrote $CSV and $MD" >&2
