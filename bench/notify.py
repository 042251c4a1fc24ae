#!/usr/bin/env python3
"""Webhook sink for the notify section of bench/run.sh: a minimal HTTP/1.1 server on
asyncio streams, standard library only.

Every POST is a delivery. The sink reads the request head and the Content-Length body,
answers `200 OK` with `Connection: close` (the hub opens one connection per delivery and
asks for `Connection: close` itself), and records the delivery under a group: the body's
`reference` up to its first '-' (`T-17` is group T). For each group it counts requests,
unique `Hub-Event-Id`s and duplicates, checks that the header and the body name the same
event and that `Hub-Signature` is a valid HMAC of `<Hub-Timestamp>.<body>` under the
subscription's secret, and keeps the first and last receive times. A reference
`L-<epoch microseconds>` (the time the event was inserted) also gives a latency: receive
time minus that time.

Control, answered as JSON (GET, never counted as deliveries):
  /stats?group=G                     the group's figures so far
  /wait?group=G&count=N&timeout=S    the same, once G holds N unique events (or after S s)

  python3 bench/notify.py --secret-hex HEX --port-file FILE [--port 0] [--log FILE]

--port-file receives the port once the socket listens (--port 0: the kernel picks one).
--log receives one line per delivery: receive time (epoch us), group, event id, reference,
latency in ms (or -), and whether it was a duplicate.
"""

import argparse
import asyncio
import hashlib
import hmac
import json
import math
import os
import signal
import time
from urllib.parse import parse_qs, urlsplit

RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
BAD_REQUEST = b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
MAX_HEAD = 16 * 1024
MAX_BODY = 1024 * 1024


class Group:
    def __init__(self):
        self.requests = 0
        self.ids = set()
        self.duplicates = 0
        self.bad_signature = 0
        self.bad_body = 0
        self.first = None
        self.last = None
        self.latencies = []  # ms

    def stats(self):
        lat = sorted(self.latencies)

        def pct(p):  # nearest rank
            return round(lat[max(0, math.ceil(len(lat) * p / 100) - 1)], 3) if lat else None

        return {
            "requests": self.requests, "unique": len(self.ids), "duplicates": self.duplicates,
            "bad_signature": self.bad_signature, "bad_body": self.bad_body,
            "first": self.first, "last": self.last, "latency_n": len(lat),
            "latency_min": round(lat[0], 3) if lat else None, "latency_p50": pct(50),
            "latency_p90": pct(90), "latency_p99": pct(99), "latency_max": round(lat[-1], 3) if lat else None,
        }


class Sink:
    def __init__(self, secret, log):
        self.secret = secret
        self.log = log
        self.groups = {}
        self.waiters = []  # (group, unique count, future)

    def group(self, name):
        g = self.groups.get(name)
        if g is None:
            g = self.groups[name] = Group()
        return g

    async def handle(self, reader, writer):
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            if len(head) > MAX_HEAD:
                raise ValueError("head too large")
            lines = head[:-4].split(b"\r\n")
            method, target, _ = lines[0].split(b" ", 2)
            headers = {}
            for line in lines[1:]:
                name, _, value = line.partition(b":")
                headers[name.strip().lower()] = value.strip()
            length = int(headers.get(b"content-length", b"0"))
            if not 0 <= length <= MAX_BODY:
                raise ValueError("bad length")
            body = await reader.readexactly(length) if length else b""
            if method == b"POST":
                self.record(headers, body, time.time())
                writer.write(RESPONSE)
            elif method == b"GET":
                writer.write(await self.control(target.decode()))
            else:
                writer.write(BAD_REQUEST)
            await writer.drain()
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError, ValueError):
            pass
        finally:
            writer.close()

    def record(self, headers, body, now):
        try:
            payload = json.loads(body)
            reference = payload["reference"]
            name = reference.split("-", 1)[0]
        except (ValueError, KeyError, TypeError, AttributeError):
            payload, reference, name = None, "", "?"
        g = self.group(name)
        g.requests += 1
        if g.first is None:
            g.first = now
        g.last = now
        event_id = headers.get(b"hub-event-id", b"").decode(errors="replace")
        duplicate = event_id in g.ids
        if duplicate:
            g.duplicates += 1
        else:
            g.ids.add(event_id)
        if payload is None or not event_id or payload.get("id") != event_id:
            g.bad_body += 1
        signed = headers.get(b"hub-timestamp", b"") + b"." + body
        expected = hmac.new(self.secret, signed, hashlib.sha256).hexdigest().encode()
        offered = [p.strip()[3:] for p in headers.get(b"hub-signature", b"").split(b",") if p.strip()[:3] == b"v1="]
        if not any(hmac.compare_digest(expected, o) for o in offered):
            g.bad_signature += 1
        latency = None
        if name == "L":
            try:
                latency = (now * 1e6 - int(reference[2:])) / 1000
                g.latencies.append(latency)
            except ValueError:
                pass
        if self.log:
            lat = f"{latency:.3f}" if latency is not None else "-"
            self.log.write(f"{int(now * 1e6)}\t{name}\t{event_id}\t{reference}\t{lat}\t{int(duplicate)}\n")
        if self.waiters:
            for w in [w for w in self.waiters if w[0] == name and len(g.ids) >= w[1]]:
                self.waiters.remove(w)
                if not w[2].done():
                    w[2].set_result(None)

    async def control(self, target):
        url = urlsplit(target)
        q = {k: v[0] for k, v in parse_qs(url.query).items()}
        name = q.get("group", "?")
        if url.path == "/wait":
            count, timeout = int(q.get("count", "1")), float(q.get("timeout", "60"))
            if len(self.group(name).ids) < count:
                waiter = (name, count, asyncio.get_running_loop().create_future())
                self.waiters.append(waiter)
                try:
                    await asyncio.wait_for(waiter[2], timeout)
                except asyncio.TimeoutError:
                    pass
                finally:
                    if waiter in self.waiters:
                        self.waiters.remove(waiter)
        elif url.path != "/stats":
            return b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        if self.log:
            self.log.flush()
        body = json.dumps(self.group(name).stats()).encode()
        return (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n"
                b"Connection: close\r\n\r\n" % len(body)) + body


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--secret-hex", required=True)
    parser.add_argument("--log")
    args = parser.parse_args()
    log = open(args.log, "w", buffering=1 << 16) if args.log else None
    sink = Sink(bytes.fromhex(args.secret_hex), log)
    # A deep backlog: the hub opens 16 connections at once, a capacity check more.
    server = await asyncio.start_server(sink.handle, "127.0.0.1", args.port, backlog=1024)
    port = server.sockets[0].getsockname()[1]
    with open(args.port_file + ".tmp", "w") as f:
        f.write(f"{port}\n")
    os.replace(args.port_file + ".tmp", args.port_file)
    # bench/run.sh stops the sink with SIGTERM: flush the log first.
    stop = asyncio.get_running_loop().create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(sig, lambda: stop.done() or stop.set_result(None))
    async with server:
        await stop
    if log:
        log.close()


if __name__ == "__main__":
    asyncio.run(main())
