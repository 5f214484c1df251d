"""A small Event Socket server (127.0.0.1, port 0) that fault tests drive by hand.

It speaks the framing the traces show (auth/request, command/reply,
api/response, text/event-plain with per-value URL encoding, disconnect
notices, rude rejections) but has no channel model: a test decides what
each connection sends, when it stalls, drops or "restarts". Every command
received goes on `commands`; every logged-in connection goes on
`connections`, for the test to push events into.
"""

from __future__ import annotations

import json
import socket
import uuid
from collections.abc import Callable, Mapping
from urllib.parse import quote

import gevent
from gevent.queue import Queue

DISCONNECT_TEXT = b"Disconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n"


def plain_event(headers: Mapping[str, str], body: str | None = None, *, raw: bool = False) -> bytes:
    """A whole text/event-plain frame; values URL-encoded one by one unless `raw`."""
    fields = dict(headers)
    encoded_body = body.encode() if body is not None else b""
    if body is not None:
        fields["Content-Length"] = str(len(encoded_body))
    lines = [f"{k}: {v if raw else quote(v, safe='')}".encode() for k, v in fields.items()]
    inner = b"\n".join(lines) + b"\n\n" + encoded_body
    return b"Content-Length: %d\nContent-Type: text/event-plain\n\n" % len(inner) + inner


def api_response(body: str) -> bytes:
    data = body.encode()
    return b"Content-Type: api/response\nContent-Length: %d\n\n" % len(data) + data


def channel_event(name: str, channel: str, sequence: int, **extra: str) -> dict[str, str]:
    headers = {
        "Event-Name": name,
        "Core-UUID": "00000000-0000-4000-8000-000000000000",
        "Event-Date-Timestamp": str(1_700_000_000_000_000 + sequence),
        "Event-Sequence": str(sequence),
        "Unique-ID": channel,
    }
    headers.update(extra)
    return headers


def channels_json(uuids: list[str]) -> str:
    """What mod_commands prints for `show channels as json`."""
    if not uuids:
        return '{"row_count": 0}\n'
    rows = [{"uuid": u, "direction": "outbound", "state": "CS_PARK"} for u in uuids]
    return json.dumps({"row_count": len(rows), "rows": rows}, separators=(",", ":"))


class SwitchConnection:
    def __init__(self, server: ScriptedSwitch, sock: socket.socket) -> None:
        self.server = server
        self.sock = sock
        self.stalled = False
        self._buffer = b""

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def send_event(self, headers: Mapping[str, str], body: str | None = None) -> None:
        self.send(plain_event(headers, body))

    def drop(self) -> None:
        """Close abruptly, as a crashed switch or a cut cable would."""
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()

    def reply(self, text: str) -> None:
        self.send(f"Content-Type: command/reply\nReply-Text: {text}\n\n".encode())

    def api_response(self, body: str) -> None:
        self.send(api_response(body))

    def read_command(self) -> str | None:
        while b"\n\n" not in self._buffer:
            try:
                data = self.sock.recv(65536)
            except OSError:
                return None
            if not data:
                return None
            self._buffer += data
        command, _, self._buffer = self._buffer.partition(b"\n\n")
        text = command.decode()
        self.server.commands.put(text)
        return text


class ScriptedSwitch:
    """`mode`: "up" (normal), "down" (accept, then close at once: a switch
    still starting), "reject" (ACL: text/rude-rejection), "silent" (accept,
    never greet).

    `api(conn, command)` answers `api` commands: a str is the response body,
    bytes are sent as they are (to put frames around a reply), None stalls
    the connection (no reply to anything from then on).
    """

    def __init__(self, password: str = "ClueCon") -> None:
        self.password = password
        self.mode = "up"
        self.channels: list[str] = []
        self.commands: Queue[str] = Queue()
        self.connections: Queue[SwitchConnection] = Queue()
        self.refused: Queue[str] = Queue()  # one item per connection turned away
        self.api: Callable[[SwitchConnection, str], str | bytes | None] = self.default_api
        self.live: list[SwitchConnection] = []
        self.honour_job_uuid = True
        self.jobs: Queue[str] = Queue()  # Job-UUID of each bgapi, as replied
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._acceptor = gevent.spawn(self._accept)
        self._handlers: list[gevent.Greenlet] = []
        self._all: list[SwitchConnection] = []

    @property
    def port(self) -> int:
        port: int = self._listener.getsockname()[1]
        return port

    def __enter__(self) -> ScriptedSwitch:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._acceptor.kill()
        for handler in self._handlers:
            handler.kill()
        for conn in self._all:
            conn.drop()
        self._listener.close()

    def drop_all(self) -> None:
        for conn in self.live:
            conn.drop()
        self.live.clear()

    def default_api(self, conn: SwitchConnection, command: str) -> str | bytes | None:
        if command == "show channels as json":
            return channels_json(self.channels)
        return "+OK\n"

    def _accept(self) -> None:
        while True:
            sock, _ = self._listener.accept()
            conn = SwitchConnection(self, sock)
            self._all.append(conn)
            self._handlers.append(gevent.spawn(self._handle, conn))

    def _handle(self, conn: SwitchConnection) -> None:
        if self.mode == "down":
            self.refused.put("down")
            conn.drop()
            return
        if self.mode == "silent":
            self.refused.put("silent")
            conn.read_command()  # hold the socket open until the client gives up
            return
        if self.mode == "reject":
            text = b"Access Denied, go away.\n"
            conn.send(b"Content-Type: text/rude-rejection\nContent-Length: %d\n\n" % len(text))
            conn.send(text)
            self.refused.put("reject")
            conn.drop()
            return
        conn.send(b"Content-Type: auth/request\n\n")
        if conn.read_command() != f"auth {self.password}":
            conn.reply("-ERR invalid")
            self.refused.put("password")
            conn.drop()
            return
        conn.reply("+OK accepted")
        self.live.append(conn)
        self._serve(conn)

    def _serve(self, conn: SwitchConnection) -> None:
        while (command := conn.read_command()) is not None:
            first, *headers = command.split("\n")
            if conn.stalled:
                continue
            if first.startswith("event plain "):
                conn.reply("+OK event listener enabled plain")
                self.connections.put(conn)
            elif first == "exit":
                conn.reply("+OK bye")
                conn.send(
                    b"Content-Type: text/disconnect-notice\nContent-Length: %d\n\n"
                    % len(DISCONNECT_TEXT)
                    + DISCONNECT_TEXT
                )
                conn.drop()
                return
            elif first.startswith("api "):
                answer = self.api(conn, first.removeprefix("api "))
                if answer is None:
                    conn.stalled = True  # like a switch stuck in a command: no more replies
                elif isinstance(answer, bytes):
                    conn.send(answer)
                else:
                    conn.api_response(answer)
            elif first.startswith("bgapi "):
                job = dict(h.split(": ", 1) for h in headers).get("Job-UUID", str(uuid.uuid4()))
                if not self.honour_job_uuid:  # like a switch too old to take ours
                    job = str(uuid.uuid4())
                conn.reply(f"+OK Job-UUID: {job}\nJob-UUID: {job}")
                self.jobs.put(job)
            else:
                conn.reply("-ERR command not found")
