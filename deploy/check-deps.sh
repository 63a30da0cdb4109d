#!/usr/bin/env bash
# Installs what deploy/check.sh needs on Debian/Ubuntu, when something is missing; check.sh runs it first.
# Nothing happens when all is there, or without root/sudo and apt-get (the steps then skip, naming what is missing).
#   qemu-user-static                              runs the arm64 build (qemu-health, install-sandbox)
#   libc6:arm64 libstdc++6:arm64 libssl3:arm64   its loader and libraries (arm64 multiarch; .NET crypto needs libssl)
#   docker-compose                                compose-config, when the docker compose plugin is absent
#   mosquitto mosquitto-clients                   mosquitto-conf
#   systemd, udev, shellcheck                     systemd-verify, udev-rules, lint-scripts
# OBKHUB_CHECK_NO_INSTALL=1 turns this off.
set -uo pipefail

[ "${OBKHUB_CHECK_NO_INSTALL:-0}" = 1 ] && exit 0
command -v apt-get >/dev/null 2>&1 || exit 0
command -v dpkg >/dev/null 2>&1 || exit 0

need=()
command -v qemu-aarch64-static >/dev/null 2>&1 || command -v qemu-aarch64 >/dev/null 2>&1 || need+=(qemu-user-static)
if { command -v docker >/dev/null 2>&1 && docker compose version >/dev/null 2>&1; } || command -v docker-compose >/dev/null 2>&1; then
  :
else
  need+=(docker-compose)
fi
command -v mosquitto >/dev/null 2>&1 || [ -x /usr/sbin/mosquitto ] || need+=(mosquitto)
command -v mosquitto_sub >/dev/null 2>&1 || need+=(mosquitto-clients)
command -v shellcheck >/dev/null 2>&1 || need+=(shellcheck)
command -v systemd-analyze >/dev/null 2>&1 || need+=(systemd)
command -v udevadm >/dev/null 2>&1 || need+=(udev)
arm64=()
[ -e /lib/ld-linux-aarch64.so.1 ] || arm64+=(libc6:arm64)
[ -e /usr/lib/aarch64-linux-gnu/libstdc++.so.6 ] || arm64+=(libstdc++6:arm64)
[ -e /usr/lib/aarch64-linux-gnu/libssl.so.3 ] || arm64+=(libssl3:arm64)
# arm64 libraries only make sense on another CPU with qemu; on an arm64 machine they are the native ones.
[ "$(dpkg --print-architecture)" = arm64 ] && arm64=()

[ "${#need[@]}" -eq 0 ] && [ "${#arm64[@]}" -eq 0 ] && exit 0

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo_cmd=(sudo -n)
  else
    echo "check-deps.sh: not root and no password-less sudo: not installing ${need[*]} ${arm64[*]}"
    exit 0
  fi
fi

echo "check-deps.sh: installing ${need[*]} ${arm64[*]}"
if [ "${#arm64[@]}" -gt 0 ] && ! dpkg --print-foreign-architectures | grep -qx arm64; then
  "${sudo_cmd[@]}" dpkg --add-architecture arm64
fi
if ! "${sudo_cmd[@]}" apt-get update -qq >/dev/null 2>&1; then
  echo "check-deps.sh: apt-get update reported errors; trying the install anyway"
fi
# One package set at a time, so a refused one (say the arm64 libraries) does not cost the others.
if [ "${#need[@]}" -gt 0 ]; then
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends --no-remove \
    "${need[@]}" >/dev/null || echo "check-deps.sh: could not install ${need[*]}"
fi
if [ "${#arm64[@]}" -gt 0 ]; then
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends --no-remove \
    "${arm64[@]}" >/dev/null || echo "check-deps.sh: could not install ${arm64[*]}"
fi
exit 0
