#!/usr/bin/env bash
# Grapevine's main demo: the elastic topology, as separate processes on loopback, each on its own
# 127.0.0.N address: one DNS server, one proxy, one front server, one app server, all in one encrypted
# cluster with no central server. It curls the proxy, scales to two fronts and three apps (no
# configuration touched, nothing restarted), shows the answers spread over them, stops two apps (one
# gracefully, one with kill -9) and a front while requests keep flowing, and shows the cluster shrink.
# Every process it starts is stopped when it ends, whatever happens.
#
#   bash samples/demo.sh            # interactive: waits for Enter at the end so you can open the page
#   DEMO_HOLD=0 bash samples/demo.sh  # ends at once
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '%s  %s\n' "$(date +%H:%M:%S.%3N)" "$*"; }
indent() { sed 's/^/      /'; }

WORK=$(mktemp -d -t grapevine-demo.XXXXXX)
declare -A PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

jar() { echo "samples/$1/target/$1.jar"; }
need_build=0
for r in dnsserver proxyserver frontserver appserver; do
  if [ ! -f "$(jar $r)" ] || [ ! -f roles/target/grapevine.jar ] || [ -n "$(find gossip-core roles dns-responder event-handlers "samples/$r" \
        -name '*.java' -newer "$(jar $r)" -print -quit 2>/dev/null)" ]; then need_build=1; fi
done
if [ "$need_build" = 1 ]; then
  say "building the four role servers (./mvnw package, tests skipped)"
  ./mvnw -q -B -ntp -DskipTests package >"$WORK/build.log" 2>&1 || { cat "$WORK/build.log"; exit 1; }
fi
command -v curl >/dev/null || { say "this demo needs curl"; exit 1; }

# Every packet of the demo cluster is encrypted with a fresh key (AES-256-GCM).
KEY=$(head -c 32 /dev/urandom | base64)
# samples/role.sh starts each with the shipped JVM options (samples/jvm.options) and its AppCDS archive.
DNS=127.0.0.10
PROXY=127.0.0.11

start() { # name role ip [extra flags...]; joins through the DNS server's address unless told otherwise
  local name=$1 role=$2 ip=$3; shift 3
  local join=(--join "$DNS:7946")
  [[ " $* " == *" --join "* || "$ip" == "$DNS" ]] && join=()
  samples/role.sh "$role" --name "$name" --bind "$ip:7946" "${join[@]}" \
    --admin "$ip:8500" --key "$KEY" --cluster demo "$@" >"$WORK/$name.log" 2>&1 &
  PIDS[$name]=$!
}

members() { # [admin ip]: name/role/status of every member as the proxy (or that node) sees it
  curl -s "http://${1:-$PROXY}:8500/v1/members" | sed 's/},{"name"/}\n{"name"/g' |
    sed -n 's/.*"name":"\([^"]*\)".*"status":"\([^"]*\)".*"role":"\([^"]*\)".*/\1 \3 \2/p' | sort
}

wait_alive() { # count: until the proxy sees this many alive members
  local deadline=$((SECONDS + 60))
  until [ "$(members | grep -c ' alive$' || true)" -ge "$1" ]; do
    ((SECONDS < deadline)) || { say "timed out waiting for $1 alive members"; members | indent; exit 1; }
    sleep 0.2
  done
}

hello() { curl -s --max-time 5 "http://$PROXY:8080/hello" || echo "(curl failed: $?)"; }

wait_serving() { # until the proxy answers 200 through a front and an app
  local deadline=$((SECONDS + 30))
  until curl -sf -o /dev/null --max-time 5 "http://$PROXY:8080/hello"; do
    ((SECONDS < deadline)) || { say "the proxy does not answer"; exit 1; }
    sleep 0.2
  done
}

spread() { # n: n requests through the proxy, counted by answer
  for _ in $(seq "$1"); do hello; echo; done | sort | uniq -c | indent
}

say "starting dnsserver1 ($DNS), proxyserver1 ($PROXY), frontserver1, appserver1: traffic encrypted"
start dnsserver1 dnsserver $DNS --dns "$DNS:8600"
sleep 1
start proxyserver1 proxyserver $PROXY --http "$PROXY:8080"
start frontserver1 frontserver 127.0.0.21 --http 127.0.0.21:8080
start appserver1 appserver 127.0.0.31 --http 127.0.0.31:8080
wait_alive 4
say "the cluster formed through gossip; the proxy's view (GET /v1/members):"
members | indent
say "the same from the operator's command, as serf members prints it (roles/bin/grapevine members -admin $PROXY:8500):"
roles/bin/grapevine members -admin "$PROXY:8500" | indent
wait_serving
say "curl http://$PROXY:8080/hello"
hello | indent; echo
# One request through proxy -> front -> app, timed by curl (each a new connection, as curl makes one per run).
times=$(for _ in $(seq 5); do curl -s -o /dev/null -w '%{time_total}\n' "http://$PROXY:8080/hello"; done |
  awk '{printf "%s%.2f ms", (NR>1?", ":""), $1*1000}')
say "one request through proxy -> front -> app (curl time_total, 5 runs): $times"

if command -v dig >/dev/null; then
  for r in dns proxy front app; do
    say "dig @$DNS -p 8600 $r.service.grapevine -> $(dig +short @$DNS -p 8600 "$r.service.grapevine" | tr '\n' ' ')"
  done
else
  say "(dig not installed: apt-get install dnsutils to see the DNS answers)"
fi

say "scaling up: starting frontserver2 and appserver2, appserver3 (no configuration touched);"
say "they join through the name dns.service.grapevine, resolved by the cluster's own DNS server"
VIA_DNS=(--join dns.service.grapevine:7946 --resolver "$DNS:8600")
start frontserver2 frontserver 127.0.0.22 --http 127.0.0.22:8080 "${VIA_DNS[@]}"
start appserver2 appserver 127.0.0.32 --http 127.0.0.32:8080 "${VIA_DNS[@]}"
start appserver3 appserver 127.0.0.33 --http 127.0.0.33:8080 "${VIA_DNS[@]}"
wait_alive 7
say "12 requests through the proxy now spread over every front and app:"
spread 12
if command -v wrk >/dev/null; then
  say "a 5 s burst through the proxy, 64 keep-alive connections (wrk -t2 -c64 -d5s):"
  wrk -t2 -c64 -d5s --latency "http://$PROXY:8080/hello" |
    grep -E 'Requests/sec|^ +50%|^ +99%|Non-2xx|Socket errors|requests in' | indent
else
  say "(wrk not installed: apt-get install wrk to see a burst's requests per second)"
fi
command -v dig >/dev/null && say "dig app.service.grapevine -> $(dig +short @$DNS -p 8600 app.service.grapevine | sort | tr '\n' ' ')"

say "scaling down while a client sends 300 requests: SIGTERM appserver2, kill -9 appserver3, SIGTERM frontserver2"
( for _ in $(seq 300); do curl -s -o /dev/null --max-time 10 -w '%{http_code}\n' "http://$PROXY:8080/hello"; sleep 0.02; done ) >"$WORK/codes.txt" &
LOOP=$!
sleep 1; kill -TERM "${PIDS[appserver2]}"
sleep 1; kill -9 "${PIDS[appserver3]}"; wait "${PIDS[appserver3]}" 2>/dev/null || true
sleep 1; kill -TERM "${PIDS[frontserver2]}"
wait "$LOOP"
say "answers to the 300 requests (HTTP status, count):"
sort "$WORK/codes.txt" | uniq -c | indent
deadline=$((SECONDS + 30))
until members | grep -q '^appserver3 app failed$'; do
  ((SECONDS < deadline)) || break
  sleep 0.2
done
say "the proxy's view: the stopped members left, the killed one failed"
members | indent
command -v dig >/dev/null && say "dig app.service.grapevine -> $(dig +short @$DNS -p 8600 app.service.grapevine | tr '\n' ' ')"
say "curl http://$PROXY:8080/hello -> $(hello)"

say "the live cluster page: http://$PROXY:8500/ui (any member's admin address works)"
if [ -t 0 ] && [ "${DEMO_HOLD:-1}" != 0 ]; then
  read -r -p "press Enter to stop the demo cluster " _
fi
say "stopping every process"
