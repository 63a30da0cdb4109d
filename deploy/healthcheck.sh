#!/usr/bin/env bash
# Health probe for the hub: GET /health and exit 0 only on an HTTP 200 answer.
# Used by the container HEALTHCHECK (the ASP.NET runtime image has no curl or wget), so it needs nothing but bash:
# the request goes over bash's /dev/tcp. Usage: healthcheck.sh [port] [host]; defaults 8080 and 127.0.0.1.
set -u
port="${1:-8080}"
host="${2:-127.0.0.1}"
if ! { exec 3<>"/dev/tcp/${host}/${port}"; } 2>/dev/null; then
  echo "unhealthy: no connection to ${host}:${port}" >&2
  exit 1
fi
# HTTP/1.0 so the server answers with a plain body (no chunked encoding) and closes the connection.
printf 'GET /health HTTP/1.0\r\nHost: %s\r\n\r\n' "$host" >&3
status=""
if ! IFS= read -r -t 5 status <&3; then
  echo "unhealthy: no answer from ${host}:${port}/health" >&2
  exit 1
fi
status="${status%$'\r'}"
# Skip the headers and print the body, so `docker inspect` shows what /health said.
body=""
while IFS= read -r -t 5 line <&3; do
  line="${line%$'\r'}"
  [ -z "$line" ] && break
done
while IFS= read -r -t 5 line <&3 || [ -n "${line:-}" ]; do
  body+="${line%$'\r'}"
  line=""
done
exec 3<&-
case "$status" in
  "HTTP/1."?" 200"*) echo "${body:-$status}"; exit 0 ;;
esac
echo "unhealthy: ${status} ${body}" >&2
exit 1
