"""A small raw-socket Event Socket client for the emulator's own tests.

It parses what it reads itself (independently of bridge/esl): frames by
`Content-Length`, plain events by splitting lines first and URL-decoding each
value after, json events with json.loads.
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import unquote

import gevent
import gevent.event
import gevent.queue


@dataclass(frozen=True)
class Frame:
    """One frame as the switch sent it: its outer headers (raw) and body bytes."""

    headers: tuple[tuple[str, str], ...]
    body: bytes
    raw: bytes

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None

    @property
    def content_type(self) -> str:
        return self.header("Content-Type") or ""


@dataclass(frozen=True)
class Event:
    """A decoded event: header pairs in order, and its body (BACKGROUND_JOB)."""

    headers: tuple[tuple[str, str], ...]
    body: str = ""
    raw_values: dict[str, str] = field(default_factory=dict)

    def get(self, name: str) -> str | None:
        for key, value in self.headers:
            if key == name:
                return value
        return None

    @property
    def name(self) -> str:
        return self.get("Event-Name") or ""

    @property
    def uuid(self) -> str:
        return self.get("Unique-ID") or ""

    @property
    def sequence(self) -> int:
        return int(self.get("Event-Sequence") or 0)


def take_frame(buffer: bytearray) -> Frame | None:
    """Cut one complete frame off the front of `buffer`, or None if incomplete."""
    end = buffer.find(b"\n\n")
    if end < 0:
        return None
    head = bytes(buffer[:end]).decode("utf-8")
    headers = []
    for line in head.split("\n"):
        name, _, value = line.partition(": ")
        headers.append((name, value))
    length = 0
    for name, value in headers:
        if name.lower() == "content-length":
            length = int(value)
    total = end + 2 + length
    if len(buffer) < total:
        return None
    frame = Frame(tuple(headers), bytes(buffer[end + 2 : total]), bytes(buffer[:total]))
    del buffer[:total]
    return frame


def parse_plain(body: bytes) -> Event:
    head, _, rest = body.partition(b"\n\n")
    headers: list[tuple[str, str]] = []
    raw: dict[str, str] = {}
    event_body = ""
    for line in head.decode("ascii").split("\n"):
        if not line:
            continue
        name, _, value = line.partition(": ")
        if name == "Content-Length":
            event_body = rest.decode("utf-8")
        headers.append((name, unquote(value)))
        raw[name] = value
    return Event(tuple(headers), event_body, raw)


def parse_json(body: bytes) -> Event:
    pairs: list[tuple[str, object]] = json.loads(body, object_pairs_hook=list)
    headers = tuple((key, str(value)) for key, value in pairs if key != "_body")
    event_body = next((str(value) for key, value in pairs if key == "_body"), "")
    return Event(headers, event_body)


def decode_event(frame: Frame) -> Event:
    if frame.content_type == "text/event-json":
        return parse_json(frame.body)
    return parse_plain(frame.body)


class EslTestClient:
    """Connects, then keeps replies and events apart as they arrive."""

    def __init__(self, address: tuple[str, int], timeout: float = 5.0) -> None:
        self.timeout = timeout
        self.sock = socket.create_connection(address, timeout=timeout)
        self.sock.settimeout(None)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.frames: list[Frame] = []
        self.replies: gevent.queue.Queue[Frame] = gevent.queue.Queue()
        self.events: list[Event] = []
        self.notices: list[Frame] = []
        self.closed = gevent.event.Event()
        self._changed = gevent.event.Event()
        self._reader = gevent.spawn(self._read)

    def _read(self) -> None:
        buffer = bytearray()
        while True:
            try:
                data = self.sock.recv(65536)
            except OSError:
                data = b""
            if not data:
                break
            buffer += data
            while (frame := take_frame(buffer)) is not None:
                self.frames.append(frame)
                kind = frame.content_type
                if kind.startswith("text/event-"):
                    self.events.append(decode_event(frame))
                elif kind in ("command/reply", "api/response", "auth/request"):
                    self.replies.put(frame)
                else:
                    self.notices.append(frame)
                self._changed.set()
                self._changed = gevent.event.Event()
        self.closed.set()
        self._changed.set()

    def close(self) -> None:
        try:
            self.sock.close()
        finally:
            self._reader.kill(block=False)

    def send(self, line: str, headers: tuple[tuple[str, str], ...] = ()) -> None:
        text = line + "\n" + "".join(f"{name}: {value}\n" for name, value in headers) + "\n"
        self.sock.sendall(text.encode("utf-8"))

    def reply(self) -> Frame:
        frame: Frame = self.replies.get(timeout=self.timeout)
        return frame

    def command(self, line: str, headers: tuple[tuple[str, str], ...] = ()) -> Frame:
        self.send(line, headers)
        return self.reply()

    def login(self, password: str = "ClueCon") -> Frame:
        greeting = self.reply()
        assert greeting.content_type == "auth/request", greeting
        return self.command(f"auth {password}")

    def subscribe(self, names: str = "ALL", event_format: str = "plain") -> Frame:
        return self.command(f"event {event_format} {names}")

    def api(self, text: str) -> str:
        return self.command(f"api {text}").body.decode("utf-8")

    def bgapi(self, text: str, job_uuid: str | None = None) -> str:
        headers = (("Job-UUID", job_uuid),) if job_uuid else ()
        frame = self.command(f"bgapi {text}", headers)
        job = frame.header("Job-UUID")
        assert job, frame
        return job

    def wait_until(self, condition: Callable[[], bool], timeout: float | None = None) -> None:
        """Block until `condition()` holds, re-checking whenever a frame arrives."""
        deadline = time.monotonic() + (timeout if timeout is not None else self.timeout)
        while True:
            changed = self._changed
            if condition():
                return
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self.closed.is_set():
                raise TimeoutError("the awaited frames did not arrive")
            changed.wait(remaining)

    def wait_event(self, predicate: Callable[[Event], bool], timeout: float | None = None) -> Event:
        found: list[Event] = []

        def seen() -> bool:
            found[:] = [event for event in self.events if predicate(event)][:1]
            return bool(found)

        self.wait_until(seen, timeout)
        return found[0]

    def job_result(self, job: str, timeout: float | None = None) -> str:
        event = self.wait_event(
            lambda e: e.name == "BACKGROUND_JOB" and e.get("Job-UUID") == job, timeout
        )
        return event.body

    def leg_events(self, uuid: str) -> list[Event]:
        return [event for event in self.events if event.uuid == uuid]

    def wait_closed(self, timeout: float | None = None) -> bool:
        return bool(self.closed.wait(timeout if timeout is not None else self.timeout))
