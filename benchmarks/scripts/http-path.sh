#!/usr/bin/env bash
# The HTTP data path, measured with wrk on loopback: how many requests per second, and at what latency, the
# sample role servers (samples/{appserver,frontserver,proxyserver}) serve, hop by hop, next to nginx and HAProxy
# on the same machine in the same run:
#
#   1  nginx static       nginx answering `return 200` (worker_processes 1, keep-alive): the machine's reference
#   2  app direct         GET http://app1/hello
#   3  front -> app       GET http://front1/hello (front1 balances over 2 apps)
#   4  proxy -> front -> app   the project's proxyserver over 2 fronts over 2 apps
#   5  nginx -> front -> app   nginx as the proxy over the same fronts, its upstream rendered from the live cluster
#                              by Grapevine's template watcher from the shipped nginx-upstream.conf.tmpl, with
#                              `keepalive 64;` added to the block (see "keepalive" below)
#   5b the same nginx, the shipped template verbatim (no upstream keepalive: one connection per request)
#   6  HAProxy -> front -> app the same with the shipped haproxy-backend.cfg.tmpl (nbthread 1, http-reuse always)
#   7  scale-down         wrk -t2 -c64 -d30s through the proxy over 3 fronts and 3 apps while app2 gets SIGTERM
#                         (at 5 s), app3 kill -9 (10 s), front2 SIGTERM (15 s), front3 kill -9 (20 s)
#
# Rows 1-6 run at 1 connection (wrk -t1 -c1) and 64 connections (wrk -t2 -c64), each measured run after a
# warm-up of the same shape (WARMUP seconds of wrk, so the JVMs have compiled the path); then, with PINNED=1
# (the default), once more at 1 connection with wrk and the row's servers all on CPU 0 (taskset), because on a
# VM a wake-up on another CPU can cost tens of microseconds and the scheduler's placement then decides a
# 1-connection latency more than the code does. Reported: requests/s, p50 and p99 (wrk --latency), non-2xx
# answers (wrk's "Non-2xx or 3xx responses": status >= 400) and socket errors (connect, read, write, timeout),
# the CPU of the row's server processes, of wrk and of everything else during the run, the one-minute load
# average, and the ratios against the project's targets.
#
# keepalive: the shipped nginx template renders a whole `upstream front { ... }` block, and nginx accepts
# `keepalive` only inside that block, so the wrapper cannot add it. Row 5 therefore renders a copy of the
# shipped template with one line, `keepalive 64;`, added before the closing brace; row 5b renders the shipped
# template as it is (both through the same watcher flag, --template).
#
# Topology (one encrypted cluster: a fresh --key, --cluster bench; gossip :7946, admin :8500, HTTP :8080):
#   proxyserver1 NET.11 (the seed: every other node joins it)    frontserver1-3 NET.21-23   appserver1-3 NET.31-33
#   nginx static NET.41   nginx proxy NET.42 (+ agent NET.42)   HAProxy NET.43 (+ agent)   nginx verbatim NET.44 (+ agent)
# The agents are `dev.grapevine.handlers.Agent` (in every sample jar) with --template; front3 and app3 start only
# for the scale-down run, and the load balancers and their agents stop before it.
#
# Usage: benchmarks/scripts/http-path.sh            (about 13 minutes with the defaults)
#        benchmarks/scripts/http-path.sh --report DIR   (results.md and chart.png again from DIR's files)
# Environment:
#   JVM_FLAGS  options of every JVM instead of the shipped launch (default: none: the role servers start through
#              samples/role.sh, i.e. samples/jvm.options, the role's own options and its AppCDS archive; the
#              template agents with samples/jvm.options)
#   DURATION   seconds of each measured run of rows 1-6 (default 20); WARMUP seconds of wrk before each (default 10)
#   PINNED     1 (default): also the 1-connection runs on one CPU; 0: not
#   SCALE_DOWN_DURATION  seconds of row 7 (default 30; the kills are at 5, 10, 15 and 20 s)
#   JAR_DIR    a directory holding appserver.jar, frontserver.jar, proxyserver.jar (and benchmarks.jar for the
#              chart): nothing is built. Without it the jars of samples/*/target and benchmarks/target are used,
#              built with ./mvnw when missing or older than the sources.
#   OUT        where the results go (default benchmarks/results/http-path/<UTC date-time>)
#   NET        the loopback /24 to use (default 127.0.0; must be 127.x.y)
#
# Needs wrk and curl (installed with apt-get when missing and run as root; so are nginx and HAProxy, whose rows
# are skipped if they are still missing). Every process it starts (JVMs, nginx, HAProxy, wrk) is stopped and its
# temporary directory removed when it ends, whatever happens. It touches no firewall (no nftables) and binds
# loopback addresses only.
set -euo pipefail
cd "$(dirname "$0")/../.."
COMMAND_LINE="$0 $*"
for v in JAR_DIR JVM_FLAGS DURATION WARMUP PINNED SCALE_DOWN_DURATION OUT NET; do
  if [ -n "${!v+x}" ]; then COMMAND_LINE="$v=$(printf '%q' "${!v}") $COMMAND_LINE"; fi
done

say() { printf '%s  %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { say "error: $*"; exit 1; }

# --- the report, from the files of a run (results.csv, notes.txt, machine.txt) ---------------------------------------
note() { awk -F'|' -v k="$2" '$1 == k { sub(/^[^|]*\|/, ""); print; exit }' "$1/notes.txt"; }
val() { # dir row connections cpus column (CSV: 1 row, 2 path, 3 connections, 4 threads, 5 cpus, ...)
  awk -F, -v r="$2" -v c="$3" -v p="$4" -v col="$5" \
    'NR > 1 && $1 "" == r "" && $3 "" == c "" && $5 == p {print $col; exit}' "$1/results.csv"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (a == "" || b == "" || b + 0 == 0) print "n/a"; else printf "%.4f", a / b }'; }
minus() { awk -v a="$1" -v b="$2" 'BEGIN{ if (a == "" || b == "") print "n/a"; else printf "%.3f", a - b }'; }
two() { awk -v v="$1" 'BEGIN{ if (v == "n/a") print v; else printf "%.2f", v }'; }
meets() { # value op target
  awk -v v="$1" -v op="$2" -v t="$3" 'BEGIN{ if (v == "n/a") print "n/a";
    else if ((op == ">=" && v + 0 >= t + 0) || (op == "<=" && v + 0 <= t + 0)) print "yes"; else print "**no**" }'
}

report() { # dir: writes dir/results.md (printed) and dir/chart.png
  local dir=$1 csv=$1/results.csv nproc rows r
  nproc=$(note "$dir" nproc)
  rows=$(awk -F, 'NR > 1 && $1 != "7" && !seen[$1]++ {print $1}' "$csv")
  local warmup duration scale
  warmup=$(note "$dir" warmup) duration=$(note "$dir" duration) scale=$(note "$dir" scale_down)
  local r_app r_nginx r_plain r_haproxy hop_front hop_proxy hop_front_p hop_proxy_p
  r_app=$(ratio "$(val "$dir" 2 64 all 8)" "$(val "$dir" 1 64 all 8)")
  r_nginx=$(ratio "$(val "$dir" 4 64 all 8)" "$(val "$dir" 5 64 all 8)")
  r_plain=$(ratio "$(val "$dir" 4 64 all 8)" "$(val "$dir" 5b 64 all 8)")
  r_haproxy=$(ratio "$(val "$dir" 4 64 all 8)" "$(val "$dir" 6 64 all 8)")
  hop_front=$(minus "$(val "$dir" 3 1 all 9)" "$(val "$dir" 2 1 all 9)")
  hop_proxy=$(minus "$(val "$dir" 4 1 all 9)" "$(val "$dir" 3 1 all 9)")
  hop_front_p=$(minus "$(val "$dir" 3 1 0 9)" "$(val "$dir" 2 1 0 9)")
  hop_proxy_p=$(minus "$(val "$dir" 4 1 0 9)" "$(val "$dir" 3 1 0 9)")
  {
    echo "# HTTP data path: $(note "$dir" date)"
    echo
    echo '```'
    cat "$dir/machine.txt"
    echo '```'
    echo
    echo "Each measured run follows ${warmup} s of wrk with the same threads and connections (JVM warm-up)."
    echo "1 connection: \`wrk -t1 -c1 -d${duration}s --latency\`; 64: \`wrk -t2 -c64 -d${duration}s --latency\`. Non-2xx is wrk's"
    echo "\"Non-2xx or 3xx responses\" (status >= 400); socket errors are connect + read + write + timeout (2 s)."
    echo "CPU over the measured run, in % of one core: path = the row's server processes (nginx/HAProxy workers"
    echo "included), wrk = the load generator, other = everything else busy on the machine's $nproc CPUs (kernel"
    echo "work not charged to a process, and other users' work: the machine is shared)."
    echo
    echo "| # | path | req/s @1 | p50 ms @1 | p99 ms @1 | req/s @64 | p50 ms @64 | p99 ms @64 | non-2xx @1/@64 | socket errors @1/@64 | CPU % @64: path / wrk / other |"
    echo "|---|---|---|---|---|---|---|---|---|---|---|"
    for r in $rows; do
      awk -F, -v r="$r" -v n="$nproc" 'NR > 1 && $1 "" == r "" && $5 == "all" { label = $2; c[$3] = $0 }
        END {
          split(c[1], a, ","); split(c[64], b, ",")
          other = b[18] * n - b[16] - b[17]; if (other < 0) other = 0
          printf "| %s | %s | %.0f | %.3f | %.3f | %.0f | %.3f | %.3f | %s / %s | %d / %d | %s / %s / %.0f |\n", r, label,
            a[8], a[9], a[10], b[8], b[9], b[10], a[11], b[11], a[12]+a[13]+a[14]+a[15], b[12]+b[13]+b[14]+b[15],
            b[16], b[17], other
        }' "$csv"
    done
    if [ -n "$(val "$dir" 2 1 0 8)" ]; then
      echo
      echo "At 1 connection with wrk and the row's server processes all on CPU 0 (\`taskset\`; same warm-up first):"
      echo
      echo "| # | path | req/s @1, one CPU | p50 ms | p99 ms | non-2xx | socket errors | CPU %: path / wrk |"
      echo "|---|---|---|---|---|---|---|---|"
      awk -F, 'NR > 1 && $5 == "0" { printf "| %s | %s | %.0f | %.3f | %.3f | %s | %d | %s / %s |\n", $1, $2, $8, $9, $10, $11,
        $12+$13+$14+$15, $16, $17 }' "$csv"
    fi
    if [ -f "$dir/cpu.csv" ]; then
      echo
      echo "CPU per request, in microseconds (the process's CPU time over the run / requests), by tier: the balancer"
      echo "(proxyserver1, nginx or HAProxy; nginx static in row 1), the fronts, the apps, and all of the path:"
      echo
      echo "| # | path | @64: balancer / fronts / apps / all | @1: balancer / fronts / apps / all | @1 one CPU: balancer / fronts / apps / all |"
      echo "|---|---|---|---|---|"
      for r in $rows; do
        awk -F, -v r="$r" -v label="$(val "$dir" "$r" 64 all 2)" '
          function cell(key,   t, s) { if (!(key in seen)) return "n/a"
            s = ""; for (t = 1; t <= 3; t++) s = s (tier[key, t] == "" ? "-" : sprintf("%.0f", tier[key, t])) " / "
            return s sprintf("%.0f", all[key]) }
          NR > 1 && $1 "" == r "" {
            key = $2 "/" $3; seen[key] = 1
            t = ($4 ~ /^frontserver/) ? 2 : ($4 ~ /^appserver/) ? 3 : 1
            tier[key, t] += $6; all[key] += $6 }
          END { printf "| %s | %s | %s | %s | %s |\n", r, label, cell("64/all"), cell("1/all"), cell("1/0") }' "$dir/cpu.csv"
      done
    fi
    if [ -n "$(val "$dir" 7 64 all 8)" ]; then
      echo
      echo "Row 7, scale-down under load (\`wrk -t2 -c64 -d${scale}s --latency\` through the proxy over 3 fronts and 3 apps;"
      echo "SIGTERM appserver2 at 5 s, kill -9 appserver3 at 10 s, SIGTERM frontserver2 at 15 s, kill -9 frontserver3 at 20 s):"
      echo
      echo "| requests | req/s | p50 ms | p99 ms | non-2xx | socket errors (connect/read/write/timeout) | CPU %: wrk / other |"
      echo "|---|---|---|---|---|---|---|"
      awk -F, -v n="$nproc" 'NR > 1 && $1 == "7" { other = $18 * n - $17; printf "| %d | %.0f | %.3f | %.3f | %s | %d (%s/%s/%s/%s) | %s / %.0f |\n",
        $7, $8, $9, $10, $11, $12+$13+$14+$15, $12, $13, $14, $15, $17, other }' "$csv"
      echo
      echo "(\"other\" here includes the servers: the ones stopped during the run take their CPU counters with them.)"
      echo "After the run: $(note "$dir" exits). The proxy's view: $(note "$dir" view)."
    fi
    echo
    echo "| ratio | value | target | met |"
    echo "|---|---|---|---|"
    echo "| app direct / nginx static, req/s @64 | $(two "$r_app") | >= 0.5 | $(meets "$r_app" '>=' 0.5) |"
    echo "| proxy / nginx as proxy (upstream keepalive 64), req/s @64 | $(two "$r_nginx") | >= 0.8 | $(meets "$r_nginx" '>=' 0.8) |"
    echo "| proxy / HAProxy, req/s @64 | $(two "$r_haproxy") | >= 1.0 | $(meets "$r_haproxy" '>=' 1.0) |"
    echo "| proxy / nginx as proxy with the template verbatim (no upstream keepalive), req/s @64 | $(two "$r_plain") | (for information) | |"
    echo "| added p50 of the front hop @1: (front -> app) - (app direct), ms | $hop_front | <= 0.3 | $(meets "$hop_front" '<=' 0.3) |"
    echo "| added p50 of the proxy hop @1: (proxy -> front -> app) - (front -> app), ms | $hop_proxy | <= 0.3 | $(meets "$hop_proxy" '<=' 0.3) |"
    if [ "$hop_front_p" != n/a ]; then
      echo "| the same, one CPU: front hop, ms | $hop_front_p | <= 0.3 | $(meets "$hop_front_p" '<=' 0.3) |"
      echo "| the same, one CPU: proxy hop, ms | $hop_proxy_p | <= 0.3 | $(meets "$hop_proxy_p" '<=' 0.3) |"
    fi
    echo
    echo "Answers (curl, once before each row):"
    echo
    awk -F'|' '$1 == "sample" { printf "- row %s, `%s`: `%s`\n", $2, $3, $4 }' "$dir/notes.txt"
    echo
    echo "Row 5's upstream is the shipped nginx template with \`keepalive 64;\` added inside its block (nginx accepts"
    echo "the directive nowhere else, so the wrapper cannot add it); row 5b renders the shipped template as it is."
    echo "Both, and HAProxy's backend, were rendered by \`dev.grapevine.handlers.Agent --template\` from the live cluster"
    echo "(configs/ holds what was rendered and the wrappers, logs/ every process's output and wrk's)."
  } >"$dir/results.md"

  local bench_jar
  bench_jar=$(note "$dir" bench_jar)
  if [ -n "$bench_jar" ] && [ -f "$bench_jar" ]; then
    {
      echo "row,1 connection,64 connections"
      for r in $rows; do
        echo "$r $(val "$dir" "$r" 64 all 2 | sed 's/ (no upstream keepalive)/ no keepalive/'),$(val "$dir" "$r" 1 all 8),$(val "$dir" "$r" 64 all 8)"
      done
    } >"$dir/chart.csv"
    java -Xmx128m -cp "$bench_jar" dev.grapevine.benchmarks.BarChart "$dir/chart.csv" "$dir/chart.png" \
      "HTTP data path on loopback, requests/s ($(note "$dir" date | cut -c1-10), $nproc CPUs, load $(note "$dir" load_before) before)" \
      "requests/s" >&2 || say "warning: the chart could not be drawn"
  else
    say "no benchmarks.jar: no chart"
  fi
  cat "$dir/results.md"
}

if [ "${1:-}" = --report ]; then
  [ -f "${2:-}/results.csv" ] || die "usage: $0 --report DIR (a directory with results.csv, notes.txt, machine.txt)"
  report "$2"
  exit 0
fi
[ $# -eq 0 ] || die "no arguments but --report DIR; the settings are environment variables (see the top of $0)"

# --- settings -------------------------------------------------------------------------------------------------------
JVM_FLAGS=${JVM_FLAGS:-}
DURATION=${DURATION:-20}
WARMUP=${WARMUP:-10}
PINNED=${PINNED:-1}
SCALE_DOWN_DURATION=${SCALE_DOWN_DURATION:-30}
NET=${NET:-127.0.0}
OUT=${OUT:-benchmarks/results/http-path/$(date -u +%Y-%m-%d-%H%M%S)}
LOG_FLAGS=() # the role servers' log lines carry the time already (roles' ProcessLog)

[[ "$NET" =~ ^127\.[0-9]{1,3}\.[0-9]{1,3}$ ]] || die "NET must be a loopback /24 such as 127.0.0, was '$NET'"
for v in DURATION WARMUP SCALE_DOWN_DURATION; do
  [[ "${!v}" =~ ^[0-9]+$ ]] || die "$v must be a whole number of seconds, was '${!v}'"
done
((DURATION > 0)) || die "DURATION must be at least 1"
((SCALE_DOWN_DURATION >= 25)) || die "SCALE_DOWN_DURATION must be at least 25 (the last kill is at 20 s)"
[[ "$PINNED" =~ ^[01]$ ]] || die "PINNED must be 0 or 1, was '$PINNED'"
read -r -a JVM <<<"$JVM_FLAGS"

# --- everything this script starts, and how it is all stopped ---------------------------------------------------
exec 9>&2 # the terminal's stderr: a signal can arrive while fd 2 is redirected (timed_wrk), cleanup writes here
WORK=$(mktemp -d -t grapevine-http-path.XXXXXX)
chmod 755 "$WORK" # nginx workers run as another user when started by root
mkdir -p "$WORK/logs" "$WORK/conf"
OUT_ABS=
declare -A PID=()   # name -> pid of each process started (JVMs, nginx and HAProxy masters, wrk)
descendants() { local c; for c in $(pgrep -P "$1" 2>/dev/null || true); do echo "$c"; descendants "$c"; done; }
stop_pids() { # signal pids...: the processes and their descendants (nginx and HAProxy workers, reload shells)
  local sig=$1; shift
  local all=() p
  for p in "$@"; do all+=("$p"); mapfile -t -O "${#all[@]}" all < <(descendants "$p"); done
  ((${#all[@]})) || return 0
  kill "-$sig" "${all[@]}" 2>/dev/null || true
  local deadline=$((SECONDS + 8))
  while ((SECONDS < deadline)); do
    local left=0
    for p in "${all[@]}"; do
      if kill -0 "$p" 2>/dev/null && [ "$(awk '{print $3}' "/proc/$p/stat" 2>/dev/null)" != Z ]; then left=1; fi
    done
    ((left)) || break
    sleep 0.2
  done
  kill -9 "${all[@]}" 2>/dev/null || true
}
stop() { # name...: stops them (SIGTERM, then SIGKILL after 8 s) and forgets them
  local pids=() n
  for n in "$@"; do if [ -n "${PID[$n]:-}" ]; then pids+=("${PID[$n]}"); fi; done
  stop_pids TERM "${pids[@]}"
  for n in "$@"; do
    if [ -n "${PID[$n]:-}" ]; then wait "${PID[$n]}" 2>/dev/null || true; unset "PID[$n]"; fi
  done
}
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  exec 2>&9
  if ((${#PID[@]})); then
    say "stopping every process this script started (${!PID[*]})"
    stop_pids TERM "${PID[@]}"
    wait 2>/dev/null || true
  fi
  if [ -n "$OUT_ABS" ] && [ -d "$OUT_ABS" ]; then # keep the logs and the configurations beside the results
    mkdir -p "$OUT_ABS/logs" "$OUT_ABS/configs"
    cp "$WORK"/logs/* "$OUT_ABS/logs/" 2>/dev/null || true
    cp "$WORK"/conf/* "$OUT_ABS/configs/" 2>/dev/null || true
  fi
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- tools --------------------------------------------------------------------------------------------------------
need() { # command package
  command -v "$1" >/dev/null 2>&1 && return 0
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    say "installing $2 (apt-get)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$2" >/dev/null 2>&1 || {
      apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$2" >/dev/null; } || true
  fi
  command -v "$1" >/dev/null 2>&1 || { PATH=$PATH:/usr/sbin:/sbin; command -v "$1" >/dev/null 2>&1; } ||
    { say "warning: $1 is missing: install Debian's $2"; return 1; }
}
need wrk wrk || die "wrk is required"
need curl curl || die "curl is required"
need unzip unzip || die "unzip is required (to read the shipped template out of the jar)"
HAVE_NGINX=1; need nginx nginx || HAVE_NGINX=0
HAVE_HAPROXY=1; need haproxy haproxy || HAVE_HAPROXY=0
if [ "$PINNED" = 1 ] && ! command -v taskset >/dev/null; then say "warning: no taskset (util-linux): no runs on one CPU"; PINNED=0; fi
command -v java >/dev/null || die "java (a JDK 17) is required"

# --- jars -----------------------------------------------------------------------------------------------------------
if [ -n "${JAR_DIR:-}" ]; then
  for r in appserver frontserver proxyserver; do
    [ -f "$JAR_DIR/$r.jar" ] || die "JAR_DIR=$JAR_DIR holds no $r.jar"
  done
  APP_JAR=$JAR_DIR/appserver.jar FRONT_JAR=$JAR_DIR/frontserver.jar PROXY_JAR=$JAR_DIR/proxyserver.jar
  BENCH_JAR=$JAR_DIR/benchmarks.jar
else
  APP_JAR=samples/appserver/target/appserver.jar FRONT_JAR=samples/frontserver/target/frontserver.jar
  PROXY_JAR=samples/proxyserver/target/proxyserver.jar BENCH_JAR=benchmarks/target/benchmarks.jar
  need_build=0
  for j in "$APP_JAR" "$FRONT_JAR" "$PROXY_JAR" "$BENCH_JAR"; do
    if [ ! -f "$j" ] || [ -n "$(find gossip-core roles dns-responder event-handlers samples benchmarks \
          -path '*/src/main/*' -newer "$j" -type f -print -quit 2>/dev/null)" ]; then need_build=1; fi
  done
  if [ "$need_build" = 1 ]; then
    say "building the jars (./mvnw -q -B -ntp package -DskipTests)"
    ./mvnw -q -B -ntp package -DskipTests >"$WORK/logs/build.log" 2>&1 || { cat "$WORK/logs/build.log"; die "the build failed"; }
  fi
fi
APP_JAR=$(realpath "$APP_JAR") FRONT_JAR=$(realpath "$FRONT_JAR") PROXY_JAR=$(realpath "$PROXY_JAR")
if [ -f "$BENCH_JAR" ]; then BENCH_JAR=$(realpath "$BENCH_JAR"); else say "warning: no $BENCH_JAR: no chart"; BENCH_JAR=; fi

# --- addresses ------------------------------------------------------------------------------------------------------
PROXY=$NET.11
FRONT=([1]=$NET.21 [2]=$NET.22 [3]=$NET.23)
APP=([1]=$NET.31 [2]=$NET.32 [3]=$NET.33)
NGINX_STATIC=$NET.41 NGINX_PROXY=$NET.42 HAPROXY=$NET.43 NGINX_PLAIN=$NET.44
if command -v ss >/dev/null; then # someone else on these addresses (the demo uses 127.0.0.x too) would skew or break it
  busy=$(ss -Hltnu 2>/dev/null | awk '{print $5}' |
    grep -E "^(($(echo "$NET" | sed 's/\./\\./g')\.(11|2[1-3]|3[1-3]|4[1-4]))|0\.0\.0\.0|\*|\[::\]):(7946|8080|8500)$" || true)
  [ -z "$busy" ] || die "already in use: $(echo "$busy" | tr '\n' ' ')(set NET=127.0.N to use other addresses)"
fi

mkdir -p "$OUT"
OUT_ABS=$(realpath "$OUT")
KEY=$(head -c 32 /dev/urandom | base64)
CLK_TCK=$(getconf CLK_TCK)
ALL_CPUS=$(taskset -pc $$ 2>/dev/null | sed 's/.*: //' || true)

# --- the machine ----------------------------------------------------------------------------------------------------
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
NOTES=$OUT/notes.txt
{
  echo "date|$(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "nproc|$(nproc)"
  echo "warmup|$WARMUP"
  echo "duration|$DURATION"
  echo "scale_down|$SCALE_DOWN_DURATION"
  echo "load_before|$LOAD_BEFORE"
  echo "bench_jar|$BENCH_JAR"
} >"$NOTES"
{
  echo "date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
  echo "command: $COMMAND_LINE"
  echo "cpu: $(nproc) x $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
  echo "memory: $(awk '/MemTotal/{printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
  echo "kernel: $(uname -r)"
  echo "java: $(java -version 2>&1 | head -1); $(java -version 2>&1 | sed -n 3p)"
  if [ -n "$JVM_FLAGS" ]; then echo "JVM_FLAGS: $JVM_FLAGS"; else
    echo "JVM options: samples/role.sh: $(tr '\n' ' ' <samples/jvm.options)$(for r in appserver frontserver proxyserver; do
      [ -f samples/$r/jvm.options ] && printf '; %s adds %s' "$r" "$(tr '\n' ' ' <samples/$r/jvm.options)"; done); AppCDS archives: $(
      ls "$(dirname "$APP_JAR")"/*.jsa "$(dirname "$FRONT_JAR")"/*.jsa "$(dirname "$PROXY_JAR")"/*.jsa 2>/dev/null | sort -u | wc -l)"; fi
  if [ "$HAVE_NGINX" = 1 ]; then echo "nginx: $(nginx -v 2>&1 | sed 's/^nginx version: //')"; fi
  if [ "$HAVE_HAPROXY" = 1 ]; then echo "haproxy: $(haproxy -v | head -1)"; fi
  echo "wrk: $(wrk -v 2>&1 | head -1 | sed 's/ Copyright.*//')"
  echo "runs: warm-up ${WARMUP} s + measured ${DURATION} s per row and connection count; scale-down ${SCALE_DOWN_DURATION} s"
  echo "load average before: $LOAD_BEFORE"
} >"$OUT/machine.txt"
cat "$OUT/machine.txt" >&2

# --- helpers --------------------------------------------------------------------------------------------------------
start_node() { # name jar-or-Agent ip [flags...]: a Grapevine process in the bench cluster
  local name=$1 what=$2 ip=$3; shift 3
  local main=(-jar "$what")
  if [ "$what" = Agent ]; then main=(-cp "$PROXY_JAR" dev.grapevine.handlers.Agent); fi
  local join=(--join "$PROXY:7946")
  if [ "$ip" = "$PROXY" ]; then join=(); fi
  local launch=(java "${JVM[@]}" "${LOG_FLAGS[@]}" "${main[@]}")
  if [ -z "$JVM_FLAGS" ]; then
    if [ "$what" = Agent ]; then
      launch=(java "@samples/jvm.options" "${LOG_FLAGS[@]}" "${main[@]}")
    else
      local role; role=$(basename "$what" .jar)
      launch=(env GRAPEVINE_JAR="$what" JAVA_OPTS="${LOG_FLAGS[*]}" samples/role.sh "$role")
    fi
  fi
  "${launch[@]}" --name "$name" --bind "$ip:7946" "${join[@]}" \
    --admin "$ip:8500" --key "$KEY" --cluster bench "$@" >"$WORK/logs/$name.log" 2>&1 &
  PID[$name]=$!
}

members() { # admin-ip: "name status" of every member that node knows
  curl -s --max-time 2 "http://$1:8500/v1/members" 2>/dev/null | sed 's/},{"name"/}\n{"name"/g' |
    sed -n 's/.*"name":"\([^"]*\)".*"status":"\([^"]*\)".*/\1 \2/p' | sort || true
}

sees_alive() { # admin-ip names...: whether that node sees every one of them alive
  local view n
  view=$(members "$1"); shift
  for n in "$@"; do grep -qx "$n alive" <<<"$view" || return 1; done
}

wait_until() { # seconds description command...
  local limit=$1 what=$2; shift 2
  local deadline=$((SECONDS + limit))
  until "$@"; do
    ((SECONDS < deadline)) || die "timed out after ${limit} s waiting for $what"
    sleep 0.3
  done
}

answers() { # url substring: a 200 whose body holds the substring
  local body
  body=$(curl -sf --max-time 3 "$1" 2>/dev/null) && [[ "$body" == *"$2"* ]]
}

check_alive() { # name: still running (a server that died mid-run would make every figure after it meaningless)
  kill -0 "${PID[$1]}" 2>/dev/null || die "$1 exited: see its log, $OUT/logs/$1.log"
}

cpu_ticks() { # pids...: utime + stime of the processes and their children, in clock ticks
  local t=0 p q s
  for p in "$@"; do
    for q in "$p" $(pgrep -P "$p" 2>/dev/null || true); do
      s=$(sed 's/.*) //' "/proc/$q/stat" 2>/dev/null | awk '{print $12 + $13}') || continue
      t=$((t + ${s:-0}))
    done
  done
  echo "$t"
}

machine_ticks() { awk '/^cpu /{print $2+$3+$4+$7+$8+$9, $2+$3+$4+$5+$6+$7+$8+$9}' /proc/stat; } # busy total
busy_pct() { awk -v a="$1" -v b="$2" 'BEGIN{split(a, x, " "); split(b, y, " "); printf "%.0f", (y[1]-x[1]) / (y[2]-x[2]) * 100}'; }

pin() { # cpus pids...: the processes, every thread, and their children
  local cpus=$1 p q; shift
  for p in "$@"; do
    for q in "$p" $(descendants "$p"); do taskset -a -pc "$cpus" "$q" >/dev/null 2>&1 || true; done
  done
}

to_ms() { # a wrk latency (102.00us, 1.23ms, 2.00s, 1.00m) in ms
  awk -v v="$1" 'BEGIN {
    if (v ~ /us$/) { sub(/us$/, "", v); printf "%.3f", v / 1000 }
    else if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.3f", v }
    else if (v ~ /m$/) { sub(/m$/, "", v); printf "%.3f", v * 60000 }
    else if (v ~ /s$/) { sub(/s$/, "", v); printf "%.3f", v * 1000 }
    else printf "" }'
}

CPU_CSV=$OUT/cpu.csv
echo "row,connections,cpus,process,cpu_pct,cpu_us_per_request" >"$CPU_CSV"
CSV=$OUT/results.csv
echo "row,path,connections,threads,cpus,duration_s,requests,requests_per_s,p50_ms,p99_ms,non2xx,socket_connect,socket_read,socket_write,socket_timeout,path_cpu_pct,wrk_cpu_pct,machine_busy_pct,load1_at_end" >"$CSV"

parse_wrk() { # row label conns threads cpus duration file path_ticks wrk_cpu_pct busy_pct -> a CSV line
  local row=$1 label=$2 c=$3 t=$4 cpus=$5 d=$6 f=$7 ticks=$8 wrkcpu=$9 busy=${10}
  local rps req p50 p99 non2xx sock cpu=
  rps=$(awk '/^Requests\/sec:/{print $2}' "$f")
  req=$(awk '/ requests in /{print $1}' "$f")
  p50=$(to_ms "$(awk '$1=="50%"{print $2}' "$f")")
  p99=$(to_ms "$(awk '$1=="99%"{print $2}' "$f")")
  non2xx=$(awk '/Non-2xx or 3xx responses:/{print $NF}' "$f")
  sock=$(awk '/Socket errors:/{gsub(",", ""); print $4 "," $6 "," $8 "," $10}' "$f")
  [ -n "$rps" ] || { cat "$f" >&2; die "could not read wrk's output for row $row"; }
  if [ "$ticks" != - ]; then cpu=$(awk -v k="$ticks" -v hz="$CLK_TCK" -v d="$d" 'BEGIN{printf "%.0f", k / hz / d * 100}'); fi
  echo "$row,$label,$c,$t,$cpus,$d,${req:-0},$rps,$p50,$p99,${non2xx:-0},${sock:-0,0,0,0},$cpu,$wrkcpu,$busy,$(cut -d' ' -f1 /proc/loadavg)" >>"$CSV"
}

timed_wrk() { # out-file seconds wrk-args...: wrk, and its user + system CPU seconds in out-file.time
  local f=$1 d=$2; shift 2
  local TIMEFORMAT='%U %S'
  { time timeout $((d + 30)) "${WRK[@]}" "$@" >"$f" 2>&1; } 2>"$f.time"
}
wrk_cpu() { awk -v d="$2" '{printf "%.0f", ($1 + $2) / d * 100}' "$1.time"; } # out-file seconds: % of one core

name_of() { local n; for n in "${!PID[@]}"; do if [ "${PID[$n]}" = "$1" ]; then echo "$n"; return; fi; done; echo "$1"; }

measure() { # row label url threads conns cpus pids...: a warm-up, then one measured wrk run
  local row=$1 label=$2 url=$3 t=$4 c=$5 cpus=$6; shift 6
  local tag="$row-c$c"
  WRK=(wrk)
  if [ "$cpus" != all ]; then tag="$tag-cpu$cpus"; WRK=(taskset -c "$cpus" wrk); pin "$cpus" "$@"; fi
  local f="$WORK/logs/wrk-$tag.txt"
  if ((WARMUP > 0)); then
    timed_wrk "$WORK/logs/wrk-$tag-warmup.txt" "$WARMUP" -t"$t" -c"$c" -d"${WARMUP}s" "$url" || true
  fi
  local m0 m1 p i=0 k=0 before=() after=()
  for p in "$@"; do before+=("$(cpu_ticks "$p")"); done
  m0=$(machine_ticks)
  timed_wrk "$f" "$DURATION" -t"$t" -c"$c" -d"${DURATION}s" --latency "$url" || { cat "$f" >&2; die "wrk failed on $url"; }
  m1=$(machine_ticks)
  for p in "$@"; do after+=("$(cpu_ticks "$p")"); done
  if [ "$cpus" != all ]; then pin "$ALL_CPUS" "$@"; fi
  for p in "$@"; do k=$((k + after[i] - before[i])); i=$((i + 1)); done
  parse_wrk "$row" "$label" "$c" "$t" "$cpus" "$DURATION" "$f" "$k" "$(wrk_cpu "$f" "$DURATION")" "$(busy_pct "$m0" "$m1")"
  local requests
  requests=$(tail -1 "$CSV" | cut -d, -f7)
  i=0
  for p in "$@"; do # each process's share: CPU % of one core, and CPU microseconds per request
    awk -v r="$row" -v c="$c" -v cp="$cpus" -v n="$(name_of "$p")" -v k=$((after[i] - before[i])) -v hz="$CLK_TCK" \
      -v d="$DURATION" -v q="$requests" 'BEGIN{printf "%s,%s,%s,%s,%.0f,%.1f\n", r, c, cp, n, k / hz / d * 100, (q > 0 ? k / hz / q * 1e6 : 0)}' >>"$CPU_CSV"
    i=$((i + 1))
  done
  say "  $(tail -1 "$CSV" | awk -F, '{printf "%s connection(s), CPUs %s: %.0f req/s, p50 %s ms, p99 %s ms, non-2xx %s, socket errors %d; CPU: path %s %%, wrk %s %%, machine %s %% busy",
    $3, $5, $8, $9, $10, $11, $12+$13+$14+$15, $16, $17, $18}')"
}

bench_row() { # row label url expected-substring pids...: 1 and 64 connections (and 1 on one CPU)
  local row=$1 label=$2 url=$3 expect=$4; shift 4
  wait_until 30 "$label to answer ($url)" answers "$url" "$expect"
  local sample
  sample=$(curl -s --max-time 3 "$url" | head -c 200 | tr -d '\r\n|')
  echo "sample|$row|$url|$sample" >>"$NOTES"
  say "row $row, $label: curl $url -> $sample"
  measure "$row" "$label" "$url" 1 1 all "$@"
  measure "$row" "$label" "$url" 2 64 all "$@"
  if [ "$PINNED" = 1 ]; then measure "$row" "$label" "$url" 1 1 0 "$@"; fi
}

# --- the nginx and HAProxy configurations ---------------------------------------------------------------------------
nginx_common() { # dir
  cat <<EOF
worker_processes 1;
daemon off;
pid $1/nginx.pid;
error_log $1/error.log notice;
events { worker_connections 1024; }
http {
    access_log off;
    keepalive_timeout 65s;
    keepalive_requests 1000000;
    client_body_temp_path $1/client_body_temp;
    proxy_temp_path $1/proxy_temp;
    fastcgi_temp_path $1/fastcgi_temp;
    uwsgi_temp_path $1/uwsgi_temp;
    scgi_temp_path $1/scgi_temp;
EOF
}

nginx_start() { # name dir
  local d=$2
  nginx -t -q -p "$d/" -e "$d/error.log" -c "$d/nginx.conf" 2>"$WORK/logs/$1.log" ||
    { cat "$WORK/logs/$1.log" >&2; die "nginx -t failed for $1"; }
  nginx -p "$d/" -e "$d/error.log" -c "$d/nginx.conf" >>"$WORK/logs/$1.log" 2>&1 &
  PID[$1]=$!
}

nginx_proxy_conf() { # dir listen-ip: the wrapper around the rendered upstream
  nginx_common "$1"
  cat <<EOF
    include $1/upstream.conf;   # rendered by Grapevine from the shipped template
    server {
        listen $2:8080;
        location / {
            proxy_pass http://front;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_next_upstream error timeout;
            proxy_connect_timeout 2s;
        }
    }
}
EOF
}

# The reload commands run by the watcher: nothing until the server runs (the first render comes before it starts).
nginx_reload() { echo "if [ -s $1/nginx.pid ]; then nginx -p $1/ -e $1/error.log -c $1/nginx.conf -s reload; fi"; }

# --- start ----------------------------------------------------------------------------------------------------------
if [ "$HAVE_NGINX" = 1 ]; then
  D=$WORK/nginx-static; mkdir -p "$D"
  { nginx_common "$D"; cat <<EOF
    server {
        listen $NGINX_STATIC:8080;
        default_type text/plain;
        location / { return 200 "I'm nginx-static\n"; }
    }
}
EOF
  } >"$D/nginx.conf"
  cp "$D/nginx.conf" "$WORK/conf/nginx-static.conf"
  nginx_start nginx-static "$D"
fi

say "starting proxyserver1 ($PROXY), frontserver1-2, appserver1-2 (one encrypted cluster, JVM_FLAGS: $JVM_FLAGS)"
start_node proxyserver1 "$PROXY_JAR" "$PROXY" --http "$PROXY:8080"
wait_until 60 "proxyserver1's admin API" sees_alive "$PROXY" proxyserver1
for i in 1 2; do
  start_node "frontserver$i" "$FRONT_JAR" "${FRONT[$i]}" --http "${FRONT[$i]}:8080"
  start_node "appserver$i" "$APP_JAR" "${APP[$i]}" --http "${APP[$i]}:8080"
done
CORE=(proxyserver1 frontserver1 frontserver2 appserver1 appserver2)

# The load balancers' agents, each beside its server, rendering from the live membership.
if [ "$HAVE_NGINX" = 1 ]; then
  D=$WORK/nginx-proxy; mkdir -p "$D"
  T=$WORK/conf/nginx-upstream-keepalive.conf.tmpl
  unzip -p "$PROXY_JAR" templates/nginx-upstream.conf.tmpl >"$WORK/nginx-upstream.conf.tmpl" ||
    die "no templates/nginx-upstream.conf.tmpl in $PROXY_JAR"
  # The shipped template with one line added inside the upstream block (nginx takes keepalive nowhere else).
  awk '{ lines[NR] = $0 } END { for (i = NR; i > 0; i--) if (lines[i] == "}") { last = i; break }
         if (!last) exit 1
         for (i = 1; i <= NR; i++) { if (i == last) print "    keepalive 64;"; print lines[i] } }' \
    "$WORK/nginx-upstream.conf.tmpl" >"$T" || die "the shipped nginx template no longer ends its upstream block with a lone '}'"
  nginx_proxy_conf "$D" "$NGINX_PROXY" >"$D/nginx.conf"
  start_node nginx-agent Agent "$NGINX_PROXY" --template "$T:$D/upstream.conf:$(nginx_reload "$D")" \
    --template-param role=front

  D=$WORK/nginx-plain; mkdir -p "$D"
  nginx_proxy_conf "$D" "$NGINX_PLAIN" >"$D/nginx.conf"
  start_node nginx-plain-agent Agent "$NGINX_PLAIN" \
    --template "classpath:templates/nginx-upstream.conf.tmpl:$D/upstream.conf:$(nginx_reload "$D")" \
    --template-param role=front
fi
if [ "$HAVE_HAPROXY" = 1 ]; then
  D=$WORK/haproxy; mkdir -p "$D"
  cat >"$D/haproxy.cfg" <<EOF
global
    nbthread 1
    maxconn 4096
defaults
    mode http
    timeout connect 2s
    timeout client 30s
    timeout server 30s
    timeout http-keep-alive 30s
    option http-keep-alive
    http-reuse always
    retries 2
    option redispatch
frontend http
    bind $HAPROXY:8080
    default_backend front
# backend front: $D/backend.cfg, rendered by Grapevine from the shipped template (a second -f file)
EOF
  start_node haproxy-agent Agent "$HAPROXY" \
    --template "classpath:templates/haproxy-backend.cfg.tmpl:$D/backend.cfg:if [ -s $D/haproxy.pid ]; then kill -USR2 \$(cat $D/haproxy.pid); fi" \
    --template-param role=front
fi

say "waiting for the cluster to form: the proxy and each front see every member alive"
wait_until 90 "the proxy to see the servers alive" sees_alive "$PROXY" "${CORE[@]}"
for i in 1 2; do wait_until 60 "frontserver$i to see both apps" sees_alive "${FRONT[$i]}" "${CORE[@]}"; done

lists_fronts() { grep -q "$2frontserver1" "$1" 2>/dev/null && grep -q "$2frontserver2" "$1"; }
if [ "$HAVE_NGINX" = 1 ]; then
  for a in nginx-proxy nginx-plain; do
    wait_until 60 "the $a upstream to list both fronts" lists_fronts "$WORK/$a/upstream.conf" '# '
    nginx_start "$a" "$WORK/$a"
    cp "$WORK/$a/upstream.conf" "$WORK/conf/$a-upstream.conf"; cp "$WORK/$a/nginx.conf" "$WORK/conf/$a.conf"
  done
  grep -q 'keepalive 64;' "$WORK/nginx-proxy/upstream.conf" || die "the rendered upstream has no keepalive line"
fi
if [ "$HAVE_HAPROXY" = 1 ]; then
  D=$WORK/haproxy
  wait_until 60 "the HAProxy backend to list both fronts" lists_fronts "$D/backend.cfg" 'server '
  haproxy -c -q -f "$D/haproxy.cfg" -f "$D/backend.cfg" >"$WORK/logs/haproxy.log" 2>&1 ||
    { cat "$WORK/logs/haproxy.log" >&2; die "haproxy -c failed"; }
  haproxy -W -p "$D/haproxy.pid" -f "$D/haproxy.cfg" -f "$D/backend.cfg" >>"$WORK/logs/haproxy.log" 2>&1 &
  PID[haproxy]=$!
  cp "$D/haproxy.cfg" "$WORK/conf/haproxy.cfg"; cp "$D/backend.cfg" "$WORK/conf/haproxy-backend.cfg"
fi
say "cluster formed; each measured run follows ${WARMUP} s of wrk with the same threads and connections (JVM warm-up)"

# --- rows 1-6 -------------------------------------------------------------------------------------------------------
FRONTS_APPS=("${PID[frontserver1]}" "${PID[frontserver2]}" "${PID[appserver1]}" "${PID[appserver2]}")
if [ "$HAVE_NGINX" = 1 ]; then
  bench_row 1 "nginx static" "http://$NGINX_STATIC:8080/hello" "I'm nginx-static" "${PID[nginx-static]}"
  stop nginx-static
fi
bench_row 2 "app direct" "http://${APP[1]}:8080/hello" "I'm appserver1" "${PID[appserver1]}"
bench_row 3 "front -> app" "http://${FRONT[1]}:8080/hello" "Hello frontserver1, I'm appserver" \
  "${PID[frontserver1]}" "${PID[appserver1]}" "${PID[appserver2]}"
bench_row 4 "proxy -> front -> app" "http://$PROXY:8080/hello" "Hello frontserver" "${PID[proxyserver1]}" "${FRONTS_APPS[@]}"
if [ "$HAVE_NGINX" = 1 ]; then
  bench_row 5 "nginx -> front -> app" "http://$NGINX_PROXY:8080/hello" "Hello frontserver" "${PID[nginx-proxy]}" "${FRONTS_APPS[@]}"
  bench_row 5b "nginx (no upstream keepalive) -> front -> app" "http://$NGINX_PLAIN:8080/hello" "Hello frontserver" \
    "${PID[nginx-plain]}" "${FRONTS_APPS[@]}"
fi
if [ "$HAVE_HAPROXY" = 1 ]; then
  bench_row 6 "HAProxy -> front -> app" "http://$HAPROXY:8080/hello" "Hello frontserver" "${PID[haproxy]}" "${FRONTS_APPS[@]}"
fi
for n in "${CORE[@]}"; do check_alive "$n"; done

# --- 7: scale down under load ----------------------------------------------------------------------------------------
say "row 7: stopping the load balancers and their agents, starting frontserver3 and appserver3"
stop nginx-proxy nginx-plain haproxy nginx-agent nginx-plain-agent haproxy-agent
start_node frontserver3 "$FRONT_JAR" "${FRONT[3]}" --http "${FRONT[3]}:8080"
start_node appserver3 "$APP_JAR" "${APP[3]}" --http "${APP[3]}:8080"
ALL=(proxyserver1 frontserver1 frontserver2 frontserver3 appserver1 appserver2 appserver3)
wait_until 90 "the proxy to see 3 fronts and 3 apps alive" sees_alive "$PROXY" "${ALL[@]}"
for i in 1 2 3; do wait_until 60 "frontserver$i to see all three apps" sees_alive "${FRONT[$i]}" "${ALL[@]}"; done
for i in 1 2 3; do wait_until 30 "frontserver$i to answer" answers "http://${FRONT[$i]}:8080/hello" "Hello frontserver$i"; done
WRK=(wrk)
if ((WARMUP > 0)); then
  say "  warm-up: wrk -t2 -c64 -d${WARMUP}s through the proxy (the new front and app are cold)"
  timed_wrk "$WORK/logs/wrk-7-c64-warmup.txt" "$WARMUP" -t2 -c64 -d"${WARMUP}s" "http://$PROXY:8080/hello" || true
fi
say "  wrk -t2 -c64 -d${SCALE_DOWN_DURATION}s --latency: SIGTERM appserver2 at 5 s, kill -9 appserver3 at 10 s, SIGTERM frontserver2 at 15 s, kill -9 frontserver3 at 20 s"
F7=$WORK/logs/wrk-7-c64.txt
m0=$(machine_ticks)
timed_wrk "$F7" "$SCALE_DOWN_DURATION" -t2 -c64 -d"${SCALE_DOWN_DURATION}s" --latency "http://$PROXY:8080/hello" &
PID[wrk]=$!
T0=$SECONDS
at() { local s=$(($1 - (SECONDS - T0))); if ((s > 0)); then sleep "$s"; fi; }
# The kill -9'd ones are disowned first, so that bash does not report their death on the terminal.
at 5;  kill -TERM "${PID[appserver2]}"; say "  $((SECONDS - T0)) s: SIGTERM appserver2"
at 10; disown "${PID[appserver3]}"; kill -9 "${PID[appserver3]}"; say "  $((SECONDS - T0)) s: kill -9 appserver3"
at 15; kill -TERM "${PID[frontserver2]}"; say "  $((SECONDS - T0)) s: SIGTERM frontserver2"
at 20; disown "${PID[frontserver3]}"; kill -9 "${PID[frontserver3]}"; say "  $((SECONDS - T0)) s: kill -9 frontserver3"
wait "${PID[wrk]}" || { cat "$F7" >&2; die "wrk failed in the scale-down run"; }
unset "PID[wrk]"
m1=$(machine_ticks)
# No path CPU for this row: the processes stopped during the run take their counters with them.
parse_wrk 7 "scale-down: proxy -> 3 fronts -> 3 apps; 2 apps and 2 fronts stopped or killed" 64 2 all "$SCALE_DOWN_DURATION" \
  "$F7" - "$(wrk_cpu "$F7" "$SCALE_DOWN_DURATION")" "$(busy_pct "$m0" "$m1")"
say "  $(tail -1 "$CSV" | awk -F, '{printf "%.0f req/s, p50 %s ms, p99 %s ms, non-2xx %s, socket errors %d", $8, $9, $10, $11, $12+$13+$14+$15}')"
EXITS=()
for n in appserver2 frontserver2; do # SIGTERM: they leave, drain and exit
  rc=0; wait "${PID[$n]}" 2>/dev/null || rc=$?
  EXITS+=("$n (SIGTERM) exited with status $rc$(if grep -q "$n: stopped" "$WORK/logs/$n.log"; then echo ', logging "stopped"'; fi)")
  unset "PID[$n]"
done
for n in appserver3 frontserver3; do
  if kill -0 "${PID[$n]}" 2>/dev/null && [ "$(awk '{print $3}' "/proc/${PID[$n]}/stat" 2>/dev/null)" != Z ]; then
    die "$n still runs after kill -9"
  fi
  EXITS+=("$n (kill -9) is gone")
  unset "PID[$n]"
done
view_ok() {
  local v; v=$(members "$PROXY")
  grep -qx 'appserver2 left' <<<"$v" && grep -qx 'frontserver2 left' <<<"$v" &&
    grep -qx 'appserver3 failed' <<<"$v" && grep -qx 'frontserver3 failed' <<<"$v"
}
deadline=$((SECONDS + 60))
until view_ok || ((SECONDS >= deadline)); do sleep 0.5; done
PROXY_VIEW=$(members "$PROXY" | grep -E '^(app|front)server' | tr '\n' ';' | sed 's/;$//; s/;/; /g')
say "  the proxy's view after the run: $PROXY_VIEW"
{ echo "exits|$(printf '%s; ' "${EXITS[@]}" | sed 's/; $//')"; echo "view|$PROXY_VIEW"; } >>"$NOTES"
stop "${!PID[@]}"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$OUT/machine.txt"

report "$OUT"
echo
echo "results: $OUT/ (results.md, results.csv, machine.txt, notes.txt${BENCH_JAR:+, chart.png}, configs/, logs/)"
