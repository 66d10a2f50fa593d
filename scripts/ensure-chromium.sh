#!/usr/bin/env bash
# Debian's Chromium for the end-to-end tests (Playwright drives /usr/bin/chromium; browser
# downloads are not possible here). Installs with apt-get when missing and we are root.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then exit 0; fi
if [ "$(id -u)" != "0" ]; then
  echo "Chromium is missing: run 'sudo apt-get install -y chromium' for the end-to-end tests" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq chromium >/dev/null
/usr/bin/chromium --version
