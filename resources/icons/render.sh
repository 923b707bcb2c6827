#!/usr/bin/env bash
# Renders the hand-written llm-scheduler.svg into the PNG sizes of the hicolor
# icon theme (llm-scheduler-N.png), the Windows .ico and the macOS .icns.
# The renders are committed; run this again after changing the SVG.
# Needs: rsvg-convert (librsvg2-bin), icotool (icoutils), png2icns (icnsutils).
set -euo pipefail
cd "$(dirname "$0")"
for tool in rsvg-convert icotool png2icns; do
  command -v "$tool" >/dev/null || { echo "render.sh: $tool is missing (apt-get install librsvg2-bin icoutils icnsutils)" >&2; exit 2; }
done
for n in 16 22 24 32 48 64 128 256 512; do
  rsvg-convert -w "$n" -h "$n" llm-scheduler.svg -o "llm-scheduler-$n.png"
done
icotool -c -o ../../installer/windows/llm-scheduler.ico \
  llm-scheduler-16.png llm-scheduler-24.png llm-scheduler-32.png llm-scheduler-48.png \
  llm-scheduler-64.png llm-scheduler-128.png -r llm-scheduler-256.png  # 256 stored as PNG
# png2icns picks the icon type from each PNG's size (16, 32, 48, 128, 256, 512).
png2icns ../../installer/macos/llm-scheduler.icns \
  llm-scheduler-16.png llm-scheduler-32.png llm-scheduler-48.png \
  llm-scheduler-128.png llm-scheduler-256.png llm-scheduler-512.png >/dev/null
