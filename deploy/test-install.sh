#!/usr/bin/env bash
# Runs deploy/install-pi.sh for real, but sealed off from this machine: in a private mount namespace where /etc,
# /opt and /var/lib are overlays (every write lands in WORK) and /run/systemd is a tmpfs, with shims for the
# commands that would reach outside the file system (systemctl, udevadm, modprobe). The systemctl shim's
# `restart obkhub` starts the installed build as the obkhub user the script created (under qemu for an arm64 build),
# so the script's own wait for /health has something to find.
#
# Usage (root): deploy/test-install.sh TARBALL WORK PORT   TARBALL from `install-pi.sh --pack`, WORK an empty dir.
# Prints what was installed; exits non-zero when the install or the checks of its result fail.
set -euo pipefail

tarball="$(realpath "$1")"
work="$(realpath "$2")"
port="$3"

# Seal off first: re-run inside a new mount namespace, and go on only with proof that this process is in another
# mount namespace than the caller (its namespace id differs from the one recorded before unshare).
own_ns="$(readlink /proc/self/ns/mnt)"
if [ -z "${OBKHUB_TEST_INSTALL_OUTER_NS:-}" ]; then
  [ "$(id -u)" -eq 0 ] || { echo "test-install.sh: needs root (for mount namespaces)" >&2; exit 2; }
  [ -n "$own_ns" ] || { echo "test-install.sh: cannot read this process's mount namespace" >&2; exit 2; }
  OBKHUB_TEST_INSTALL_OUTER_NS="$own_ns" exec unshare --mount --propagation private \
    bash "${BASH_SOURCE[0]}" "$tarball" "$work" "$port"
fi
if [ -z "$own_ns" ] || [ "$own_ns" = "$OBKHUB_TEST_INSTALL_OUTER_NS" ]; then
  echo "test-install.sh: not in a private mount namespace ($own_ns): refusing to mount anything" >&2
  exit 2
fi

mkdir -p "$work"/{etc.up,etc.wk,opt.up,opt.wk,lib.up,lib.wk,shims,pkg}
mount -t overlay overlay -o "lowerdir=/etc,upperdir=$work/etc.up,workdir=$work/etc.wk" /etc
mount -t overlay overlay -o "lowerdir=/opt,upperdir=$work/opt.up,workdir=$work/opt.wk" /opt
mount -t overlay overlay -o "lowerdir=/var/lib,upperdir=$work/lib.up,workdir=$work/lib.wk" /var/lib
mkdir -p /run/systemd
mount -t tmpfs tmpfs /run/systemd
mkdir -p /run/systemd/system
for dir in /etc /opt /var/lib; do
  [ "$(findmnt -n -o FSTYPE --target "$dir")" = overlay ] || { echo "test-install.sh: $dir is not sealed" >&2; exit 2; }
done

# Listen on a test port (the script keeps an existing settings file and reads the port from it).
mkdir -p /etc/obkhub
printf 'OBKHUB_LISTEN=http://127.0.0.1:%s\nOBKHUB_ADMIN_PASSWORD=test-install\n' "$port" >/etc/obkhub/obkhub.env

export SHIM_LOG="$work/shims.log" HUB_LOG="$work/hub.log" HUB_PID="$work/hub.pid"
: >"$SHIM_LOG"
cat >"$work/shims/modprobe" <<'SHIM'
#!/bin/sh
echo "modprobe $*" >>"$SHIM_LOG"
SHIM
cat >"$work/shims/udevadm" <<'SHIM'
#!/bin/sh
echo "udevadm $*" >>"$SHIM_LOG"
SHIM
cat >"$work/shims/systemctl" <<'SHIM'
#!/bin/bash
echo "systemctl $*" >>"$SHIM_LOG"
case "$1" in
  is-active) exit 1 ;;
  restart)
    set -a
    # shellcheck disable=SC1091
    . /etc/obkhub/obkhub.env
    set +a
    mkdir -p /var/lib/obkhub
    chown obkhub:obkhub /var/lib/obkhub
    runner=()
    if [ "$(od -An -tx1 -j18 -N2 /opt/obkhub/obkhub | tr -d ' \n')" = b700 ] && [ "$(uname -m)" != aarch64 ]; then
      runner=("$(command -v qemu-aarch64-static || command -v qemu-aarch64)")
    fi
    setpriv --reuid=obkhub --regid=obkhub --init-groups "${runner[@]}" /opt/obkhub/obkhub \
      --urls "$OBKHUB_LISTEN" --data /var/lib/obkhub >"$HUB_LOG" 2>&1 &
    echo $! >"$HUB_PID"
    ;;
esac
exit 0
SHIM
chmod +x "$work"/shims/*

stop_hub() { if [ -f "$HUB_PID" ]; then kill "$(cat "$HUB_PID")" 2>/dev/null || true; fi; }
trap stop_hub EXIT

tar -C "$work/pkg" -xzf "$tarball"
PATH="$work/shims:$PATH" OBKHUB_FORCE=1 bash "$work/pkg/deploy/install-pi.sh" "$tarball" >"$work/install.log" 2>&1 || {
  echo "install-pi.sh failed:"; tail -n 20 "$work/install.log"; exit 1
}

problems=()
[ -x /opt/obkhub/obkhub ] || problems+=("no /opt/obkhub/obkhub")
[ -x /opt/obkhub/deploy/healthcheck.sh ] || problems+=("no /opt/obkhub/deploy/healthcheck.sh")
cmp -s /etc/systemd/system/obkhub.service "$work/pkg/deploy/systemd/obkhub.service" || problems+=("unit not installed")
cmp -s /etc/udev/rules.d/99-obkhub.rules "$work/pkg/deploy/udev/99-obkhub.rules" || problems+=("udev rules not installed")
grep -qx usbserial /etc/modules-load.d/obkhub.conf || problems+=("modules-load.d/obkhub.conf lacks usbserial")
id -nG obkhub | grep -qw dialout || problems+=("user obkhub missing or not in dialout")
[ "$(stat -c '%a %U %G' /etc/obkhub/obkhub.env)" = "640 root obkhub" ] || problems+=("obkhub.env is not 0640 root:obkhub")
grep -q 'systemctl enable obkhub' "$SHIM_LOG" || problems+=("service not enabled")
grep -q 'the hub answers on port' "$work/install.log" || problems+=("the hub did not answer /health after the install")
if [ "${#problems[@]}" -gt 0 ]; then
  printf 'problem: %s\n' "${problems[@]}"
  tail -n 20 "$work/install.log"
  exit 1
fi
echo "installed: /opt/obkhub, obkhub.service, 99-obkhub.rules, modules-load.d, user obkhub ($(id -nG obkhub)); /health answered"
