#!/usr/bin/env bash
# Installs everything Greenwave's tests need on a fresh Debian machine: Eclipse SUMO (closed-loop tests),
# Chromium (dashboard tests in a real browser), the npm packages (which also builds dist/, dashboard included) and
# the libsumo addon (SUMO in-process; a failed build is logged and leaves the closed loop on TraCI).
# Safe to run again: it skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
command -v sumo >/dev/null 2>&1 || missing+=(sumo)
[ -f /usr/share/sumo/tools/randomTrips.py ] || missing+=(sumo-tools)
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v g++ >/dev/null 2>&1 || missing+=(g++)
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]} from Debian"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >/dev/null
fi
export SUMO_HOME="${SUMO_HOME:-/usr/share/sumo}"

npm ci --no-audit --no-fund

# after the apt install (libsumo's headers and library come with the sumo package); never fails the setup
node scripts/build-libsumo.mjs || echo "setup: the libsumo addon was not built; greenwave sumo will use TraCI"
