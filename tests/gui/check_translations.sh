#!/usr/bin/env bash
# Fails when the Chinese translation has unfinished entries, or entries for
# strings the sources no longer have, or misses strings the sources now have.
# The English file holds only the plural forms ("%n task(s)" -> "1 task",
# "2 tasks"), so it is merged with -pluralonly.
# Usage: check_translations.sh LUPDATE TS_FILE SOURCE...
set -euo pipefail
lupdate=$1; ts=$2; shift 2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$ts" "$work/check.ts"
only=()
case "$ts" in *_en.ts) only=(-pluralonly) ;; esac
# Merge the current sources into a copy: new strings come out unfinished,
# removed ones vanished/obsolete.
"$lupdate" -locations none "${only[@]}" "$@" -ts "$work/check.ts" >/dev/null 2>"$work/lupdate.err" || { cat "$work/lupdate.err"; exit 1; }
bad=$(grep -c -E 'type="(unfinished|vanished|obsolete)"' "$work/check.ts" || true)
if [ "$bad" != "0" ]; then
  echo "$(basename "$ts"): $bad entries need work (run: cmake --build <build> --target update_translations, then translate):"
  grep -B3 -E 'type="(unfinished|vanished|obsolete)"' "$work/check.ts" | grep -E '<source>' | head -40
  exit 1
fi
total=$(grep -c '<message' "$work/check.ts")
echo "$(basename "$ts"): all $total messages translated and current"
