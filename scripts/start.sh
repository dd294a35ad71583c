#!/usr/bin/env bash
# Starts a securechat server on this machine (unless one already listens on
# the port) and opens a client: the desktop window when there is a display and
# the binding is built, else the terminal client. The server started here
# stops when the client exits; for a permanent server run `securechat server`.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f dist/securechat.js ] || npm run build

PORT="${SECURECHAT_PORT:-5555}"
HOME_DIR="${SECURECHAT_HOME:-${XDG_DATA_HOME:-$HOME/.local/share}/securechat}"
mkdir -p "$HOME_DIR" && chmod 700 "$HOME_DIR"
export SECURECHAT_HOME="$HOME_DIR"

server_pid=""
if ! (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
  node dist/securechat.js server --port "$PORT" >>"$HOME_DIR/server.log" 2>&1 &
  server_pid=$!
  trap '[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null || true' EXIT
  for _ in $(seq 1 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break
    kill -0 "$server_pid" 2>/dev/null || { echo "the server did not start; see $HOME_DIR/server.log" >&2; exit 1; }
    sleep 0.1
  done
  echo "securechat server running on port $PORT (log: $HOME_DIR/server.log, data: $HOME_DIR/server)"
fi

if [ -n "${DISPLAY:-}" ] && node -e "require('webview-nodejs')" 2>/dev/null && [ "${SECURECHAT_CLIENT:-gui}" = gui ]; then
  node dist/securechat.js gui --host 127.0.0.1 --port "$PORT"
else
  node dist/securechat.js chat --host 127.0.0.1 --port "$PORT"
fi
