#!/usr/bin/env bash
# What one role server process costs here: RSS (and its anonymous / file-backed parts), threads, and the time
# from exec to serving and joined, for each sample role, started three ways, next to a Serf agent:
#
#   default   java -jar <role>.jar                 (the JVM's defaults: G1, C1+C2, heap 1/4 of RAM)
#   before    java -Xmx64m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:-UsePerfData -jar <role>.jar
#             (what the demo and the tests used before samples/jvm.options)
#   shipped   samples/role.sh <role>               (samples/jvm.options, the role's own options if any, and the
#             AppCDS archive target/<role>.jsa when the build made one)
#   serf      serf agent                           (Debian's, same machine, same join)
#
# Each measured process joins a seed (an appserver started with samples/role.sh on NET.1) from NET.2.
# exec-to-joined: from just before exec until both (a) its own server answers (HTTP: any status on --http;
# DNS: dig gets an answer; serf: `serf members` on it lists the seed) and (b) the seed's admin API lists it
# alive (serf: the seed is a second serf agent that lists it). Polled every 20 ms. Then, after IDLE seconds
# idle, RSS (VmRSS, RssAnon, RssFile from /proc/PID/status) and the thread count. RUNS starts of each; the
# table gives the median exec-to-joined and the last run's memory and threads.
#
# Usage: benchmarks/scripts/role-footprint.sh        Environment: RUNS=3, IDLE=20, ROLES="appserver ...",
#        MODES="default before shipped serf", NET=127.0.42, OUT=benchmarks/results/role-footprint
# Needs the packaged samples (./mvnw -q package -DskipTests), curl, dig (dnsutils) and serf for those rows.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
RUNS=${RUNS:-3}
IDLE=${IDLE:-20}
ROLES=${ROLES:-appserver frontserver proxyserver dnsserver}
MODES=${MODES:-default before shipped serf}
NET=${NET:-127.0.42}
OUT=${OUT:-benchmarks/results/role-footprint}
mkdir -p "$OUT"
for t in curl java; do command -v $t >/dev/null || { echo "missing: $t" >&2; exit 1; }; done
WORK=$(mktemp -d -t grapevine-footprint.XXXXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
KEY=$(head -c 32 /dev/urandom | base64)
now_ms() { date +%s%3N; }

jar() { echo "$ROOT/samples/$1/target/$1.jar"; }
for r in $ROLES; do [ -f "$(jar "$r")" ] || { echo "no $(jar "$r"): ./mvnw -q package -DskipTests" >&2; exit 1; }; done

# The seed: an appserver on NET.1 with the shipped launch (admin on :8500).
samples/role.sh appserver --name seed --bind "$NET.1:7946" --admin "$NET.1:8500" --http "$NET.1:8080" \
  --key "$KEY" --cluster footprint >"$WORK/seed.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 300); do curl -sf -o /dev/null "http://$NET.1:8500/v1/self" && break; sleep 0.05; done
SERF_SEED=""
if [[ " $MODES " == *" serf "* ]] && command -v serf >/dev/null; then
  serf agent -node serf-seed -bind "$NET.1:7947" -rpc-addr "$NET.1:7373" -encrypt "$KEY" >"$WORK/serf-seed.log" 2>&1 &
  SERF_SEED=$!; PIDS+=($SERF_SEED)
  for _ in $(seq 1 100); do serf members -rpc-addr "$NET.1:7373" >/dev/null 2>&1 && break; sleep 0.05; done
fi

seed_sees() { # name: the seed lists it alive
  curl -s "http://$NET.1:8500/v1/members?status=alive" 2>/dev/null | grep -q "\"name\":\"$1\""
}
serves() { # role
  case $1 in
    dnsserver) dig +time=1 +tries=1 -p 8600 "@$NET.2" app.service.grapevine A 2>/dev/null | grep -q 'status:' ;;
    *) [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "http://$NET.2:8080/" 2>/dev/null)" != 000 ] ;;
  esac
}
status_kib() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }

CSV="$OUT/run-$(date -u +%Y%m%d-%H%M%S).csv"
echo "role,mode,run,exec_to_joined_ms,rss_kib,rss_anon_kib,rss_file_kib,threads" >"$CSV"
for role in $ROLES; do
  for mode in $MODES; do
    [ "$mode" = serf ] && { [ "$role" = appserver ] && [ -n "$SERF_SEED" ] || continue; }
    for run in $(seq 1 "$RUNS"); do
      name="m-$role-$mode-$run"
      case $role in dnsserver) srv=(--dns "$NET.2:8600") ;; *) srv=(--http "$NET.2:8080") ;; esac
      flags=(--name "$name" --bind "$NET.2:7946" --join "$NET.1:7946" --admin "$NET.2:8500" --key "$KEY"
             --cluster footprint "${srv[@]}")
      t0=$(now_ms)
      case $mode in
        default) java -jar "$(jar "$role")" "${flags[@]}" >"$WORK/$name.log" 2>&1 & ;;
        before)  java -Xmx64m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:-UsePerfData -jar "$(jar "$role")" \
                   "${flags[@]}" >"$WORK/$name.log" 2>&1 & ;;
        shipped) samples/role.sh "$role" "${flags[@]}" >"$WORK/$name.log" 2>&1 & ;;
        serf)    serf agent -node "$name" -bind "$NET.2:7946" -rpc-addr "$NET.2:7373" -encrypt "$KEY" \
                   -join "$NET.1:7947" >"$WORK/$name.log" 2>&1 & ;;
      esac
      pid=$!; PIDS+=($pid)
      ok_serve=0; ok_join=0; t1=""
      for _ in $(seq 1 1500); do   # 30 s at most
        if [ "$mode" = serf ]; then
          serf members -rpc-addr "$NET.1:7373" 2>/dev/null | grep -q "^$name .* alive" && { t1=$(now_ms); break; }
        else
          [ $ok_serve = 1 ] || { serves "$role" && ok_serve=1; }
          [ $ok_join = 1 ] || { seed_sees "$name" && ok_join=1; }
          [ $ok_serve = 1 ] && [ $ok_join = 1 ] && { t1=$(now_ms); break; }
        fi
        sleep 0.02
      done
      [ -n "$t1" ] || { echo "$name: not serving and joined within 30 s; its log:" >&2; cat "$WORK/$name.log" >&2; exit 1; }
      sleep "$IDLE"
      rss=$(status_kib $pid VmRSS); anon=$(status_kib $pid RssAnon); file=$(status_kib $pid RssFile)
      thr=$(status_kib $pid Threads)
      echo "$role,$mode,$run,$((t1 - t0)),$rss,$anon,$file,$thr" | tee -a "$CSV"
      kill -TERM $pid 2>/dev/null || true
      for _ in $(seq 1 100); do kill -0 $pid 2>/dev/null || break; sleep 0.05; done
      kill -9 $pid 2>/dev/null || true
      wait $pid 2>/dev/null || true
      sleep 1
    done
  done
done

{
  echo "# One role server process, $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo
  echo "$(nproc) cores, $(java -version 2>&1 | head -1); command: \`RUNS=$RUNS IDLE=$IDLE benchmarks/scripts/role-footprint.sh\`"
  echo
  echo "| role | launch | exec to serving and joined, ms (median of $RUNS) | RSS MiB | anon / file MiB | threads |"
  echo "|---|---|---:|---:|---|---:|"
  awk -F, 'NR > 1 { k = $1 "|" $2; if (!(k in n)) order[++m] = k; n[k]++; t[k, n[k]] = $4
           rss[k] = $5; an[k] = $6; fi[k] = $7; th[k] = $8 }
    END { for (i = 1; i <= m; i++) { k = order[i]; c = n[k]
            for (a = 1; a <= c; a++) for (b = a + 1; b <= c; b++) if (t[k, b] < t[k, a]) { x = t[k, a]; t[k, a] = t[k, b]; t[k, b] = x }
            split(k, p, "|"); role = p[2] == "serf" ? "serf agent" : p[1]
            printf "| %s | %s | %d | %.1f | %.1f / %.1f | %d |\n", role, p[2], t[k, int((c + 1) / 2)], rss[k] / 1024, an[k] / 1024, fi[k] / 1024, th[k] } }' "$CSV"
} | tee "${CSV%.csv}.md"
