#!/usr/bin/env bash
# A private PostgreSQL instance for the tests, the benchmarks and development:
# initdb into a directory of its own, a free port on 127.0.0.1 only, password
# authentication, run as an unprivileged user (PostgreSQL refuses root).
#
#   eval "$(bash scripts/start-postgres.sh)"        # start; exports LLMSCHED_TEST_PG_URL (also in DIR/url)
#   bash scripts/start-postgres.sh --stop [DIR]     # stop it and delete its files
#   bash scripts/start-postgres.sh --restart [DIR]  # restart it (tests: a server restart under load)
#   bash scripts/start-postgres.sh --pause [DIR]    # stop the server, keeping its files (tests: an outage)
#   bash scripts/start-postgres.sh --resume [DIR]   # start a paused server again
#
# The URL names role "llmsched" (allowed to create databases, so each test
# makes its own) and database "llmsched". DIR defaults to /tmp/llmsched-pg;
# an instance already running there is reused. Needs the Debian "postgresql"
# package (scripts/install-deps.sh installs it).
set -euo pipefail

dir=/tmp/llmsched-pg
stop=0
restart=0
pause=0
resume=0
for arg in "$@"; do
  case "$arg" in
    --stop) stop=1 ;;
    --restart) restart=1 ;;
    --pause) pause=1 ;;
    --resume) resume=1 ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) dir="$arg" ;;
  esac
done

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
  echo "start-postgres: PostgreSQL server binaries not found; run scripts/install-deps.sh" >&2
  exit 2
fi

# Who runs the server: ourselves, or (as root) the package's postgres user.
as=()
if [ "$(id -u)" -eq 0 ]; then
  user=postgres
  id "$user" >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/sh "$user"
  as=(runuser -u "$user" --)
fi

if [ "$stop" = 1 ]; then
  if [ -f "$dir/data/postmaster.pid" ]; then
    # immediate: the files are deleted next, so no shutdown checkpoint (25 s after a test run)
    "${as[@]}" "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null || true
  fi
  rm -rf "$dir"
  exit 0
fi

if [ "$restart" = 1 ]; then
  "${as[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -m fast -w -t 60 restart >/dev/null
  exit 0
fi

if [ "$pause" = 1 ]; then
  "${as[@]}" "$bin/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null
  exit 0
fi

if [ "$resume" = 1 ]; then
  "${as[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null
  exit 0
fi

password=llmsched-test
if [ -f "$dir/data/postmaster.pid" ] && [ -f "$dir/port" ] && "${as[@]}" "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
  port=$(cat "$dir/port")
else
  rm -rf "$dir"
  mkdir -p "$dir"
  # A free port: ask the kernel for one.
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  echo "$port" > "$dir/port"
  printf '%s\n' "$password" > "$dir/pwfile"
  [ ${#as[@]} -eq 0 ] || chown -R "$user" "$dir"
  "${as[@]}" "$bin/initdb" -D "$dir/data" -U llmsched --pwfile="$dir/pwfile" --auth=scram-sha-256 \
    -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
  cat >>"$dir/data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
max_connections = 300
shared_buffers = 256MB
log_min_messages = warning
EOF
  "${as[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null \
    || { cat "$dir/server.log" >&2; exit 1; }
  PGPASSWORD=$password "$bin/psql" -h 127.0.0.1 -p "$port" -U llmsched -d postgres -q -v ON_ERROR_STOP=1 \
    -c "CREATE DATABASE llmsched" >/dev/null
fi
url="postgresql://llmsched:$password@127.0.0.1:$port/llmsched"
echo "$url" > "$dir/url"
echo "export LLMSCHED_TEST_PG_URL=$url"
