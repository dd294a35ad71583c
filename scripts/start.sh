#!/usr/bin/env bash
# Starts a securechat server on this machine (unless one already listens on
# the port) and opens a client: the desktop window when there is a display and
# the binding is built, else the terminal client. The server started here
# listens on 127.0.0.1 only and stops when the client exits; for a server your
# colleagues can reach, run `securechat server` (see README.md).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f dist/securechat.js ] || npm run build

PORT="${SECURECHAT_PORT:-5555}"
HOME_DIR="${SECURECHAT_HOME:-${XDG_DATA_HOME:-$HOME/.local/share}/securechat}"
mkdir -p "$HOME_DIR" && chmod 700 "$HOME_DIR"
export SECURECHAT_HOME="$HOME_DIR"
LOG="$HOME_DIR/server.log"

server_pid=""
if ! (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
  : >"$LOG"
  node dist/securechat.js server --host 127.0.0.1 --port "$PORT" >>"$LOG" 2>&1 &
  server_pid=$!
  # Stops the server this script started, and only while it is still this shell's running job:
  # once it has exited, its pid may belong to another process.
  trap 'jobs -pr | grep -qx "$server_pid" && kill "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null || true' EXIT
  # Ready when it says so in its log (polling the port would race the server's start-up).
  until grep -q '^fingerprint:' "$LOG"; do
    kill -0 "$server_pid" 2>/dev/null || { echo "the server did not start:" >&2; cat "$LOG" >&2; exit 1; }
    sleep 0.1
  done
  echo "securechat server running on 127.0.0.1:$PORT (data: $HOME_DIR/server, log: $LOG)"
  grep '^fingerprint:' "$LOG" | sed 's/^/server key /'
  echo "Your client shows the same fingerprint on first contact."
fi

if [ -n "${DISPLAY:-}" ] && node -e "require('webview-nodejs')" 2>/dev/null && [ "${SECURECHAT_CLIENT:-gui}" = gui ]; then
  node dist/securechat.js gui --host 127.0.0.1 --port "$PORT"
else
  node dist/securechat.js chat --host 127.0.0.1 --port "$PORT"
fi
