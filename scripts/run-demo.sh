#!/usr/bin/env bash
# Builds LLM Scheduler and runs the main job: the daemon on an embedded SQLite
# store with the simulated "demo" model fed with demo tasks (no API key needed).
# Extra arguments go to llm-schedulerd (e.g. --demo-rate 100, --data-dir DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake --preset default >/dev/null
cmake --build build/default --target llm-schedulerd
exec build/default/app/llm-schedulerd --simulate --status-interval 5 "$@"
