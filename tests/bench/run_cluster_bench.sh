#!/usr/bin/env bash
# Nodes sharing one PostgreSQL database: scaling (1, 2, 3 nodes), wake-up
# latency and failover time, on a private PostgreSQL instance
# (scripts/start-postgres.sh; stopped at the end).
#   bash tests/bench/run_cluster_bench.sh [BUILD_DIR] [bench_cluster options...]
# e.g. bash tests/bench/run_cluster_bench.sh build/ci --tasks 5000 (the quick form CI runs)
set -euo pipefail
here="$(cd "$(dirname "$0")/../.." && pwd)"
build="${1:-$here/build/ci}"
shift || true
pgdir="$(mktemp -d /tmp/llmsched-pg-bench-XXXXXX)"
rmdir "$pgdir"
eval "$(bash "$here/scripts/start-postgres.sh" "$pgdir")"
trap 'bash "$here/scripts/start-postgres.sh" --stop "$pgdir" >/dev/null 2>&1 || true' EXIT
"$build/tests/bench/bench_cluster" --database "$LLMSCHED_TEST_PG_URL" "$@"
