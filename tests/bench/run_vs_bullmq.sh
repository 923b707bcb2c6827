#!/usr/bin/env bash
# Runs the peer baseline (BullMQ 5 on Redis, ../shared/bench/bullmq) and our
# engine benchmark back to back on this machine, with the same job count.
# Usage: tests/bench/run_vs_bullmq.sh [tasks]   Prints ratio_vs_bullmq=X last.
# BENCH_DATABASE=postgres runs our side on PostgreSQL (a private instance on
# this machine, scripts/start-postgres.sh) instead of the embedded SQLite file.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
tasks="${1:-100000}"
peer="${BULLMQ_RUN:-$root/../shared/bench/bullmq/run.sh}"
[ -x "$peer" ] || [ -f "$peer" ] || { echo "peer benchmark not found at $peer" >&2; exit 2; }

# What the peer needs: Redis and Node (Debian packages).
missing=()
command -v redis-server >/dev/null || missing+=(redis-server)
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

cd "$root"
cmake --preset default >/dev/null
cmake --build "$root/build/default" --target bench_engine >/dev/null

echo "== BullMQ (peer) =="
peer_out="$(bash "$peer" "$tasks" 100)"
echo "$peer_out"
peer_rate="$(echo "$peer_out" | sed -n 's/^end_to_end_jobs_per_s=//p' | tail -1)"

db_args=()
if [ "${BENCH_DATABASE:-sqlite}" = postgres ]; then
  pgdir=/tmp/llmsched-pg-bench
  url="$(bash "$root/scripts/start-postgres.sh" "$pgdir" | sed -n 's/^export LLMSCHED_TEST_PG_URL=//p')"
  trap 'bash "$root/scripts/start-postgres.sh" --stop "$pgdir"' EXIT
  PGPASSWORD=llmsched-test psql "${url%/llmsched}/postgres" -qc "DROP DATABASE IF EXISTS bench" -c "CREATE DATABASE bench" >/dev/null
  db_args=(--database "${url%/llmsched}/bench")
fi

echo "== llm-scheduler engine (${BENCH_DATABASE:-sqlite}) =="
ours_out="$("$root/build/default/tests/bench/bench_engine" --tasks "$tasks" "${db_args[@]}" 2>/dev/null)"
echo "$ours_out"
ours_rate="$(echo "$ours_out" | sed -n 's/^tasks_per_s=//p' | tail -1)"

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr)"
awk -v a="$ours_rate" -v b="$peer_rate" 'BEGIN { printf "ratio_vs_bullmq=%.2f\n", a / b }'
