#!/usr/bin/env bash
# Grapevine's main demo: a real cluster of separate processes on loopback.
# Starts five nodes (each its own JVM on its own 127.0.0.N address), shows them join through one seed,
# stops one gracefully (it is reported "left") and kills another with SIGKILL (it is reported "failed").
# Every process it starts is stopped when it ends, whatever happens.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '%s  %s\n' "$(date +%H:%M:%S.%3N)" "$*"; }

WORK=$(mktemp -d -t grapevine-demo.XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

say "building (./mvnw package, tests skipped)"
./mvnw -q -B -DskipTests -pl roles -am package dependency:build-classpath \
  -Dmdep.includeScope=test -Dmdep.outputFile="$WORK/cp.txt" >/dev/null
CP="roles/target/classes:$(cat "$WORK/cp.txt")"
LOGOPTS=(-Dorg.slf4j.simpleLogger.logFile=System.out -Dorg.slf4j.simpleLogger.showDateTime=true
         -Dorg.slf4j.simpleLogger.dateTimeFormat=HH:mm:ss.SSS -Dorg.slf4j.simpleLogger.showThreadName=false
         -Dorg.slf4j.simpleLogger.showLogName=false -Dorg.slf4j.simpleLogger.levelInBrackets=true)

# Every packet of the demo cluster is encrypted with a fresh key (AES-256-GCM).
KEY=$(head -c 32 /dev/urandom | base64)

start_node() { # index role
  local i=$1 role=$2
  java -Xmx64m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:-UsePerfData "${LOGOPTS[@]}" -cp "$CP" dev.grapevine.roles.NodeLauncher \
    --name "node$i" --bind "127.0.0.1$i:7946" --join 127.0.0.11:7946 --tag "role=$role" \
    --key "$KEY" --cluster demo \
    >"$WORK/node$i.log" 2>&1 &
  PIDS[$i]=$!
}

wait_for() { # file pattern seconds
  local deadline=$((SECONDS + $3))
  until grep -q "$2" "$1" 2>/dev/null; do
    if ((SECONDS >= deadline)); then say "timed out waiting for '$2' in $1"; exit 1; fi
    sleep 0.2
  done
}

ROLES=(x dns proxy front app app)
say "starting node1..node5 on 127.0.0.11-15:7946, all joining through node1, traffic encrypted"
for i in 1 2 3 4 5; do start_node "$i" "${ROLES[$i]}"; done

for i in 1 2 3 4 5; do wait_for "$WORK/node1.log" "member node$i joined" 30; done
say "node1 sees all five members:"
grep "joined" "$WORK/node1.log" | sed 's/^/    /'

say "stopping node4 gracefully (SIGTERM: it leaves)"
kill -TERM "${PIDS[4]}"
wait_for "$WORK/node1.log" "member node4 left" 30
grep "member node4 left" "$WORK/node1.log" | sed 's/^/    /'

say "killing node5 (SIGKILL: it just disappears)"
kill -9 "${PIDS[5]}"; wait "${PIDS[5]}" 2>/dev/null || true
wait_for "$WORK/node1.log" "member node5 failed" 60
grep "member node5 failed" "$WORK/node1.log" | sed 's/^/    /'

for i in 2 3; do
  wait_for "$WORK/node$i.log" "member node5 failed" 30
  say "node$i agrees: $(grep -c 'member node5 failed' "$WORK/node$i.log") failure of node5 seen"
done
say "done: joins, a graceful leave and a crash, all seen through gossip. Stopping the rest."
