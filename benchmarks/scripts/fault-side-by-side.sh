#!/usr/bin/env bash
# HashiCorp Serf and Grapevine through the same faults on this machine's real network stack (see
# benchmarks/README.md, "Faults on the real network").
#
# Usage: benchmarks/scripts/fault-side-by-side.sh [ARGS...]
#   defaults:  --n 8 --systems serf,grapevine-jvm,grapevine-embedded --scenarios all
#              --loss 600 --one-way 120 --partition 60 --pauses 2,10,30 --churn 600 --flap 120 --heal 180
#   --quick:   every phase shortened (loss 60, one-way 30, partitions 30, churn 120, flapping 60, heal 120):
#              about 20 minutes, the three systems at once
#   others:    --scenarios loss,one-way,partition,pause,churn,flap or single names (loss10, half, pause2, ...)
#              --plaintext (default: one fresh AES-256 key for both systems)
# Environment: OUT (default benchmarks/results/faults/run-DATE), SKIP_BUILD=1 to reuse JAR (default
#              benchmarks/target/benchmarks.jar), MVN_ARGS (e.g. -o for an offline build).
#
# Needs root: the faults are nftables rules (one table, grapevine_fault, deleted on every exit) and Serf
# agents run as user ids 40001.. so that their TCP streams can be given their own source address. Installs
# Debian's serf and nftables when missing. Addresses: Serf 127.0.33.x, Grapevine JVMs 127.0.34.x, embedded
# nodes 127.0.35.x, all on port 7946.
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-benchmarks/results/faults/run-$(date -u +%Y-%m-%d)}

if [ "$(id -u)" -ne 0 ]; then
  echo "must run as root (nftables rules, per-agent user ids)" >&2
  exit 1
fi
need() { # command package
  command -v "$1" >/dev/null 2>&1 && return 0
  echo "installing $2" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$2" >/dev/null 2>&1 || {
    apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$2" >/dev/null; }
}
need serf serf
need nft nftables
need setpriv util-linux

cleanup() {
  nft delete table inet grapevine_fault 2>/dev/null || true
}
trap cleanup EXIT INT TERM

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  ./mvnw -q -B ${MVN_ARGS:-} -DskipTests -pl benchmarks -am package
fi
JAR=${JAR:-benchmarks/target/benchmarks.jar}
mkdir -p "$OUT"

{
  echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "command: benchmarks/scripts/fault-side-by-side.sh $*"
  echo "cpu: $(nproc) x $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
  echo "memory: $(free -g | awk '/Mem:/{print $2}') GiB"
  echo "kernel: $(uname -r)"
  echo "java: $(java -version 2>&1 | head -1)"
  echo "serf: $(serf version | head -1) (Debian package $(dpkg-query -W -f='${Version}' serf 2>/dev/null || echo '?'))"
  echo "nft: $(nft --version)"
  echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$OUT/machine.txt"

java -Xmx512m -XX:+UseSerialGC -cp "$JAR" dev.grapevine.benchmarks.sidebyside.FaultSideBySide --out "$OUT" "$@"
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/machine.txt"
cat "$OUT/results.md"
