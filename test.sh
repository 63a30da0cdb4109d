#!/usr/bin/env bash
# Runs every test. Installs what the tests need when it is missing (Debian/Ubuntu): a real Mosquitto broker,
# socat for pseudo-terminal pairs, Chromium for the page tests, Debian's python3-serial for the third-party
# flasher checks, shellcheck and qemu-user for the deploy checks.
set -euo pipefail
cd "$(dirname "$0")"

need=()
command -v mosquitto >/dev/null 2>&1 || [ -x /usr/sbin/mosquitto ] || need+=(mosquitto)
command -v mosquitto_pub >/dev/null 2>&1 || need+=(mosquitto-clients)
command -v socat >/dev/null 2>&1 || need+=(socat)
[ -x /usr/bin/chromium ] || need+=(chromium)
/usr/bin/python3 -c 'import serial' >/dev/null 2>&1 || need+=(python3-serial)
command -v shellcheck >/dev/null 2>&1 || need+=(shellcheck)
if [ "${#need[@]}" -gt 0 ]; then
  echo "test.sh: installing ${need[*]}"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

log=$(mktemp)
status=0
dotnet test OpenBekenHub.sln -c Release --logger "console;verbosity=normal" "$@" 2>&1 | tee "$log" || status=$?
# the failures again at the end, where a truncated CI log still shows them
grep -E -A12 '^ +Failed [A-Za-z]' "$log" | cut -c1-300 | head -120 || true
# one closing line for all test assemblies together
awk '/^ +Passed: +[0-9]+$/ { p += $2 } /^ +Failed: +[0-9]+$/ { f += $2 } /^ +Skipped: +[0-9]+$/ { s += $2 }
     END { printf "Tests: %d passed, %d failed, %d skipped\n", p, f, s }' "$log"
rm -f "$log"
[ "$status" -eq 0 ] || exit "$status"

if [ -f deploy/check.sh ]; then
  bash deploy/check.sh
fi
