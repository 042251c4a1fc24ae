#!/usr/bin/python3
"""Notify under crashes and with two processes: the proof that delivery is at least once and
that a receiver deduplicating by event id applies every event exactly once.

    /usr/bin/python3 Tests/scenarios/notify_crash.py <hub binary> [--seed N]

Needs the cluster env of deploy/pg.sh (HUB_DB_HOST, HUB_DB_PORT, HUB_DB_NAME, HUB_DB_USER,
HUB_DB_PASSWORD, HUB_DB_OWNER_USER, HUB_DB_OWNER_PASSWORD), the `psql` client, and Debian's
python3-aiosmtpd (hence /usr/bin/python3). Python standard library only. The run creates a
database of its own in that cluster (hub_owner has CREATEDB), migrates it with `<hub> migrate`
and drops it at the end, so that nothing left pending in HUB_DB_NAME competes with it.

1. crash: 3000 events for one organisation (one webhook and one e-mail each). The hub is
   SIGKILLed and restarted 6 times at random moments while it delivers, and the SMTP server
   is SIGKILLed and restarted once. Then: every event applied exactly once by the webhook
   receiver (which deduplicates by Hub-Event-Id and counts the duplicates it absorbs), one
   e-mail per e-mail delivery (unique Message-IDs), no dead letter.
2. pair: two hub processes on the same database, 2000 events raised while both run. The
   receiver must see each event exactly once in total: no duplicate at all.

Exit 0 on success, 1 with a one-line reason (last line of output) on failure. Every child
(hubs, aiosmtpd) is killed on exit, failures and Ctrl-C included.
"""

import argparse
import collections
import ctypes
import email.parser
import email.policy
import hashlib
import hmac
import http.client
import http.server
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.parse
import uuid

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOPIC = "agendaPublished"

CRASH_EVENTS = 3000
CRASH_KILLS = 6
CRASH_TIMEOUT_S = 120
PAIR_EVENTS = 2000
PAIR_BATCHES = 4
PAIR_TIMEOUT_S = 90


class ScenarioFailure(Exception):
    """A failed expectation: its message is the one-line reason printed at the end."""


def log(message):
    print(f"notify_crash: {message}", flush=True)


# MARK: - Children


_LIBC = ctypes.CDLL(None, use_errno=True)
_PR_SET_PDEATHSIG = 1


def _die_with_parent():
    # Runs in the child between fork and exec: SIGKILL it if this script dies without cleaning
    # up (itself SIGKILLed). Best effort; the normal path is Children.kill_all().
    _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


class Children:
    """Every process this script starts, so that all of them die with it."""

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
                process.kill()  # SIGKILL: nothing can block it, and it is the crash we want
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
    """How a child ended, for a failure message."""
    code = process.returncode
    if code is None:
        return "still running"
    if code < 0:
        return f"killed by {signal.Signals(-code).name}"
    if code == 0:
        # The hub exits 0 only after a graceful shutdown, i.e. a SIGTERM or SIGINT it received.
        return "exit 0 (a graceful shutdown: SIGTERM or SIGINT from outside this script?)"
    return f"exit {code}"


def tail(path, lines=25):
    try:
        with open(path, "rb") as f:
            data = f.read().decode("utf-8", "replace").splitlines()
    except OSError:
        return []
    return data[-lines:]


# MARK: - PostgreSQL (psql as the owner)


class Database:
    def __init__(self, env, name):
        missing = [k for k in ("HUB_DB_HOST", "HUB_DB_PORT", "HUB_DB_NAME", "HUB_DB_USER", "HUB_DB_PASSWORD",
                               "HUB_DB_OWNER_USER", "HUB_DB_OWNER_PASSWORD") if not env.get(k)]
        if missing:
            raise ScenarioFailure(f"missing cluster env {', '.join(missing)} (source the cluster's env file)")
        self.name = name
        self.argv = ["psql", "-X", "-q", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=1",
                     "-h", env["HUB_DB_HOST"], "-p", env["HUB_DB_PORT"], "-U", env["HUB_DB_OWNER_USER"],
                     "-d", name]
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        self.env["PGPASSWORD"] = env["HUB_DB_OWNER_PASSWORD"]
        self.env["PGCONNECT_TIMEOUT"] = "10"

    def run(self, sql):
        """Runs `sql` (statements separated by ';'), returns the rows of its output as lists."""
        try:
            result = subprocess.run(self.argv, input=sql, env=self.env, capture_output=True, text=True, timeout=60)
        except subprocess.TimeoutExpired:
            raise ScenarioFailure("psql did not answer within 60 s") from None
        if result.returncode != 0:
            message = " ".join(result.stderr.split())
            raise ScenarioFailure(f"psql failed: {message[:300]}")
        return [line.split("\t") for line in result.stdout.splitlines() if line]


class Organisation:
    """An organisation with one service head (who gets the e-mails) and one webhook subscription."""

    def __init__(self, db, label, seed, receiver_url, secret):
        self.id = str(uuid.uuid4())
        self.user_id = str(uuid.uuid4())
        self.subscription_id = str(uuid.uuid4())
        suffix = uuid.uuid4().hex[:10]
        self.name = f"Scénario notify {label} {seed} {suffix}"
        self.email = f"head-{label}-{suffix}@scenario.test"
        db.run(f"""
            BEGIN;
            INSERT INTO organisations (id, name, kind) VALUES ('{self.id}', '{self.name}', 'supportOperator');
            INSERT INTO users (id, email, display_name, password_hash)
                VALUES ('{self.user_id}', '{self.email}', 'Chef de service {label}', 'not-a-password-hash');
            INSERT INTO memberships (user_id, organisation_id, roles, bound_by_secret)
                VALUES ('{self.user_id}', '{self.id}', ARRAY['serviceHead'], false);
            INSERT INTO webhook_subscriptions (id, organisation_id, url, topics, secret, created_by)
                VALUES ('{self.subscription_id}', '{self.id}', '{receiver_url}', ARRAY['{TOPIC}'],
                        decode('{secret.hex()}', 'hex'), '{self.user_id}');
            COMMIT;
        """)

    def raise_events(self, db, first, last):
        db.run(f"""
            INSERT INTO notify_events (id, topic, organisation_id, household_id, reference, link_path,
                                       organisation_ids)
            SELECT gen_random_uuid(), '{TOPIC}', '{self.id}', NULL, 'C-' || n, '/v1/comites/x',
                   ARRAY['{self.id}'::uuid]
            FROM generate_series({first}, {last}) AS n;
        """)

    def event_ids(self, db):
        return {row[0] for row in db.run(f"SELECT id FROM notify_events WHERE organisation_id = '{self.id}';")}

    def email_delivery_ids(self, db):
        return {row[0] for row in db.run(
            f"SELECT id FROM notify_deliveries WHERE organisation_id = '{self.id}' AND channel = 'email';")}

    def progress(self, db):
        """(events not yet fanned out, {(channel, status): count}) for this organisation."""
        rows = db.run(f"""
            SELECT 'unfanned', '', count(*) FROM notify_events
                WHERE organisation_id = '{self.id}' AND fanned_out_at IS NULL
            UNION ALL
            SELECT channel, status, count(*) FROM notify_deliveries
                WHERE organisation_id = '{self.id}' GROUP BY channel, status;
        """)
        unfanned = 0
        counts = {}
        for kind, status, n in rows:
            if kind == "unfanned":
                unfanned = int(n)
            else:
                counts[(kind, status)] = int(n)
        return unfanned, counts

    def retries(self, db):
        """{channel: (deliveries that needed more than one attempt, most attempts)}."""
        rows = db.run(f"""
            SELECT channel, count(*) FILTER (WHERE attempts > 1), max(attempts) FROM notify_deliveries
            WHERE organisation_id = '{self.id}' GROUP BY channel;
        """)
        return {channel: (int(n), int(most)) for channel, n, most in rows}

    def failures(self, db, status):
        rows = db.run(f"""
            SELECT channel, coalesce(last_error, '-'), max(attempts), count(*) FROM notify_deliveries
            WHERE organisation_id = '{self.id}' AND status = '{status}' GROUP BY 1, 2 ORDER BY 4 DESC LIMIT 5;
        """)
        return "; ".join(f"{c} last_error={e} attempts<={a}: {n}" for c, e, a, n in rows)


def describe(unfanned, counts):
    parts = [f"{channel} {status} {n}" for (channel, status), n in sorted(counts.items())]
    return f"unfanned events {unfanned}; " + (", ".join(parts) if parts else "no deliveries yet")


# MARK: - Webhook receiver


class Receiver:
    """A partner's webhook endpoint: verifies the signature, applies each event id once."""

    def __init__(self, secret, delay_s=0.003):
        self.secret = secret
        self.delay_s = delay_s
        self.lock = threading.Lock()
        self.requests = 0
        self.applied = {}  # event id -> port of the hub that delivered it first
        self.duplicates = 0
        self.by_hub = collections.Counter()  # hub port (from the link) -> requests
        self.errors = []
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                try:
                    status = receiver.handle(self)
                except Exception as error:  # a receiver bug must fail the run, not hang it
                    receiver.error(f"receiver error {type(error).__name__}: {error}")
                    status = 500
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        class Server(http.server.ThreadingHTTPServer):
            # The default backlog of 5 drops the SYNs of a dispatcher sending 16 at once: the
            # retransmission, a second later, then runs into the hub's webhook timeout.
            request_queue_size = 128
            daemon_threads = True

        self.server = Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, name="receiver", daemon=True)
        self.thread.start()

    def error(self, message):
        with self.lock:
            if len(self.errors) < 20:
                self.errors.append(message)

    def handle(self, request):
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length)
        if request.path != "/hook":
            self.error(f"webhook to unexpected path {request.path!r}")
            return 404
        event_id = request.headers.get("Hub-Event-Id") or ""
        timestamp = request.headers.get("Hub-Timestamp") or ""
        signature = request.headers.get("Hub-Signature") or ""
        expected = hmac.new(self.secret, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
        candidates = [part.strip()[3:] for part in signature.split(",") if part.strip().startswith("v1=")]
        if not any(hmac.compare_digest(c, expected) for c in candidates):
            self.error(f"bad signature for event {event_id or '?'} (Hub-Signature {signature[:80]!r})")
            return 401
        if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > 300:
            self.error(f"stale or missing Hub-Timestamp {timestamp!r} for event {event_id}")
            return 400
        payload = json.loads(body)
        if payload.get("id") != event_id or request.headers.get("Hub-Topic") != TOPIC \
                or payload.get("topic") != TOPIC:
            self.error(f"headers and body disagree for event {event_id}: {body[:200]!r}")
            return 400
        hub = urllib.parse.urlsplit(payload.get("link", "")).port
        with self.lock:
            self.requests += 1
            self.by_hub[hub] += 1
            if event_id in self.applied:
                self.duplicates += 1  # deduplication absorbs the redelivery
            else:
                self.applied[event_id] = hub  # "apply" the event
        # Answer a little later: a kill in this window is a delivery applied but not settled.
        time.sleep(self.delay_s)
        return 200

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


# MARK: - SMTP server (aiosmtpd)


class SMTPServer:
    def __init__(self, workdir):
        self.port = free_port()
        self.maildir = os.path.join(workdir, "maildir")
        self.log_path = os.path.join(workdir, "aiosmtpd.log")
        self.process = None
        self.starts = 0

    def start(self):
        self.starts += 1
        self.process = Children.spawn(
            ["/usr/bin/python3", "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{self.port}",
             "-c", "aiosmtpd.handlers.Mailbox", self.maildir],
            dict(os.environ), self.log_path)
        deadline = time.monotonic() + 20
        while True:
            if self.process.poll() is not None:
                raise ScenarioFailure(f"aiosmtpd stopped, {exit_status(self.process)}, on port {self.port}: "
                                      + " | ".join(tail(self.log_path, 3)))
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=2) as s:
                    if s.recv(512).startswith(b"220"):
                        s.sendall(b"QUIT\r\n")
                        return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise ScenarioFailure(f"aiosmtpd did not greet on port {self.port} within 20 s")
            time.sleep(0.05)

    def kill(self):
        Children.kill(self.process)

    def messages(self):
        """[(Message-ID without brackets, X-Hub-Event-Id, hub port from the link)] of every stored e-mail."""
        parser = email.parser.BytesParser(policy=email.policy.compat32)
        found = []
        for sub in ("new", "cur"):
            directory = os.path.join(self.maildir, sub)
            if not os.path.isdir(directory):
                continue
            for name in os.listdir(directory):
                with open(os.path.join(directory, name), "rb") as f:
                    message = parser.parse(f)
                message_id = (message.get("Message-ID") or "").strip().strip("<>")
                event_id = (message.get("X-Hub-Event-Id") or "").strip()
                text = (message.get_payload(decode=True) or b"").decode("utf-8", "replace")
                hub = None
                marker = text.find("http://127.0.0.1:")
                if marker >= 0:
                    hub = urllib.parse.urlsplit(text[marker:].split()[0]).port
                found.append((message_id, event_id, hub))
        return found


# MARK: - Hub processes


class Hub:
    def __init__(self, binary, env, database, workdir, name, smtp_port, log_level):
        self.binary = binary
        self.workdir = workdir
        self.name = name
        self.starts = 0
        self.process = None
        self.port = None
        self.log_path = None
        # Only the database settings of the caller's env: any other HUB_ setting would change the run.
        self.env = {k: v for k, v in env.items() if not k.startswith("HUB_") or k.startswith("HUB_DB_")}
        self.env.update({
            "HUB_DB_NAME": database,
            "HUB_MIGRATIONS_DIR": os.path.join(REPO, "sql"),
            "HUB_WEBHOOK_ALLOW_LOOPBACK": "1",
            "HUB_NOTIFY_LEASE_MS": "2000",
            "HUB_NOTIFY_POLL_MS": "200",
            "HUB_NOTIFY_RETRY_BASE_MS": "200",
            "HUB_NOTIFY_MAX_ATTEMPTS": "50",
            "HUB_WEBHOOK_TIMEOUT_MS": "1000",
            "HUB_SMTP_HOST": "127.0.0.1",
            "HUB_SMTP_PORT": str(smtp_port),
            "HUB_SMTP_FROM": "hub@scenario.test",
            "HUB_SMTP_TIMEOUT_MS": "1000",
            "HUB_LOG_LEVEL": log_level,
        })

    def start(self):
        """Starts a new process on a new port and waits for /health/ready."""
        self.starts += 1
        self.port = free_port()
        self.log_path = os.path.join(self.workdir, f"hub-{self.name}-{self.starts}.log")
        env = dict(self.env, HUB_PORT=str(self.port))
        self.process = Children.spawn([self.binary, "serve"], env, self.log_path)
        deadline = time.monotonic() + 60
        while True:
            if self.process.poll() is not None:
                raise ScenarioFailure(f"hub {self.name} stopped before ready, {exit_status(self.process)} "
                                      f"(log {self.log_path})")
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                connection.request("GET", "/health/ready")
                if connection.getresponse().status == 200:
                    connection.close()
                    return
                connection.close()
            except (OSError, http.client.HTTPException):
                pass
            if time.monotonic() > deadline:
                raise ScenarioFailure(f"hub {self.name} not ready within 60 s (log {self.log_path})")
            time.sleep(0.05)

    def kill(self):
        Children.kill(self.process)

    def alive(self):
        return self.process is not None and self.process.poll() is None


def wait_delivered(db, org, expected_per_channel, receiver, hubs, timeout_s, watch=None):
    """Until every delivery of `org` is delivered (expected_per_channel of each channel), failing
    at once on a dead or cancelled delivery, a bad webhook, or a hub that died by itself.
    `watch(counts)` is called at each poll."""
    deadline = time.monotonic() + timeout_s
    while True:
        if receiver.errors:
            raise ScenarioFailure(receiver.errors[0])
        unfanned, counts = org.progress(db)
        if watch:
            watch(counts)
        for status in ("dead", "cancelled"):
            if any(s == status for (_, s) in counts):
                raise ScenarioFailure(f"{status} deliveries: {org.failures(db, status)}")
        if unfanned == 0 and counts == {("webhook", "delivered"): expected_per_channel,
                                        ("email", "delivered"): expected_per_channel}:
            if receiver.errors:
                raise ScenarioFailure(receiver.errors[0])
            return
        for hub in hubs:
            if not hub.alive():
                raise ScenarioFailure(f"hub {hub.name} stopped by itself, {exit_status(hub.process)} "
                                      f"(log {hub.log_path}); {describe(unfanned, counts)}")
        if time.monotonic() > deadline:
            raise ScenarioFailure(f"not all delivered after {timeout_s} s: {describe(unfanned, counts)}")
        time.sleep(0.25)


def check_emails(smtp, org, db, expected, label):
    """Counts the e-mails of `org` in the maildir; they must be exactly its e-mail deliveries."""
    delivery_ids = org.email_delivery_ids(db)
    event_ids = org.event_ids(db)
    mine = [m for m in smtp.messages() if m[0].split("@")[0] in delivery_ids]
    unique = {m[0].split("@")[0] for m in mine}
    if len(delivery_ids) != expected:
        raise ScenarioFailure(f"{label}: {len(delivery_ids)} e-mail deliveries for {expected} events")
    if unique != delivery_ids:
        raise ScenarioFailure(f"{label}: {len(delivery_ids - unique)} e-mail deliveries never reached the SMTP "
                              f"server although marked delivered ({len(unique)} unique Message-IDs "
                              f"for {len(delivery_ids)} deliveries)")
    if {m[1] for m in mine} != event_ids:
        raise ScenarioFailure(f"{label}: the e-mails' X-Hub-Event-Id do not cover the events exactly")
    return mine, unique


# MARK: - Scenarios


def scenario_crash(db, args, rng, workdir, smtp):
    log(f"crash: {CRASH_EVENTS} events, {CRASH_KILLS} SIGKILLs of the hub mid-delivery, one of the SMTP server")
    secret = rng.randbytes(32)
    receiver = Receiver(secret)
    total = 2 * CRASH_EVENTS
    # The SMTP server dies when this many e-mails are delivered: midway, whatever the machine's speed.
    smtp_after = int(CRASH_EVENTS * rng.uniform(0.15, 0.6))
    smtp_restart = {}

    def watch_smtp(counts):
        mails = counts.get(("email", "delivered"), 0)
        if smtp_restart or mails < smtp_after:
            return
        smtp.kill()
        down = rng.uniform(0.2, 0.6)
        time.sleep(down)
        smtp.start()
        smtp_restart.update(mails=mails, down=down)
        log(f"crash: SMTP server SIGKILLed at {mails}/{CRASH_EVENTS} e-mails delivered, "
            f"restarted after {down:.2f} s down")

    def sleep_watching(seconds):
        until = time.monotonic() + seconds
        while (left := until - time.monotonic()) > 0:
            time.sleep(min(left, 0.2))
            watch_smtp(org.progress(db)[1])

    try:
        org = Organisation(db, "crash", args.seed, receiver.url, secret)
        org.raise_events(db, 1, CRASH_EVENTS)
        hub = Hub(args.hub, os.environ, db.name, workdir, "crash", smtp.port, args.hub_log_level)
        started = time.monotonic()
        hub.start()
        # CRASH_KILLS kills must land while the hub delivers; one before its first delivery (still
        # fanning out) is a bonus that does not count (bounded, in case a machine is very slow).
        kills = early = mid_delivery = 0
        while mid_delivery < CRASH_KILLS and kills < 3 * CRASH_KILLS:
            pause = rng.uniform(0.3, 1.5)
            sleep_watching(pause)
            if not hub.alive():
                raise ScenarioFailure(f"hub stopped by itself, {exit_status(hub.process)} (log {hub.log_path})")
            unfanned, counts = org.progress(db)
            hub.kill()
            kills += 1
            delivered = sum(n for (_, s), n in counts.items() if s == "delivered")
            in_flight = sum(n for (_, s), n in counts.items() if s == "sending")
            if delivered == 0 and in_flight == 0:
                early += 1
                phase = "before the first delivery"
            elif delivered < total:
                mid_delivery += 1
                phase = "delivering"
            else:
                phase = "all delivered already"
            log(f"crash: kill {kills} after {pause:.2f} s, {phase}: {delivered}/{total} delivered, "
                f"{in_flight} sending, {unfanned} events not fanned out yet")
            hub.start()
            if delivered == total:
                break
        wait_delivered(db, org, CRASH_EVENTS, receiver, [hub], CRASH_TIMEOUT_S, watch=watch_smtp)
        elapsed = time.monotonic() - started
        hub.kill()
        time.sleep(0.2)  # a request the last kill cut short cannot arrive later, but be sure
        if mid_delivery == 0:
            raise ScenarioFailure("crash: no kill came while the hub was delivering: the run proves nothing")
        if not smtp_restart or smtp_restart["mails"] >= CRASH_EVENTS:
            raise ScenarioFailure("crash: the SMTP server was not restarted while e-mails were being delivered")

        event_ids = org.event_ids(db)
        with receiver.lock:
            applied = set(receiver.applied)
            requests, duplicates = receiver.requests, receiver.duplicates
        if len(event_ids) != CRASH_EVENTS:
            raise ScenarioFailure(f"crash: {len(event_ids)} events in the database, {CRASH_EVENTS} raised")
        if applied != event_ids:
            raise ScenarioFailure(f"crash: receiver applied {len(applied)} events; {len(event_ids - applied)} "
                                  f"never arrived, {len(applied - event_ids)} unknown")
        if requests != len(applied) + duplicates:
            raise ScenarioFailure("crash: receiver counts do not add up")
        mails, unique = check_emails(smtp, org, db, CRASH_EVENTS, "crash")
        retries = org.retries(db)
        log(f"crash: OK {CRASH_EVENTS} events; {kills} hub kills ({mid_delivery} while delivering, "
            f"{early} before) + 1 SMTP restart at {smtp_restart['mails']}/{CRASH_EVENTS} e-mails; "
            f"{elapsed:.1f} s to deliver all")
        log(f"crash:    webhooks: {requests} requests, {len(applied)} applied once, "
            f"{duplicates} duplicates absorbed by deduplication; {retries['webhook'][0]} deliveries sent "
            f"more than once (most attempts {retries['webhook'][1]})")
        log(f"crash:    e-mails:  {len(mails)} received, {len(unique)} unique Message-IDs, "
            f"{len(mails) - len(unique)} duplicates; {retries['email'][0]} deliveries sent more than once "
            f"(most attempts {retries['email'][1]})")
    finally:
        receiver.stop()


def scenario_pair(db, args, rng, workdir, smtp):
    log(f"pair: two hub processes on one database, {PAIR_EVENTS} events raised while both run")
    secret = rng.randbytes(32)
    receiver = Receiver(secret)
    try:
        org = Organisation(db, "pair", args.seed, receiver.url, secret)
        hubs = [Hub(args.hub, os.environ, db.name, workdir, name, smtp.port, args.hub_log_level)
                for name in ("a", "b")]
        started = time.monotonic()
        for hub in hubs:
            hub.start()
        per_batch = PAIR_EVENTS // PAIR_BATCHES
        for batch in range(PAIR_BATCHES):
            org.raise_events(db, batch * per_batch + 1, PAIR_EVENTS if batch == PAIR_BATCHES - 1
                             else (batch + 1) * per_batch)
            time.sleep(rng.uniform(0.1, 0.5))

        def no_duplicate(_counts):
            # Fail at the first one: with two processes, nothing is ever sent twice.
            with receiver.lock:
                duplicates, by_hub = receiver.duplicates, dict(receiver.by_hub)
            if duplicates:
                raise ScenarioFailure(f"pair: {duplicates} event(s) delivered twice with two processes "
                                      f"(webhook requests by hub port: {by_hub})")

        wait_delivered(db, org, PAIR_EVENTS, receiver, hubs, PAIR_TIMEOUT_S, watch=no_duplicate)
        elapsed = time.monotonic() - started
        for hub in hubs:
            hub.kill()
        time.sleep(0.2)

        event_ids = org.event_ids(db)
        with receiver.lock:
            applied = set(receiver.applied)
            requests, duplicates = receiver.requests, receiver.duplicates
            by_hub = dict(receiver.by_hub)
        if len(event_ids) != PAIR_EVENTS:
            raise ScenarioFailure(f"pair: {len(event_ids)} events in the database, {PAIR_EVENTS} raised")
        if duplicates or requests != PAIR_EVENTS:
            raise ScenarioFailure(f"pair: {requests} webhook requests for {PAIR_EVENTS} events, {duplicates} "
                                  f"delivered twice with two processes (by hub: {by_hub})")
        if applied != event_ids:
            raise ScenarioFailure(f"pair: receiver applied {len(applied)} events; {len(event_ids - applied)} "
                                  f"never arrived")
        mails, unique = check_emails(smtp, org, db, PAIR_EVENTS, "pair")
        if len(mails) != len(unique):
            raise ScenarioFailure(f"pair: {len(mails) - len(unique)} e-mails sent twice with two processes")
        mail_by_hub = collections.Counter(m[2] for m in mails)
        split = ", ".join(f"hub {hub.name} (port {hub.port}): {by_hub.get(hub.port, 0)} webhooks "
                          f"+ {mail_by_hub.get(hub.port, 0)} e-mails" for hub in hubs)
        log(f"pair: OK {PAIR_EVENTS} events, {requests} webhook requests, {len(applied)} unique, 0 duplicates; "
            f"{len(mails)} e-mails, 0 duplicates; {elapsed:.1f} s")
        log(f"pair:    {split}")
        if any(by_hub.get(hub.port, 0) + mail_by_hub.get(hub.port, 0) == 0 for hub in hubs):
            log("pair: note: one process delivered nothing, so the two never competed for a claim")
    finally:
        receiver.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("hub", help="path to the hub binary")
    parser.add_argument("--seed", type=int, default=None, help="random seed (printed at start)")
    parser.add_argument("--keep", action="store_true", help="keep the work directory even on success")
    parser.add_argument("--keep-failed", action="store_true",
                        help="on failure, keep the scenario's database for inspection (dropped by default)")
    parser.add_argument("--sabotage", metavar="SQL_FILE",
                        help="SQL run after the migrations to break delivery on purpose (e.g. replace "
                             "notify_claim): checks that the scenario catches it")
    parser.add_argument("--hub-log-level", default="warning", help="HUB_LOG_LEVEL of the hubs (default warning)")
    args = parser.parse_args()
    if args.seed is None:
        args.seed = random.SystemRandom().randrange(1, 2**31)
    args.hub = os.path.abspath(args.hub)
    rng = random.Random(args.seed)

    # SIGTERM/SIGHUP end the run like Ctrl-C does: through the cleanup below.
    def stop(signum, _frame):
        raise KeyboardInterrupt(signal.Signals(signum).name)
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGHUP, stop)

    workdir = tempfile.mkdtemp(prefix="notify-crash-")
    log(f"seed {args.seed} (rerun with --seed {args.seed}); work directory {workdir}")
    started = time.monotonic()
    failure = None
    cluster = database = None
    try:
        if not os.access(args.hub, os.X_OK):
            raise ScenarioFailure(f"no hub binary at {args.hub}")
        # A database of its own: work left pending in the cluster's database (by the test suite or
        # an earlier failed run) would compete with the scenario's deliveries and slow it down.
        cluster = Database(os.environ, os.environ.get("HUB_DB_NAME", ""))
        name = f"notify_crash_{args.seed}_{uuid.uuid4().hex[:8]}"
        cluster.run(f"CREATE DATABASE {name};")
        database = name
        migrate = subprocess.run(
            [args.hub, "migrate"], env=dict(os.environ, HUB_DB_NAME=database,
                                            HUB_MIGRATIONS_DIR=os.path.join(REPO, "sql")),
            stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)
        if migrate.returncode != 0:
            raise ScenarioFailure(f"hub migrate failed on {database}: "
                                  + " ".join((migrate.stderr or migrate.stdout).split())[:300])
        db = Database(os.environ, database)
        log(f"database {database} created and migrated")
        if args.sabotage:
            with open(args.sabotage) as f:
                db.run(f.read())
            log(f"sabotage: ran {args.sabotage} on {database}: this run is expected to FAIL")
        smtp = SMTPServer(workdir)
        smtp.start()
        scenario_crash(db, args, rng, workdir, smtp)
        scenario_pair(db, args, rng, workdir, smtp)
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
        Children.kill_all()
        if database is not None and (failure is None or not args.keep_failed):
            try:
                cluster.run(f"DROP DATABASE {database} WITH (FORCE);")
            except ScenarioFailure as error:
                log(f"could not drop database {database}: {error}")
        elif database is not None:
            log(f"database {database} kept")

    if failure is not None:
        logs = sorted((p for p in os.listdir(workdir) if p.endswith(".log")),
                      key=lambda p: os.path.getmtime(os.path.join(workdir, p)))
        shown = 0
        for name in reversed(logs):
            lines = tail(os.path.join(workdir, name))
            if lines and shown < 4:
                shown += 1
                print(f"--- tail of {name}", flush=True)
                print("\n".join(lines), flush=True)
        log(f"work directory kept: {workdir}")
        log(f"FAIL: {failure} (seed {args.seed})")
        return 1
    if args.keep:
        log(f"work directory kept: {workdir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    log(f"PASS in {time.monotonic() - started:.1f} s (seed {args.seed})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
