#!/usr/bin/env bash
# Packaging test (issue #7): makes the .deb from an already-built tree, checks
# it with lintian, installs it with apt, runs the installed llm-schedulerd as
# the service user with a temporary data dir and the installed default config,
# submits a task to the simulated "demo" model over the REST API and waits for
# it to succeed, validates the desktop entry and AppStream metadata, then
# removes and purges the package and checks that nothing is left running and
# that the data directory survived.
#
#   tests/packaging/test_deb.sh [BUILD_DIR]     (default: build/ci; as root)
#
# Cleans up after itself: stops the daemon, removes the package, and deletes
# the service user and /var/lib/llm-scheduler only if this run created them.
set -euo pipefail
cd "$(dirname "$0")/../.."

BUILD_DIR=${1:-build/ci}
SMOKE_TIMEOUT_S=60

fail() {
  echo "test_deb.sh: FAIL: $*" >&2
  exit 1
}
step() { echo "== $*"; }

[ "$(id -u)" -eq 0 ] || fail "run as root: the test installs a package with apt-get"
[ -f "$BUILD_DIR/CPackConfig.cmake" ] || fail "$BUILD_DIR has no CPackConfig.cmake: configure and build it first (cmake --preset ci && cmake --build build/ci)"
for tool in apt-get dpkg-deb cpack curl lintian setpriv; do
  command -v "$tool" >/dev/null || fail "$tool is missing: run scripts/install-deps.sh"
done

WORK=$(mktemp -d /tmp/llmsched-deb-test.XXXXXX)
chmod 755 "$WORK" # apt's _apt user reads the .deb from here
DAEMON_PID=""
PACKAGE=""
INSTALLED_BY_US=0
USER_EXISTED=0
STATE_EXISTED=0
getent passwd llm-scheduler >/dev/null && USER_EXISTED=1
[ -d /var/lib/llm-scheduler ] && STATE_EXISTED=1

# Processes running the installed daemon (not the build tree's copies that
# other tests may run at the same time).
installed_daemons() {
  local p exe
  for p in /proc/[0-9]*; do
    exe=$(readlink "$p/exe" 2>/dev/null) || continue
    case "$exe" in /usr/bin/llm-schedulerd*) echo "${p#/proc/}" ;; esac
  done
}

# dpkg's state of the package: installed, config-files, not-installed, ... or empty.
package_status() { dpkg-query -W -f='${db:Status-Status}' "$PACKAGE" 2>/dev/null || true; }

cleanup() {
  local rc=$?
  if [ -n "$DAEMON_PID" ] && kill -0 "$DAEMON_PID" 2>/dev/null; then
    kill -KILL "$DAEMON_PID" 2>/dev/null || true
    wait "$DAEMON_PID" 2>/dev/null || true
  fi
  local pid killed=0
  for pid in $(installed_daemons); do
    if grep -qF "$WORK" "/proc/$pid/cmdline" 2>/dev/null; then
      kill -KILL "$pid" 2>/dev/null || true
      killed=1
    fi
  done
  [ "$killed" -eq 0 ] || sleep 1
  if [ "$INSTALLED_BY_US" -eq 1 ] && [ -n "$(package_status)" ] && [ "$(package_status)" != "not-installed" ]; then
    DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq "$PACKAGE" >/dev/null 2>&1 || true
  fi
  if [ "$INSTALLED_BY_US" -eq 1 ]; then
    if [ "$USER_EXISTED" -eq 0 ] && getent passwd llm-scheduler >/dev/null; then
      userdel llm-scheduler || echo "test_deb.sh: could not delete the user llm-scheduler" >&2
    fi
    if [ "$USER_EXISTED" -eq 0 ] && getent group llm-scheduler >/dev/null; then
      groupdel llm-scheduler || echo "test_deb.sh: could not delete the group llm-scheduler" >&2
    fi
    [ "$STATE_EXISTED" -eq 1 ] || rm -rf /var/lib/llm-scheduler
  fi
  rm -rf "$WORK"
  [ $rc -eq 0 ] || echo "test_deb.sh: failed (exit $rc); see the messages above" >&2
}
trap cleanup EXIT

step "building the .deb from $BUILD_DIR"
cpack --config "$BUILD_DIR/CPackConfig.cmake" -G DEB -B "$WORK/pkg" >"$WORK/cpack.log" 2>&1 \
  || { cat "$WORK/cpack.log" >&2; fail "cpack -G DEB failed"; }
DEB=$(find "$WORK/pkg" -maxdepth 1 -name '*.deb' | head -n 1)
[ -n "$DEB" ] || fail "cpack made no .deb (see $WORK/pkg)"
PACKAGE=$(dpkg-deb -f "$DEB" Package)
VERSION=$(dpkg-deb -f "$DEB" Version)
echo "$(basename "$DEB"): $(du -h "$DEB" | cut -f1)"
echo "Depends: $(dpkg-deb -f "$DEB" Depends)"
if [ "$(package_status)" = "installed" ]; then
  fail "$PACKAGE is already installed on this machine: remove it first (apt-get purge $PACKAGE)"
fi

step "lintian"
lintian --tag-display-limit 0 "$DEB" >"$WORK/lintian.txt" 2>&1 || true
grep -E '^[EW]: ' "$WORK/lintian.txt" || true
if grep -q '^E: ' "$WORK/lintian.txt"; then
  fail "lintian reports errors for $(basename "$DEB")"
fi
echo "lintian: no errors, $(grep -c '^W: ' "$WORK/lintian.txt" || true) warnings"

step "installing with apt-get"
INSTALLED_BY_US=1
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$DEB" >"$WORK/apt.log" 2>&1 \
  || { cat "$WORK/apt.log" >&2; fail "apt-get install $DEB failed"; }
[ -x /usr/bin/llm-schedulerd ] || fail "/usr/bin/llm-schedulerd is not installed"
got=$(/usr/bin/llm-schedulerd --version) || fail "llm-schedulerd --version exited with $?"
echo "$got"
case "$got" in *"$VERSION"*) ;; *) fail "llm-schedulerd --version says '$got', the package is $VERSION" ;; esac
getent passwd llm-scheduler >/dev/null || fail "postinst did not create the llm-scheduler user"
[ "$(stat -c %U /var/lib/llm-scheduler 2>/dev/null)" = "llm-scheduler" ] || fail "/var/lib/llm-scheduler is missing or not owned by llm-scheduler"
for f in /etc/llm-scheduler/config.json /usr/lib/systemd/system/llm-schedulerd.service \
         /usr/share/doc/"$PACKAGE"/copyright /usr/share/man/man1/llm-schedulerd.1.gz; do
  [ -f "$f" ] || fail "$f is not installed"
done
grep -q '^ExecStart=/usr/bin/llm-schedulerd .*--config /etc/llm-scheduler/config.json' /usr/lib/systemd/system/llm-schedulerd.service \
  || fail "the systemd unit does not start /usr/bin/llm-schedulerd with /etc/llm-scheduler/config.json"

step "validators"
if [ "$PACKAGE" = "llm-scheduler" ]; then
  desktop=$(find /usr/share/applications -name 'io.github.llm_scheduler.*.desktop' | head -n 1)
  metainfo=$(find /usr/share/metainfo -name 'io.github.llm_scheduler.*.metainfo.xml' | head -n 1)
  [ -n "$desktop" ] && [ -n "$metainfo" ] || fail "the desktop entry or the AppStream metainfo is not installed"
  if command -v desktop-file-validate >/dev/null; then
    desktop-file-validate "$desktop" || fail "desktop-file-validate $desktop"
    echo "desktop-file-validate: ok"
  else
    echo "desktop-file-validate not installed: skipped"
  fi
  if command -v appstreamcli >/dev/null; then
    appstreamcli validate --no-net "$metainfo" >"$WORK/appstream.txt" 2>&1 \
      || { cat "$WORK/appstream.txt" >&2; fail "appstreamcli validate $metainfo"; }
    echo "appstreamcli validate: ok"
  else
    echo "appstreamcli not installed: skipped"
  fi
  [ -f /usr/share/icons/hicolor/256x256/apps/llm-scheduler.png ] || fail "the hicolor icons are not installed"
  # Starts QApplication, so this needs the platform plugins the package depends on.
  got=$(QT_QPA_PLATFORM=offscreen /usr/bin/llm-scheduler --version 2>"$WORK/gui.err") \
    || { cat "$WORK/gui.err" >&2; fail "llm-scheduler --version exited with an error"; }
  echo "$got"
fi

if command -v systemd-analyze >/dev/null; then
  systemd-analyze verify --man=no /usr/lib/systemd/system/llm-schedulerd.service \
    || fail "systemd-analyze verify llm-schedulerd.service"
  echo "systemd-analyze verify: ok"
fi

step "smoke run of the installed daemon as llm-scheduler"
DATA="$WORK/data"
mkdir -p "$DATA"
chown llm-scheduler:llm-scheduler "$DATA"
# setpriv and env exec, so $! below is the daemon itself.
as_service_user=(setpriv --reuid=llm-scheduler --regid=llm-scheduler --init-groups env HOME=/var/lib/llm-scheduler)
TOKEN=$("${as_service_user[@]}" /usr/bin/llm-schedulerd token create --data-dir "$DATA" --role admin --name packaging-test 2>"$WORK/token.err") \
  || { cat "$WORK/token.err" >&2; fail "llm-schedulerd token create failed"; }
[ -n "$TOKEN" ] || fail "llm-schedulerd token create printed no token"
"${as_service_user[@]}" /usr/bin/llm-schedulerd --data-dir "$DATA" --config /etc/llm-scheduler/config.json \
  --simulate --demo-rate 0 --port 0 --status-interval 0 >"$WORK/daemon.log" 2>&1 &
DAEMON_PID=$!
PORT=""
for _ in $(seq 1 100); do
  kill -0 "$DAEMON_PID" 2>/dev/null || { cat "$WORK/daemon.log" >&2; fail "the daemon exited at start"; }
  PORT=$(sed -n 's|.*REST API on http://127\.0\.0\.1:\([0-9]*\).*|\1|p' "$WORK/daemon.log" | head -n 1)
  [ -n "$PORT" ] && break
  sleep 0.1
done
[ -n "$PORT" ] || { cat "$WORK/daemon.log" >&2; fail "the daemon did not report its REST API port within 10 s"; }
API="http://127.0.0.1:$PORT"
grep -q "model demo configured from /etc/llm-scheduler/config.json" "$WORK/daemon.log" \
  || { cat "$WORK/daemon.log" >&2; fail "the installed default config was not applied"; }
curl -fsS "$API/health" >/dev/null || fail "GET /health failed"

auth=(-H "Authorization: Bearer $TOKEN")
reply=$(curl -fsS "${auth[@]}" -H 'Content-Type: application/json' \
  -d '{"model": "demo", "priority": "high", "input": {"messages": [{"role": "user", "content": "Hello from the packaging test"}]}}' \
  "$API/api/v1/tasks") || fail "POST /api/v1/tasks failed"
TASK=$(printf '%s' "$reply" | sed -n 's/.*"id" *: *"\([0-9A-Za-z]*\)".*/\1/p')
[ -n "$TASK" ] || fail "POST /api/v1/tasks answered without a task id: $reply"
echo "submitted task $TASK"
state=""
for _ in $(seq 1 $((SMOKE_TIMEOUT_S * 5))); do
  task=$(curl -fsS "${auth[@]}" "$API/api/v1/tasks/$TASK") || fail "GET /api/v1/tasks/$TASK failed"
  state=$(printf '%s' "$task" | sed -n 's/.*"state" *: *"\([a-z_]*\)".*/\1/p')
  case "$state" in
    succeeded) break ;;
    dead | cancelled) fail "task $TASK ended $state: $task" ;;
  esac
  sleep 0.2
done
[ "$state" = "succeeded" ] || fail "task $TASK is still '$state' after ${SMOKE_TIMEOUT_S} s"
echo "task $TASK succeeded"

kill -TERM "$DAEMON_PID"
rc=0
wait "$DAEMON_PID" || rc=$?
DAEMON_PID=""
[ "$rc" -eq 0 ] || { cat "$WORK/daemon.log" >&2; fail "the daemon exited with $rc after SIGTERM"; }
echo "daemon stopped cleanly on SIGTERM"

step "removing the package"
DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq "$PACKAGE" >"$WORK/apt-remove.log" 2>&1 \
  || { cat "$WORK/apt-remove.log" >&2; fail "apt-get remove $PACKAGE failed"; }
left=$(installed_daemons)
[ -z "$left" ] || fail "llm-schedulerd still runs after remove (pids $left)"
[ ! -e /usr/bin/llm-schedulerd ] || fail "/usr/bin/llm-schedulerd is still there after remove"
[ -f /etc/llm-scheduler/config.json ] || fail "remove deleted the conffile /etc/llm-scheduler/config.json (only purge should)"
[ -d /var/lib/llm-scheduler ] || fail "remove deleted /var/lib/llm-scheduler"
DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq "$PACKAGE" >"$WORK/apt-purge.log" 2>&1 \
  || { cat "$WORK/apt-purge.log" >&2; fail "apt-get purge $PACKAGE failed"; }
[ ! -e /etc/llm-scheduler/config.json ] || fail "purge left /etc/llm-scheduler/config.json"
[ -d /var/lib/llm-scheduler ] || fail "purge deleted /var/lib/llm-scheduler (user data must stay)"
echo "removed: no llm-schedulerd running, /usr/bin/llm-schedulerd gone, /var/lib/llm-scheduler kept"

echo "test_deb.sh: PASS ($(basename "$DEB"))"
