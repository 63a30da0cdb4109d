#!/bin/sh
# One-shot init for the compose stack (service "mosquitto-init", eclipse-mosquitto:2 image):
#  1. generates the dynamic-security admin password once, into the shared "broker-secrets" volume
#     (/secrets/dynsec-admin, mode 0640, read by the hub as Mqtt:DynSec:PasswordFile and by the health check);
#  2. creates Mosquitto's dynamic-security config with that admin, once, in the mosquitto-data volume.
# Re-running it changes nothing. No anonymous access: mosquitto.conf has allow_anonymous false.
set -eu
secret=/secrets/dynsec-admin
config=/mosquitto/data/dynamic-security.json
if [ ! -s "$secret" ]; then
    umask 027
    # 24 characters from the kernel's RNG, letters and digits only (safe in a shell and in JSON)
    tr -dc 'A-Za-z0-9' </dev/urandom | head -c 24 >"$secret"
    echo "mosquitto-init: generated the dynamic-security admin password in the broker-secrets volume"
fi
# the hub runs as uid 10001 (deploy/Dockerfile); mosquitto as uid 1883
chown 1883:10001 "$secret" 2>/dev/null || true
chmod 0640 "$secret"
if [ ! -s "$config" ]; then
    mosquitto_ctrl dynsec init "$config" admin "$(cat "$secret")"
    echo "mosquitto-init: dynamic security initialised with admin client 'admin'"
fi
chown 1883:1883 "$config" 2>/dev/null || true
chmod 0600 "$config"
