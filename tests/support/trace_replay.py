"""A real TCP server (127.0.0.1, port 0) that replays a recorded trace byte for byte.

It sends the switch's frames up to each `#>` marker, then waits until the
client has sent that command, checks it, and goes on. Where the client is
*meant* to differ from the recording, the replay adapts instead of failing:

- `event plain <list>`: the client subscribes to its own list; like the
  real switch, the replay then sends only the events on that list.
- `bgapi <cmd>` + `Job-UUID: <ours>`: the client picks its Job-UUIDs; the
  replay maps the i-th recorded Job-UUID (from the i-th `+OK Job-UUID`
  reply) to the client's i-th one and rewrites it in every later frame.
  Both are 36-character UUIDs, so every `Content-Length` stays right; a
  client Job-UUID of another length is reported as a mismatch.

`split_reads` writes every frame in small random pieces (yielding between
them), so the client sees frames cut at arbitrary bytes.
A mismatch ends the replay; it is kept in `failure` for the test to assert.
"""

from __future__ import annotations

import random
import socket

import gevent
from gevent.event import Event
from gevent.queue import Queue

from tests.support.traces import ClientCommand, SwitchFrame, Trace


class ReplayMismatch(Exception):
    pass


class TraceReplay:
    def __init__(
        self, trace: Trace, *, split_reads: random.Random | None = None, max_chunk: int = 48
    ) -> None:
        self.trace = trace
        self.split_reads = split_reads
        self.max_chunk = max_chunk
        self.commands: Queue[str] = Queue()  # every command as received, in order
        self.finished = Event()
        self.failure: str | None = None
        self.subscribed: frozenset[str] | None = None
        self.job_map: dict[str, str] = {}  # recorded Job-UUID -> the client's
        self._recorded_jobs = trace.job_uuids()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._greenlet: gevent.Greenlet | None = None
        self._conn: socket.socket | None = None

    @property
    def port(self) -> int:
        port: int = self._listener.getsockname()[1]
        return port

    def __enter__(self) -> TraceReplay:
        self._greenlet = gevent.spawn(self._serve)
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._greenlet is not None:
            self._greenlet.kill()
        if self._conn is not None:
            self._conn.close()
        self._listener.close()

    def _serve(self) -> None:
        conn, _ = self._listener.accept()
        self._conn = conn
        reader = _CommandReader(conn)
        try:
            for step in self.trace.steps:
                if isinstance(step, SwitchFrame):
                    if self._wanted(step):
                        self._send(conn, self._rewrite(step.raw))
                    continue
                got = reader.next_command()
                if got is None:
                    raise ReplayMismatch(f"client closed before sending {step.first_line!r}")
                self.commands.put(got)
                self._check(step, got)
        except ReplayMismatch as exc:
            self.failure = str(exc)
        except OSError as exc:
            self.failure = f"socket error during replay: {exc}"
        finally:
            conn.close()
            self.finished.set()

    def _check(self, expected: ClientCommand, got: str) -> None:
        first, *header_lines = got.split("\n")
        headers = dict(line.split(": ", 1) for line in header_lines if ": " in line)
        if expected.first_line.startswith("event "):
            wanted = " ".join(expected.first_line.split(" ")[:2])
            if not first.startswith(wanted + " "):
                raise ReplayMismatch(f"expected a subscription {wanted!r}, got {first!r}")
            self.subscribed = frozenset(first.split(" ")[2:])
        elif expected.first_line.startswith("bgapi "):
            if first != expected.first_line:
                raise ReplayMismatch(f"expected {expected.first_line!r}, got {first!r}")
            ours = headers.get("Job-UUID", "")
            recorded = self._recorded_jobs[len(self.job_map)]
            if len(ours) != len(recorded):
                raise ReplayMismatch(f"client Job-UUID {ours!r} is not a 36-character UUID")
            self.job_map[recorded] = ours
        elif got != expected.text:
            raise ReplayMismatch(f"expected {expected.text!r}, got {got!r}")

    def _wanted(self, frame: SwitchFrame) -> bool:
        if not frame.content_type.startswith("text/event-"):
            return True
        event = frame.event() or {}
        return self.subscribed is None or event.get("Event-Name") in self.subscribed

    def _rewrite(self, raw: bytes) -> bytes:
        for recorded, ours in self.job_map.items():
            raw = raw.replace(recorded.encode(), ours.encode())
        return raw

    def _send(self, conn: socket.socket, data: bytes) -> None:
        if self.split_reads is None:
            conn.sendall(data)
            return
        position = 0
        while position < len(data):
            size = self.split_reads.randint(1, self.max_chunk)
            conn.sendall(data[position : position + size])
            position += size
            gevent.sleep(0)  # a yield, not a wait: lets the client read a partial frame


class _CommandReader:
    """Splits what a client sends into commands (text up to a blank line)."""

    def __init__(self, conn: socket.socket) -> None:
        self._conn = conn
        self._buffer = b""

    def next_command(self) -> str | None:
        while b"\n\n" not in self._buffer:
            data = self._conn.recv(65536)
            if not data:
                return None
            self._buffer += data
        command, _, self._buffer = self._buffer.partition(b"\n\n")
        return command.decode()
