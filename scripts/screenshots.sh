#!/usr/bin/env bash
# Renders every view and the main dialogs of llm-scheduler, in English and
# Simplified Chinese, to docs/screenshots/ (offscreen; no display needed).
# Usage: scripts/screenshots.sh [BUILD_DIR]   (default: build/default)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/default}
if [ ! -d "$build" ]; then
  bash scripts/install-deps.sh
  cmake --preset default >/dev/null
fi
cmake --build "$build" --target llm-scheduler-screenshots
mkdir -p docs/screenshots
for lang in en zh_CN; do
  QT_QPA_PLATFORM=offscreen "$build/tests/gui/llm-scheduler-screenshots" docs/screenshots "$lang" 2>/dev/null
done
