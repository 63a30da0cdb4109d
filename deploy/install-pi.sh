#!/usr/bin/env bash
# Install the OpenBeken Hub as a systemd service on a Raspberry Pi (64-bit Raspberry Pi OS, or any Debian-like
# Linux with systemd): self-contained build in /opt/obkhub, `obkhub` system user in dialout, the unit from
# deploy/systemd, the udev rules from deploy/udev, then the service enabled and started.
#
# Usage:
#   sudo deploy/install-pi.sh              publish from this checkout (needs the .NET SDK) and install
#   sudo deploy/install-pi.sh BUILD        install a build: a tarball made with --pack, or a published directory
#   deploy/install-pi.sh --pack [RID] [OUT]
#                                          no root: publish self-contained for RID (default linux-arm64) and pack
#                                          it with these deploy files into OUT (default ./obkhub-RID.tar.gz);
#                                          do this on a PC, copy the tarball to the Pi, install it there
# Environment: OBKHUB_PREFIX (default /opt/obkhub), DOTNET (the dotnet executable to publish with),
#              OBKHUB_FORCE=1 installs a build whose CPU does not match this machine.
set -euo pipefail

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
prefix="${OBKHUB_PREFIX:-/opt/obkhub}"
unit_name="obkhub"
state_dir="/var/lib/obkhub"
config_dir="/etc/obkhub"
work=""

say() { printf '==> %s\n' "$*"; }
die() { printf 'install-pi.sh: %s\n' "$*" >&2; exit 1; }
cleanup() { if [ -n "$work" ] && [ -d "$work" ]; then rm -rf -- "$work"; fi; }
trap cleanup EXIT

usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'; }

# The .NET RID for this machine's CPU.
host_rid() {
  case "$(uname -m)" in
    aarch64 | arm64) echo linux-arm64 ;;
    armv7l | armv8l) echo linux-arm ;;
    x86_64 | amd64) echo linux-x64 ;;
    *) die "no .NET build for CPU '$(uname -m)' (a Pi Zero/1 with ARMv6 cannot run .NET)" ;;
  esac
}

# The RID an ELF executable was built for, from its e_machine field.
elf_rid() {
  case "$(od -An -tx1 -j18 -N2 "$1" | tr -d ' \n')" in
    b700) echo linux-arm64 ;;
    2800) echo linux-arm ;;
    3e00) echo linux-x64 ;;
    *) echo unknown ;;
  esac
}

find_dotnet() {
  local candidate
  for candidate in "${DOTNET:-}" "$(command -v dotnet || true)" "${DOTNET_ROOT:+$DOTNET_ROOT/dotnet}" \
    "${SUDO_USER:+$(getent passwd "$SUDO_USER" | cut -d: -f6)/.dotnet/dotnet}" \
    /usr/share/dotnet/dotnet /usr/lib/dotnet/dotnet /opt/dotnet/dotnet; do
    if [ -n "$candidate" ] && [ -x "$candidate" ]; then
      echo "$candidate"
      return 0
    fi
  done
  die "no .NET SDK found: install it, set DOTNET=/path/to/dotnet, or install a build made with --pack"
}

# publish RID DIR: self-contained build of the hub into DIR.
publish() {
  local rid="$1" out="$2" dotnet repo
  repo="$(cd "$script_dir/.." && pwd)"
  [ -f "$repo/src/OpenBekenHub/OpenBekenHub.csproj" ] || die "not in a checkout of the hub: give a build to install"
  dotnet="$(find_dotnet)"
  say "publishing the hub for $rid with $dotnet (a few minutes on a Pi)"
  "$dotnet" publish "$repo/src/OpenBekenHub" -c Release -r "$rid" --self-contained \
    --artifacts-path "$work/artifacts" -o "$out" -nologo
}

# copy_deploy_files FROM TO: the files this script installs, kept next to the build.
copy_deploy_files() {
  local from="$1" to="$2"
  install -d "$to/systemd" "$to/udev"
  install -m 0755 "$from/install-pi.sh" "$from/healthcheck.sh" "$to/"
  install -m 0644 "$from/systemd/obkhub.service" "$to/systemd/"
  install -m 0644 "$from/udev/99-obkhub.rules" "$to/udev/"
  if [ -f "$from/README.md" ]; then install -m 0644 "$from/README.md" "$to/"; fi
}

pack() {
  local rid="${1:-linux-arm64}" out="${2:-$PWD/obkhub-${1:-linux-arm64}.tar.gz}"
  work="$(mktemp -d)"
  publish "$rid" "$work/pkg/app"
  copy_deploy_files "$script_dir" "$work/pkg/deploy"
  tar -C "$work/pkg" -czf "$out" app deploy
  say "packed $out ($(du -h "$out" | cut -f1))"
  say "on the Pi: mkdir obkhub && tar -xzf $(basename "$out") -C obkhub && sudo obkhub/deploy/install-pi.sh obkhub"
}

# wait_healthy PORT: bounded wait for /health.
wait_healthy() {
  local port="$1" i
  for i in $(seq 1 60); do
    if "$prefix/deploy/healthcheck.sh" "$port" >/dev/null 2>&1; then
      say "the hub answers on port $port (after ${i}x2 s)"
      return 0
    fi
    sleep 2
  done
  printf 'install-pi.sh: the hub did not answer /health on port %s within 120 s; see: journalctl -u %s\n' \
    "$port" "$unit_name" >&2
  return 1
}

install_build() {
  local app="$1" deploy_src="$2" rid elf port
  [ -x "$app/obkhub" ] || die "$app/obkhub is missing: not a published build of the hub"
  rid="$(host_rid)"
  elf="$(elf_rid "$app/obkhub")"
  if [ "$elf" != "$rid" ] && [ "${OBKHUB_FORCE:-0}" != 1 ]; then
    die "the build is for $elf but this machine needs $rid (OBKHUB_FORCE=1 to install anyway)"
  fi
  case "$prefix" in
    /*/*obkhub*) ;;
    *) die "OBKHUB_PREFIX must be an absolute path naming obkhub (got '$prefix')" ;;
  esac

  if ! id -u obkhub >/dev/null 2>&1; then
    say "creating system user obkhub"
    useradd --system --user-group --home-dir "$state_dir" --no-create-home --shell /usr/sbin/nologin obkhub
  fi
  usermod -aG dialout obkhub
  if getent group gpio >/dev/null; then usermod -aG gpio obkhub; fi

  if systemctl is-active --quiet "$unit_name"; then
    say "stopping the running hub"
    systemctl stop "$unit_name"
  fi

  say "installing the build to $prefix"
  rm -rf -- "$prefix.new"
  install -d "$prefix.new"
  cp -a "$app/." "$prefix.new/"
  copy_deploy_files "$deploy_src" "$prefix.new/deploy"
  chown -R root:root "$prefix.new"
  chmod -R u+rwX,go+rX,go-w "$prefix.new"
  if [ -d "$prefix" ]; then
    rm -rf -- "$prefix.old"
    mv -- "$prefix" "$prefix.old"
  fi
  mv -- "$prefix.new" "$prefix"
  rm -rf -- "$prefix.old"

  say "serial drivers load at boot (the unit's DeviceAllow needs their device majors registered)"
  printf '# OpenBeken Hub: register the ttyUSB and ttyACM majors before obkhub.service starts.\nusbserial\ncdc_acm\n' \
    >/etc/modules-load.d/obkhub.conf
  modprobe usbserial 2>/dev/null || true
  modprobe cdc_acm 2>/dev/null || true

  say "installing udev rules: /dev/obkhub-uart*"
  install -m 0644 "$deploy_src/udev/99-obkhub.rules" /etc/udev/rules.d/99-obkhub.rules
  udevadm control --reload-rules || true
  udevadm trigger --subsystem-match=tty --action=add || true

  install -d -m 0750 -o root -g obkhub "$config_dir"
  if [ ! -f "$config_dir/obkhub.env" ]; then
    cat >"$config_dir/obkhub.env" <<'ENV'
# Settings for obkhub.service (KEY=value, no quotes needed). Restart after a change: sudo systemctl restart obkhub
# Where the web UI listens:
#OBKHUB_LISTEN=http://0.0.0.0:8080
# An existing MQTT broker (Mosquitto, Home Assistant's add-on); empty = the hub's own broker on port 1883:
#OBKHUB__Mqtt__Host=127.0.0.1
#OBKHUB__Mqtt__Port=1883
#OBKHUB__Mqtt__Username=
#OBKHUB__Mqtt__Password=
# First admin password; without it the first start prints a generated one to the journal:
#OBKHUB_ADMIN_PASSWORD=
ENV
  fi
  # It may hold passwords: readable by root and the service's group only.
  chown root:obkhub "$config_dir/obkhub.env"
  chmod 0640 "$config_dir/obkhub.env"

  say "installing and starting $unit_name.service"
  install -m 0644 "$deploy_src/systemd/obkhub.service" "/etc/systemd/system/$unit_name.service"
  systemctl daemon-reload
  systemctl enable "$unit_name"
  systemctl restart "$unit_name"

  port="$(sed -n 's|^OBKHUB_LISTEN=.*:\([0-9][0-9]*\).*|\1|p' "$config_dir/obkhub.env" | tail -n 1)"
  port="${port:-8080}"
  wait_healthy "$port" || true
  cat <<EOF

OpenBeken Hub is installed.
  Web UI:               http://$(hostname -I 2>/dev/null | awk '{print $1}'):$port
  First admin password: sudo journalctl -u $unit_name | grep -i password
                        (unless OBKHUB_ADMIN_PASSWORD is set in $config_dir/obkhub.env)
  Settings:             $config_dir/obkhub.env, then: sudo systemctl restart $unit_name
  Logs:                 journalctl -u $unit_name -f
  Serial adapters:      ls -l /dev/obkhub-uart*
  Data:                 $state_dir
EOF
}

main() {
  case "${1:-}" in
    -h | --help)
      usage
      return 0
      ;;
    --pack)
      shift
      pack "$@"
      return 0
      ;;
  esac
  [ "$(id -u)" -eq 0 ] || die "run as root (sudo $0 $*)"
  # systemd must be the running init (not just installed): refuses inside containers and chroots.
  [ -d /run/systemd/system ] || die "systemd is not running here: this installs a systemd service"
  work="$(mktemp -d)"
  local src="${1:-}"
  if [ -z "$src" ]; then
    publish "$(host_rid)" "$work/app"
    install_build "$work/app" "$script_dir"
  elif [ -f "$src" ]; then
    say "unpacking $src"
    install -d "$work/pkg"
    tar -C "$work/pkg" -xzf "$src"
    if [ -d "$work/pkg/app" ] && [ -d "$work/pkg/deploy" ]; then
      install_build "$work/pkg/app" "$work/pkg/deploy"
    else
      install_build "$work/pkg" "$script_dir"
    fi
  elif [ -d "$src" ]; then
    if [ -d "$src/app" ] && [ -d "$src/deploy" ]; then
      install_build "$src/app" "$src/deploy"
    else
      install_build "$src" "$script_dir"
    fi
  else
    die "no such build: $src"
  fi
}

main "$@"
