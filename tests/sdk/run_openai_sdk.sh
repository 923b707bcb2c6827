#!/usr/bin/env bash
# Installs the pinned openai and @anthropic-ai/sdk packages (npm ci into a
# work copy) and runs openai_sdk.test.mjs and anthropic_sdk.test.mjs against a
# fresh llm-schedulerd --simulate.
#   run_openai_sdk.sh PATH/TO/llm-schedulerd WORKDIR
set -euo pipefail
DAEMON=$1
WORK=$2
HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$WORK"
cp "$HERE/package.json" "$HERE/package-lock.json" "$HERE"/*.test.mjs "$WORK/"
cd "$WORK"
# Installed again whenever the lock file changed (a stamp of it is kept beside).
if ! cmp -s package-lock.json node_modules/.llmsched-lock; then
  npm ci --no-audit --no-fund --loglevel=error
  cp package-lock.json node_modules/.llmsched-lock
fi
DATA=$(mktemp -d)
PORT=$((21000 + RANDOM % 20000))
trap 'kill $DPID 2>/dev/null || true; wait $DPID 2>/dev/null || true; rm -rf "$DATA"' EXIT
TOKEN=$("$DAEMON" -d "$DATA" token create --role operator --name sdk 2>/dev/null)
VIEWER=$("$DAEMON" -d "$DATA" token create --role viewer --name sdk-viewer 2>/dev/null)
"$DAEMON" -d "$DATA" --simulate --demo-rate 0 --port "$PORT" --status-interval 0 --log-level warning &
DPID=$!
for _ in $(seq 100); do
  curl -sf "http://127.0.0.1:$PORT/health" >/dev/null 2>&1 && break
  kill -0 $DPID 2>/dev/null || { echo "llm-schedulerd exited" >&2; exit 1; }
  sleep 0.1
done
BASE="http://127.0.0.1:$PORT/v1" TOKEN="$TOKEN" VIEWER="$VIEWER" node openai_sdk.test.mjs
ROOT="http://127.0.0.1:$PORT" TOKEN="$TOKEN" VIEWER="$VIEWER" node anthropic_sdk.test.mjs
