#!/bin/sh
# Runs a command inside a private D-Bus session with an unlocked gnome-keyring
# (Secret Service), so keychain: tests can do a real round trip on a headless host.
# Usage: run_with_keyring.sh <command> [args...]
# Needs dbus-run-session (package dbus) and gnome-keyring-daemon (package gnome-keyring).
set -eu
command -v dbus-run-session >/dev/null || { echo "run_with_keyring.sh: dbus-run-session not found" >&2; exit 1; }
command -v gnome-keyring-daemon >/dev/null || { echo "run_with_keyring.sh: gnome-keyring-daemon not found" >&2; exit 1; }

# A throw-away home, so the test keyring never touches the user's real one.
tmp_home=$(mktemp -d)
trap 'rm -rf "$tmp_home"' EXIT INT TERM
export HOME="$tmp_home"
export XDG_DATA_HOME="$tmp_home/.local/share"
export XDG_RUNTIME_DIR="$tmp_home/run"
mkdir -p "$XDG_DATA_HOME" "$XDG_RUNTIME_DIR"
chmod 700 "$XDG_RUNTIME_DIR"

dbus-run-session -- sh -c 'echo -n test | gnome-keyring-daemon --unlock --components=secrets >/dev/null; exec "$@"' sh "$@"
