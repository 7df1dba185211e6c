#!/usr/bin/env bash
# Install what the test suite needs from Debian — nothing is ever downloaded
# by npm for it:
#
# - chromium: the browser tests drive Debian Chromium through playwright-core;
# - nginx: repository v2 is served over real HTTPS by Debian's nginx in the tests;
# - python3-cryptography: what securesystemslib verifies and the tests sign with (Debian bookworm);
# - python-tuf 7.0.0, securesystemslib 1.4.0 and urllib3 2.8.0 (python-tuf 7's
#   client imports urllib3 2's BaseHTTPResponse; bookworm has urllib3 1.26),
#   the independent TUF client of the interop tests: pure-Python packages from
#   Debian's UNSTABLE archive,
#   fetched with `apt-get download` under a private apt configuration (its own
#   sources list, state and cache folders — the system's sources and package
#   database stay exactly as they are), pinned by SHA-256, and unpacked with
#   `dpkg-deb -x` into .lattice/test-deps/python-tuf (git-ignored), which the
#   tests put on PYTHONPATH for /usr/bin/python3. Nothing is installed into
#   the system's Python.
#
# Idempotent; skips work that is already done. Needs root or passwordless
# sudo for the apt-get install part only.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

need=()
# LATTICE_CHROMIUM names an existing Chromium-based browser instead (e.g. Chrome on GitHub runners).
if [ -n "${LATTICE_CHROMIUM:-}" ] && [ -x "${LATTICE_CHROMIUM}" ]; then :; else
  command -v chromium >/dev/null 2>&1 || need+=(chromium)
fi
command -v git >/dev/null 2>&1 || need+=(git)
[ -x /usr/sbin/nginx ] || need+=(nginx)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
[ -x /usr/bin/python3 ] || need+=(python3)
for pkg in python3-cryptography; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "setup-system: installing ${need[*]}" >&2
  $SUDO apt-get update -qq
  # (The tests start their own nginx on ports they pick; a system nginx the package may start is not used.)
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# ---- python-tuf from Debian unstable, pinned, unpacked into the project ------------------
PYTUF_DIR="${ROOT}/.lattice/test-deps/python-tuf"
# package=version  sha256 of the .deb
PINS=(
  "python3-tuf=7.0.0-1 ba66356ea89a4e6da98b9a218f0ca4b9da589a3faebc3b2431d04bab62c164d5"
  "python3-securesystemslib=1.4.0-1 36a97f53556933c943531aa3f5d5c2b3fbe20cbd405a814360254cd578c104a7"
  "python3-urllib3=2.8.0-2 d48b157c65ac9b28a86cd2d6f5af3baa841208bae724bed3a33b0058727b0ff3"
)
# Debian keeps a version in its pool while some suite lists it: the private
# sources name unstable and testing, so a pin survives unstable moving on until
# testing moves too. Then the download below fails with the package named;
# update the pin (version and SHA-256).
MARKER="${PYTUF_DIR}/.pins"
WANT="$(printf '%s\n' "${PINS[@]}")"
if [ -f "$MARKER" ] && [ "$(cat "$MARKER")" = "$WANT" ]; then exit 0; fi

echo "setup-system: fetching python-tuf 7.0.0, securesystemslib 1.4.0 and urllib3 2.8.0 from Debian unstable (private apt configuration)" >&2
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/etc/apt/sources.list.d" "$WORK/etc/apt/preferences.d" "$WORK/state/lists/partial" "$WORK/cache/archives/partial" "$WORK/debs"
: > "$WORK/state/status"
printf '%s\n' \
  "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian unstable main" \
  "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian testing main" > "$WORK/etc/apt/sources.list"
APT=(
  -o "Dir::Etc::sourcelist=$WORK/etc/apt/sources.list"
  -o "Dir::Etc::sourceparts=$WORK/etc/apt/sources.list.d"
  -o "Dir::Etc::preferencesparts=$WORK/etc/apt/preferences.d"
  -o "Dir::State=$WORK/state"
  -o "Dir::State::status=$WORK/state/status"
  -o "Dir::Cache=$WORK/cache"
  -o "APT::Sandbox::User=root"
  -o "Debug::NoLocking=1"
  -o "Acquire::Retries=3"
)
apt-get "${APT[@]}" -qq update
names=()
for pin in "${PINS[@]}"; do names+=("${pin%% *}"); done
(cd "$WORK/debs" && apt-get "${APT[@]}" -qq download "${names[@]}")
STAGE="${PYTUF_DIR}.staging"
rm -rf "$STAGE"
mkdir -p "$STAGE"
for pin in "${PINS[@]}"; do
  spec="${pin%% *}"
  sha="${pin##* }"
  name="${spec%%=*}"
  version="${spec#*=}"
  deb="$(ls "$WORK/debs/${name}_${version}"_*.deb)"
  got="$(sha256sum "$deb" | cut -d' ' -f1)"
  if [ "$got" != "$sha" ]; then
    echo "setup-system: ${deb##*/} has SHA-256 ${got}, expected ${sha} — refusing it" >&2
    exit 1
  fi
  dpkg-deb -x "$deb" "$STAGE"
done
printf '%s\n' "${PINS[@]}" > "$STAGE/.pins"
rm -rf "$PYTUF_DIR"
mkdir -p "$(dirname "$PYTUF_DIR")"
mv "$STAGE" "$PYTUF_DIR"
echo "setup-system: python-tuf unpacked into ${PYTUF_DIR} (PYTHONPATH=${PYTUF_DIR}/usr/lib/python3/dist-packages)" >&2
