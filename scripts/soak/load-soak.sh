#!/usr/bin/env bash
# Load soak: llm-schedulerd under sustained single submits at the REST target
# (15,000 submits/s) for several minutes, in consecutive 10-second wrk slices;
# after each slice the daemon's RSS (/proc/PID/status VmRSS, and RssAnon) and
# its queue are sampled. Fails when RSS keeps growing after the warm-up, when
# a submit fails, or when the queue does not drain.
#
#   scripts/soak/load-soak.sh [--minutes N] [--daemon PATH] [--growth PCT]
#     --minutes N   run length (default 5; quick form: --minutes 1)
#     --growth PCT  allowed growth of the last third's max RSS over the first
#                   steady sample (default 10)
#
# Pacing: wrk cannot hold a fixed rate, so each of 80 keep-alive connections
# waits 2 ms after every answer (as tests/bench/run_api_bench.sh's paced
# phase): about 15,000 submits/s offered at ~3 ms latency.
#
# The model: simulated, zero latency, concurrency 256, so the engine runs
# every task it accepts (queued -> running -> succeeded, three writes and log
# rows per task) and the queue drains. A paused model would keep every queued
# task in the engine's queues (about 260 bytes each, docs/benchmarks.md), so
# RSS would grow by design and hide a leak; a fake HTTP upstream cannot answer
# 15,000 calls/s beside the daemon and wrk on two cores.
#
# Warm-up and bound: the writer's page cache (64 MiB), the readers' caches
# (32 MiB each) and the allocator's arenas fill during the first slices while
# the store grows; after that the daemon's memory should be flat. The warm-up
# is the first fifth of the slices (at least 2, i.e. 20 s); the first steady
# sample is the RSS at its end; the verdict fails when the max RSS of the
# last third of the slices is more than --growth % above it.
set -euo pipefail

MINUTES=5
GROWTH=10
HERE=$(cd "$(dirname "$0")" && pwd)
D="$HERE/../../build/default/app/llm-schedulerd"
while [ $# -gt 0 ]; do
  case "$1" in
    --minutes) MINUTES=$2; shift 2 ;;
    --daemon) D=$2; shift 2 ;;
    --growth) GROWTH=$2; shift 2 ;;
    -h|--help) sed -n '2,30p' "$0"; exit 0 ;;
    *) echo "load-soak: unknown argument $1" >&2; exit 2 ;;
  esac
done
if ! [[ "$MINUTES" =~ ^[1-9][0-9]*$ ]]; then echo "load-soak: --minutes must be a whole number >= 1" >&2; exit 2; fi
[ -x "$D" ] || { echo "load-soak: no daemon at $D; build it first or pass --daemon" >&2; exit 2; }
command -v wrk >/dev/null || { echo "load-soak: wrk is not installed (apt-get install wrk)" >&2; exit 2; }
command -v curl >/dev/null || { echo "load-soak: curl is not installed" >&2; exit 2; }

SLICE=10
SLICES=$((MINUTES * 60 / SLICE))
WARM=$((SLICES / 5)); [ "$WARM" -ge 2 ] || WARM=2
LAST=$(((SLICES + 2) / 3))

WORK=$(mktemp -d /tmp/load-soak.XXXXXX)
DPID=""
cleanup() {
  if [ -n "$DPID" ]; then kill "$DPID" 2>/dev/null || true; wait "$DPID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat > "$WORK/config.json" <<JSON
{"models":[{"name":"soak","concurrency":256,"capacity":10000000,
  "endpoints":[{"name":"sim","provider":"simulated","simulation":{"latency_ms":0}}]}]}
JSON
TOKEN=$("$D" -d "$WORK" token create --role operator --name load-soak 2>/dev/null)
"$D" -d "$WORK" -c "$WORK/config.json" --port "$PORT" --status-interval 0 --log-level warning 2>"$WORK/daemon.log" &
DPID=$!
ready=""
for _ in $(seq 100); do   # poll /health for up to 10 s
  if curl -sf "http://127.0.0.1:$PORT/health" >/dev/null; then ready=1; break; fi
  kill -0 "$DPID" 2>/dev/null || break
  sleep 0.1
done
[ -n "$ready" ] || { echo "load-soak: daemon not ready" >&2; cat "$WORK/daemon.log" >&2; exit 2; }

cat > "$WORK/paced.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $TOKEN"
wrk.body = '{"model":"soak","priority":3,"input":{"messages":[{"role":"user","content":"hello there"}]}}'
function delay() return 2 end
done = function(summary, latency, requests)
  io.write(string.format("RESULT %d %.0f %.3f %.3f %d\n", summary.requests, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
LUA

status_kb() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$DPID/status"; }
# Tasks not final yet (queued + running + retry_wait ...) and succeeded, from /api/v1/system/stats.
queue_figures() {
  curl -sf -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/api/v1/system/stats" | python3 -c '
import json, sys
s = json.load(sys.stdin)["states"]
print(sum(int(s.get(k, 0)) for k in ("queued", "scheduled", "blocked", "running", "retry_wait")), int(s.get("succeeded", 0)))'
}

URL="http://127.0.0.1:$PORT/api/v1/tasks"
echo "load soak: $MINUTES min in $SLICES slices of ${SLICE}s, 80 connections pacing 2 ms (~15,000 submits/s offered)," \
     "simulated zero-latency model (concurrency 256); daemon pid $DPID, port $PORT"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores (wrk and the daemon share them)"
echo "warm-up: $WARM slices; verdict: max VmRSS of the last $LAST slices <= first steady sample (after slice $WARM) + $GROWTH %"
rss0=$(status_kb VmRSS)
printf '%5s %6s %9s %8s %8s %7s %10s %10s %9s %11s\n' slice t_s submits/s p50_ms p99_ms errors VmRSS_MB RssAnon_MB unfinished succeeded
printf '%5s %6s %9s %8s %8s %7s %10s %10s %9s %11s\n' 0 0 - - - - $((rss0 / 1024)) $(($(status_kb RssAnon) / 1024)) - -
declare -a RSS RATE P99 UNF
total=0; errors=0; start=$(date +%s)
for i in $(seq 1 "$SLICES"); do
  out=$(wrk -t2 -c80 -d"${SLICE}s" --latency -s "$WORK/paced.lua" "$URL" | grep '^RESULT') \
    || { echo "load-soak: wrk failed in slice $i" >&2; exit 1; }
  kill -0 "$DPID" 2>/dev/null || { echo "load-soak: the daemon died in slice $i" >&2; tail -20 "$WORK/daemon.log" >&2; exit 1; }
  read -r _ n rate p50 p99 err <<<"$out"
  rss=$(status_kb VmRSS); anon=$(status_kb RssAnon)
  read -r unfinished succeeded < <(queue_figures) || true
  [ -n "${succeeded:-}" ] || { echo "load-soak: /api/v1/system/stats did not answer after slice $i" >&2; exit 1; }
  RSS[i]=$rss; RATE[i]=$rate; P99[i]=$p99; UNF[i]=$unfinished
  total=$((total + n)); errors=$((errors + err))
  printf '%5d %6d %9s %8s %8s %7d %10d %10d %9d %11d\n' "$i" $(($(date +%s) - start)) "$rate" "$p50" "$p99" "$err" \
    $((rss / 1024)) $((anon / 1024)) "$unfinished" "$succeeded"
done
hwm=$(status_kb VmHWM)

steady=${RSS[$WARM]}
lastmax=0
for i in $(seq $((SLICES - LAST + 1)) "$SLICES"); do [ "${RSS[$i]}" -gt "$lastmax" ] && lastmax=${RSS[$i]}; done
limit=$((steady + steady * GROWTH / 100))
read -r rmin rmean rmax pmed pmax < <(printf '%s %s\n' "${RATE[*]}" "${P99[*]}" | python3 -c '
import statistics, sys
line = sys.stdin.read().split()
n = len(line) // 2
r = [float(x) for x in line[:n]]; p = sorted(float(x) for x in line[n:])
print(f"{min(r):.0f} {statistics.mean(r):.0f} {max(r):.0f} {statistics.median(p):.2f} {max(p):.2f}")')
db=$(du -sm "$WORK" | cut -f1)

echo
echo "submits: $total in $SLICES slices (rate per slice min $rmin, mean $rmean, max $rmax /s); p99 per slice median $pmed ms, max $pmax ms; errors $errors"
echo "RSS: start $((rss0 / 1024)) MB, first steady (slice $WARM) $((steady / 1024)) MB, last-third max $((lastmax / 1024)) MB" \
     "(limit $((limit / 1024)) MB), peak VmHWM $((hwm / 1024)) MB; store $db MB on disk"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
met=no; python3 -c "import sys; sys.exit(0 if $rmean >= 15000 and $pmed < 10 else 1)" && met=yes
echo "REST target (15,000 submits/s, p99 < 10 ms), informational: mean $rmean/s, median p99 $pmed ms: met=$met"
echo "queue: unfinished after slice $WARM ${UNF[$WARM]}, at the end ${UNF[$SLICES]}"
verdict=PASS
if [ "$lastmax" -gt "$limit" ]; then
  echo "FAIL: RSS kept growing after the warm-up: $((lastmax / 1024)) MB > $((limit / 1024)) MB"; verdict=FAIL
fi
if [ "$errors" -gt 0 ]; then echo "FAIL: $errors submits failed (non-2xx, socket errors or timeouts)"; verdict=FAIL; fi
# The queue drains when the backlog at the end is no larger than one second of submits.
if [ "${UNF[$SLICES]}" -gt 15000 ]; then
  echo "FAIL: the queue does not drain (${UNF[$SLICES]} unfinished at the end); RSS growth would be the backlog's"; verdict=FAIL
fi
echo "verdict: $verdict"
[ "$verdict" = PASS ]
