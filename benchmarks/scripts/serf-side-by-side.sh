#!/usr/bin/env bash
# HashiCorp Serf and Grapevine side by side on loopback (see benchmarks/README.md, "Side by side with Serf").
#
# Usage: benchmarks/scripts/serf-side-by-side.sh [ARGS...]
#   defaults:   --sizes 10,50,100 --idle 60 --settle 10 --events 5 --crashes 3 --leaves 3
#               --systems serf,grapevine-jvm,grapevine-embedded (encrypted: one fresh AES-256 key for both)
#   others:     --plaintext  --jvm "OPTIONS" (of each one-node JVM)  --embedded-jvm "OPTIONS" (of the N-node JVM)
#               --port P (traffic not counted unless 7946)
#   --replot DIR: tables and chart again from DIR/results.csv (nothing is run)
#                 --scale 1000 --soak 600   (the scale soak of Grapevine alone; see grapevine-scale.sh)
# Environment: OUT (default benchmarks/target/side-by-side), SKIP_BUILD=1 to reuse benchmarks/target/benchmarks.jar,
#              MVN_ARGS (e.g. -o for an offline build).
#
# Needs root for apt-get (installs serf, nftables and gnuplot-nox when missing) and for the nftables
# counters that count each side's packets; it adds one table, grapevine_bench, that only counts, and
# removes it at the end. Serf agents use 127.0.100.x, Grapevine JVMs 127.0.101.x, embedded nodes 127.0.102.x.
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-benchmarks/target/side-by-side}

need() { # command package
  command -v "$1" >/dev/null 2>&1 && return 0
  if [ "$(id -u)" -eq 0 ]; then
    echo "installing $2" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$2" >/dev/null 2>&1 || {
      apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$2" >/dev/null; }
  else
    echo "warning: $1 missing and not root: install Debian's $2" >&2
  fi
}
need serf serf
need nft nftables
need gnuplot gnuplot-nox
command -v serf >/dev/null || { echo "serf is required" >&2; exit 1; }

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  ./mvnw -q -B ${MVN_ARGS:-} -DskipTests -pl benchmarks -am package
fi
JAR=benchmarks/target/benchmarks.jar
mkdir -p "$OUT"

plot() {
  if [ -f "$OUT/chart.gp" ] && command -v gnuplot >/dev/null; then
    (cd "$OUT" && gnuplot chart.gp) && echo "chart: $OUT/chart.png"
  fi
  [ -f "$OUT/results.md" ] && cat "$OUT/results.md"
  [ -f "$OUT/scale.md" ] && cat "$OUT/scale.md"
  return 0
}

if [ "${1:-}" = --replot ]; then
  OUT=${2:?--replot DIR}
  java -cp "$JAR" dev.grapevine.benchmarks.sidebyside.SerfSideBySide --replot "$OUT"
  plot
  exit 0
fi

# What the run was on, and how it was started.
{
  echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "command: benchmarks/scripts/serf-side-by-side.sh $*"
  echo "cpu: $(nproc) x $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
  echo "memory: $(free -g | awk '/Mem:/{print $2}') GiB"
  echo "kernel: $(uname -r)"
  echo "java: $(java -version 2>&1 | head -1)"
  echo "serf: $(serf version | head -1) (Debian package $(dpkg-query -W -f='${Version}' serf 2>/dev/null || echo '?'))"
  echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$OUT/machine.txt"

java -Xmx512m -XX:+UseSerialGC -Dorg.slf4j.simpleLogger.showDateTime=true \
  -Dorg.slf4j.simpleLogger.dateTimeFormat=HH:mm:ss -cp "$JAR" \
  dev.grapevine.benchmarks.sidebyside.SerfSideBySide --out "$OUT" "$@"
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/machine.txt"

plot
