#!/usr/bin/env bash
# REST submit throughput and latency: llm-schedulerd with a zero-latency
# simulated model that is paused (this measures accepting and committing
# submits, not running them), driven by wrk over keep-alive connections.
#   tests/bench/run_api_bench.sh [BUILD_DIR] [SECONDS]
# Three runs: single submits as fast as 64 connections go (throughput, and its
# latency at saturation, where wrk competes with the server for the cores);
# single submits paced (each of 80 connections waits 2 ms after an answer,
# about 15k/s offered: the latency at the target rate); batches of 1000.
# Prints single_submits_per_s, single_p99_ms, paced_*, batch_tasks_per_s last.
set -euo pipefail
BUILD=${1:-build/default}
SECS=${2:-10}
D="$BUILD/app/llm-schedulerd"
[ -x "$D" ] || { echo "build $D first" >&2; exit 2; }
command -v wrk >/dev/null || { SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo; $SUDO apt-get install -y -qq wrk >/dev/null; }

WORK=$(mktemp -d)
PORT=$((20000 + RANDOM % 20000))
trap 'kill $DPID 2>/dev/null || true; wait $DPID 2>/dev/null || true; rm -rf "$WORK"' EXIT
cat > "$WORK/config.json" <<JSON
{"models":[{"name":"bench","concurrency":256,"capacity":10000000,"paused":true,
  "endpoints":[{"name":"sim","provider":"simulated","simulation":{"latency_ms":0}}]}]}
JSON
TOKEN=$("$D" -d "$WORK" token create --role operator --name bench 2>/dev/null)
"$D" -d "$WORK" -c "$WORK/config.json" --port "$PORT" --status-interval 0 --log-level warning &
DPID=$!
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.1; done

cat > "$WORK/single.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $TOKEN"
wrk.body = '{"model":"bench","priority":3,"input":{"messages":[{"role":"user","content":"hello there"}]}}'
done = function(summary, latency, requests)
  io.write(string.format("RESULT rps=%.0f p50_ms=%.3f p99_ms=%.3f errors=%d\n", summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
LUA
BATCH=$(python3 - <<'PY'
import json
print(json.dumps({"tasks": [{"model": "bench", "input": {"messages": [{"role": "user", "content": "batch %d" % i}]}} for i in range(1000)]}))
PY
)
printf '%s' "$BATCH" > "$WORK/batch.json"
cat > "$WORK/batch.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $TOKEN"
local f = io.open("$WORK/batch.json", "rb"); wrk.body = f:read("*a"); f:close()
done = function(summary, latency, requests)
  io.write(string.format("RESULT rps=%.0f p50_ms=%.3f p99_ms=%.3f errors=%d\n", summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
LUA
{ cat "$WORK/single.lua"; echo 'function delay() return 2 end'; } > "$WORK/paced.lua"
URL="http://127.0.0.1:$PORT/api/v1/tasks"
single=$(wrk -t2 -c64 -d"${SECS}s" --latency -s "$WORK/single.lua" "$URL" | grep RESULT)
paced=$(wrk -t2 -c80 -d"${SECS}s" --latency -s "$WORK/paced.lua" "$URL" | grep RESULT)
batch=$(wrk -t2 -c4 -d"${SECS}s" -s "$WORK/batch.lua" "$URL" | grep RESULT)
echo "single (64 connections): $single"
echo "single paced (80 connections, 2 ms between requests): $paced"
echo "batch of 1000 (4 connections): $batch"
rps=$(sed 's/.*rps=\([0-9]*\).*/\1/' <<<"$single")
p99=$(sed 's/.*p99_ms=\([0-9.]*\).*/\1/' <<<"$single")
brps=$(sed 's/.*rps=\([0-9]*\).*/\1/' <<<"$batch")
echo "single_submits_per_s=$rps"
echo "single_p99_ms=$p99"
echo "paced_submits_per_s=$(sed 's/.*rps=\([0-9]*\).*/\1/' <<<"$paced")"
echo "paced_p99_ms=$(sed 's/.*p99_ms=\([0-9.]*\).*/\1/' <<<"$paced")"
echo "batch_tasks_per_s=$((brps * 1000))"
