"""Event Socket wire format as FreeSWITCH 1.10 writes it: pure functions, no I/O.

The byte layouts follow mod_event_socket.c and switch_event.c (and match the
recorded streams in ../shared/freeswitch-traces):

- a reply frame is a header block ending in a blank line; when it has a body,
  `Content-Length` says how many bytes follow the blank line;
- a plain event is `Content-Length: N` + `Content-Type: text/event-plain`, then
  N bytes of `Name: value` lines, each value URL-encoded on its own, ending in a
  blank line, or, when the event has a body, in `Content-Length: n`, a blank
  line and the body;
- a json event is one unformatted JSON object, body in `_body`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

Headers = Sequence[tuple[str, str]]

# switch_utils.h SWITCH_URL_UNSAFE; bytes below 0x20 and above 0x7e are encoded too.
_UNSAFE = frozenset(b'\r\n #%&+:;<=>?@[\\]^`{|}"')
_HEX = b"0123456789ABCDEF"

DISCONNECT_MESSAGE = "Disconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n"
REJECTION_MESSAGE = "Access Denied, go away.\n"


def url_encode(value: str) -> str:
    """Encode one header value the way switch_url_encode does.

    An existing `%XX` (uppercase hex only, as FreeSWITCH checks it) is left as
    it is, so a value that already looks encoded is not encoded twice.
    """
    raw = value.encode("utf-8")
    out = bytearray()
    last = len(raw) - 1
    for i, byte in enumerate(raw):
        keep_percent = byte == 0x25 and last - i > 1 and raw[i + 1] in _HEX and raw[i + 2] in _HEX
        if not keep_percent and (byte < 0x20 or byte > 0x7E or byte in _UNSAFE):
            out += bytes((0x25, _HEX[byte >> 4], _HEX[byte & 0x0F]))
        else:
            out.append(byte)
    return out.decode("ascii")


def serialize_plain(headers: Headers, body: str | None = None) -> bytes:
    """The text of a plain event (what follows its outer framing headers)."""
    lines = []
    for name, value in headers:
        encoded = url_encode(value)
        lines.append(f"{name}: {encoded or '_undef_'}\n")
    text = "".join(lines)
    if body:
        raw_body = body.encode("utf-8")
        return (text + f"Content-Length: {len(raw_body)}\n\n").encode("ascii") + raw_body
    return (text + "\n").encode("ascii")


def serialize_json(headers: Headers, body: str | None = None) -> bytes:
    """The text of a json event (cJSON_PrintUnformatted): header values verbatim,
    a repeated header repeated as cJSON writes it, the body under `_body`."""
    pairs = list(headers)
    if body is not None:
        pairs += [("Content-Length", str(len(body.encode("utf-8")))), ("_body", body)]
    members = (
        json.dumps(name, ensure_ascii=False) + ":" + json.dumps(value, ensure_ascii=False)
        for name, value in pairs
    )
    return ("{" + ",".join(members) + "}").encode("utf-8")


def event_frame(event_format: str, headers: Headers, body: str | None = None) -> bytes:
    """A complete event frame for a listener subscribed in `event_format`."""
    if event_format == "json":
        payload = serialize_json(headers, body)
    else:
        payload = serialize_plain(headers, body)
    head = f"Content-Length: {len(payload)}\nContent-Type: text/event-{event_format}\n\n"
    return head.encode("ascii") + payload


def auth_request() -> bytes:
    return b"Content-Type: auth/request\n\n"


def command_reply(text: str, extra: Iterable[tuple[str, str]] = ()) -> bytes:
    lines = ["Content-Type: command/reply", f"Reply-Text: {text}"]
    lines += [f"{name}: {value}" for name, value in extra]
    return ("\n".join(lines) + "\n\n").encode("utf-8")


def api_response(body: str) -> bytes:
    raw = body.encode("utf-8")
    if not raw:
        raw = b"-ERR no reply\n"
    head = f"Content-Type: api/response\nContent-Length: {len(raw)}\n\n"
    return head.encode("ascii") + raw


def disconnect_notice() -> bytes:
    raw = DISCONNECT_MESSAGE.encode("ascii")
    return f"Content-Type: text/disconnect-notice\nContent-Length: {len(raw)}\n\n".encode() + raw


def rude_rejection() -> bytes:
    raw = REJECTION_MESSAGE.encode("ascii")
    return f"Content-Type: text/rude-rejection\nContent-Length: {len(raw)}\n\n".encode() + raw


@dataclass(frozen=True, slots=True)
class ClientCommand:
    """One command a client sent: its first line, its header lines, its body."""

    line: str
    headers: tuple[tuple[str, str], ...] = ()
    body: str = ""

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        for key, value in self.headers:
            if key.lower() == wanted:
                return value
        return None


class CommandReader:
    """Splits the client's byte stream into commands, as read_packet does.

    A command is a block of lines ended by an empty line (`\\r` is ignored);
    leading blank lines are skipped; the first line is the command, the others
    `Name: value` headers; a `Content-Length` header pulls that many body bytes.
    """

    MAX_BLOCK = 10 * 1024 * 1024

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, data: bytes) -> list[ClientCommand]:
        self._buffer += data
        commands: list[ClientCommand] = []
        while True:
            command = self._next()
            if command is None:
                break
            commands.append(command)
        return commands

    def _next(self) -> ClientCommand | None:
        while self._buffer and self._buffer[0] in (0x0D, 0x0A):
            del self._buffer[:1]
        text = bytes(self._buffer).replace(b"\r", b"")
        end = text.find(b"\n\n")
        if end < 0:
            if len(self._buffer) > self.MAX_BLOCK:
                raise ValueError("command block over 10 MiB")
            return None
        lines = text[:end].decode("utf-8", errors="replace").split("\n")
        headers: list[tuple[str, str]] = []
        for line in lines[1:]:
            name, sep, value = line.partition(":")
            if sep:
                headers.append((name, value.lstrip(" ")))
        length = 0
        for name, value in headers:
            if name.lower() == "content-length" and value.strip().isdigit():
                length = int(value.strip())
        consumed = self._consumed_bytes(end + 2)
        if len(self._buffer) - consumed < length:
            return None
        body = bytes(self._buffer[consumed : consumed + length]).decode("utf-8", errors="replace")
        del self._buffer[: consumed + length]
        return ClientCommand(lines[0], tuple(headers), body)

    def _consumed_bytes(self, stripped_len: int) -> int:
        """Length in the raw buffer of the first `stripped_len` bytes once `\\r` is dropped."""
        seen = 0
        for index, byte in enumerate(self._buffer):
            if byte != 0x0D:
                seen += 1
                if seen == stripped_len:
                    return index + 1
        return len(self._buffer)
