#!/usr/bin/env bash
# The operator's command line, timed as an operator meets it: `serf <cmd>` against a 3-agent Serf cluster
# next to `grapevine <cmd>` against a 3-node Grapevine cluster, on the same machine in the same run. Each
# command runs RUNS times (after WARM unmeasured runs); reported are the median and p90 wall time and the
# median CPU (user + system) of the client process, from bash's `time`.
#
# Rows: members, info, event, query (-timeout 1s, so the wall time is the timeout plus the client's own
# cost), keys -list. Grapevine is measured three ways:
#   jvm-default  java -jar roles/target/grapevine.jar (the JVM's defaults)
#   wrapper      roles/bin/grapevine (C1 only, serial GC, its own AppCDS archive made at the first run)
# Serf: /usr/bin/serf (Debian's), RPC on 127.0.27.1:7373 (SERF_RPC_ADDR); Grapevine: admin API on NET.N:7980 with a token.
#
# Topology: serf agents 127.0.27.1-3 (gossip :7946), Grapevine nodes 127.0.28.1-3 (gossip :7946), all
# encrypted with one fresh key each. Everything stops on exit.
#
# Usage: benchmarks/scripts/cli-latency.sh    (about 3 minutes)
# Environment: RUNS (default 20), WARM (default 3), OUT (results directory, default
#   benchmarks/results/cli-latency/run-<date>).
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${RUNS:-20}
WARM=${WARM:-3}
OUT=${OUT:-benchmarks/results/cli-latency/run-$(date -u +%Y%m%d-%H%M%S)}
JAR=roles/target/grapevine.jar
WRAP=roles/bin/grapevine
command -v serf >/dev/null || { echo "serf is not installed (apt-get install serf)" >&2; exit 1; }
[ -f "$JAR" ] || { echo "$JAR missing: ./mvnw -q package -DskipTests" >&2; exit 1; }
mkdir -p "$OUT"
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

SKEY=$(serf keygen)
GKEY=$(java -jar "$JAR" keygen)
TOKEN=$(java -jar "$JAR" keygen | tr -d '=+/')
printf '%s\n' "$TOKEN" > "$work/token"
for n in 1 2 3; do
  join=(); [ "$n" -gt 1 ] && join=(-join 127.0.27.1:7946)
  serf agent -node "serf$n" -bind "127.0.27.$n:7946" -rpc-addr "127.0.27.$n:7373" -encrypt "$SKEY" \
    "${join[@]}" -log-level warn > "$work/serf$n.log" 2>&1 &
  pids+=($!)
  gjoin=(); [ "$n" -gt 1 ] && gjoin=(--join 127.0.28.1:7946)
  java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -jar "$JAR" agent --name "gv$n" --bind "127.0.28.$n:7946" \
    --admin "127.0.28.$n:7980" --admin-token-file "$work/token" --key "$GKEY" --log-level warn \
    "${gjoin[@]}" > "$work/gv$n.log" 2>&1 &
  pids+=($!)
  sleep 1
done
export GRAPEVINE_ADMIN=127.0.28.1:7980 GRAPEVINE_ADMIN_TOKEN_FILE="$work/token"
for _ in $(seq 1 60); do
  s=$(SERF_RPC_ADDR=127.0.27.1:7373 serf members 2>/dev/null | grep -c alive || true)
  g=$("$WRAP" members 2>/dev/null | grep -c alive || true)
  [ "$s" = 3 ] && [ "$g" = 3 ] && break
  sleep 1
done
[ "$s" = 3 ] && [ "$g" = 3 ] || { echo "clusters did not form (serf $s, grapevine $g)" >&2; exit 1; }
rm -f "${JAR%.jar}.jsa" # the wrapper makes its archive at its first run (a warm-up run here)

# time_runs NAME CMD...: WARM unmeasured runs, then RUNS timed ones; appends "wall user sys" lines to NAME.times
time_runs() {
  local name=$1; shift
  for _ in $(seq 1 "$WARM"); do "$@" > /dev/null 2>&1 || true; done
  : > "$OUT/$name.times"
  for _ in $(seq 1 "$RUNS"); do
    { TIMEFORMAT='%R %U %S'; time "$@" > /dev/null 2>"$work/err" || { cat "$work/err" >&2; exit 1; }; } 2>> "$OUT/$name.times"
  done
}

SERF=(serf)
declare -A CMDS=(
  [members]="members"
  [info]="info"
  [event]="event bench-event payload"
  [query]="query -timeout 1s bench-query"
  [keys-list]="keys -list"
)
ORDER=(members info event query keys-list)
for c in "${ORDER[@]}"; do
  # shellcheck disable=SC2206 # the command's words
  args=(${CMDS[$c]})
  SERF_RPC_ADDR=127.0.27.1:7373 time_runs "serf-$c" "${SERF[@]}" "${args[@]}"
  time_runs "gv-default-$c" java -jar "$JAR" "${args[@]}"
  time_runs "gv-wrapper-$c" "$WRAP" "${args[@]}"
done

stat() { # FILE COLUMN PERCENTILE: the percentile of a column, in ms
  awk -v c="$2" '{print $c * 1000}' "$1" | sort -n | awk -v p="$3" '{a[NR]=$1} END {i=int((NR-1)*p/100)+1; printf "%.0f", a[i]}'
}
cpu() { # FILE: median of user+sys, ms
  awk '{print ($2 + $3) * 1000}' "$1" | sort -n | awk '{a[NR]=$1} END {printf "%.0f", a[int((NR+1)/2)]}'
}
{
  echo "# grapevine vs serf on the command line ($(date -u +%Y-%m-%d), $(nproc) cores, RUNS=$RUNS)"
  echo
  echo "| command | client | wall p50 ms | wall p90 ms | CPU p50 ms | wall vs serf |"
  echo "|---|---|---|---|---|---|"
  for c in "${ORDER[@]}"; do
    sw=$(stat "$OUT/serf-$c.times" 1 50)
    for k in serf gv-default gv-wrapper; do
      f="$OUT/$k-$c.times"
      w=$(stat "$f" 1 50)
      ratio=$(awk -v a="$w" -v b="$sw" 'BEGIN {printf "%.1fx", (b > 0 ? a / b : 0)}')
      label=$k; [ "$k" = serf ] && label="serf"; [ "$k" = gv-default ] && label="grapevine (java -jar)"
      [ "$k" = gv-wrapper ] && label="grapevine (roles/bin/grapevine)"
      echo "| $c | $label | $w | $(stat "$f" 1 90) | $(cpu "$f") | $ratio |"
    done
  done
  echo
  echo "Java: $(java -version 2>&1 | head -1); serf: $(serf version | head -1)"
} > "$OUT/results.md"
cat "$OUT/results.md"
