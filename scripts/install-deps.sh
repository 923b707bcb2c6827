#!/usr/bin/env bash
# Installs every Debian 12 package the build, the tests and the packaging need.
# Idempotent: does nothing when all packages are present. Needs root (or sudo).
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build pkg-config git clang-format
  # Qt 6.4 and friends
  qt6-base-dev qt6-base-dev-tools qt6-qpa-plugins libqt6sql6-sqlite libqt6sql6-psql libsqlite3-dev
  qt6-httpserver-dev qt6-websockets-dev qt6-charts-dev qt6-tools-dev qt6-tools-dev-tools
  qt6-l10n-tools linguist-qt6 qt6-translations-l10n libqt6opengl6-dev libgl-dev libvulkan-dev
  qcoro-qt6-dev qtkeychain-qt6-dev
  # tests, screenshots and packaging checks
  xvfb xauth fonts-noto-cjk sqlite3 file lintian rpm desktop-file-utils appstream dbus gnome-keyring
  # the PostgreSQL back end's tests: a private server (scripts/start-postgres.sh)
  postgresql
  # the reliability suite's scripts (crash soak, faults)
  python3
)
# --look: also the tools for looking at the GUI as a user would (README,
# "Looking at it"): screenshots of an Xvfb screen and driving it by keyboard.
[ "${1:-}" = "--look" ] && packages+=(imagemagick xdotool)

# Node.js and npm run the OpenAI SDK conformance test; machines that already
# have a node (e.g. from NodeSource) keep theirs.
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)
command -v curl >/dev/null 2>&1 || packages+=(curl)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "installing: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
