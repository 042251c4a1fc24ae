#!/usr/bin/python3
"""The hub under a database outage, PostgreSQL restarts and a SIGTERM, all with load running.

    /usr/bin/python3 Tests/scenarios/db_outage.py <hub binary> --pgdir <cluster dir>
                     [--phase outage|restart|sigterm|all]

<cluster dir> is one that deploy/pg.sh's `pg_start DIR PORT` created (DIR/env with the HUB_DB_*
settings, DIR/data): this script stops and restarts THAT cluster with its pg_ctl (as the owner of
DIR/data when run as root, through runuser) and always leaves it running, failures and Ctrl-C
included. Python standard library only; needs the `psql` client. The run creates a database of its
own in the cluster (hub_owner has CREATEDB), migrates it with `<hub> migrate`, seeds the demo
(`HUB_MODE=demo <hub> seed-demo`), serves it with `<hub> serve` (dispatcher on, indicators'
refresher every 2 s) and drops the database at the end.

Six threads keep a light load of authenticated reads (GET /v1/me, /v1/households,
/v1/households/{id} of the demo household M-DEMO00001), planned meetings written as
claire.martin@alfi.demo and GET /health/ready, each request on a fresh connection with a 15 s
timeout. Every request is recorded (send and answer times, status, Content-Type, Retry-After,
X-Request-Id); no answer within the timeout, or a reset, is "no answer".

0. load     baseline with PostgreSQL up: every answer 2xx.
1. outage   pg_ctl stop -m fast, ~5 s down, pg_ctl start, 3 s more. 0 requests without an answer;
            every answer 2xx, or 503 application/problem+json with Retry-After (a 401 would make a
            valid token look invalid); first 503 < 2 s after the stop; first 2xx of a request that
            needs the database < 1 s after pg_ctl start returned; /health/ready answers 503 within
            1 s while the database is down.
2. restart  pg_ctl restart -m fast 3 times: the same rule for every answer, 0 without an answer.
3. sigterm  SIGTERM to the hub: exit status 0 within 10 s (then SIGKILL), every request sent before
            SIGTERM gets an HTTP answer; after it, connections are refused once the listener is
            closed, or closed unread if the kernel took them just before (counted apart).

Exit 0 on success, 1 with a one-line reason (last line of output) on failure, after every figure
has been printed. Every child (the hub) is killed on exit.
"""

import argparse
import collections
import ctypes
import datetime
import http.client
import json
import os
import pwd
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import uuid

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PASSWORD = "demo-hub-2025!"
HOUSEHOLD = "M-DEMO00001"

REQUEST_TIMEOUT_S = 15.0     # http.client timeout of every load request
PAUSE_S = 0.15               # between two requests of one load thread
HEALTH_PAUSE_S = 0.2         # between two /health/ready probes
BASELINE_S = 2.0             # load with PostgreSQL up, before the first phase
OUTAGE_DOWN_S = 5.0          # PostgreSQL stopped for this long
RECOVERY_WAIT_S = 15.0       # after a start, wait at most this long for a 2xx needing the database
AFTER_S = 3.0                # load after the recovery
RESTARTS = 3
RESTART_RECOVERY_WAIT_S = 8.0
SIGTERM_EXIT_S = 10.0
# How close to SIGTERM a request may be stamped and still be judged as sent after it
# (evaluate_sigterm).
SIGTERM_RACE_S = 0.01
READY_WAIT_S = 60.0

FIRST_503_MAX_S = 2.0
RECOVERY_MAX_S = 1.0
HEALTH_503_MAX_S = 1.0

T0 = time.monotonic()


def now():
    return time.monotonic()


def rel(t):
    return f"+{t - T0:.2f} s"


class ScenarioFailure(Exception):
    """A failed expectation: its message is the one-line reason printed at the end."""


def log(message):
    print(f"db_outage: {message}", flush=True)


# MARK: - Children


_LIBC = ctypes.CDLL(None, use_errno=True)
_PR_SET_PDEATHSIG = 1


def _die_with_parent():
    # Runs in the child between fork and exec: SIGKILL it if this script dies without cleaning
    # up (itself SIGKILLed). Best effort; the normal path is Children.kill_all(). Never used for
    # pg_ctl: PostgreSQL must outlive this script.
    _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


class Children:
    """Every process this script starts (hubs), so that all of them die with it."""

    processes = []

    @classmethod
    def spawn(cls, argv, env, log_path):
        with open(log_path, "ab") as out:
            process = subprocess.Popen(
                argv, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True, preexec_fn=_die_with_parent)
        cls.processes = [p for p in cls.processes if p.poll() is None] + [process]
        return process

    @staticmethod
    def kill(process):
        if process.poll() is None:
            try:
                process.kill()
            except ProcessLookupError:
                pass
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            pass

    @classmethod
    def kill_all(cls):
        for process in cls.processes:
            cls.kill(process)
        cls.processes = [p for p in cls.processes if p.poll() is None]


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def exit_status(process):
    code = process.returncode
    if code is None:
        return "still running"
    if code < 0:
        return f"killed by {signal.Signals(-code).name}"
    return f"exit {code}"


def tail(path, lines=25):
    try:
        with open(path, "rb") as f:
            data = f.read().decode("utf-8", "replace").splitlines()
    except OSError:
        return []
    return data[-lines:]


def one_line(text, limit=300):
    return " ".join((text or "").split())[:limit]


# MARK: - The PostgreSQL cluster (pg_ctl, as its owner)


class Cluster:
    """The cluster deploy/pg.sh's pg_start created in DIR: its env file and its pg_ctl."""

    def __init__(self, directory):
        self.dir = os.path.abspath(directory)
        self.data = os.path.join(self.dir, "data")
        if not os.path.isfile(os.path.join(self.data, "PG_VERSION")):
            raise ScenarioFailure(f"{self.dir} holds no cluster (no data/PG_VERSION): create it with "
                                  f"deploy/pg.sh's pg_start DIR PORT")
        env_path = os.path.join(self.dir, "env")
        try:
            with open(env_path) as f:
                lines = f.read().splitlines()
        except OSError as error:
            raise ScenarioFailure(f"cannot read {env_path}: {error}") from None
        self.env = {}
        for line in lines:
            words = shlex.split(line, comments=True)
            if words and words[0] == "export":
                words = words[1:]
            for word in words:
                key, sep, value = word.partition("=")
                if sep:
                    self.env[key] = value
        missing = [k for k in ("HUB_DB_HOST", "HUB_DB_PORT", "HUB_DB_NAME", "HUB_DB_USER", "HUB_DB_PASSWORD",
                               "HUB_DB_OWNER_USER", "HUB_DB_OWNER_PASSWORD") if not self.env.get(k)]
        if missing:
            raise ScenarioFailure(f"{env_path} lacks {', '.join(missing)}")
        self.port = self.env["HUB_DB_PORT"]
        with open(os.path.join(self.data, "PG_VERSION")) as f:
            version = f.read().strip()
        self.bin = f"/usr/lib/postgresql/{version}/bin"
        if not os.access(os.path.join(self.bin, "pg_ctl"), os.X_OK):
            # As deploy/pg.sh does: the newest installed version when the cluster's is gone.
            versions = sorted((v for v in os.listdir("/usr/lib/postgresql")
                               if os.access(f"/usr/lib/postgresql/{v}/bin/pg_ctl", os.X_OK)),
                              key=lambda v: [int(p) if p.isdigit() else 0 for p in v.split(".")]) \
                if os.path.isdir("/usr/lib/postgresql") else []
            if not versions:
                raise ScenarioFailure("no pg_ctl under /usr/lib/postgresql")
            self.bin = f"/usr/lib/postgresql/{versions[-1]}/bin"
        self.user = None
        self.prefix = []
        if os.geteuid() == 0:
            # PostgreSQL refuses root: pg_ctl runs as the owner of data/, as deploy/pg.sh does.
            self.user = pwd.getpwuid(os.stat(self.data).st_uid).pw_name
            if self.user == "root":
                raise ScenarioFailure(f"{self.data} belongs to root: not a cluster deploy/pg.sh created")
            self.prefix = ["runuser", "-u", self.user, "--"]
        self.log_path = os.path.join(self.dir, "log", "postgres.log")

    def pg_ctl(self, *args, timeout=90):
        """Runs pg_ctl -D data ARGS; returns (exit status, its output on one line)."""
        argv = self.prefix + [os.path.join(self.bin, "pg_ctl"), "-D", self.data, *args]
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        # Output to a file, not a pipe: the postmaster pg_ctl starts must hold nothing of ours.
        with tempfile.TemporaryFile() as out:
            try:
                result = subprocess.run(argv, cwd="/", env=env, stdin=subprocess.DEVNULL, stdout=out,
                                        stderr=subprocess.STDOUT, timeout=timeout)
            except subprocess.TimeoutExpired:
                return 124, f"pg_ctl {args[0]} did not return within {timeout} s"
            out.seek(0)
            return result.returncode, one_line(out.read().decode("utf-8", "replace"))

    def running(self):
        code, _ = self.pg_ctl("status", timeout=30)
        return code == 0

    def _check(self, what, code, output):
        if code != 0:
            raise ScenarioFailure(f"pg_ctl {what} failed (status {code}): {output} "
                                  f"| {' | '.join(tail(self.log_path, 3))}")

    def stop(self):
        self._check("stop", *self.pg_ctl("stop", "-m", "fast", "-w", "-t", "60", "-s"))

    def start(self):
        self._check("start", *self.pg_ctl("start", "-w", "-t", "60", "-s", "-l", self.log_path))

    def restart(self):
        self._check("restart", *self.pg_ctl("restart", "-m", "fast", "-w", "-t", "60", "-s", "-l", self.log_path))

    def ensure_running(self):
        """Leaves the cluster running, whatever happened: pg_ctl start, else deploy/pg.sh's pg_start."""
        if self.running():
            return True
        log(f"PostgreSQL in {self.dir} is not running: starting it")
        code, output = self.pg_ctl("start", "-w", "-t", "60", "-s", "-l", self.log_path)
        if code == 0:
            return True
        log(f"pg_ctl start failed ({output}); trying deploy/pg.sh's pg_start")
        result = subprocess.run(
            ["bash", "-c", 'source deploy/pg.sh && pg_start "$1" "$2"', "pg_start", self.dir, self.port],
            cwd=REPO, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            log(f"pg_start failed: {one_line(result.stderr or result.stdout)}")
            return False
        return True


class Database:
    """psql as the owner role, over TCP, on one database of the cluster."""

    def __init__(self, cluster_env, name):
        self.name = name
        self.argv = ["psql", "-X", "-q", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=1",
                     "-h", cluster_env["HUB_DB_HOST"], "-p", cluster_env["HUB_DB_PORT"],
                     "-U", cluster_env["HUB_DB_OWNER_USER"], "-d", name]
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        self.env["PGPASSWORD"] = cluster_env["HUB_DB_OWNER_PASSWORD"]
        self.env["PGCONNECT_TIMEOUT"] = "10"

    def run(self, sql):
        try:
            result = subprocess.run(self.argv, input=sql, env=self.env, capture_output=True, text=True, timeout=60)
        except subprocess.TimeoutExpired:
            raise ScenarioFailure("psql did not answer within 60 s") from None
        if result.returncode != 0:
            raise ScenarioFailure(f"psql failed: {one_line(result.stderr)}")
        return [line.split("\t") for line in result.stdout.splitlines() if line]


# MARK: - HTTP


class Record:
    """One request of the load: what was sent, when, and what came back."""

    __slots__ = ("thread", "phase", "method", "path", "sent", "done", "connected", "status", "ctype",
                 "retry_after", "request_id", "outcome", "error", "snippet")

    def __init__(self, thread, phase, method, path):
        self.thread, self.phase, self.method, self.path = thread, phase, method, path
        self.sent = self.done = None
        self.connected = False
        self.status = None
        self.ctype = self.retry_after = self.request_id = self.error = self.snippet = ""
        self.outcome = None  # answered | refused | connect-timeout | connect-error | timeout | reset

    @property
    def answered(self):
        return self.outcome == "answered"

    @property
    def latency(self):
        return self.done - self.sent

    @property
    def needs_db(self):
        return self.path.startswith("/v1/")

    @property
    def ok(self):
        return self.answered and 200 <= self.status < 300

    @property
    def good(self):
        """2xx, or a 503 that says so properly: problem+json with Retry-After."""
        return self.ok or (self.answered and self.status == 503 and self.problem_json and bool(self.retry_after))

    @property
    def problem_json(self):
        return self.ctype.split(";")[0].strip().lower() == "application/problem+json"

    def describe(self):
        what = f"{self.method} {self.path.split('?')[0]} (sent {rel(self.sent)}, {self.thread})"
        if not self.answered:
            return f"{what}: no answer: {self.outcome} after {self.latency:.2f} s ({self.error})"
        missing = []
        if self.status == 503:
            if not self.problem_json:
                missing.append("not problem+json")
            if not self.retry_after:
                missing.append("no Retry-After")
        return (f"{what}: {self.status} in {self.latency:.2f} s, Content-Type {self.ctype or '-'}, "
                f"Retry-After {self.retry_after or '-'}, X-Request-Id {self.request_id or '-'}"
                + (f" [{', '.join(missing)}]" if missing else "")
                + (f" {self.snippet}" if self.snippet and not self.ok else ""))


def call(port, method, path, token=None, body=None, timeout=REQUEST_TIMEOUT_S, record=None):
    """One request on a fresh connection; never raises for network trouble, records it.
    Returns (record, body bytes or None)."""
    record = record or Record("-", "-", method, path)
    headers = {"Connection": "close", "Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    record.sent = now()
    try:
        try:
            connection.connect()
        except ConnectionRefusedError as error:
            record.outcome, record.error = "refused", type(error).__name__
            return record, None
        except TimeoutError as error:
            record.outcome, record.error = "connect-timeout", type(error).__name__
            return record, None
        except OSError as error:
            record.outcome, record.error = "connect-error", f"{type(error).__name__}: {error}"
            return record, None
        record.connected = True
        try:
            connection.request(method, path, body=data, headers=headers)
            response = connection.getresponse()
            payload = response.read()
        except TimeoutError as error:
            record.outcome, record.error = "timeout", type(error).__name__
            return record, None
        except (OSError, http.client.HTTPException) as error:
            record.outcome, record.error = "reset", f"{type(error).__name__}: {error}"
            return record, None
        record.outcome = "answered"
        record.status = response.status
        record.ctype = response.getheader("Content-Type") or ""
        record.retry_after = response.getheader("Retry-After") or ""
        record.request_id = response.getheader("X-Request-Id") or ""
        if not (200 <= response.status < 300):
            record.snippet = one_line(payload.decode("utf-8", "replace"), 160)
        return record, payload
    finally:
        record.done = now()
        connection.close()


# MARK: - The hub


class Hub:
    def __init__(self, binary, cluster_env, database, workdir, log_level):
        self.binary = binary
        self.workdir = workdir
        self.process = None
        self.port = None
        self.log_path = os.path.join(workdir, "hub.log")
        # The cluster's database settings only: any other HUB_ setting of the caller would change the run.
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
        self.env.update({k: v for k, v in cluster_env.items() if k.startswith("HUB_DB_")})
        self.env.update({
            "HUB_DB_NAME": database,
            "HUB_MIGRATIONS_DIR": os.path.join(REPO, "sql"),
            "HUB_HOST": "127.0.0.1",
            "HUB_MODE": "demo",
            "HUB_NOTIFY_DISPATCHER": "on",
            "HUB_NOTIFY_POLL_MS": "500",
            "HUB_INDICATORS_REFRESH_SECONDS": "2",
            "HUB_LOG_LEVEL": log_level,
        })

    def command(self, *args, timeout=180):
        """A one-shot `hub ARGS`; its standard output."""
        try:
            result = subprocess.run([self.binary, *args], env=self.env, stdin=subprocess.DEVNULL,
                                    capture_output=True, text=True, timeout=timeout, preexec_fn=_die_with_parent)
        except subprocess.TimeoutExpired:
            raise ScenarioFailure(f"hub {' '.join(args)} did not end within {timeout} s") from None
        if result.returncode != 0:
            raise ScenarioFailure(f"hub {' '.join(args)} failed (status {result.returncode}): "
                                  + one_line(result.stderr or result.stdout))
        return result.stdout

    def start(self):
        self.port = free_port()
        env = dict(self.env, HUB_PORT=str(self.port))
        started = now()
        self.process = Children.spawn([self.binary, "serve"], env, self.log_path)
        deadline = started + READY_WAIT_S
        while True:
            if self.process.poll() is not None:
                raise ScenarioFailure(f"hub stopped before ready, {exit_status(self.process)}: "
                                      + " | ".join(tail(self.log_path, 3)))
            record, _ = call(self.port, "GET", "/health/ready", timeout=5)
            if record.answered and record.status == 200:
                return now() - started
            if now() > deadline:
                raise ScenarioFailure(f"hub not ready within {READY_WAIT_S:.0f} s (log {self.log_path})")
            time.sleep(0.1)

    def alive(self):
        return self.process is not None and self.process.poll() is None


# MARK: - Load


class Load:
    """Threads that each loop over their requests until stopped; every request is recorded with
    the phase current when it was sent."""

    def __init__(self, port):
        self.port = port
        self.phase = "load"
        self.records = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.plans = []
        self.threads = []

    def add(self, name, steps, pause=PAUSE_S):
        """steps: [(method, path, token, body or None)], in rotation."""
        self.plans.append((name, steps, pause))

    def start(self):
        for name, steps, pause in self.plans:
            thread = threading.Thread(target=self._run, args=(name, steps, pause), name=name, daemon=True)
            thread.start()
            self.threads.append(thread)

    def _run(self, name, steps, pause):
        i = 0
        while not self.stopping.is_set():
            method, path, token, body = steps[i % len(steps)]
            i += 1
            record = Record(name, self.phase, method, path)
            call(self.port, method, path, token, body, record=record)
            with self.lock:
                self.records.append(record)
            self.stopping.wait(pause)

    def stop(self, wait_s):
        """Stops sending; waits at most wait_s for the requests still in flight. Returns how many
        threads were still waiting for an answer after that."""
        self.stopping.set()
        deadline = now() + wait_s
        for thread in self.threads:
            thread.join(max(0.0, deadline - now()))
        return sum(1 for t in self.threads if t.is_alive())

    def snapshot(self):
        with self.lock:
            return list(self.records)

    def wait_for(self, predicate, timeout):
        """The first record (in completion order) for which predicate holds, waiting at most timeout."""
        deadline = now() + timeout
        seen = 0
        while True:
            with self.lock:
                fresh = self.records[seen:]
                seen = len(self.records)
            for record in fresh:
                if predicate(record):
                    return record
            if now() > deadline:
                return None
            time.sleep(0.01)


# MARK: - Phases


class Run:
    def __init__(self, cluster, hub, load):
        self.cluster, self.hub, self.load = cluster, hub, load
        self.marks = {}
        self.failures = []
        self.figures = {}

    def fail(self, message):
        log(f"FAILED: {message}")
        self.failures.append(message)


def phase_outage(run):
    cluster, load = run.cluster, run.load
    load.phase = "outage"
    log(f"outage: load running; stopping PostgreSQL (pg_ctl stop -m fast) for {OUTAGE_DOWN_S:.0f} s")
    time.sleep(0.5)
    stop = now()
    cluster.stop()
    stopped = now()
    log(f"outage: PostgreSQL stopped at {rel(stop)} (pg_ctl stop took {stopped - stop:.2f} s)")
    time.sleep(max(0.0, stopped + OUTAGE_DOWN_S - now()))
    start = now()
    cluster.start()
    started = now()
    log(f"outage: PostgreSQL started at {rel(start)}, pg_ctl start returned at {rel(started)} "
        f"(took {started - start:.2f} s, down {start - stopped:.1f} s)")
    first = load.wait_for(lambda r: r.ok and r.needs_db and r.done >= start, RECOVERY_WAIT_S)
    if first is None:
        log(f"outage: no 2xx of a request needing the database within {RECOVERY_WAIT_S:.0f} s of the start")
    else:
        log(f"outage: first 2xx needing the database at {rel(first.done)} ({first.method} {first.path})")
    time.sleep(AFTER_S)
    run.marks["outage"] = {"stop": stop, "stopped": stopped, "start": start, "started": started}


def phase_restart(run):
    cluster, load = run.cluster, run.load
    load.phase = "restart"
    log(f"restart: load running; pg_ctl restart -m fast {RESTARTS} times")
    restarts = []
    for i in range(RESTARTS):
        time.sleep(1.0)
        issued = now()
        cluster.restart()
        returned = now()
        first = load.wait_for(lambda r: r.ok and r.needs_db and r.done >= returned, RESTART_RECOVERY_WAIT_S)
        log(f"restart {i + 1}: pg_ctl restart at {rel(issued)} took {returned - issued:.2f} s; "
            + (f"first 2xx needing the database {first.done - returned:.2f} s after it returned" if first else
               f"no 2xx needing the database within {RESTART_RECOVERY_WAIT_S:.0f} s"))
        restarts.append((issued, returned))
    time.sleep(2.0)
    run.marks["restart"] = restarts


def phase_sigterm(run):
    hub, load = run.hub, run.load
    load.phase = "sigterm"
    log("sigterm: load running; SIGTERM to the hub")
    time.sleep(1.5)
    term = now()
    hub.process.send_signal(signal.SIGTERM)
    log(f"sigterm: SIGTERM sent at {rel(term)}")
    deadline = term + SIGTERM_EXIT_S
    while hub.process.poll() is None and now() < deadline:
        time.sleep(0.01)
    exited = now()
    killed = False
    if hub.process.poll() is None:
        killed = True
        log(f"sigterm: the hub has not exited {SIGTERM_EXIT_S:.0f} s after SIGTERM: SIGKILL")
        Children.kill(hub.process)
    else:
        log(f"sigterm: the hub exited {exited - term:.2f} s after SIGTERM, {exit_status(hub.process)}")
    time.sleep(0.5)  # connections refused once the listener is gone
    run.marks["sigterm"] = {"term": term, "exited": None if killed else exited,
                            "code": hub.process.returncode, "killed": killed}


PHASES = {"outage": phase_outage, "restart": phase_restart, "sigterm": phase_sigterm}


# MARK: - Figures and criteria


NOT_CONNECTED = ("refused", "connect-timeout", "connect-error")


def phase_figures(phase, records):
    """One line of figures for a phase; returns the counters too."""
    answered = [r for r in records if r.answered]
    lost = collections.Counter(r.outcome for r in records if not r.answered)
    statuses = collections.Counter(r.status for r in answered)
    n2xx = sum(n for s, n in statuses.items() if 200 <= s < 300)
    n503 = statuses.get(503, 0)
    bad503 = sum(1 for r in answered if r.status == 503 and not r.good)
    others = {s: n for s, n in sorted(statuses.items()) if not (200 <= s < 300) and s != 503}
    slowest = max((r.latency for r in answered), default=0.0)
    lost_text = ", ".join(f"{k} {n}" for k, n in sorted(lost.items()))
    log(f"{phase}: {len(records)} requests, {len(answered)} answered, {sum(lost.values())} without answer"
        + (f" ({lost_text})" if lost else "")
        + f"; 2xx {n2xx}, 503 {n503}" + (f" ({bad503} without problem+json or Retry-After)" if bad503 else "")
        + f", other {sum(others.values())}" + (f" ({', '.join(f'{s} x{n}' for s, n in others.items())})"
                                                 if others else "")
        + f"; slowest answer {slowest:.2f} s")
    return {"total": len(records), "answered": len(answered), "lost": lost, "n2xx": n2xx, "n503": n503,
            "others": others, "bad": [r for r in answered if not r.good], "statuses": statuses}


def show_examples(phase, records, limit=4, origin=None):
    for record in records[:limit]:
        when = "" if origin is None else f" [sent {record.sent - origin:+.3f} s from SIGTERM]"
        log(f"{phase}:   {record.describe()}{when}")
    if len(records) > limit:
        log(f"{phase}:   … and {len(records) - limit} more")


def answers_rule(run, phase, records, strict=False, allowed_lost=(), origin=None):
    """Every request answered (but outcomes in allowed_lost), every answer 2xx (strict) or 2xx /
    503 problem+json with Retry-After."""
    lost = [r for r in records if not r.answered and r.outcome not in allowed_lost]
    if lost:
        kinds = collections.Counter(r.outcome for r in lost)
        slow = max(r.latency for r in lost)
        show_examples(phase, sorted(lost, key=lambda r: r.sent), origin=origin)
        run.fail(f"{phase}: {len(lost)} requests without an answer "
                 f"({', '.join(f'{k} {n}' for k, n in sorted(kinds.items()))}; waited up to {slow:.1f} s)")
    bad = [r for r in records if r.answered and not (r.ok if strict else r.good)]
    if bad:
        statuses = collections.Counter(r.status for r in bad)
        show_examples(phase, sorted(bad, key=lambda r: r.sent), origin=origin)
        detail = ", ".join(f"{s} x{n}" for s, n in sorted(statuses.items()))
        if 401 in statuses:
            detail += "; 401: a valid token refused while the database was away"
        if 503 in statuses:
            detail += "; 503 without problem+json or Retry-After"
        expected = "2xx" if strict else "2xx or 503 problem+json with Retry-After"
        run.fail(f"{phase}: {len(bad)} answers not {expected} ({detail})")


def evaluate(run, phases):
    records = run.load.snapshot()
    by_phase = collections.defaultdict(list)
    for record in records:
        by_phase[record.phase].append(record)
    for phase in ["load"] + phases:
        mine = sorted(by_phase.get(phase, []), key=lambda r: r.sent)
        figures = phase_figures(phase, mine)
        run.figures[phase] = figures
        if phase == "load":
            answers_rule(run, phase, mine, strict=True)
        elif phase == "outage" and "outage" in run.marks:
            evaluate_outage(run, mine, records, figures)
        elif phase == "restart" and "restart" in run.marks:
            evaluate_restart(run, mine, records, figures)
        elif phase == "sigterm" and "sigterm" in run.marks:
            evaluate_sigterm(run, mine, figures)
        elif phase in phases:
            run.fail(f"{phase}: did not run to its end")
    return records


def evaluate_outage(run, mine, records, figures):
    m = run.marks["outage"]
    answers_rule(run, "outage", mine)
    # Answers to requests of the baseline or of this phase (a later phase has its own figures).
    outage = [r for r in records if r.phase in ("load", "outage")]
    after_stop = sorted((r for r in outage if r.answered and r.done >= m["stop"]), key=lambda r: r.done)
    first_503 = next((r for r in after_stop if r.status == 503), None)
    first_not_ok = next((r for r in after_stop if not r.ok), None)
    run.figures["first_503"] = None if first_503 is None else first_503.done - m["stop"]
    if first_503 is not None:
        log(f"outage: first 503 {first_503.done - m['stop']:.2f} s after the stop "
            f"({first_503.method} {first_503.path.split('?')[0]}, sent {rel(first_503.sent)})")
        first_db_503 = next((r for r in after_stop if r.status == 503 and r.needs_db), None)
        if first_db_503 is not None and first_db_503 is not first_503:
            log(f"outage: first 503 of a request needing the database {first_db_503.done - m['stop']:.2f} s "
                f"after the stop ({first_db_503.method} {first_db_503.path.split('?')[0]})")
        if first_503.done - m["stop"] >= FIRST_503_MAX_S:
            run.fail(f"outage: first 503 {first_503.done - m['stop']:.2f} s after the stop "
                     f"(limit {FIRST_503_MAX_S:.0f} s)")
    else:
        other = (f"; first answer other than 2xx: {first_not_ok.status} {first_not_ok.done - m['stop']:.2f} s "
                 f"after the stop" if first_not_ok else "")
        log(f"outage: no 503 at all after the stop{other}")
        run.fail(f"outage: no 503 while PostgreSQL was down{other}")

    recovered = sorted((r for r in outage if r.ok and r.needs_db and r.done >= m["start"]), key=lambda r: r.done)
    recovery = None if not recovered else max(0.0, recovered[0].done - m["started"])
    run.figures["recovery"] = recovery
    if recovery is None:
        run.fail(f"outage: no 2xx of a request needing the database after PostgreSQL came back")
    else:
        log(f"outage: recovery {recovery:.2f} s (first 2xx needing the database after pg_ctl start returned: "
            f"{recovered[0].method} {recovered[0].path.split('?')[0]}, sent {rel(recovered[0].sent)})")
        if recovery >= RECOVERY_MAX_S:
            run.fail(f"outage: recovery {recovery:.2f} s after pg_ctl start returned (limit {RECOVERY_MAX_S:.0f} s)")

    probes = [r for r in records if r.path == "/health/ready"
              and m["stopped"] <= r.sent <= m["start"] - HEALTH_503_MAX_S]
    fine = [r for r in probes if r.answered and r.status == 503 and r.latency <= HEALTH_503_MAX_S]
    statuses = collections.Counter(r.status if r.answered else r.outcome for r in probes)
    slowest = max((r.latency for r in probes), default=0.0)
    run.figures["health"] = (len(probes), len(fine), slowest)
    log(f"outage: /health/ready while down: {len(probes)} probes, {len(fine)} answered 503 within "
        f"{HEALTH_503_MAX_S:.0f} s ({', '.join(f'{k} x{n}' for k, n in statuses.items()) or 'none'}), "
        f"slowest {slowest:.2f} s")
    if not probes:
        stuck = [r for r in records if r.path == "/health/ready" and r.sent < m["stopped"] and
                 r.done > m["stopped"]]
        why = (f" (the prober was waiting for a probe sent at {rel(stuck[0].sent)}, answered after "
               f"{stuck[0].latency:.1f} s)" if stuck else "")
        run.fail(f"outage: no /health/ready probe while PostgreSQL was down{why}")
    elif len(fine) != len(probes):
        worst = max((r for r in probes if r not in fine), key=lambda r: r.latency)
        run.fail(f"outage: /health/ready while down: {len(probes) - len(fine)} of {len(probes)} probes not a 503 "
                 f"within {HEALTH_503_MAX_S:.0f} s (worst: {worst.status if worst.answered else worst.outcome} "
                 f"after {worst.latency:.2f} s)")


def evaluate_restart(run, mine, records, figures):
    restarts = run.marks["restart"]
    answers_rule(run, "restart", mine)
    for i, (issued, returned) in enumerate(restarts, 1):
        end = restarts[i][0] if i < len(restarts) else float("inf")
        window = [r for r in records if r.answered and issued <= r.done < end]
        n503 = sum(1 for r in window if r.status == 503)
        recovered = sorted((r for r in window if r.ok and r.needs_db and r.done >= returned), key=lambda r: r.done)
        recovery = f"{recovered[0].done - returned:.2f} s" if recovered else "never"
        log(f"restart {i}: pg_ctl restart took {returned - issued:.2f} s; {n503} answers 503 until the next; "
            f"first 2xx needing the database {recovery} after it returned")


def evaluate_sigterm(run, mine, figures):
    m = run.marks["sigterm"]
    # The boundary is a few milliseconds wide: a request is stamped before its connection is
    # made, so one stamped just before SIGTERM may reach a hub already closing its idle
    # connections (seen once: stamped 1 ms before, reset unread). Such a request is judged
    # with those sent after.
    boundary = m["term"] - SIGTERM_RACE_S
    before = [r for r in mine if r.sent < boundary]
    after = [r for r in mine if r.sent >= boundary]
    refused = [r for r in after if r.outcome in NOT_CONNECTED]
    accepted = [r for r in mine if r.connected]
    log(f"sigterm: {len(before)} requests sent before SIGTERM, {len(after)} after (or within "
        f"{SIGTERM_RACE_S * 1000:.0f} ms before); {len(accepted)} got a "
        f"connection, {len(refused)} refused after SIGTERM (listener closed, counted apart)")
    # Sent before SIGTERM: the hub was listening; a refusal there is a request lost.
    answers_rule(run, "sigterm", before, origin=m["term"])
    # Sent after it: refused once the listener is closed, or, for a connection the kernel took
    # just before, closed unread as HTTP/1.1 lets a server close an idle connection (the client
    # retries); a request the hub read is answered.
    closed_unread = [r for r in after if r.outcome == "reset"]
    if closed_unread:
        log(f"sigterm: {len(closed_unread)} connections opened after SIGTERM closed before their request was read")
    answers_rule(run, "sigterm (after SIGTERM)", after, allowed_lost=NOT_CONNECTED + ("reset",), origin=m["term"])
    if m["killed"]:
        run.figures["sigterm_exit"] = None
        run.fail(f"sigterm: the hub did not exit within {SIGTERM_EXIT_S:.0f} s of SIGTERM (SIGKILLed)")
    else:
        exit_s = m["exited"] - m["term"]
        run.figures["sigterm_exit"] = exit_s
        log(f"sigterm: exit {exit_s:.2f} s after SIGTERM, status {m['code']}")
        if m["code"] != 0:
            run.fail(f"sigterm: the hub exited with status {m['code']} after SIGTERM, not 0")


def summary(run, records, phases, duration):
    answered = [r for r in records if r.answered]
    statuses = collections.Counter(r.status for r in answered)
    refused_after = 0
    if "sigterm" in run.marks:
        refused_after = sum(1 for r in records if r.phase == "sigterm" and r.sent >= run.marks["sigterm"]["term"]
                            and r.outcome in NOT_CONNECTED)
    lost = len(records) - len(answered) - refused_after
    n2xx = sum(n for s, n in statuses.items() if 200 <= s < 300)
    others = {s: n for s, n in sorted(statuses.items()) if not (200 <= s < 300) and s != 503}

    def seconds(key):
        value = run.figures.get(key, "n/a")
        return value if isinstance(value, str) else ("none" if value is None else f"{value:.2f} s")

    sig = run.marks.get("sigterm")
    if sig is None:
        sig_text = "n/a"
    elif sig["killed"]:
        sig_text = f"no exit within {SIGTERM_EXIT_S:.0f} s (SIGKILLed, {exit_status(run.hub.process)})"
    else:
        sig_text = f"{sig['exited'] - sig['term']:.2f} s, code {sig['code']}"
    log(f"summary: {len(records)} requests, {len(answered)} answered, {lost} without answer"
        + (f" (+{refused_after} refused after SIGTERM)" if sig else "")
        + f"; 2xx {n2xx}, 503 {statuses.get(503, 0)}, other {sum(others.values())}"
        + (f" ({', '.join(f'{s} x{n}' for s, n in others.items())})" if others else "")
        + f"; first 503 {seconds('first_503')}; recovery {seconds('recovery')}; SIGTERM exit {sig_text}; "
        + f"phases {'+'.join(['load'] + phases)}; duration {duration:.1f} s")


def write_records(path, records):
    with open(path, "w") as f:
        f.write("thread\tphase\tmethod\tpath\tsent\tdone\tlatency\toutcome\tstatus\tcontent_type\tretry_after\t"
                "request_id\terror\n")
        for r in sorted(records, key=lambda r: r.sent):
            f.write("\t".join(str(x) for x in (
                r.thread, r.phase, r.method, r.path, f"{r.sent - T0:.3f}", f"{r.done - T0:.3f}",
                f"{r.latency:.3f}", r.outcome, r.status or "", r.ctype, r.retry_after, r.request_id,
                r.error)) + "\n")


# MARK: - Set-up


def parse_organisations(text):
    """seed-demo --print-logins: lines '  <uuid>  <name>' after 'Organisations :'."""
    orgs = {}
    for line in text.splitlines():
        match = re.match(r"^\s+([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\s+(\S.*)$", line)
        if match:
            orgs[match.group(2).strip()] = match.group(1)
    return orgs


def sign_in(port, email, organisation_id):
    record, payload = call(port, "POST", "/v1/sessions",
                           body={"email": email, "password": PASSWORD, "organisationId": organisation_id},
                           timeout=60)
    if not record.answered or record.status != 201:
        raise ScenarioFailure(f"sign-in of {email} failed: {record.describe()}")
    return json.loads(payload)["token"]


def prepare_load(hub, organisations):
    users = {"claire": ("claire.martin@alfi.demo", "ALFI"),
             "sophie": ("sophie.bernard@alfi.demo", "ALFI"),
             "julie": ("julie.moreau@antin.demo", "Antin Résidences"),
             "nadia": ("nadia.benali@croix-rouge.demo", "Croix-Rouge française")}
    tokens = {}
    for key, (email, organisation) in users.items():
        if organisation not in organisations:
            raise ScenarioFailure(f"seed-demo --print-logins did not list {organisation!r}")
        tokens[key] = sign_in(hub.port, email, organisations[organisation])
    record, payload = call(hub.port, "GET", "/v1/households?limit=50", tokens["claire"], timeout=30)
    if not record.ok:
        raise ScenarioFailure(f"listing households as claire.martin@alfi.demo: {record.describe()}")
    household = next((h["id"] for h in json.loads(payload)["items"] if h.get("reference") == HOUSEHOLD), None)
    if household is None:
        raise ScenarioFailure(f"household {HOUSEHOLD} not listed for claire.martin@alfi.demo")
    one = f"/v1/households/{household}"
    starts_at = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=30)) \
        .strftime("%Y-%m-%dT%H:%M:%SZ")
    meeting = {"kind": "phone", "status": "planned", "startsAt": starts_at}
    load = Load(hub.port)
    load.add("claire-read", [("GET", one, tokens["claire"], None), ("GET", "/v1/me", tokens["claire"], None)])
    load.add("claire-write", [("POST", f"{one}/meetings", tokens["claire"], meeting),
                              ("GET", one, tokens["claire"], None), ("GET", "/v1/households", tokens["claire"], None)],
             pause=0.3)
    load.add("julie", [("GET", "/v1/me", tokens["julie"], None), ("GET", "/v1/households", tokens["julie"], None),
                       ("GET", one, tokens["julie"], None)])
    load.add("sophie", [("GET", "/v1/households", tokens["sophie"], None), ("GET", "/v1/me", tokens["sophie"], None)])
    load.add("nadia", [("GET", "/v1/me", tokens["nadia"], None), ("GET", one, tokens["nadia"], None)])
    load.add("health", [("GET", "/health/ready", None, None)], pause=HEALTH_PAUSE_S)
    return load, household


# MARK: - Main


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("hub", help="path to the hub binary")
    parser.add_argument("--pgdir", required=True, help="the cluster directory deploy/pg.sh's pg_start created")
    parser.add_argument("--phase", choices=["outage", "restart", "sigterm", "all"], default="all",
                        help="run one phase only (after the baseline load); default all, in that order")
    parser.add_argument("--keep", action="store_true", help="keep the work directory even on success")
    parser.add_argument("--hub-log-level", default="warning", help="HUB_LOG_LEVEL of the hub (default warning)")
    args = parser.parse_args()
    args.hub = os.path.abspath(args.hub)
    phases = ["outage", "restart", "sigterm"] if args.phase == "all" else [args.phase]

    # SIGTERM/SIGHUP end the run like Ctrl-C does: through the cleanup below.
    def stop(signum, _frame):
        raise KeyboardInterrupt(signal.Signals(signum).name)
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGHUP, stop)

    workdir = tempfile.mkdtemp(prefix="db-outage-")
    log(f"phases: {' '.join(phases)}; work directory {workdir}")
    failure = None
    cluster = admin = database = hub = load = run = None
    records = []
    try:
        if not os.access(args.hub, os.X_OK):
            raise ScenarioFailure(f"no hub binary at {args.hub}")
        cluster = Cluster(args.pgdir)
        log(f"cluster {cluster.dir} on {cluster.env['HUB_DB_HOST']}:{cluster.port}, pg_ctl from {cluster.bin}"
            + (f" as {cluster.user}" if cluster.user else ""))
        if not cluster.running():
            if not cluster.ensure_running():
                raise ScenarioFailure(f"cannot start the cluster in {cluster.dir}")
        admin = Database(cluster.env, cluster.env["HUB_DB_NAME"])
        name = f"db_outage_{uuid.uuid4().hex[:10]}"
        admin.run(f"CREATE DATABASE {name};")
        database = name
        hub = Hub(args.hub, cluster.env, database, workdir, args.hub_log_level)
        hub.command("migrate")
        hub.command("seed-demo")
        organisations = parse_organisations(hub.command("seed-demo", "--print-logins"))
        log(f"database {database} created, migrated, demo seeded ({len(organisations)} organisations)")
        ready = hub.start()
        log(f"hub serving on 127.0.0.1:{hub.port} (pid {hub.process.pid}), ready after {ready:.1f} s")
        load, household = prepare_load(hub, organisations)
        run = Run(cluster, hub, load)
        log(f"load: {len(load.plans)} threads ({', '.join(p[0] for p in load.plans)}), household {HOUSEHOLD} "
            f"= {household}; {BASELINE_S:.0f} s with PostgreSQL up")
        load.start()
        time.sleep(BASELINE_S)
        for phase in phases:
            if not hub.alive():
                raise ScenarioFailure(f"the hub stopped by itself before the {phase} phase, "
                                      f"{exit_status(hub.process)}")
            PHASES[phase](run)
        if "sigterm" not in phases and not hub.alive():
            raise ScenarioFailure(f"the hub stopped by itself, {exit_status(hub.process)}")
    except ScenarioFailure as error:
        failure = str(error)
    except KeyboardInterrupt as error:
        failure = f"interrupted ({str(error) or 'SIGINT'})"
    except Exception as error:  # a bug of this script: still a failure, with its traceback
        traceback.print_exc()
        failure = f"unexpected {type(error).__name__}: {error}"
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        if load is not None:
            # Requests still in flight get their timeout to answer, unless the run was interrupted.
            interrupted = failure is not None and failure.startswith("interrupted")
            stuck = load.stop(1.0 if interrupted else REQUEST_TIMEOUT_S + 2)
            if stuck:
                log(f"{stuck} load threads still waiting for an answer when the run ended")
        Children.kill_all()
        # Whatever happened, the cluster is left running.
        if cluster is not None and not cluster.ensure_running():
            log(f"could not leave the cluster in {cluster.dir} running")
            failure = failure or f"could not restart the cluster in {cluster.dir}"
        if database is not None:
            try:
                admin.run(f"DROP DATABASE {database} WITH (FORCE);")
            except ScenarioFailure as error:
                log(f"could not drop database {database}: {error}")

    if run is not None:
        try:
            records = evaluate(run, phases)
            write_records(os.path.join(workdir, "requests.tsv"), records)
        except Exception as error:
            traceback.print_exc()
            failure = failure or f"unexpected {type(error).__name__} while evaluating: {error}"
    failures = ([failure] if failure else []) + (run.failures if run else [])
    if failures and hub is not None:
        lines = tail(hub.log_path)
        if lines:
            print("--- tail of hub.log", flush=True)
            print("\n".join(lines), flush=True)
    duration = time.monotonic() - T0
    if run is not None:
        summary(run, records, phases, duration)
    if failures:
        log(f"work directory kept: {workdir} (requests.tsv: every request)")
        log(f"FAIL in {duration:.1f} s: " + (failures[0] if len(failures) == 1 else
                                             f"{len(failures)} criteria failed: " + "; ".join(failures)))
        return 1
    if args.keep:
        log(f"work directory kept: {workdir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    log(f"PASS in {duration:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
