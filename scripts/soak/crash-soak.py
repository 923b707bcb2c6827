#!/usr/bin/env python3
"""Crash soak: SIGKILL llm-schedulerd again and again while tasks are submitted
and run, then prove that no acknowledged task was lost, doubled or left
unfinished.

    python3 scripts/soak/crash-soak.py                # quick form (CI): 20 kills
    python3 scripts/soak/crash-soak.py --long         # 100 kills
    python3 scripts/soak/crash-soak.py --kills 50 --rate 300

What it does (Python 3 standard library only):
  * runs a counting fake OpenAI-compatible upstream on 127.0.0.1: POST
    /v1/chat/completions answers a valid chat completion after 5-50 ms and
    counts every call per task, by a marker the script writes into each
    task's prompt;
  * starts the daemon on a fresh data dir (model "soak", concurrency 16,
    pointed at that upstream), with an admin token made by `token create`;
  * client threads submit tasks over REST, each with its own idempotency key;
    a submit that gets no answer (the daemon died under it) is sent again,
    with the same key, once the daemon is back;
  * SIGKILLs the daemon at random moments (--kills times) and restarts it on
    the same store each time;
  * at the end waits until every task is final, stops the daemon, and checks
    the SQLite store directly: every acknowledged task stored exactly once,
    with the acknowledged id, and succeeded; PRAGMA integrity_check is ok.

It also prints how many tasks ran more than once (markers the upstream saw
more than once: at-least-once delivery) against its bound, the calls in
flight at the kills (the tasks the store had running, which the restarted
daemon logs as "recovered N tasks"), and whether every upstream call is
accounted for by an attempt on record (a WARN when not; --strict fails on it).
--kill-on-call kills the moment a call reaches the upstream instead of at a
random moment, the worst case for that record.

Exit status: 0 when all checks pass, 1 when one fails, 2 on a setup error.
"""

import argparse
import collections
import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MODEL = "soak"
MARKER_RE = re.compile(rb"soak-marker-([0-9a-f]{32})")
STATE_SUCCEEDED = 5  # engine/core/task.h: TaskState::Succeeded
UNFINISHED_STATES = ("queued", "scheduled", "blocked", "running", "retry_wait")


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


# --------------------------------------------------------------------------
# The counting fake upstream


class Upstream:
    def __init__(self, latency_ms):
        self.latency = latency_ms
        self.lock = threading.Lock()
        self.calls = collections.Counter()  # marker -> calls seen
        self.open = 0  # calls received and not yet answered
        self.total = 0
        self.on_call = None  # armed by --kill-on-call: runs when the next call arrives
        # A deep accept queue: a restarted daemon opens its connections at once,
        # and the default backlog of 5 drops SYNs (a 1 s retransmit per call).
        ThreadingHTTPServer.request_queue_size = 256
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.server.handle_error = lambda request, address: None  # the daemon died mid-call: expected
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, name="upstream", daemon=True)

    def start(self):
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def open_calls(self):
        with self.lock:
            return self.open

    def arm(self, hook):
        with self.lock:
            self.on_call = hook

    def disarm(self):
        with self.lock:
            self.on_call = None

    def _handler(self):
        up = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _send(self, status, body):
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):  # health checks (GET /v1/models)
                self._send(200, b'{"object":"list","data":[{"id":"soak","object":"model"}]}')

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                m = MARKER_RE.search(body)
                marker = m.group(1).decode() if m else None
                with up.lock:
                    up.total += 1
                    up.open += 1
                    if marker:
                        up.calls[marker] += 1
                    hook, up.on_call = up.on_call, None
                    open_now = up.open
                if hook:
                    hook(open_now)
                try:
                    # Simulated model latency (not a synchronisation).
                    time.sleep(random.uniform(*up.latency) / 1000.0)
                    if not self.path.endswith("/chat/completions") or not marker:
                        self._send(400, b'{"error":{"message":"unexpected request"}}')
                        return
                    answer = {
                        "id": "chatcmpl-" + marker,
                        "object": "chat.completion",
                        "created": int(time.time()),
                        "model": MODEL,
                        "choices": [{"index": 0, "finish_reason": "stop",
                                     "message": {"role": "assistant", "content": "done " + marker}}],
                        "usage": {"prompt_tokens": 12, "completion_tokens": 3, "total_tokens": 15},
                    }
                    self._send(200, json.dumps(answer).encode())
                finally:
                    with up.lock:
                        up.open -= 1

        return Handler


# --------------------------------------------------------------------------
# The daemon


class Daemon:
    def __init__(self, binary, work, port, drain_s=5):
        self.binary = binary
        self.work = work
        self.data = os.path.join(work, "data")
        self.config = os.path.join(work, "models.json")
        self.port = port
        self.proc = None
        self.starts = 0
        self.drain_s = drain_s
        self.log_path = None

    def base_args(self):
        return [self.binary, "--data-dir", self.data]

    def create_token(self):
        r = subprocess.run(self.base_args() + ["token", "create", "--role", "admin", "--name", "crash-soak"],
                           capture_output=True, text=True, timeout=60)
        if r.returncode != 0 or not r.stdout.strip():
            raise RuntimeError(f"token create failed ({r.returncode}): {r.stderr.strip()}")
        return r.stdout.strip().splitlines()[-1].strip()

    def start(self):
        self.starts += 1
        self.log_path = os.path.join(self.work, f"daemon-{self.starts:03d}.log")
        with open(self.log_path, "wb") as out:
            self.proc = subprocess.Popen(
                self.base_args() + ["--config", self.config, "--port", str(self.port), "--status-interval", "0",
                                    "--log-level", "info", "--drain-timeout", str(self.drain_s)],
                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)

    def wait_ready(self, timeout=60.0):
        """Polls /health until 200 (the store accepts writes)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"daemon exited with {self.proc.returncode} while starting; see {self.log_path}:\n"
                                   + self.log_tail())
            try:
                c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                c.request("GET", "/health")
                if c.getresponse().status == 200:
                    c.close()
                    return
                c.close()
            except (OSError, http.client.HTTPException):
                pass
            time.sleep(0.02)  # poll interval
        raise RuntimeError(f"daemon not ready after {timeout:.0f} s; see {self.log_path}")

    def recovered(self):
        """Tasks the store still had as running, from the start-up log line."""
        with open(self.log_path, "rb") as f:
            m = re.search(rb"recovered (\d+) tasks that were running", f.read())
        return int(m.group(1)) if m else 0

    def log_tail(self, n=20):
        try:
            with open(self.log_path, "rb") as f:
                return b"".join(f.readlines()[-n:]).decode(errors="replace")
        except OSError:
            return ""

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self, timeout=60):
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else 0
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            return -9


# --------------------------------------------------------------------------
# Clients


class Control:
    """Restart generations: a client whose submit went unanswered waits for the
    next restart (a real signal) before sending it again."""

    def __init__(self):
        self.cond = threading.Condition()
        self.generation = 0
        self.up = False
        self.stop_submitting = False

    def set_up(self, up):
        with self.cond:
            if up:
                self.generation += 1
            self.up = up
            self.cond.notify_all()

    def current(self):
        with self.cond:
            return self.generation

    def wait_restart(self, seen_generation, timeout):
        with self.cond:
            self.cond.wait_for(lambda: self.up and self.generation != seen_generation, timeout)


class Results:
    def __init__(self):
        self.lock = threading.Lock()
        self.acked = {}  # key -> id
        self.sent = 0  # distinct tasks sent at least once
        self.unanswered = 0  # submits that got no answer (and were sent again)
        self.duplicate_acks = 0  # resubmits answered "duplicate": the first one had been stored
        self.refused = collections.Counter()  # status -> count (429/503, sent again)
        self.rejected = []  # (key, status, body): unexpected answers


class Submitter(threading.Thread):
    def __init__(self, index, port, token, ctl, res, interval_s, max_attempts):
        super().__init__(name=f"submitter-{index}", daemon=True)
        self.port = port
        self.token = token
        self.ctl = ctl
        self.res = res
        self.interval = interval_s
        self.max_attempts = max_attempts
        self.conn = None
        self.conn_gen = 0

    def run(self):
        next_t = time.monotonic()
        while not self.ctl.stop_submitting:
            next_t += self.interval
            delay = next_t - time.monotonic()
            if delay > 0:
                time.sleep(delay)  # pacing to the offered rate
            else:
                next_t = time.monotonic()  # fell behind (daemon down): do not burst
            self.submit_until_answered(uuid.uuid4().hex)
        if self.conn:
            self.conn.close()

    def submit_until_answered(self, key):
        body = json.dumps({
            "model": MODEL,
            "input": {"messages": [{"role": "user", "content": f"soak-marker-{key} say done"}]},
            "idempotency_key": key,
            "max_attempts": self.max_attempts,
        })
        # The key goes in the body: POST /api/v1/tasks ignores an Idempotency-Key
        # header (checked on 2026-12-05: two submits with the same header made two tasks).
        headers = {"Content-Type": "application/json", "Authorization": "Bearer " + self.token}
        with self.res.lock:
            self.res.sent += 1
        resent = False
        while True:
            gen = self.ctl.current()
            if self.conn is not None and self.conn_gen != gen:
                self.conn.close()  # a keep-alive connection to a daemon that was killed since
                self.conn = None
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                    self.conn_gen = gen
                self.conn.request("POST", "/api/v1/tasks", body, headers)
                resp = self.conn.getresponse()
                data = resp.read()
                status = resp.status
                if resp.will_close:
                    self.conn.close()
                    self.conn = None
            except (OSError, http.client.HTTPException):
                if self.conn:
                    self.conn.close()
                self.conn = None
                with self.res.lock:
                    self.res.unanswered += 1
                resent = True
                # Wait for the next restart, or retry after 2 s if there is none.
                self.ctl.wait_restart(gen, 2.0)
                continue
            if status in (200, 201):
                answer = json.loads(data)
                with self.res.lock:
                    self.res.acked[key] = answer["id"]
                    if answer.get("duplicate"):
                        self.res.duplicate_acks += 1
                if answer.get("duplicate") and not resent:
                    with self.res.lock:
                        self.res.rejected.append((key, status, "duplicate on the first send"))
                return
            if status in (429, 503):
                with self.res.lock:
                    self.res.refused[status] += 1
                self.ctl.wait_restart(gen, 0.2)  # back off briefly, then send again
                continue
            with self.res.lock:
                self.res.rejected.append((key, status, data[:300].decode(errors="replace")))
            return


# --------------------------------------------------------------------------


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def api_get(port, token, path, timeout=10):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        c.request("GET", path, headers={"Authorization": "Bearer " + token})
        r = c.getresponse()
        data = r.read()
        if r.status != 200:
            raise RuntimeError(f"GET {path}: HTTP {r.status}: {data[:200]!r}")
        return json.loads(data)
    finally:
        c.close()


def wait_all_final(port, token, timeout):
    """Polls the live unfinished counts (the final counts there are this
    process's, so the store is read for those after the daemon stopped)."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        states = api_get(port, token, "/api/v1/system/stats").get("states", {})
        last = {s: int(states.get(s, 0)) for s in UNFINISHED_STATES}
        if sum(last.values()) == 0:
            return
        time.sleep(0.25)  # poll interval
    raise RuntimeError(f"tasks not final after {timeout:.0f} s: {last}")


def verify(db_path, res, upstream):
    """Reads the store after the daemon stopped. Returns (figures, failures)."""
    failures = []
    db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        integrity = [r[0] for r in db.execute("PRAGMA integrity_check")]
        if integrity != ["ok"]:
            failures.append(f"integrity_check: {integrity[:5]}")
        rows = db.execute("SELECT seq, id, state, idempotency_key, input, attempts FROM tasks WHERE model = ? "
                          "ORDER BY seq",
                          (MODEL,)).fetchall()
        interrupted = {r[0] for r in db.execute("SELECT DISTINCT task_seq FROM task_logs WHERE message LIKE "
                                                "'%was interrupted%'")}
    finally:
        db.close()

    by_marker = collections.defaultdict(list)
    for seq, tid, state, key, inp, attempts in rows:
        m = MARKER_RE.search(inp.encode() if isinstance(inp, str) else inp)
        marker = m.group(1).decode() if m else None
        if marker != key:
            failures.append(f"task {tid}: idempotency key {key} but marker {marker}")
        by_marker[marker].append((seq, tid, state, attempts))

    lost = [k for k in res.acked if k not in by_marker]
    twice = [k for k, v in by_marker.items() if len(v) > 1]
    wrong_id = [k for k, tid in res.acked.items() if k in by_marker and by_marker[k][0][1] != tid]
    not_succeeded = [(k, by_marker[k][0][2]) for k in res.acked if k in by_marker and by_marker[k][0][2] != STATE_SUCCEEDED]
    unacked = [k for k in by_marker if k not in res.acked]
    never_called = [k for k in res.acked if k in by_marker and upstream.calls.get(k, 0) == 0]
    reruns = {k: n for k, n in upstream.calls.items() if n > 1}
    # Calls the store has no attempt for: the upstream saw more calls than the task's attempts.
    off_record = [k for k in by_marker if upstream.calls.get(k, 0) > by_marker[k][0][3]]
    rerun_without_interruption = [k for k in reruns if k in by_marker and by_marker[k][0][0] not in interrupted]
    off_record_examples = [f"task {by_marker[k][0][1]} (key {k}): {upstream.calls.get(k, 0)} upstream calls, "
                           f"{by_marker[k][0][3]} attempts on record" for k in off_record[:5]]

    if lost:
        failures.append(f"lost: {len(lost)} acknowledged tasks are not in the store, e.g. keys {lost[:5]}")
    if twice:
        failures.append(f"stored twice: {len(twice)}, e.g. keys {twice[:5]}")
    if wrong_id:
        failures.append(f"{len(wrong_id)} tasks stored under another id than acknowledged, e.g. {wrong_id[:5]}")
    if not_succeeded:
        failures.append(f"not succeeded: {len(not_succeeded)}, e.g. (key, state) {not_succeeded[:5]}")
    if never_called:
        failures.append(f"succeeded without an upstream call: {len(never_called)}, e.g. {never_called[:5]}")
    if unacked:
        failures.append(f"{len(unacked)} stored tasks were never acknowledged (a client gave up?), e.g. {unacked[:5]}")
    figures = {
        "stored": len(rows),
        "lost": len(lost),
        "twice": len(twice),
        "reruns": len(reruns),
        "extra_calls": sum(n - 1 for n in reruns.values()),
        "off_record": len(off_record),
        "off_record_examples": off_record_examples,
        "rerun_without_interruption": len(rerun_without_interruption),
        "interrupted_on_record": len(interrupted),
        "integrity": ",".join(integrity[:3]),
    }
    return figures, failures


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--daemon", default=None, help="llm-schedulerd binary (default: build/default/app/llm-schedulerd)")
    ap.add_argument("--kills", type=int, default=20, help="SIGKILLs (default 20)")
    ap.add_argument("--long", action="store_true", help="long form: 100 kills")
    ap.add_argument("--rate", type=float, default=150, help="submits per second offered, all clients (default 150)")
    ap.add_argument("--clients", type=int, default=4, help="client threads (default 4)")
    ap.add_argument("--concurrency", type=int, default=16, help="the model's concurrency (default 16)")
    ap.add_argument("--gap", type=float, nargs=2, default=(1.0, 6.0), metavar=("MIN", "MAX"),
                    help="seconds between a restart being ready and the next kill, uniform (default 1 6)")
    ap.add_argument("--latency-ms", type=float, nargs=2, default=(5, 50), metavar=("MIN", "MAX"),
                    help="fake upstream latency, uniform (default 5 50)")
    ap.add_argument("--max-attempts", type=int, default=20,
                    help="per task; an interrupted attempt counts, so a task caught by several kills must not run out")
    ap.add_argument("--seed", type=int, default=None, help="random seed (printed; reuse it to repeat the kill timing)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory (store and daemon logs)")
    ap.add_argument("--kill-on-call", action="store_true",
                    help="kill the moment the upstream receives a call (the worst moment for the attempt's record) "
                         "instead of at a random moment")
    ap.add_argument("--strict", action="store_true",
                    help="also fail when an upstream call is on no attempt record (reported as WARN otherwise)")
    args = ap.parse_args()
    if args.long:
        args.kills = 100
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    random.seed(seed)

    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    binary = args.daemon or os.path.join(repo, "build", "default", "app", "llm-schedulerd")
    if not os.access(binary, os.X_OK):
        print(f"crash-soak: no daemon at {binary}; build it first or pass --daemon", file=sys.stderr)
        return 2

    work = tempfile.mkdtemp(prefix="crash-soak-")
    upstream = Upstream(tuple(args.latency_ms))
    daemon = Daemon(binary, work, free_port())
    ctl = Control()
    res = Results()
    submitters = []
    failed_setup = False

    def on_signal(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_signal)
    t0 = time.monotonic()
    try:
        upstream.start()
        os.makedirs(daemon.data)
        with open(daemon.config, "w") as f:
            json.dump({"models": [{
                "name": MODEL, "concurrency": args.concurrency, "capacity": 10000000,
                "retry": {"max_attempts": args.max_attempts, "initial_delay_ms": 100, "max_delay_ms": 2000},
                "endpoints": [{"name": "fake", "provider": "openai",
                               "base_url": f"http://127.0.0.1:{upstream.port}/v1",
                               "health_check_interval_ms": 0}],
            }]}, f)
        token = daemon.create_token()
        log(f"crash soak: {args.kills} kills, seed {seed}, {args.rate:g} submits/s from {args.clients} clients, "
            f"concurrency {args.concurrency}, upstream {args.latency_ms[0]:g}-{args.latency_ms[1]:g} ms on "
            f"port {upstream.port}, daemon port {daemon.port}, work dir {work}; load average "
            f"{' '.join(open('/proc/loadavg').read().split()[:3])}")
        daemon.start()
        daemon.wait_ready()
        ctl.set_up(True)
        for i in range(args.clients):
            s = Submitter(i, daemon.port, token, ctl, res, args.clients / args.rate, args.max_attempts)
            submitters.append(s)
            s.start()

        kills = []  # (upstream calls open at the kill, tasks the store had running, restart seconds)
        for k in range(args.kills):
            time.sleep(random.uniform(*args.gap))  # the random kill moment
            if args.kill_on_call:
                fired = threading.Event()
                seen = []

                def hook(open_now, proc=daemon.proc):
                    proc.send_signal(signal.SIGKILL)  # before this call is answered
                    seen.append(open_now)
                    fired.set()

                upstream.arm(hook)
                if not fired.wait(10):
                    upstream.disarm()
                    fired.wait(1)  # it may have fired just now
                open_calls = seen[0] if seen else upstream.open_calls()
            else:
                open_calls = upstream.open_calls()
            ctl.set_up(False)
            daemon.kill()
            t_restart = time.monotonic()
            daemon.start()
            daemon.wait_ready()
            restart_s = time.monotonic() - t_restart
            recovered = daemon.recovered()
            ctl.set_up(True)
            kills.append((open_calls, recovered, restart_s))
            with res.lock:
                acked = len(res.acked)
            log(f"kill {k + 1:3d}/{args.kills}: upstream calls open {open_calls:2d}, store had {recovered:2d} running, "
                f"back in {restart_s:.2f} s; acked so far {acked}")

        ctl.stop_submitting = True
        for s in submitters:
            s.join(120)
        stuck = [s.name for s in submitters if s.is_alive()]
        if stuck:
            raise RuntimeError(f"clients still busy after 120 s: {stuck}")
        log(f"submitting stopped: {len(res.acked)} acked; waiting until every task is final")
        t_drain = time.monotonic()
        wait_all_final(daemon.port, token, timeout=300)
        log(f"no task left unfinished after {time.monotonic() - t_drain:.1f} s; stopping the daemon (SIGTERM)")
        rc = daemon.stop()
        if rc != 0:
            raise RuntimeError(f"daemon exited with {rc} on SIGTERM; see {daemon.log_path}")
        duration = time.monotonic() - t0
        upstream.stop()
        figures, failures = verify(os.path.join(daemon.data, "llm-scheduler.db"), res, upstream)
    except KeyboardInterrupt:
        print("crash-soak: interrupted", file=sys.stderr)
        failed_setup = True
    except Exception as e:  # noqa: BLE001 - report and clean up
        print(f"crash-soak: {e}", file=sys.stderr)
        if daemon.log_path:
            print(f"--- {daemon.log_path} (tail)\n{daemon.log_tail()}", file=sys.stderr)
        failed_setup = True
    finally:
        ctl.stop_submitting = True
        ctl.set_up(True)  # release waiting clients
        if daemon.proc and daemon.proc.poll() is None:
            daemon.kill()
        if args.keep:
            print(f"crash-soak: kept {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    if failed_setup:
        return 2

    bound_open = sum(k[0] for k in kills)
    bound_store = sum(k[1] for k in kills)
    print()
    print("crash soak result")
    print(f"  seed                      {seed}")
    print(f"  kills                     {len(kills)} (restart to ready: mean {sum(k[2] for k in kills) / max(1, len(kills)):.2f} s, "
          f"max {max((k[2] for k in kills), default=0):.2f} s; {sum(1 for k in kills if k[1] > 0)} hit running tasks)")
    print(f"  duration                  {duration:.1f} s")
    print(f"  submits sent              {res.sent} (unanswered and sent again: {res.unanswered}; "
          f"answered 'duplicate' on resend: {res.duplicate_acks}; 429/503: {dict(res.refused) or 0})")
    print(f"  acked                     {len(res.acked)}")
    print(f"  stored                    {figures['stored']}")
    print(f"  lost                      {figures['lost']}")
    print(f"  stored twice              {figures['twice']}")
    print(f"  ran more than once        {figures['reruns']} tasks ({figures['extra_calls']} extra upstream calls of {upstream.total})")
    print(f"    bound (calls in flight at the kills: tasks the store had running, from the daemon's 'recovered N' "
          f"lines) {bound_store}")
    print(f"    (upstream calls open at the kills {bound_open}; the rest had been answered but the success was not "
          f"committed yet)")
    print(f"    interrupted attempts on record {figures['interrupted_on_record']}; reruns without one "
          f"{figures['rerun_without_interruption']}; calls beyond the task's recorded attempts {figures['off_record']}")
    print(f"  integrity_check           {figures['integrity']}")
    if res.rejected:
        failures.append(f"{len(res.rejected)} unexpected submit answers, e.g. {res.rejected[:3]}")
    if figures["off_record"]:
        # The call left before the write that starts the attempt was committed,
        # and the kill came in between: at-least-once still holds (the task ran
        # again and succeeded once), but the call is on no record.
        msg = (f"{figures['off_record']} tasks got more upstream calls than the attempts the store records (a call "
               f"went out before its attempt was committed): " + "; ".join(figures["off_record_examples"]))
        if args.strict:
            failures.append(msg)
        else:
            print(f"  WARN: {msg}")
    if figures["reruns"] > bound_store + figures["off_record"]:
        print(f"  NOTE: {figures['reruns']} reruns exceed the tasks running at the kills ({bound_store}) and the "
              f"calls on no record ({figures['off_record']}); the others were retries (on record as attempts)")
    for f in failures:
        print(f"  FAIL: {f}")
    print("  verdict                   " + ("FAIL" if failures else "PASS"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
