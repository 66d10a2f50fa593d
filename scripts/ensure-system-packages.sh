#!/usr/bin/env bash
# Debian libraries WeasyPrint needs for the visit report PDF (Pango with its FreeType backend;
# HarfBuzz and fontconfig come with them). Installs with apt-get when missing and we are root.
set -euo pipefail
# ldconfig lives in /sbin, which is not on an ordinary user's PATH on Debian: without this the
# libraries were reported missing (and `make test` stopped) for anyone but root.
PATH="$PATH:/usr/sbin:/sbin"
missing=()
# read the cache once: `ldconfig -p | grep -q` under pipefail failed now and then (grep -q leaves at the
# first match, ldconfig still writing gets SIGPIPE, exit 141) and reported an installed Pango missing
cache="$(ldconfig -p)"
for lib in libpango-1.0.so.0:libpango-1.0-0 libpangoft2-1.0.so.0:libpangoft2-1.0-0; do
  if ! grep -qF "${lib%%:*}" <<<"$cache"; then missing+=("${lib##*:}"); fi
done
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" != "0" ]; then
  echo "missing for WeasyPrint (visit report PDF): run 'sudo apt-get install -y ${missing[*]}'" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${missing[@]}" >/dev/null
