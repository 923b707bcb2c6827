#!/usr/bin/env python3
"""Helpers for scripts/faults/run-faults.sh (Python standard library only).

Each subcommand does one step of a fault run and prints its figures as
shell assignments (key=value, values quoted), so the script can eval them.
"""

import argparse
import hashlib
import http.client
import json
import os
import random
import shlex
import signal
import socket
import socketserver
import sqlite3
import statistics
import sys
import threading
import time

FINAL_STATES = {"succeeded", "dead", "cancelled"}


def emit(**values):
    for key, value in values.items():
        if isinstance(value, float):
            value = f"{value:.1f}"
        print(f"{key}={shlex.quote(str(value))}")
    sys.stdout.flush()


def now_ms():
    return time.monotonic() * 1000.0


class Api:
    """A keep-alive client of the daemon's REST API; reconnects after errors."""

    def __init__(self, port, token=None, timeout=30.0):
        self.port = port
        self.token = token
        self.timeout = timeout
        self.conn = None

    def request(self, method, path, body=None):
        """(status, parsed JSON or text, headers, elapsed ms); status 0 on a transport error."""
        headers = {}
        if self.token:
            headers["Authorization"] = "Bearer " + self.token
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        start = now_ms()
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
            try:
                self.conn.request(method, path, body=data, headers=headers)
                resp = self.conn.getresponse()
                raw = resp.read()
                try:
                    parsed = json.loads(raw) if raw else None
                except ValueError:
                    parsed = raw.decode(errors="replace")
                return resp.status, parsed, dict(resp.getheaders()), now_ms() - start
            except (ConnectionError, http.client.RemoteDisconnected, http.client.BadStatusLine) as e:
                # a keep-alive connection the server closed: once more on a new one
                self.close()
                if attempt == 1:
                    return 0, f"{type(e).__name__}: {e}", {}, now_ms() - start
            except (socket.timeout, OSError) as e:
                self.close()
                return 0, f"{type(e).__name__}: {e}", {}, now_ms() - start
        return 0, "unreachable", {}, now_ms() - start

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def error_message(body):
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        e = body["error"]
        return f"{e.get('code')}: {e.get('message')}"
    return str(body)[:300]


def task_body(model, n, payload_bytes, timeout_ms=None):
    text = os.urandom(payload_bytes // 2 + 1).hex()[:payload_bytes]
    task = {"model": model, "priority": n % 10, "input": {"messages": [{"role": "user", "content": f"{n} {text}"}]}}
    if timeout_ms:
        task["timeout_ms"] = timeout_ms
    return task


def ids_of(body):
    if isinstance(body, dict) and "tasks" in body:
        return [t["id"] for t in body["tasks"]]
    if isinstance(body, dict) and "id" in body:
        return [body["id"]]
    return []


def append_ids(path, ids):
    if ids:
        with open(path, "a") as f:
            f.write("".join(i + "\n" for i in ids))


def read_ids(path):
    try:
        with open(path) as f:
            return [line.strip() for line in f if line.strip()]
    except FileNotFoundError:
        return []


def health_probe(port, samples, stop, interval=0.05):
    """Polls /health on its own connection until stop is set; appends (status, ms)."""
    api = Api(port, timeout=10.0)
    while not stop.is_set():
        status, _, _, ms = api.request("GET", "/health")
        samples.append((status, ms))
        stop.wait(interval)
    api.close()


def percentile(values, p):
    if not values:
        return 0.0
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100.0 * (len(values) - 1))))]


# ---- subcommands ---------------------------------------------------------------


def cmd_freeport(_args):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    print(s.getsockname()[1])
    s.close()


def cmd_wait_health(args):
    """Polls /health until it answers (with --want: that status); prints the status and the wait."""
    deadline = now_ms() + args.timeout * 1000
    api = Api(args.port, timeout=2.0)
    start = now_ms()
    status = 0
    while now_ms() < deadline:
        status, body, _, _ = api.request("GET", "/health")
        if status and (not args.want or status == args.want):
            emit(health_status=status, health_waited_ms=now_ms() - start)
            return 0
        time.sleep(0.05)
    emit(health_status=status, health_waited_ms=-1)
    return 1


def cmd_wait_state(args):
    """Polls the stats until more than --above tasks are in --state; prints the count and the wait."""
    api = Api(args.port, args.token)
    start = now_ms()
    deadline = start + args.timeout * 1000
    count = 0
    while True:
        status, body, _, _ = api.request("GET", "/api/v1/system/stats")
        if status == 200:
            count = body.get("states", {}).get(args.state, 0)
            if count > args.above:
                emit(**{f"{args.prefix}_count": count, f"{args.prefix}_ms": now_ms() - start})
                return 0
        if now_ms() > deadline:
            emit(**{f"{args.prefix}_count": count, f"{args.prefix}_ms": -1})
            return 1
        time.sleep(0.05)


def cmd_fill(args):
    """Submits batches until the store refuses them, then a few more while it is full."""
    api = Api(args.port, args.token, timeout=args.request_timeout)
    statuses = {}
    acked = refused = transport_errors = requests = 0
    first_refusal = None
    max_refused_ms = max_ok_ms = 0.0
    refusals_seen = 0
    health = []
    deadline = now_ms() + args.timeout * 1000
    n = 0
    while now_ms() < deadline and refusals_seen < args.after_full:
        batch = [task_body(args.model, n + i, args.bytes) for i in range(args.batch)]
        n += args.batch
        status, body, headers, ms = api.request("POST", "/api/v1/tasks", {"tasks": batch})
        requests += 1
        statuses[status] = statuses.get(status, 0) + 1
        if 200 <= status < 300:
            ids = ids_of(body)
            append_ids(args.ids, ids)
            acked += len(ids)
            max_ok_ms = max(max_ok_ms, ms)
            continue
        if status == 0:
            transport_errors += 1
        else:
            refused += len(batch)
        refusals_seen += 1
        max_refused_ms = max(max_refused_ms, ms)
        if first_refusal is None:
            first_refusal = (status, error_message(body), headers.get("Retry-After", ""))
        # while full: does /health answer, and how fast
        h_status, h_body, _, h_ms = Api(args.port, timeout=10.0).request("GET", "/health")
        health.append((h_status, h_ms, h_body))
        time.sleep(args.pause)
    first_refusal = first_refusal or (0, "", "")
    emit(
        fill_requests=requests,
        fill_acked=acked,
        fill_refused_tasks=refused,
        fill_transport_errors=transport_errors,
        fill_statuses=",".join(f"{k}x{v}" for k, v in sorted(statuses.items())),
        fill_full=1 if refusals_seen else 0,
        fill_first_status=first_refusal[0],
        fill_first_message=first_refusal[1],
        fill_retry_after=first_refusal[2],
        fill_max_refused_ms=max_refused_ms,
        fill_max_ok_ms=max_ok_ms,
        fill_health_statuses=",".join(sorted({str(h[0]) for h in health})),
        fill_health_max_ms=max((h[1] for h in health), default=0.0),
        fill_health_store=(health[-1][2] or {}).get("store", "") if health and isinstance(health[-1][2], dict) else "",
    )


def cmd_submit(args):
    """One submit of --count tasks; prints its status, time and message."""
    api = Api(args.port, args.token, timeout=args.request_timeout)
    batch = [task_body(args.model, i, args.bytes, args.task_timeout) for i in range(args.count)]
    body = {"tasks": batch} if args.count > 1 else batch[0]
    status, answer, headers, ms = api.request("POST", "/api/v1/tasks", body)
    if 200 <= status < 300 and args.ids:
        append_ids(args.ids, ids_of(answer))
    emit(
        **{
            f"{args.prefix}_status": status,
            f"{args.prefix}_ms": ms,
            f"{args.prefix}_message": "" if 200 <= status < 300 else error_message(answer),
            f"{args.prefix}_retry_after": headers.get("Retry-After", ""),
        }
    )


def cmd_until_accepted(args):
    """Submits one task every --interval s until one is accepted; prints how long that took."""
    api = Api(args.port, args.token, timeout=args.request_timeout)
    start = now_ms()
    deadline = start + args.timeout * 1000
    attempts = 0
    last = ""
    while now_ms() < deadline:
        attempts += 1
        status, body, _, _ = api.request("POST", "/api/v1/tasks", task_body(args.model, attempts, 64))
        if 200 <= status < 300:
            append_ids(args.ids, ids_of(body))
            emit(recovered=1, recovered_ms=now_ms() - start, recovered_attempts=attempts)
            return 0
        last = f"{status} {error_message(body)}"
        time.sleep(args.interval)
    emit(recovered=0, recovered_ms=now_ms() - start, recovered_attempts=attempts, recovered_last=last)
    return 1


def list_all_tasks(api):
    tasks = {}
    cursor = None
    while True:
        path = "/api/v1/tasks?limit=1000&order=asc" + (f"&cursor={cursor}" if cursor else "")
        status, body, _, _ = api.request("GET", path)
        if status != 200:
            raise RuntimeError(f"GET {path}: {status} {error_message(body)}")
        for t in body["tasks"]:
            tasks[t["id"]] = t
        cursor = body.get("next_cursor")
        if not cursor:
            return tasks


def cmd_check_ids(args):
    """Compares the acknowledged ids with what the daemon lists."""
    api = Api(args.port, args.token)
    acked = set(read_ids(args.ids))
    stored = list_all_tasks(api)
    if args.model:
        stored = {i: t for i, t in stored.items() if t["model"] == args.model}
    missing = acked - set(stored)
    extra = set(stored) - acked
    emit(check_acked=len(acked), check_stored=len(stored), check_missing=len(missing), check_extra=len(extra))


def cmd_dead_letters(args):
    api = Api(args.port, args.token)
    status, body, _, _ = api.request("GET", "/api/v1/dead-letters?limit=1000")
    print(len(body["tasks"]) if status == 200 else f"HTTP {status}")


def cmd_stats(args):
    api = Api(args.port, args.token)
    status, body, _, _ = api.request("GET", "/api/v1/system/stats")
    states = body.get("states", {}) if isinstance(body, dict) else {}
    emit(**{f"{args.prefix}_{k}": v for k, v in states.items()}, **{f"{args.prefix}_status": status})


def cmd_wait_final(args):
    """Submits --submit MODEL=N tasks (if given) and waits until every task in --ids
    is final, probing /health all along; sums them up per model."""
    api = Api(args.port, args.token)
    samples = []
    stop = threading.Event()
    prober = threading.Thread(target=health_probe, args=(args.port, samples, stop), daemon=True)
    prober.start()
    start = now_ms()
    for spec in args.submit or []:
        model, _, count = spec.partition("=")
        batch = [task_body(model, i, 64) for i in range(int(count))]
        status, body, _, _ = api.request("POST", "/api/v1/tasks", {"tasks": batch})
        if not 200 <= status < 300:
            print(f"submit to {model}: {status} {error_message(body)}", file=sys.stderr)
        append_ids(args.ids, ids_of(body))
    ids = read_ids(args.ids)
    deadline = start + args.timeout * 1000
    tasks = {}
    while True:
        tasks = list_all_tasks(api)
        pending = [i for i in ids if tasks.get(i, {}).get("state") not in FINAL_STATES]
        if not pending or now_ms() > deadline:
            break
        time.sleep(0.2)
    elapsed = now_ms() - start
    stop.set()
    prober.join()
    per_model = {}
    for i in ids:
        t = tasks.get(i)
        if t is None:
            continue
        m = per_model.setdefault(t["model"], {"states": {}, "attempts": {}, "errors": {}})
        m["states"][t["state"]] = m["states"].get(t["state"], 0) + 1
        m["attempts"][t["attempts"]] = m["attempts"].get(t["attempts"], 0) + 1
        if t.get("error"):
            m["errors"][t["error"]] = m["errors"].get(t["error"], 0) + 1
    out = {"final_pending": len(pending), "final_ms": elapsed}
    for model, m in sorted(per_model.items()):
        key = model.replace("-", "_")
        out[f"{key}_states"] = ",".join(f"{k}:{v}" for k, v in sorted(m["states"].items()))
        out[f"{key}_attempts"] = ",".join(f"{k}:{v}" for k, v in sorted(m["attempts"].items()))
        common = max(m["errors"].items(), key=lambda kv: kv[1])[0] if m["errors"] else ""
        out[f"{key}_error"] = common
    lat = [ms for status, ms in samples if status]
    out["health_samples"] = len(samples)
    out["health_failed"] = sum(1 for status, _ in samples if status != 200)
    out["health_p50_ms"] = statistics.median(lat) if lat else 0.0
    out["health_p99_ms"] = percentile(lat, 99)
    out["health_max_ms"] = max(lat, default=0.0)
    emit(**out)


def cmd_lock(args):
    """Holds a write lock on the database (BEGIN EXCLUSIVE) until SIGTERM; prints 'locked' once it has it."""
    conn = sqlite3.connect(args.db, timeout=10.0, isolation_level=None)
    if args.journal_mode:
        conn.execute(f"PRAGMA journal_mode = {args.journal_mode}")
    released = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: released.set())
    signal.signal(signal.SIGINT, lambda *_: released.set())
    conn.execute("BEGIN EXCLUSIVE")
    if args.write:
        conn.execute("UPDATE tasks SET priority = priority WHERE seq = (SELECT min(seq) FROM tasks)")
    print("locked", flush=True)
    while not released.wait(0.05):
        pass
    conn.execute("ROLLBACK")
    conn.close()
    print("released", flush=True)


def cmd_integrity(args):
    conn = sqlite3.connect(args.db, timeout=10.0)
    result = conn.execute("PRAGMA integrity_check").fetchone()[0]
    tasks = conn.execute("SELECT count(*) FROM tasks").fetchone()[0]
    conn.close()
    emit(integrity=result.replace("\n", "; ")[:200], integrity_tasks=tasks)


def cmd_corrupt(args):
    """Damages a database file: random bytes over the header, or a truncation."""
    size = os.path.getsize(args.db)
    rng = random.Random(args.seed)
    with open(args.db, "r+b") as f:
        if args.mode == "header":
            f.write(bytes(rng.randrange(256) for _ in range(100)))
        elif args.mode == "truncate":
            f.truncate(size // 2)
        elif args.mode == "tiny":
            f.truncate(60)
        elif args.mode == "pages":
            # valid header, scribbled b-tree pages
            page = 4096
            for p in range(2, size // page, 3):
                f.seek(p * page)
                f.write(bytes(rng.randrange(256) for _ in range(64)))
    emit(corrupt_size_before=size, corrupt_size_after=os.path.getsize(args.db))


def cmd_sha256(args):
    h = hashlib.sha256()
    with open(args.file, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    print(h.hexdigest())


# ---- the fake upstream -------------------------------------------------------------

OK_ANSWER = json.dumps(
    {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": 0,
        "model": "fake",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4},
    }
).encode()


class Upstream(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True
    request_queue_size = 1024  # the default 5 drops connections of a burst

    def __init__(self, port, log):
        super().__init__(("127.0.0.1", port), UpstreamHandler)
        self.log = log
        self.lock = threading.Lock()
        self.counts = {}

    def count(self, what):
        with self.lock:
            self.counts[what] = self.counts.get(what, 0) + 1
            with open(self.log, "w") as f:
                json.dump(self.counts, f)


class UpstreamHandler(socketserver.BaseRequestHandler):
    """One mode per path prefix: /hang, /stall, /reset, /garbage, /badjson, /ok."""

    def read_request(self):
        data = b""
        sock = self.request
        sock.settimeout(30)
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            if not chunk:
                return None, b""
            data += chunk
        head, _, rest = data.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
        while len(rest) < length:
            chunk = sock.recv(65536)
            if not chunk:
                break
            rest += chunk
        return head.split(b"\r\n")[0].decode(errors="replace"), rest[length:]

    def handle(self):
        sock = self.request
        while True:
            try:
                line, _ = self.read_request()
            except OSError:
                return
            if line is None:
                return
            path = line.split(" ")[1] if " " in line else "/"
            mode = path.strip("/").split("/")[0]
            self.server.count(mode)
            if mode in ("hang", "stall"):
                # stall: the head of an answer and the start of its body, then nothing
                if mode == "stall":
                    sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"choices\": [")
                # answer nothing more; note when the client gives up
                sock.settimeout(None)
                try:
                    while sock.recv(65536):
                        pass
                except OSError:
                    pass
                self.server.count(mode + "_closed_by_client")
                return
            if mode == "reset":
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                sock.close()
                return
            if mode == "garbage":
                rng = random.Random()
                sock.sendall(b"\x16\x03\x01garbage\r\n" + bytes(rng.randrange(256) for _ in range(512)) + b"\r\n\r\n")
                sock.close()
                return
            if mode == "badjson":
                body = b"<html>502 upstream confused {{{"
            else:
                body = OK_ANSWER
            sock.sendall(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                + str(len(body)).encode()
                + b"\r\n\r\n"
                + body
            )


def cmd_upstream(args):
    server = Upstream(args.port, args.log)
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    print("ready", flush=True)
    server.serve_forever(poll_interval=0.1)
    server.server_close()


def main():
    p = argparse.ArgumentParser(description=__doc__)
    sub = p.add_subparsers(dest="cmd", required=True)

    def api_args(sp, token=True):
        sp.add_argument("--port", type=int, required=True)
        if token:
            sp.add_argument("--token", required=True)

    sp = sub.add_parser("freeport")
    sp.set_defaults(fn=cmd_freeport)

    sp = sub.add_parser("wait-health")
    api_args(sp, token=False)
    sp.add_argument("--timeout", type=float, default=15)
    sp.add_argument("--want", type=int, default=0)
    sp.set_defaults(fn=cmd_wait_health)

    sp = sub.add_parser("wait-state")
    api_args(sp)
    sp.add_argument("--state", default="succeeded")
    sp.add_argument("--above", type=int, default=0)
    sp.add_argument("--timeout", type=float, default=15)
    sp.add_argument("--prefix", default="wait")
    sp.set_defaults(fn=cmd_wait_state)

    sp = sub.add_parser("fill")
    api_args(sp)
    sp.add_argument("--model", required=True)
    sp.add_argument("--ids", required=True)
    sp.add_argument("--batch", type=int, default=100)
    sp.add_argument("--bytes", type=int, default=2000)
    sp.add_argument("--timeout", type=float, default=60)
    sp.add_argument("--after-full", type=int, default=10)
    sp.add_argument("--pause", type=float, default=0.1)
    sp.add_argument("--request-timeout", type=float, default=30)
    sp.set_defaults(fn=cmd_fill)

    sp = sub.add_parser("submit")
    api_args(sp)
    sp.add_argument("--model", required=True)
    sp.add_argument("--count", type=int, default=1)
    sp.add_argument("--bytes", type=int, default=64)
    sp.add_argument("--task-timeout", type=int, default=0)
    sp.add_argument("--ids")
    sp.add_argument("--prefix", default="submit")
    sp.add_argument("--request-timeout", type=float, default=30)
    sp.set_defaults(fn=cmd_submit)

    sp = sub.add_parser("until-accepted")
    api_args(sp)
    sp.add_argument("--model", required=True)
    sp.add_argument("--ids", required=True)
    sp.add_argument("--timeout", type=float, default=30)
    sp.add_argument("--interval", type=float, default=0.1)
    sp.add_argument("--request-timeout", type=float, default=30)
    sp.set_defaults(fn=cmd_until_accepted)

    sp = sub.add_parser("check-ids")
    api_args(sp)
    sp.add_argument("--ids", required=True)
    sp.add_argument("--model")
    sp.set_defaults(fn=cmd_check_ids)

    sp = sub.add_parser("dead-letters")
    api_args(sp)
    sp.set_defaults(fn=cmd_dead_letters)

    sp = sub.add_parser("stats")
    api_args(sp)
    sp.add_argument("--prefix", default="stats")
    sp.set_defaults(fn=cmd_stats)

    sp = sub.add_parser("wait-final")
    api_args(sp)
    sp.add_argument("--ids", required=True)
    sp.add_argument("--timeout", type=float, default=60)
    sp.add_argument("--submit", action="append", metavar="MODEL=N")
    sp.set_defaults(fn=cmd_wait_final)

    sp = sub.add_parser("lock")
    sp.add_argument("db")
    sp.add_argument("--journal-mode")
    sp.add_argument("--write", action="store_true")
    sp.set_defaults(fn=cmd_lock)

    sp = sub.add_parser("integrity")
    sp.add_argument("db")
    sp.set_defaults(fn=cmd_integrity)

    sp = sub.add_parser("corrupt")
    sp.add_argument("db")
    sp.add_argument("--mode", choices=["header", "truncate", "tiny", "pages"], required=True)
    sp.add_argument("--seed", type=int, default=1)
    sp.set_defaults(fn=cmd_corrupt)

    sp = sub.add_parser("sha256")
    sp.add_argument("file")
    sp.set_defaults(fn=cmd_sha256)

    sp = sub.add_parser("upstream")
    sp.add_argument("--port", type=int, required=True)
    sp.add_argument("--log", required=True)
    sp.set_defaults(fn=cmd_upstream)

    args = p.parse_args()
    return args.fn(args) or 0


if __name__ == "__main__":
    sys.exit(main())
