#!/usr/bin/env bash
# The webhook receivers of docs/examples (Python and Node) against a real
# llm-schedulerd: each gets a signed task.finished delivery it verifies, and
# refuses a forged one (bad signature) and a replayed one (an hour old).
#   run_webhook_receivers.sh PATH/TO/llm-schedulerd
set -euo pipefail
DAEMON=$1
HERE=$(cd "$(dirname "$0")" && pwd)
EXAMPLES="$HERE/../../docs/examples"
DATA=$(mktemp -d)
PORT=$((21000 + RANDOM % 20000))
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$DATA"
}
trap cleanup EXIT
TOKEN=$("$DAEMON" -d "$DATA" token create --role operator --name hooks 2>/dev/null)
"$DAEMON" -d "$DATA" --simulate --demo-rate 0 --port "$PORT" --status-interval 0 --log-level warning --webhook-allow-host 127.0.0.1 &
PIDS+=($!)
for _ in $(seq 100); do
  curl -sf "http://127.0.0.1:$PORT/health" >/dev/null 2>&1 && break
  sleep 0.1
done
api() { curl -s -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' "$@"; }
field() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }

# A POST signed with SECRET at time T (unix seconds; "bad" signs with another key): the status.
post_signed() { # port secret t
  python3 - "$@" <<'PY'
import hashlib, hmac, sys, urllib.request, urllib.error
port, secret, t = sys.argv[1], sys.argv[2].encode(), int(sys.argv[3])
body = b'{"type":"task.finished","data":{"id":"forged"}}'
sig = hmac.new(secret, f"{t}.".encode() + body, hashlib.sha256).hexdigest()
req = urllib.request.Request(f"http://127.0.0.1:{port}/hook", data=body, headers={"X-LLMSched-Signature": f"t={t},v1={sig}"})
try:
    print(urllib.request.urlopen(req).status)
except urllib.error.HTTPError as e:
    print(e.code)
PY
}

check() { # name command...
  local name=$1
  shift
  local rport=$((21000 + RANDOM % 20000))
  local hook secret id task out status
  hook=$(api -X POST "http://127.0.0.1:$PORT/api/v1/webhooks" -d "{\"url\":\"http://127.0.0.1:$rport/hook\",\"events\":[\"task.finished\"]}")
  secret=$(echo "$hook" | field "['secret']")
  id=$(echo "$hook" | field "['id']")
  out="$DATA/$name.out"
  LLMSCHED_WEBHOOK_SECRET=$secret "$@" "$rport" >"$out" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 100); do
    curl -s -o /dev/null "http://127.0.0.1:$rport/" 2>/dev/null && break
    sleep 0.1
  done
  status=$(post_signed "$rport" "whsec_not-this-webhooks-secret" "$(date +%s)")
  [ "$status" = 401 ] || { echo "$name: a forged delivery got $status, not 401" >&2; exit 1; }
  status=$(post_signed "$rport" "$secret" "$(($(date +%s) - 3600))")
  [ "$status" = 401 ] || { echo "$name: a replayed delivery got $status, not 401" >&2; exit 1; }
  task=$(api -X POST "http://127.0.0.1:$PORT/api/v1/tasks" \
    -d "{\"model\":\"demo\",\"labels\":{\"webhook\":\"$id\"},\"input\":{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}}" | field "['id']")
  for _ in $(seq 100); do
    grep -q "verified task.finished $task succeeded" "$out" && break
    sleep 0.1
  done
  grep -q "verified task.finished $task succeeded" "$out" || { echo "$name: no verified delivery of $task:" >&2; cat "$out" >&2; exit 1; }
  for _ in $(seq 50); do
    status=$(api "http://127.0.0.1:$PORT/api/v1/webhooks/$id/deliveries" | field "['deliveries'][0]['status']")
    [ "$status" = delivered ] && break
    sleep 0.1
  done
  [ "$status" = delivered ] || { echo "$name: the delivery log says $status" >&2; exit 1; }
  echo "$name: verified the signed delivery of task $task; refused a forged and a replayed one"
}

check python python3 "$EXAMPLES/webhook_receiver.py"
check node node "$EXAMPLES/webhook_receiver.mjs"
