#!/usr/bin/env bash
# Installs system packages (when run as root on Debian, or with sudo), the npm
# dependencies from the lock file, and builds dist/. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

# The desktop window's binding is built by cmake-js against WebKitGTK (without
# these, npm quietly skips the optional binding); the window draws emoji with
# fonts-noto-color-emoji (without it, empty boxes); the rest needs only Node.
APT_PACKAGES=(cmake g++ make pkg-config libwebkit2gtk-4.0-dev fonts-noto-color-emoji tmux)
[ "${SECURECHAT_TEST_PACKAGES:-0}" = 1 ] && APT_PACKAGES+=(xvfb xauth xdotool imagemagick chromium python3 fonts-dejavu-core)

missing=()
for package in "${APT_PACKAGES[@]}"; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  if command -v apt-get >/dev/null 2>&1; then
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    echo "setup: installing ${missing[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "setup: not a Debian system; install these yourself for the desktop client: ${missing[*]}" >&2
  fi
fi

npm ci --no-audit --no-fund
npm run build
echo "setup: done"
