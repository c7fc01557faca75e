#!/usr/bin/env bash
# Installs what the local engines need from Debian when it is missing: Java 17 or newer for
# DynamoDB Local, and MariaDB for the loader's database. Run as root (or with sudo).
set -euo pipefail
missing=()
java -version >/dev/null 2>&1 || missing+=(openjdk-17-jre-headless)
command -v mariadbd >/dev/null 2>&1 || [ -x /usr/sbin/mariadbd ] || missing+=(mariadb-server)
if [ ${#missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update
  apt-get install -y --no-install-recommends "${missing[@]}"
fi
