#!/usr/bin/env bash
# Idle cost of Grapevine nodes as separate processes (one JVM each), like one Serf agent per process.
# Usage: benchmarks/scripts/idle-processes.sh [N=10] [SECONDS=60] [WINDOWS=1]
# Starts N NodeLauncher processes on 127.0.10.1..N:7946 (LAN profile), waits for convergence and 10 s of
# settling, then reads each process's CPU time (utime+stime from /proc) and RSS over WINDOWS successive
# windows of SECONDS of idling (a JVM's first minute includes its JIT warm-up; the later ones show the
# steady state).
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-10}; SECS=${2:-60}; WINDOWS=${3:-1}
WORK=$(mktemp -d -t grapevine-idle.XXXXXX)
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done; rm -rf "$WORK"' EXIT
./mvnw -q -B -DskipTests -pl roles -am package dependency:build-classpath \
  -Dmdep.includeScope=test -Dmdep.outputFile="$WORK/cp.txt" >/dev/null
CP="roles/target/classes:$(cat "$WORK/cp.txt")"
for i in $(seq 1 "$N"); do
  java -Xmx32m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:-UsePerfData -Xss256k -cp "$CP" dev.grapevine.roles.NodeLauncher \
    --name "idle$i" --bind "127.0.10.$i:7946" --join 127.0.10.1:7946 >"$WORK/$i.log" 2>&1 &
  PIDS+=($!)
done
deadline=$((SECONDS + 60))
joined() { cat "$WORK/1.log" 2>/dev/null | grep -c ' joined ' || true; }
until [ "$(joined)" -ge "$N" ]; do
  ((SECONDS < deadline)) || { echo "no convergence"; exit 1; }; sleep 0.5
done
sleep 10
ticks() { awk '{print $14+$15}' "/proc/$1/stat"; }
HZ=$(getconf CLK_TCK)
for w in $(seq 1 "$WINDOWS"); do
  declare -A T0
  for p in "${PIDS[@]}"; do T0[$p]=$(ticks "$p"); done
  sleep "$SECS"
  total=0; rss=0
  for p in "${PIDS[@]}"; do
    total=$((total + $(ticks "$p") - ${T0[$p]}))
    rss=$((rss + $(awk '/VmRSS/{print $2}' "/proc/$p/status")))
  done
  awk -v t="$total" -v hz="$HZ" -v s="$SECS" -v n="$N" -v r="$rss" -v w="$w" 'BEGIN {
    printf "processes: %d idle nodes, window %d of %d s: %.3f%% of one core per node, RSS %.1f MiB per node\n", n, w, s, 100*t/hz/s/n, r/1024/n }'
done
