#!/usr/bin/env bash
# Deploy checks, run by the project's test command (bash deploy/check.sh). One line per step:
# PASS, FAIL or SKIP (with the reason: a tool that is absent here). Exits non-zero when any step fails.
#
#   publish-arm64    install-pi.sh --pack: dotnet publish -r linux-arm64 --self-contained into a tarball
#   qemu-health      the arm64 build runs under qemu-user and answers /health (probed with deploy/healthcheck.sh,
#                    the container's health probe); then the probe must fail once the hub is gone
#   install-sandbox  install-pi.sh installs that tarball for real inside a private mount namespace (overlays on /etc,
#                    /opt, /var/lib; shims for systemctl, udevadm, modprobe: deploy/test-install.sh), and the
#                    installed service answers /health; nothing on the machine changes
#   dockerfile       no docker engine here: the Dockerfile's own build-stage command runs in a copy of the context
#                    filtered by Dockerfile.dockerignore, then its ENTRYPOINT+CMD must pass its HEALTHCHECK command
#   compose-config   docker compose config -q (or Debian's docker-compose v1) validates docker-compose.yml
#   mosquitto-conf   deploy/mosquitto/mosquitto.conf runs in a local mosquitto, the compose health probe passes,
#                    and the persistence file is written on shutdown
#   systemd-verify   systemd-analyze verify and an offline security score of deploy/systemd/obkhub.service
#   lint-scripts     shellcheck on every shell script of the repository
#   udev-rules       udevadm verify, or udev's own parser (udevadm test in a private mount namespace)
#
# Environment: OBKHUB_CHECK_QEMU=0 skips qemu-health and install-sandbox; install-sandbox runs only with OBKHUB_CHECK_INSTALL=1 (two qemu boots: too slow for CI on 2 cores); OBKHUB_CHECK_QEMU_TIMEOUT (seconds, default 180) bounds it.
#              DOTNET picks the dotnet executable. Missing tools are installed first by deploy/check-deps.sh
#              (as root or with password-less sudo; OBKHUB_CHECK_NO_INSTALL=1 turns that off).
# Needs (Debian): qemu-user-static, arm64 multiarch libc6:arm64 libstdc++6:arm64 libssl3:arm64 (after
#                 dpkg --add-architecture arm64 && apt-get update), docker-compose, shellcheck, mosquitto,
#                 mosquitto-clients, systemd, udev; each missing one only skips its step.
set -uo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/obkhub-deploy-check.XXXXXX")"
chmod 0755 "$tmp"
bg_pids=()
passed=0
failed=0
skipped=0
qemu_ok=0

cleanup() {
  local pid
  for pid in "${bg_pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${bg_pids[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  rm -rf -- "$tmp"
}
trap cleanup EXIT

step_started=0
begin() { step_started=$SECONDS; }
took() { echo "$((SECONDS - step_started))s"; }
pass() { passed=$((passed + 1)); printf 'PASS %-15s %s (%s)\n' "$1" "$2" "$(took)"; }
skip() { skipped=$((skipped + 1)); printf 'SKIP %-15s %s\n' "$1" "$2"; }
fail() {
  failed=$((failed + 1))
  printf 'FAIL %-15s %s (%s)\n' "$1" "$2" "$(took)"
  # the first lines hold an exception's message, the last ones the latest state
  if [ -n "${3:-}" ] && [ -f "$3" ]; then
    sed 's/^/     | /' "$3" | head -n 15
    echo '     | ...'
    sed 's/^/     | /' "$3" | tail -n 15
  fi
}

free_port() {
  local py
  for py in python3 /usr/bin/python3; do
    if command -v "$py" >/dev/null 2>&1; then
      "$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
      return
    fi
  done
  echo $((20000 + RANDOM % 20000))
}

# ---------------------------------------------------------------------------------------------------------------
check_publish() {
  begin
  if ! command -v "${DOTNET:-dotnet}" >/dev/null 2>&1; then
    skip publish-arm64 "no dotnet SDK on PATH"
    return
  fi
  local tarball="$tmp/obkhub-linux-arm64.tar.gz"
  if ! DOTNET="$(command -v "${DOTNET:-dotnet}")" bash "$repo/deploy/install-pi.sh" --pack linux-arm64 "$tarball" \
    >"$tmp/publish.log" 2>&1; then
    fail publish-arm64 "dotnet publish -r linux-arm64 --self-contained failed" "$tmp/publish.log"
    return
  fi
  mkdir -p "$tmp/pkg"
  tar -C "$tmp/pkg" -xzf "$tarball"
  local machine
  machine="$(od -An -tx1 -j18 -N2 "$tmp/pkg/app/obkhub" 2>/dev/null | tr -d ' \n')"
  if [ "$machine" != "b700" ] || [ ! -f "$tmp/pkg/deploy/systemd/obkhub.service" ]; then
    fail publish-arm64 "the tarball lacks an aarch64 app/obkhub or deploy/ (e_machine '$machine')"
    return
  fi
  pass publish-arm64 "app $(du -sh "$tmp/pkg/app" | cut -f1), tarball $(du -h "$tarball" | cut -f1)"
}

check_qemu() {
  begin
  if [ "${OBKHUB_CHECK_QEMU:-1}" = 0 ]; then
    skip qemu-health "OBKHUB_CHECK_QEMU=0"
    return
  fi
  local app="$tmp/pkg/app/obkhub" qemu="" lib
  if [ ! -x "$app" ]; then
    skip qemu-health "no arm64 build (publish-arm64 did not produce one)"
    return
  fi
  qemu="$(command -v qemu-aarch64-static || command -v qemu-aarch64 || true)"
  if [ -z "$qemu" ]; then
    skip qemu-health "no qemu-aarch64 (Debian: qemu-user-static)"
    return
  fi
  # The guest's loader and libraries come from Debian's arm64 multiarch packages (libssl: .NET's crypto needs it).
  for lib in /lib/ld-linux-aarch64.so.1 /usr/lib/aarch64-linux-gnu/libstdc++.so.6 /usr/lib/aarch64-linux-gnu/libssl.so.3; do
    if [ ! -e "$lib" ]; then
      skip qemu-health "no $lib (dpkg --add-architecture arm64; apt-get update; apt-get install libc6:arm64 libstdc++6:arm64 libssl3:arm64)"
      return
    fi
  done
  local port limit pid up="" attempt
  limit="${OBKHUB_CHECK_QEMU_TIMEOUT:-180}"
  # qemu-user sometimes crashes .NET's generated code at start-up (seen: a NullReferenceException inside
  # System.Text.Json's property getter on a list of non-null records); one more boot tells that from a real fault
  for attempt in 1 2; do
    port="$(free_port)"
    rm -rf "$tmp/qemu-data"
    mkdir -p "$tmp/qemu-data"
    OBKHUB_ADMIN_PASSWORD=check-sh-password OBKHUB__Mqtt__Embedded__Port=0 DOTNET_gcServer=0 \
      "$qemu" "$app" --urls "http://127.0.0.1:$port" --data "$tmp/qemu-data" --Mqtt:Embedded:Port 0 \
      >"$tmp/qemu.log" 2>&1 &
    pid=$!
    bg_pids+=("$pid")
    while [ $((SECONDS - step_started)) -lt "$limit" ]; do
      if bash "$repo/deploy/healthcheck.sh" "$port" >"$tmp/health.out" 2>/dev/null; then
        up=1
        break
      fi
      if ! kill -0 "$pid" 2>/dev/null; then
        break
      fi
      sleep 1
    done
    if [ -n "$up" ] || kill -0 "$pid" 2>/dev/null || [ "$attempt" -eq 2 ]; then
      break
    fi
    echo "     | qemu-health: the hub exited under $qemu at start-up; booting once more. Its log began:"
    sed 's/^/     | /' "$tmp/qemu.log" | head -n 6
  done
  if [ -z "$up" ]; then
    if kill -0 "$pid" 2>/dev/null; then
      fail qemu-health "no /health answer within ${limit}s under $qemu" "$tmp/qemu.log"
    else
      fail qemu-health "the hub exited under $qemu before answering /health" "$tmp/qemu.log"
    fi
    return
  fi
  local seconds=$((SECONDS - step_started))
  kill "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  if bash "$repo/deploy/healthcheck.sh" "$port" >/dev/null 2>&1; then
    fail qemu-health "healthcheck.sh still reports healthy after the hub stopped"
    return
  fi
  qemu_ok=1
  pass qemu-health "/health answered $(head -c 80 "$tmp/health.out") after ${seconds}s under qemu-aarch64"
}

check_install() {
  begin
  if [ "${OBKHUB_CHECK_QEMU:-1}" = 0 ] || [ "${OBKHUB_CHECK_INSTALL:-0}" = 0 ]; then
    skip install-sandbox "opt-in: OBKHUB_CHECK_INSTALL=1 (installs under qemu in a sealed-off namespace; ~2 min)"
    return
  fi
  if [ ! -f "$tmp/obkhub-linux-arm64.tar.gz" ] || [ "$qemu_ok" != 1 ]; then
    skip install-sandbox "needs the arm64 tarball running under qemu (publish-arm64, qemu-health)"
    return
  fi
  if [ "$(id -u)" -ne 0 ] || ! command -v unshare >/dev/null 2>&1 || ! grep -qw overlay /proc/filesystems; then
    skip install-sandbox "needs root, unshare and overlayfs for a sealed-off install"
    return
  fi
  if bash "$repo/deploy/test-install.sh" "$tmp/obkhub-linux-arm64.tar.gz" "$tmp/install" "$(free_port)" \
    >"$tmp/install.log" 2>&1; then
    pass install-sandbox "$(tail -n 1 "$tmp/install.log")"
  else
    fail install-sandbox "install-pi.sh in a sealed-off namespace failed" "$tmp/install.log"
  fi
}

# The Dockerfile cannot be built here (no docker engine), so this runs what it would: the build stage's publish
# command, taken from the Dockerfile, in a copy of the context filtered by deploy/Dockerfile.dockerignore, for this
# machine's architecture; then ENTRYPOINT + CMD from the Dockerfile (address, port and /data moved to temp) must
# pass the HEALTHCHECK command, also taken from the Dockerfile. Only /app, /data and the port are rewritten.
check_dockerfile() {
  begin
  local py=""
  py="$(command -v /usr/bin/python3 || command -v python3 || true)"
  if [ -z "$py" ]; then
    skip dockerfile "no python3 to read the Dockerfile"
    return
  fi
  if ! command -v "${DOTNET:-dotnet}" >/dev/null 2>&1; then
    skip dockerfile "no dotnet SDK on PATH"
    return
  fi
  local d="$tmp/docker" port arch
  port="$(free_port)"
  case "$(uname -m)" in
    x86_64) arch=amd64 ;;
    aarch64) arch=arm64 ;;
    *) skip dockerfile "no Docker TARGETARCH for $(uname -m)"; return ;;
  esac
  mkdir -p "$d/ctx" "$d/data"
  if ! "$py" - "$repo/deploy/Dockerfile" "$d/app" "$d/artifacts" "$d/data" "$port" >"$d/plan.sh" 2>"$d/plan.err" <<'PY'
import json, re, shlex, sys
dockerfile, app, artifacts, data, port = sys.argv[1:6]
text = re.sub(r'\\\n', ' ', open(dockerfile).read())
lines = [l.strip() for l in text.splitlines() if l.strip() and not l.strip().startswith('#')]
stage = run = entry = cmd = health = None
for l in lines:
    word = l.split()[0].upper()
    if word == 'FROM':
        stage = l.split()[-1]
    elif word == 'RUN' and stage == 'build' and 'dotnet publish' in l:
        run = l[4:].strip()
        while run.startswith('--'):
            run = run.split(None, 1)[1]
    elif word == 'ENTRYPOINT':
        entry = json.loads(l[len('ENTRYPOINT'):])
    elif word == 'CMD':
        cmd = json.loads(l[len('CMD'):])
    elif word == 'HEALTHCHECK':
        health = json.loads(l[l.index(' CMD ') + 5:])
if not (run and entry and cmd and health):
    sys.exit('the Dockerfile lacks the build stage publish RUN, ENTRYPOINT, CMD or HEALTHCHECK CMD')
def here(arg):
    arg = arg.replace('/tmp/artifacts', artifacts).replace('0.0.0.0:8080', '127.0.0.1:' + port)
    arg = re.sub(r'(?<![\w.])/app(?=/|\b)', app, arg)
    return data if arg == '/data' else (port if arg == '8080' else arg)
print('build=' + shlex.quote(here(run)))
print('start=(' + ' '.join(shlex.quote(here(a)) for a in entry + cmd) + ')')
print('probe=(' + ' '.join(shlex.quote(here(a)) for a in health) + ')')
PY
  then
    fail dockerfile "could not read deploy/Dockerfile" "$d/plan.err"
    return
  fi
  local build="" start=() probe=()
  # shellcheck disable=SC1091
  . "$d/plan.sh"
  # The build context as docker would send it: the repository minus deploy/Dockerfile.dockerignore's patterns.
  local excludes=() pattern
  while IFS= read -r pattern; do
    pattern="${pattern%%#*}"
    pattern="${pattern// /}"
    [ -z "$pattern" ] && continue
    if [ "${pattern#\*\*/}" != "$pattern" ]; then
      excludes+=(--no-anchored "--exclude=${pattern#\*\*/}")
    else
      excludes+=(--anchored "--exclude=./$pattern")
    fi
  done <"$repo/deploy/Dockerfile.dockerignore"
  tar -C "$repo" "${excludes[@]}" -cf - . | tar -C "$d/ctx" -xf -
  if ! (cd "$d/ctx" && TARGETARCH="$arch" bash -c "$build") >"$d/build.log" 2>&1; then
    fail dockerfile "the Dockerfile's build stage failed for $arch (in the filtered context)" "$d/build.log"
    return
  fi
  OBKHUB_ADMIN_PASSWORD=check-sh-password "${start[@]}" >"$d/run.log" 2>&1 &
  local pid=$! up=""
  bg_pids+=("$pid")
  while [ $((SECONDS - step_started)) -lt 240 ]; do
    if "${probe[@]}" >/dev/null 2>&1; then
      up=1
      break
    fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 1
  done
  kill "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  if [ -z "$up" ]; then
    fail dockerfile "ENTRYPOINT+CMD did not pass the HEALTHCHECK" "$d/run.log"
    return
  fi
  pass dockerfile "build stage ($arch, $(du -sh "$d/app" | cut -f1)), ENTRYPOINT+CMD, HEALTHCHECK ok"
}

check_compose() {
  begin
  local missing="" f
  for f in deploy/Dockerfile deploy/Dockerfile.dockerignore deploy/healthcheck.sh deploy/mosquitto/mosquitto.conf deploy/mosquitto/init-dynsec.sh; do
    [ -f "$repo/$f" ] || missing+=" $f"
  done
  if [ -n "$missing" ]; then
    fail compose-config "files the compose stack uses are missing:$missing"
    return
  fi
  local tool=""
  if command -v docker >/dev/null 2>&1 && docker compose version >/dev/null 2>&1; then
    tool="docker compose"
  elif command -v docker-compose >/dev/null 2>&1; then
    tool="docker-compose"
  else
    skip compose-config "neither the docker compose plugin nor docker-compose is installed"
    return
  fi
  # config parses, interpolates and validates against the compose schema; it needs no docker engine.
  if (cd "$repo" && $tool -f docker-compose.yml config -q) >"$tmp/compose.log" 2>&1; then
    pass compose-config "$tool config -q"
  else
    fail compose-config "$tool config -q rejected docker-compose.yml" "$tmp/compose.log"
  fi
}

check_mosquitto() {
  begin
  if ! command -v mosquitto >/dev/null 2>&1 && [ ! -x /usr/sbin/mosquitto ]; then
    skip mosquitto-conf "no mosquitto (Debian: mosquitto mosquitto-clients)"
    return
  fi
  if ! command -v mosquitto_sub >/dev/null 2>&1; then
    skip mosquitto-conf "no mosquitto_sub (Debian: mosquitto-clients)"
    return
  fi
  local broker port pid ok="" plugin
  broker="$(command -v mosquitto || echo /usr/sbin/mosquitto)"
  plugin="$(dpkg -L mosquitto 2>/dev/null | grep 'mosquitto_dynamic_security.so$' | head -n 1)"
  if [ -z "$plugin" ] || ! command -v mosquitto_ctrl >/dev/null 2>&1; then
    skip mosquitto-conf "no dynamic-security plugin or mosquitto_ctrl (Debian: mosquitto, mosquitto-clients)"
    return
  fi
  port="$(free_port)"
  # Same files, with the container paths and port moved into the temp dir (mosquitto may drop to its own user).
  mkdir -p "$tmp/mq" "$tmp/secrets"
  chmod 1777 "$tmp/mq"
  sed -e "s|/secrets/|$tmp/secrets/|g" -e "s|/mosquitto/data/|$tmp/mq/|g" -e "s|chown 1883:1883|chown mosquitto:mosquitto|" \
    "$repo/deploy/mosquitto/init-dynsec.sh" >"$tmp/init-dynsec.sh"
  if ! sh "$tmp/init-dynsec.sh" >"$tmp/init.log" 2>&1 || ! sh "$tmp/init-dynsec.sh" >>"$tmp/init.log" 2>&1; then
    fail mosquitto-conf "deploy/mosquitto/init-dynsec.sh failed (or failed when run again)" "$tmp/init.log"
    return
  fi
  sed -e "s|/mosquitto/data/|$tmp/mq/|g" -e "s|^listener 1883\$|listener $port 127.0.0.1|" \
    -e "s|^plugin /usr/lib/mosquitto_dynamic_security.so\$|plugin $plugin|" \
    "$repo/deploy/mosquitto/mosquitto.conf" >"$tmp/mosquitto.conf"
  "$broker" -c "$tmp/mosquitto.conf" >"$tmp/mq.log" 2>&1 &
  pid=$!
  bg_pids+=("$pid")
  local _ secret
  secret="$(cat "$tmp/secrets/dynsec-admin")"
  for _ in $(seq 1 20); do
    # The health check of docker-compose.yml, as the generated dynsec admin.
    # shellcheck disable=SC2016 # $SYS is the literal topic
    if mosquitto_sub -h 127.0.0.1 -p "$port" -u admin -P "$secret" -t '$SYS/broker/version' -C 1 -W 5 >"$tmp/mq.sub" 2>&1; then
      ok=1
      break
    fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  if [ -z "$ok" ]; then
    fail mosquitto-conf "mosquitto with deploy/mosquitto/mosquitto.conf did not pass the compose health probe" \
      "$tmp/mq.log"
    return
  fi
  if mosquitto_pub -h 127.0.0.1 -p "$port" -t probe -m anonymous >"$tmp/anon.log" 2>&1; then
    fail mosquitto-conf "the compose mosquitto accepted an anonymous client" "$tmp/anon.log"
    return
  fi
  kill -TERM "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  if [ ! -s "$tmp/mq/mosquitto.db" ]; then
    fail mosquitto-conf "no persistence file written on shutdown" "$tmp/mq.log"
    return
  fi
  pass mosquitto-conf "$(cat "$tmp/mq.sub"): dynsec initialised, anonymous refused, health probe, persistence ok"
}

check_systemd() {
  begin
  if ! command -v systemd-analyze >/dev/null 2>&1; then
    skip systemd-verify "no systemd-analyze (Debian: systemd)"
    return
  fi
  # /opt/obkhub/obkhub does not exist on this machine; verify checks that ExecStart is executable.
  mkdir -p "$tmp/unit"
  sed 's|^ExecStart=/opt/obkhub/obkhub |ExecStart=/bin/true |' "$repo/deploy/systemd/obkhub.service" \
    >"$tmp/unit/obkhub.service"
  if ! systemd-analyze verify "$tmp/unit/obkhub.service" >"$tmp/verify.log" 2>&1 || [ -s "$tmp/verify.log" ]; then
    fail systemd-verify "systemd-analyze verify reported problems" "$tmp/verify.log"
    return
  fi
  local score="not measured"
  if systemd-analyze security --offline=yes "$tmp/unit/obkhub.service" >"$tmp/security.log" 2>&1; then
    score="$(sed -n 's/.*Overall exposure level for [^:]*: *//p' "$tmp/security.log")"
    local value="${score%% *}"
    if awk -v v="$value" 'BEGIN { exit !(v + 0 > 3.5) }'; then
      fail systemd-verify "hardening regressed: exposure $score (want <= 3.5)" "$tmp/security.log"
      return
    fi
  fi
  pass systemd-verify "verify clean, exposure $score"
}

check_shellcheck() {
  begin
  if ! command -v shellcheck >/dev/null 2>&1; then
    skip lint-scripts "no shellcheck (Debian: shellcheck)"
    return
  fi
  local scripts=() f
  while IFS= read -r f; do
    scripts+=("$f")
  done < <(cd "$repo" && find . \( -name .git -o -name artifacts -o -name bin -o -name obj -o -name node_modules \) \
    -prune -o -type f -name '*.sh' -print | sort)
  if [ -f "$repo/.ci/run" ]; then scripts+=(./.ci/run); fi
  if (cd "$repo" && shellcheck -x "${scripts[@]}") >"$tmp/shellcheck.log" 2>&1; then
    pass lint-scripts "${#scripts[@]} scripts: ${scripts[*]}"
  else
    fail lint-scripts "shellcheck found problems" "$tmp/shellcheck.log"
  fi
}

check_udev() {
  begin
  local rules="$repo/deploy/udev/99-obkhub.rules"
  if ! command -v udevadm >/dev/null 2>&1; then
    skip udev-rules "no udevadm (Debian: udev)"
    return
  fi
  if udevadm verify --help >/dev/null 2>&1; then
    if udevadm verify "$rules" >"$tmp/udev.log" 2>&1; then
      pass udev-rules "udevadm verify"
    else
      fail udev-rules "udevadm verify rejected the rules" "$tmp/udev.log"
    fi
    return
  fi
  # udev before 254 has no `verify`: let `udevadm test` parse the rules, with a private mount namespace showing it
  # only this file in /etc/udev/rules.d (nothing on the machine changes). Parse errors name file and line.
  local dev
  dev="$(find /sys/class/tty -mindepth 1 -maxdepth 1 -name 'tty*' -print -quit 2>/dev/null)"
  if [ "$(id -u)" -ne 0 ] || ! command -v unshare >/dev/null 2>&1 || [ -z "$dev" ] || [ ! -d /etc/udev/rules.d ]; then
    skip udev-rules "udevadm $(udevadm --version) has no verify, and the parse test needs root, unshare and a tty"
    return
  fi
  mkdir -p "$tmp/rules.d"
  cp "$rules" "$tmp/rules.d/"
  # shellcheck disable=SC2016 # $1 and $2 expand in the inner sh
  if ! unshare -m sh -c 'mount --bind "$1" /etc/udev/rules.d && udevadm test --action=add "$2"' sh \
    "$tmp/rules.d" "$dev" >"$tmp/udev.log" 2>&1; then
    if ! grep -q 'Reading rules file: /etc/udev/rules.d/99-obkhub.rules' "$tmp/udev.log"; then
      skip udev-rules "udevadm test could not run here (no private mount namespace)"
      return
    fi
  fi
  if ! grep -q 'Reading rules file: /etc/udev/rules.d/99-obkhub.rules' "$tmp/udev.log"; then
    fail udev-rules "udevadm test did not read the rules file" "$tmp/udev.log"
  elif grep '99-obkhub.rules:' "$tmp/udev.log" >"$tmp/udev.errors"; then
    fail udev-rules "udev's parser reported problems" "$tmp/udev.errors"
  else
    pass udev-rules "parsed by udevadm test ($(udevadm --version)), no errors"
  fi
}

started=$SECONDS
bash "$repo/deploy/check-deps.sh"
check_publish
check_qemu
check_install
check_dockerfile
check_compose
check_mosquitto
check_systemd
check_shellcheck
check_udev
printf 'deploy checks: PASS=%d FAIL=%d SKIP=%d in %ds\n' "$passed" "$failed" "$skipped" $((SECONDS - started))
[ "$failed" -eq 0 ]
