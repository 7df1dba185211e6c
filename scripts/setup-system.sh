#!/usr/bin/env bash
# Install the Debian packages the test suite needs (browser tests drive Debian
# Chromium through playwright-core; no browser is ever downloaded by npm).
# Idempotent; skips work that is already done. Needs root or passwordless sudo.
set -euo pipefail
need=()
# LATTICE_CHROMIUM names an existing Chromium-based browser instead (e.g. Chrome on GitHub runners).
if [ -n "${LATTICE_CHROMIUM:-}" ] && [ -x "${LATTICE_CHROMIUM}" ]; then :; else
  command -v chromium >/dev/null 2>&1 || need+=(chromium)
fi
command -v git >/dev/null 2>&1 || need+=(git)
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
echo "setup-system: installing ${need[*]}" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
