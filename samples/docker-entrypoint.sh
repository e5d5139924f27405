#!/bin/sh
# Container entry point shared by the four samples: a unique name from the container's hostname (so
# `docker compose up --scale` works), gossip bound on every interface and advertised at the container's
# own address, the admin API on 8500. Everything else comes from GRAPEVINE_* variables or arguments.
set -e
ip=$(hostname -i | awk '{print $1}')
: "${GRAPEVINE_NAME:=${GRAPEVINE_ROLE}-$(hostname)}"
: "${GRAPEVINE_BIND:=0.0.0.0:7946}"
: "${GRAPEVINE_ADVERTISE:=${ip}:7946}"
: "${GRAPEVINE_ADMIN:=0.0.0.0:8500}"
export GRAPEVINE_NAME GRAPEVINE_BIND GRAPEVINE_ADVERTISE GRAPEVINE_ADMIN
exec java ${JAVA_OPTS:-} -jar "$GRAPEVINE_JAR" "$@"
