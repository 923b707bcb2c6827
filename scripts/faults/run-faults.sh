#!/usr/bin/env bash
# Faults: runs the headless daemon through a full disk, a database locked by
# another program, corrupt database files and upstreams that hang, reset or
# answer garbage, and checks what a user would see (docs/reliability.md).
#
#   bash scripts/faults/run-faults.sh                 # every fault
#   bash scripts/faults/run-faults.sh disk-full       # one (or several) by name
#   LLMSCHED_DAEMON=build/helper/app/llm-schedulerd bash scripts/faults/run-faults.sh
#
# Faults: disk-full, db-locked, db-corrupt, bad-upstream. One line per fault,
# PASS or FAIL with its figures; exits 1 when any failed. Needs root (or
# CAP_SYS_ADMIN) for the tmpfs of disk-full, python3 and the daemon built.
# Everything runs on 127.0.0.1 in a temporary directory that is removed at the
# end (--keep keeps it, with the daemons' logs).

# Figures come back from the helper as assignments (eval), and functions are
# called through names built at run time.
# shellcheck disable=SC2154,SC2317,SC2016

set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HELPER="$ROOT/scripts/faults/faults.py"
DAEMON=${LLMSCHED_DAEMON:-$ROOT/build/default/app/llm-schedulerd}
ALL_FAULTS=(disk-full db-locked db-corrupt bad-upstream)
KEEP=0
FAULTS=()

usage() {
    sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'
    exit "${1:-0}"
}

while [[ $# -gt 0 ]]; do
    case $1 in
    -h | --help) usage 0 ;;
    --keep) KEEP=1 ;;
    --daemon)
        DAEMON=$2
        shift
        ;;
    disk-full | db-locked | db-corrupt | bad-upstream) FAULTS+=("$1") ;;
    *)
        echo "unknown fault or option: $1 (faults: ${ALL_FAULTS[*]})" >&2
        exit 2
        ;;
    esac
    shift
done
[[ ${#FAULTS[@]} -eq 0 ]] && FAULTS=("${ALL_FAULTS[@]}")

if [[ ! -x $DAEMON ]]; then
    echo "no daemon at $DAEMON (build it, or set LLMSCHED_DAEMON / --daemon)" >&2
    exit 2
fi
command -v python3 >/dev/null || {
    echo "python3 is required" >&2
    exit 2
}

WORK=$(mktemp -d /tmp/llmsched-faults.XXXXXX)
PIDS=()
MOUNTS=()
FAILED=0

cleanup() {
    local pid m
    # Only our own children that still run (jobs -pr): a pid already reaped
    # may belong to another process by now.
    for pid in $(jobs -pr); do
        [[ " ${PIDS[*]} " == *" $pid "* ]] && kill -KILL "$pid" 2>/dev/null
    done
    wait 2>/dev/null
    for m in "${MOUNTS[@]}"; do
        mountpoint -q "$m" && umount -l "$m"
    done
    if [[ $KEEP -eq 1 ]]; then
        echo "kept $WORK" >&2
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Background helpers are started as python3 "$HELPER" directly, so that $! is
# the python process (a backgrounded function would be a subshell).
py() { python3 "$HELPER" "$@"; }
ms_now() { echo $(($(date +%s%N) / 1000000)); }
freeport() { py freeport; }

# Prints the fault's line; any failed check makes it FAIL and names the check.
report() { # name figures checks...
    local name=$1 figures=$2
    shift 2
    local failed=()
    for c in "$@"; do
        [[ -n $c ]] && failed+=("$c")
    done
    if [[ ${#failed[@]} -eq 0 ]]; then
        printf 'PASS %-12s %s\n' "$name" "$figures"
    else
        printf 'FAIL %-12s %s\n     failed: %s\n' "$name" "$figures" "$(
            IFS=';'
            echo "${failed[*]}"
        )"
        FAILED=1
    fi
}
# "" when the condition holds, else the description (for report).
check() { # description condition...
    local what=$1
    shift
    if "$@"; then echo ""; else echo "$what"; fi
}

# Whether every status in "201x40,503x8" is 2xx, 503 or 507.
only_statuses() {
    local part code
    local -a parts
    IFS=, read -ra parts <<<"$1"
    for part in "${parts[@]}"; do
        code=${part%x*}
        [[ $code == 2?? || $code == 503 || $code == 507 ]] || return 1
    done
}

# Starts the daemon in the background: DPID, and waits until /health answers.
DPID=0
start_daemon() { # data-dir port log [args...]
    local dir=$1 port=$2 log=$3
    shift 3
    "$DAEMON" --data-dir "$dir" --port "$port" --status-interval 0 --drain-timeout 2 "$@" >>"$log" 2>&1 &
    DPID=$!
    PIDS+=("$DPID")
    local out
    out=$(py wait-health --port "$port" --timeout 20) || {
        echo "daemon did not answer /health within 20 s (log $log):" >&2
        tail -n 5 "$log" >&2
        return 1
    }
    eval "$out"
}

# Stops the daemon with SIGTERM: STOP_RC (its exit code, 124 when it did not
# stop within the timeout and was killed) and STOP_MS.
stop_daemon() { # pid timeout-s
    local pid=$1 timeout=$2 t0
    t0=$(ms_now)
    kill -TERM "$pid" 2>/dev/null
    while kill -0 "$pid" 2>/dev/null && (($(ms_now) - t0 < timeout * 1000)); do
        sleep 0.05
    done
    if kill -0 "$pid" 2>/dev/null; then
        kill -KILL "$pid"
        wait "$pid" 2>/dev/null
        STOP_RC=124
    else
        wait "$pid"
        STOP_RC=$?
    fi
    STOP_MS=$(($(ms_now) - t0))
}

# Runs the daemon in the foreground and expects it to refuse to start: RUN_RC,
# RUN_MS, RUN_MSG (its last line on stderr).
run_refused() { # data-dir port log timeout-s
    local dir=$1 port=$2 log=$3 timeout=$4 t0
    t0=$(ms_now)
    timeout -s KILL "$timeout" "$DAEMON" --data-dir "$dir" --port "$port" --status-interval 0 >"$log" 2>&1
    RUN_RC=$?
    RUN_MS=$(($(ms_now) - t0))
    RUN_MSG=$(grep -v '^\s*$' "$log" | tail -n 1)
}

token_for() { # data-dir
    "$DAEMON" token create --role admin --name faults --data-dir "$1" 2>/dev/null
}

tasks_jsonl() { # count text: tasks for the model sim, one JSON object a line
    awk -v n="$1" -v text="$2" 'BEGIN { for (i = 1; i <= n; i++) printf "{\"model\":\"sim\",\"input\":{\"messages\":[{\"role\":\"user\",\"content\":\"%s %d\"}]}}\n", text, i }'
}

sim_model_json() { # name paused latency-ms
    printf '{"name":"%s","concurrency":8,"paused":%s,"endpoints":[{"name":"sim","provider":"simulated","simulation":{"latency_ms":%s}}]}' "$1" "$2" "$3"
}

# ---- 1. disk full -----------------------------------------------------------------

fault_disk_full() {
    local disk=$WORK/disk data log port token ids figures pid
    mkdir -p "$disk"
    if ! mount -t tmpfs -o size=32m tmpfs "$disk" 2>"$WORK/mount.err"; then
        report disk-full "cannot mount a tmpfs: $(cat "$WORK/mount.err")" "mount"
        return
    fi
    MOUNTS+=("$disk")
    # The filler is placed first, so deleting it gives the space back.
    dd if=/dev/zero of="$disk/filler" bs=1M count=16 status=none
    data=$disk/data log=$WORK/disk-full.log ids=$WORK/disk-full.ids
    port=$(freeport)
    printf '{"models":[%s]}\n' "$(sim_model_json sim false 5)" >"$WORK/disk-full.json"
    token=$(token_for "$data")
    start_daemon "$data" "$port" "$log" --config "$WORK/disk-full.json" || {
        report disk-full "daemon did not start" "start"
        return
    }
    pid=$DPID
    # Batches of 100 tasks of ~2 KB until the store refuses them, then 4 more.
    eval "$(py fill --port "$port" --token "$token" --model sim --ids "$ids" --batch 100 --bytes 2000 --timeout 60 --after-full 4)"
    local alive_full=1
    kill -0 "$pid" 2>/dev/null || alive_full=0
    local df_full
    df_full=$(df -k --output=avail "$disk" | tail -n 1 | tr -d ' ')

    # Space returns: the daemon must accept work again by itself.
    rm -f "$disk/filler"
    eval "$(py until-accepted --port "$port" --token "$token" --model sim --ids "$ids" --timeout 30)"
    eval "$(py wait-health --port "$port" --timeout 15 --want 200)"
    local healthy_ms=${health_waited_ms%.*}
    stop_daemon "$pid" 30
    local stop_rc=$STOP_RC stop_ms=$STOP_MS

    # After a restart every acknowledged task is there, and nothing refused.
    start_daemon "$data" "$port" "$log" || {
        report disk-full "daemon did not restart" "restart"
        return
    }
    eval "$(py check-ids --port "$port" --token "$token" --ids "$ids")"
    stop_daemon "$DPID" 30

    local msg_ok=0
    [[ ${fill_first_message,,} == *full* || ${fill_first_message,,} == *space* ]] && msg_ok=1
    figures="acked ${fill_acked} tasks in ${fill_requests} requests (${fill_statuses}), then refused: ${fill_first_status} \"${fill_first_message}\" (Retry-After ${fill_retry_after:-none}, slowest refusal ${fill_max_refused_ms} ms, slowest ack ${fill_max_ok_ms} ms); /health while full: ${fill_health_statuses} in <= ${fill_health_max_ms} ms; filler deleted: accepted again after ${recovered_ms} ms, /health 200 after ${healthy_ms} ms; stop rc ${stop_rc} in ${stop_ms} ms; after restart ${check_stored} stored, ${check_missing} of ${check_acked} acknowledged missing, ${check_extra} not acknowledged"
    report disk-full "$figures" \
        "$(check "the disk filled" test "$fill_full" = 1)" \
        "$(check "no hang or dropped connection (${fill_transport_errors})" test "$fill_transport_errors" = 0)" \
        "$(check "only 2xx, 503 or 507 answered (${fill_statuses})" only_statuses "$fill_statuses")" \
        "$(check "refusal is 503 or 507" bash -c '[[ $0 == 503 || $0 == 507 ]]' "$fill_first_status")" \
        "$(check "the message says the disk is full" test "$msg_ok" = 1)" \
        "$(check "the daemon stayed up" test "$alive_full" = 1)" \
        "$(check "/health answered while full" bash -c '[[ $0 =~ ^(200|503)(,200|,503)*$ ]]' "$fill_health_statuses")" \
        "$(check "accepts again once space returns" test "$recovered" = 1)" \
        "$(check "healthy again once space returns" test "$healthy_ms" -ge 0)" \
        "$(check "clean stop (rc $stop_rc)" test "$stop_rc" = 0)" \
        "$(check "no acknowledged task lost" test "$check_missing" = 0)" \
        "$(check "no refused task stored" test "$check_extra" = 0)"
    : "$df_full"
    umount "$disk"
}

# ---- 2. database locked by another program ----------------------------------------

wait_for_line() { # file line timeout-s
    local t0
    t0=$(ms_now)
    while ! grep -qx "$2" "$1" 2>/dev/null; do
        (($(ms_now) - t0 > $3 * 1000)) && return 1
        sleep 0.02
    done
}

fault_db_locked() {
    local data=$WORK/locked log=$WORK/db-locked.log ids=$WORK/db-locked.ids port token db
    port=$(freeport)
    db=$data/llm-scheduler.db
    printf '{"models":[%s]}\n' "$(sim_model_json sim true 5)" >"$WORK/db-locked.json"
    token=$(token_for "$data")
    tasks_jsonl 50 locked >"$WORK/db-locked.jsonl"
    "$DAEMON" submit "$WORK/db-locked.jsonl" --data-dir "$data" --config "$WORK/db-locked.json" >/dev/null 2>&1

    # a) At start-up: another program holds a write transaction (BEGIN EXCLUSIVE).
    local sha_before sha_after lockpid
    sha_before=$(py sha256 "$db")
    python3 "$HELPER" lock "$db" >"$WORK/lock1.out" 2>&1 &
    lockpid=$!
    PIDS+=("$lockpid")
    wait_for_line "$WORK/lock1.out" locked 10
    run_refused "$data" "$port" "$WORK/db-locked-start.log" 40
    local start_rc=$RUN_RC start_ms=$RUN_MS start_msg=$RUN_MSG
    kill -TERM "$lockpid"
    wait "$lockpid"
    sha_after=$(py sha256 "$db")

    # b) While running: the lock is taken for 6 s under a steady demo load.
    start_daemon "$data" "$port" "$log" --simulate --demo-rate 50 || {
        report db-locked "daemon did not start after the lock went (start-up: rc $start_rc, $start_msg)" "start"
        return
    }
    local pid=$DPID
    eval "$(py submit --port "$port" --token "$token" --model demo --ids "$ids" --prefix before)"
    # The lock must meet a busy writer: wait until the demo load runs.
    eval "$(py wait-state --port "$port" --token "$token" --above 20 --timeout 10 --prefix warm)"
    python3 "$HELPER" lock "$db" >"$WORK/lock2.out" 2>&1 &
    lockpid=$!
    PIDS+=("$lockpid")
    wait_for_line "$WORK/lock2.out" locked 10
    local lock_t0
    lock_t0=$(ms_now)
    eval "$(py submit --port "$port" --token "$token" --model demo --ids "$ids" --prefix during)"
    local h_status h_ms
    eval "$(py wait-health --port "$port" --timeout 5)"
    h_status=$health_status h_ms=${health_waited_ms%.*}
    eval "$(py stats --port "$port" --token "$token" --prefix s1)"
    while (($(ms_now) - lock_t0 < 6000)); do sleep 0.1; done
    eval "$(py stats --port "$port" --token "$token" --prefix s2)"
    kill -TERM "$lockpid"
    wait "$lockpid"
    eval "$(py until-accepted --port "$port" --token "$token" --model demo --ids "$ids" --timeout 30)"
    # dispatch resumes: demo tasks succeed again
    eval "$(py wait-state --port "$port" --token "$token" --above "${s2_succeeded:-0}" --timeout 15 --prefix resumed)"
    local resumed_ms=${resumed_ms%.*}
    eval "$(py check-ids --port "$port" --token "$token" --ids "$ids")"
    stop_daemon "$pid" 30
    local stop_rc=$STOP_RC
    eval "$(py integrity "$db")"

    local figures
    figures="start-up: rc ${start_rc} after ${start_ms} ms, \"${start_msg#*llm-schedulerd: }\", file unchanged $([[ $sha_before == "$sha_after" ]] && echo yes || echo NO); running (6 s lock under 50 demo tasks/s): submit ${during_status} after ${during_ms} ms \"${during_message}\" (Retry-After ${during_retry_after:-none}), /health ${h_status} in ${h_ms} ms, succeeded during the lock +$((${s2_succeeded:-0} - ${s1_succeeded:-0})); released: accepted after ${recovered_ms} ms, dispatch resumed after ${resumed_ms} ms; ${check_missing} of ${check_acked} acknowledged missing; stop rc ${stop_rc}; integrity ${integrity}"
    report db-locked "$figures" \
        "$(check "start-up refused with an exit code (not a hang or a crash)" bash -c '(( $0 != 0 && $0 < 124 ))' "$start_rc")" \
        "$(check "start-up message says locked" bash -c '[[ ${0,,} == *locked* ]]' "$start_msg")" \
        "$(check "file unchanged by the refused start" test "$sha_before" = "$sha_after")" \
        "$(check "submit while locked is 503" test "$during_status" = 503)" \
        "$(check "message says locked" bash -c '[[ ${0,,} == *locked* ]]' "$during_message")" \
        "$(check "/health fast while locked" test "$h_ms" -lt 1000)" \
        "$(check "dispatch paused while locked" test "$((${s2_succeeded:-0} - ${s1_succeeded:-0}))" -le 0)" \
        "$(check "accepts again after the lock" test "$recovered" = 1)" \
        "$(check "dispatch resumes after the lock" test "$resumed_ms" -ge 0)" \
        "$(check "no acknowledged task lost" test "$check_missing" = 0)" \
        "$(check "clean stop" test "$stop_rc" = 0)" \
        "$(check "integrity_check ok" test "$integrity" = ok)"
}

# ---- 3. corrupt database files ----------------------------------------------------

fault_db_corrupt() {
    local pristine=$WORK/pristine port results=() failures=() mode
    port=$(freeport)
    printf '{"models":[%s]}\n' "$(sim_model_json sim true 5)" >"$WORK/db-corrupt.json"
    tasks_jsonl 400 "corrupt xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" >"$WORK/db-corrupt.jsonl"
    "$DAEMON" submit "$WORK/db-corrupt.jsonl" --data-dir "$pristine" --config "$WORK/db-corrupt.json" >/dev/null 2>&1
    for mode in header truncate tiny pages; do
        local dir=$WORK/corrupt-$mode db before after files_before files_after
        mkdir -p "$dir"
        cp "$pristine/llm-scheduler.db" "$dir/"
        db=$dir/llm-scheduler.db
        eval "$(py corrupt "$db" --mode "$mode")"
        before=$(py sha256 "$db")
        files_before=$(find "$dir" -mindepth 1 -printf '%f ' | tr ' ' '\n' | sort | tr '\n' ' ')
        run_refused "$dir" "$port" "$WORK/db-corrupt-$mode.log" 20
        after=$(py sha256 "$db")
        files_after=$(find "$dir" -mindepth 1 -printf '%f ' | tr ' ' '\n' | sort | tr '\n' ' ')
        local msg=${RUN_MSG#*llm-schedulerd: }
        msg=${msg//$dir/DIR}
        results+=("$mode: rc $RUN_RC in $RUN_MS ms \"$msg\" sha256 $([[ $before == "$after" ]] && echo same || echo CHANGED)")
        ((RUN_RC != 0 && RUN_RC < 124)) || failures+=("$mode: refused with an exit code (rc $RUN_RC)")
        [[ ${RUN_MSG,,} == *corrupt* || ${RUN_MSG,,} == *"not an sqlite database"* ]] || failures+=("$mode: message names the corruption")
        [[ $RUN_MSG == *"$db"* ]] || failures+=("$mode: message names the file")
        [[ $before == "$after" ]] || failures+=("$mode: file changed")
        [[ $files_before == "$files_after" ]] || failures+=("$mode: files created ($files_after)")
    done
    local IFS=';'
    report db-corrupt "${results[*]}" "${failures[@]}"
}

# ---- 4. upstreams that hang, reset or answer garbage ------------------------------

fault_bad_upstream() {
    local data=$WORK/upstream log=$WORK/bad-upstream.log ids=$WORK/bad-upstream.ids port uport token upid models=() mode
    port=$(freeport)
    uport=$(freeport)
    python3 "$HELPER" upstream --port "$uport" --log "$WORK/upstream.counts" >"$WORK/upstream.out" 2>&1 &
    upid=$!
    PIDS+=("$upid")
    wait_for_line "$WORK/upstream.out" ready 10
    for mode in hang stall reset garbage badjson ok; do
        models+=("$(printf '{"name":"up-%s","concurrency":10,"timeout_ms":1000,"retry":{"max_attempts":3,"initial_delay_ms":100,"factor":2,"jitter":0},"endpoints":[{"name":"%s","provider":"openai","base_url":"http://127.0.0.1:%s/%s/v1","health_check_interval_ms":0,"adaptive_concurrency":false,"circuit":{"failure_threshold":10000,"min_requests":1000000}}]}' "$mode" "$mode" "$uport" "$mode")")
    done
    (
        IFS=,
        printf '{"models":[%s]}\n' "${models[*]}"
    ) >"$WORK/bad-upstream.json"
    token=$(token_for "$data")
    start_daemon "$data" "$port" "$log" --config "$WORK/bad-upstream.json" || {
        report bad-upstream "daemon did not start" "start"
        return
    }
    local pid=$DPID
    eval "$(py wait-final --port "$port" --token "$token" --ids "$ids" --timeout 60 \
        --submit up-hang=10 --submit up-stall=10 --submit up-reset=10 --submit up-garbage=10 --submit up-badjson=10 --submit up-ok=10)"
    local dead_letters
    dead_letters=$(py dead-letters --port "$port" --token "$token")
    stop_daemon "$pid" 30
    local stop_rc=$STOP_RC counts
    kill -TERM "$upid" 2>/dev/null
    wait "$upid" 2>/dev/null
    counts=$(cat "$WORK/upstream.counts" 2>/dev/null)
    local hung hung_closed
    hung=$(python3 -c 'import json,sys; c=json.load(open(sys.argv[1])); print(c.get("hang",0)+c.get("stall",0))' "$WORK/upstream.counts" 2>/dev/null || echo 0)
    hung_closed=$(python3 -c 'import json,sys; c=json.load(open(sys.argv[1])); print(c.get("hang_closed_by_client",0)+c.get("stall_closed_by_client",0))' "$WORK/upstream.counts" 2>/dev/null || echo 0)

    local figures="60 tasks final in ${final_ms} ms; hang: ${up_hang_states} attempts ${up_hang_attempts} \"${up_hang_error}\"; stall mid-body: ${up_stall_states} attempts ${up_stall_attempts} \"${up_stall_error}\" (${hung_closed}/${hung} hung calls closed by the daemon); reset: ${up_reset_states} attempts ${up_reset_attempts} \"${up_reset_error}\"; garbage: ${up_garbage_states} attempts ${up_garbage_attempts} \"${up_garbage_error:0:90}\"; 200 non-JSON: ${up_badjson_states} attempts ${up_badjson_attempts} \"${up_badjson_error:0:90}\"; ok: ${up_ok_states}; dead letters ${dead_letters}; /health ${health_samples} probes, p50 ${health_p50_ms} ms, p99 ${health_p99_ms} ms, max ${health_max_ms} ms, ${health_failed} not 200; stop rc ${stop_rc}"
    report bad-upstream "$figures" \
        "$(check "all final within 60 s (${final_pending} pending)" test "$final_pending" = 0)" \
        "$(check "hung calls seen (${hung})" test "$hung" = 60)" \
        "$(check "hang: dead after 3 attempts" test "$up_hang_states/$up_hang_attempts" = "dead:10/3:10")" \
        "$(check "hang: error says timed out" bash -c '[[ $0 == *"timed out"* ]]' "$up_hang_error")" \
        "$(check "stall: dead after 3 attempts" test "$up_stall_states/$up_stall_attempts" = "dead:10/3:10")" \
        "$(check "stall: error says timed out" bash -c '[[ $0 == *"timed out"* ]]' "$up_stall_error")" \
        "$(check "every hung call closed by the daemon" test "$hung_closed" = "$hung")" \
        "$(check "reset: dead after 3 attempts" test "$up_reset_states/$up_reset_attempts" = "dead:10/3:10")" \
        "$(check "reset: error given" test -n "$up_reset_error")" \
        "$(check "garbage: dead" test "$up_garbage_states" = "dead:10")" \
        "$(check "garbage: error names the endpoint" bash -c '[[ $0 == garbage:* ]]' "$up_garbage_error")" \
        "$(check "non-JSON: dead at once (not retryable)" test "$up_badjson_states/$up_badjson_attempts" = "dead:10/1:10")" \
        "$(check "non-JSON: error says malformed" bash -c '[[ $0 == *malformed* ]]' "$up_badjson_error")" \
        "$(check "healthy model unaffected" test "$up_ok_states" = "succeeded:10")" \
        "$(check "dead-letter queue holds the 50" test "$dead_letters" = 50)" \
        "$(check "/health always 200" test "$health_failed" = 0)" \
        "$(check "/health p99 < 250 ms" python3 -c 'import sys; sys.exit(0 if float(sys.argv[1]) < 250 else 1)' "$health_p99_ms")" \
        "$(check "clean stop" test "$stop_rc" = 0)"
    : "$counts"
}

START=$(ms_now)
for f in "${FAULTS[@]}"; do
    "fault_${f//-/_}"
done
echo "faults: ${#FAULTS[@]} run in $((($(ms_now) - START) / 1000)) s, $([[ $FAILED -eq 0 ]] && echo "all passed" || echo "some FAILED")"
exit $FAILED
