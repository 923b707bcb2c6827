#!/usr/bin/env bash
# Fails when a source file includes a header of a higher layer, or reaches
# past the store interface, as docs/architecture.md draws them:
#
#   core (0) <- store (1) <- sched, providers, stats (2) <- engine facade (3)
#            <- api, client (4) <- ui (5) <- app (6)
#
# and in particular:
#   - nothing outside engine/store/ includes a Qt Sql header or a store header
#     other than store/store.h (the interface);
#   - the REST server (api), the GUI (ui) and the executables (app) see no
#     store, scheduler, provider or statistics header at all;
#   - the facade's own headers (engine.h, enginehost.h, demofeeder.h) include
#     core/ headers only, so a client of the facade sees nothing below it.
# Run from anywhere: bash scripts/check-layers.sh
set -euo pipefail
cd "$(dirname "$0")/.."

layer_of_dir() {
    case "$1" in
    engine/core) echo 0 ;;
    engine/store) echo 1 ;;
    engine/sched | engine/providers | engine/stats) echo 2 ;;
    engine) echo 3 ;;
    engine/api | engine/client) echo 4 ;;
    ui) echo 5 ;;
    app) echo 6 ;;
    *) echo "" ;;
    esac
}

# The layer of an include as written ("core/task.h", "engine.h"), seen from dir.
layer_of_include() {
    local include="$1" dir="$2"
    case "$include" in
    core/*) echo 0 ;;
    store/*) echo 1 ;;
    sched/* | providers/* | stats/*) echo 2 ;;
    api/* | client/*) echo 4 ;;
    engine.h | enginehost.h | demofeeder.h | batchmanager.h | workflowmanager.h | schedulemanager.h | webhookmanager.h) echo 3 ;;
    */*) echo "" ;;
    *) layer_of_dir "$dir" ;; # a header beside the file
    esac
}

failures=0
fail() {
    echo "layer check: $1" >&2
    failures=$((failures + 1))
}

while IFS= read -r file; do
    dir=$(dirname "$file")
    own=$(layer_of_dir "$dir")
    [ -n "$own" ] || continue
    base=$(basename "$file")
    while IFS= read -r line; do
        lineno=${line%%:*}
        text=${line#*:}
        if [[ "$text" =~ ^[[:space:]]*#[[:space:]]*include[[:space:]]*\<(QSql[A-Za-z]*|QtSql/[A-Za-z]*)\> ]]; then
            [ "$dir" = engine/store ] || fail "$file:$lineno includes ${BASH_REMATCH[1]}: Qt Sql belongs to engine/store only"
            continue
        fi
        [[ "$text" =~ ^[[:space:]]*#[[:space:]]*include[[:space:]]*\"([^\"]+)\" ]] || continue
        inc=${BASH_REMATCH[1]}
        case "$inc" in *.moc | moc_*) continue ;; esac
        target=$(layer_of_include "$inc" "$dir")
        [ -n "$target" ] || continue
        if [ "$target" -gt "$own" ]; then
            fail "$file:$lineno includes \"$inc\" (layer $target) from layer $own"
        fi
        if [[ "$inc" == store/* && "$inc" != store/store.h && "$dir" != engine/store ]]; then
            fail "$file:$lineno includes \"$inc\": outside engine/store only the interface store/store.h may be included"
        fi
        if [ "$own" -ge 4 ] && [[ "$inc" =~ ^(store|sched|providers|stats)/ ]]; then
            fail "$file:$lineno includes \"$inc\": the REST server, the engine clients, the GUI and the executables use the Engine facade and core/ types only"
        fi
        if [ "$dir" = engine ] && [[ "$base" == *.h ]] && [[ "$inc" =~ ^(store|sched|providers|stats|api)/ ]]; then
            fail "$file:$lineno includes \"$inc\": the facade's headers expose core/ types only"
        fi
    done < <(grep -n '#[[:space:]]*include' "$file" || true)
done < <(git ls-files 'engine/*.h' 'engine/*.cpp' 'ui/*.h' 'ui/*.cpp' 'app/*.h' 'app/*.cpp')

if [ "$failures" -gt 0 ]; then
    echo "layer check: $failures violation(s); see docs/architecture.md" >&2
    exit 1
fi
echo "layer check: every include follows core <- store <- sched <- engine <- api, client <- ui/app"
