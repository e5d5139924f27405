#!/bin/sh
# Starts one sample role server the way we ship it: the JVM options of samples/jvm.options (then, if present,
# samples/<role>/jvm.options, whose flags win), the role's AppCDS archive when the build made one
# (samples/<role>/target/<role>.jsa, see samples/README.md "Lean processes"), then JAVA_OPTS (yours win), then
# the jar and your flags. Nothing here is needed by the library: an embedder chooses its own JVM options.
#
#   samples/role.sh appserver --name app1 --bind 127.0.0.31:7946 --join 127.0.0.11:7946 --http 127.0.0.31:8080
#
# Environment: GRAPEVINE_JAR (default samples/<role>/target/<role>.jar), GRAPEVINE_JSA (default: the jar's
# name with .jsa; an archive that is missing or does not match the jar is skipped), JAVA (default: java on PATH).
set -e
here=$(cd "$(dirname "$0")" && pwd)
[ $# -ge 1 ] || { echo "usage: $0 appserver|frontserver|proxyserver|dnsserver [flags...]" >&2; exit 2; }
role=$1
shift
case $role in
  appserver|frontserver|proxyserver|dnsserver) ;;
  *) echo "$0: unknown role '$role' (appserver, frontserver, proxyserver or dnsserver)" >&2; exit 2 ;;
esac
jar=${GRAPEVINE_JAR:-$here/$role/target/$role.jar}
[ -f "$jar" ] || { echo "$0: no $jar: build it first (./mvnw -q package -DskipTests)" >&2; exit 1; }
jsa=${GRAPEVINE_JSA:-${jar%.jar}.jsa}
# Built back to front, so that paths with spaces stay whole: shared options, the role's, the archive, JAVA_OPTS
# (split into words on purpose), -jar, your flags.
set -- -jar "$jar" "$@"
# shellcheck disable=SC2086
set -- ${JAVA_OPTS:-} "$@"
if [ -f "$jsa" ]; then set -- "-XX:SharedArchiveFile=$jsa" "$@"; fi
if [ -f "$here/$role/jvm.options" ]; then set -- "@$here/$role/jvm.options" "$@"; fi
exec "${JAVA:-java}" "@$here/jvm.options" "$@"
