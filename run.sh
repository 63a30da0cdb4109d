#!/usr/bin/env bash
# Runs the hub from source: embedded MQTT broker, SQLite store in ./data at the repository root, web pages on
# http://localhost:8080. Extra arguments go to obkhub, e.g. ./run.sh --demo   or   ./run.sh --Mqtt:Host 192.168.1.10
set -euo pipefail
cd "$(dirname "$0")"
exec ./obkhub "$@"
