#!/bin/sh
# Container entry point shared by the four samples: a unique name from the container's hostname (so
# `docker compose up --scale` works), gossip bound on every interface and advertised at the container's
# own address, the admin API on 8500 (all interfaces, so always with a token: GRAPEVINE_ADMIN_TOKEN or
# GRAPEVINE_ADMIN_TOKEN_FILE if set, else a random one written to /run/grapevine/admin-token, whose path, not
# the token, goes to the log). Everything else comes from GRAPEVINE_* variables or arguments.
# The JVM starts as samples/role.sh starts it: the shipped options (jvm.options, then the role's
# role.options if the image has one), the AppCDS archive the image built, then JAVA_OPTS (yours win).
#
# `entrypoint.sh train-cds FLAG ADDRESS` (a Dockerfile's RUN step) writes that archive instead: the jar runs
# once with --cds-training on loopback, the image's own JVM lists the classes it loaded and then dumps them
# into the archive (as the Maven build does for samples/*/target).
set -e
dir=/opt/grapevine
jsa="${GRAPEVINE_JAR%.jar}.jsa"
if [ "${1:-}" = train-cds ]; then
  shift
  role_opts=""; [ -f "$dir/role.options" ] && role_opts="@$dir/role.options"
  # shellcheck disable=SC2086
  java "@$dir/jvm.options" $role_opts "-XX:DumpLoadedClassList=$dir/classes.list" \
    -jar "$GRAPEVINE_JAR" --log-level err \
    --name cds-training --bind 127.0.0.1:0 --admin 127.0.0.1:0 \
    --key Y2RzLXRyYWluaW5nLW9ubHktdGhyb3ctYXdheS1rZXk= --cds-training "$@"
  # shellcheck disable=SC2086
  exec java "@$dir/jvm.options" $role_opts -Xshare:dump "-XX:SharedClassListFile=$dir/classes.list" \
    "-XX:SharedArchiveFile=$jsa" -cp "$GRAPEVINE_JAR"
fi
ip=$(hostname -i | awk '{print $1}')
: "${GRAPEVINE_NAME:=${GRAPEVINE_ROLE}-$(hostname)}"
: "${GRAPEVINE_BIND:=0.0.0.0:7946}"
: "${GRAPEVINE_ADVERTISE:=${ip}:7946}"
: "${GRAPEVINE_ADMIN:=0.0.0.0:8500}"
token_arg=no
for a in "$@"; do case "$a" in --admin-token|--admin-token=*|--admin-token-file|--admin-token-file=*) token_arg=yes;; esac; done
if [ -z "${GRAPEVINE_ADMIN_TOKEN:-}" ] && [ -z "${GRAPEVINE_ADMIN_TOKEN_FILE:-}" ] && [ "$token_arg" = no ]; then
  GRAPEVINE_ADMIN_TOKEN_FILE=/run/grapevine/admin-token
  mkdir -p /run/grapevine
  (umask 077; head -c 24 /dev/urandom | base64 | tr -d '\n=' > "$GRAPEVINE_ADMIN_TOKEN_FILE")
  echo "entrypoint: admin API token written to $GRAPEVINE_ADMIN_TOKEN_FILE (docker exec ... cat it)" >&2
  export GRAPEVINE_ADMIN_TOKEN_FILE
fi
export GRAPEVINE_NAME GRAPEVINE_BIND GRAPEVINE_ADVERTISE GRAPEVINE_ADMIN
set -- -jar "$GRAPEVINE_JAR" "$@"
# shellcheck disable=SC2086 # JAVA_OPTS is a list of words
set -- ${JAVA_OPTS:-} "$@"
if [ -f "$jsa" ]; then set -- "-XX:SharedArchiveFile=$jsa" "$@"; fi
if [ -f "$dir/role.options" ]; then set -- "@$dir/role.options" "$@"; fi
exec java "@$dir/jvm.options" "$@"
