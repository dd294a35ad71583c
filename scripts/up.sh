#!/usr/bin/env bash
# One command on a fresh Debian machine: install what securechat needs, build
# it, start a server and open a client. See README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec bash scripts/start.sh "$@"
