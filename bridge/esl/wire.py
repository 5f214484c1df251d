"""The Event Socket wire format: framing in, command text out. No I/O.

Everything FreeSWITCH sends is a *frame*: an envelope of `Name: value` lines
ended by a blank line, then, if the envelope has `Content-Length`, exactly that
many bytes of body. `FrameDecoder` turns a byte stream, cut anywhere by the
network, into whole frames. What is *inside* an event body is read by
`bridge.esl.parse`.

Commands go the other way: one line of text, then optional header lines, then
a blank line. A CR, LF or NUL inside the text would end the command early and
let the rest be read as another command or header, so `encode_command`
refuses such text before anything can reach a socket.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

from bridge.esl.errors import ProtocolError, UnsafeCommand

# An envelope is a handful of short lines; anything this long is not one.
MAX_ENVELOPE_BYTES = 64 * 1024
# `show channels as json` on a busy switch runs to megabytes; a body beyond
# this is a desynchronised stream, not a reply.
MAX_CONTENT_LENGTH = 64 * 1024 * 1024

_VERB = re.compile(r"[A-Za-z0-9_]{0,32}")
_FORBIDDEN = {"\r": "a carriage return (\\r)", "\n": "a line feed (\\n)", "\0": "a NUL byte (\\0)"}


@dataclass(frozen=True, slots=True)
class Frame:
    """One frame from the switch: its envelope headers and its raw body."""

    headers: Mapping[str, str] = field(repr=False)
    body: bytes = field(repr=False)
    content_type: str = ""

    def header(self, name: str) -> str | None:
        return self.headers.get(name)


class FrameDecoder:
    """Incremental framing: feed it whatever `recv` returned, get whole frames back.

    Envelope values are kept as sent (FreeSWITCH does not encode them); bytes
    that are not UTF-8 become U+FFFD rather than an exception, so one bad byte
    cannot stop the reader.
    """

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._envelope: dict[str, str] | None = None
        self._need = 0

    @property
    def buffered(self) -> int:
        """Bytes received but not yet part of a whole frame."""
        return len(self._buffer)

    def feed(self, data: bytes) -> list[Frame]:
        self._buffer += data
        frames: list[Frame] = []
        while True:
            frame = self._next_frame()
            if frame is None:
                return frames
            frames.append(frame)

    def _next_frame(self) -> Frame | None:
        if self._envelope is None:
            # Tolerate stray blank lines between frames; FreeSWITCH sends none,
            # but they carry no meaning and must not be read as an empty envelope.
            while self._buffer[:1] == b"\n":
                del self._buffer[:1]
            end = self._buffer.find(b"\n\n")
            if end < 0:
                if len(self._buffer) > MAX_ENVELOPE_BYTES:
                    raise ProtocolError(f"no end of frame header within {MAX_ENVELOPE_BYTES} bytes")
                return None
            envelope = _parse_envelope(bytes(self._buffer[:end]))
            del self._buffer[: end + 2]
            self._envelope = envelope
            self._need = _content_length(envelope)
        if len(self._buffer) < self._need:
            return None
        body = bytes(self._buffer[: self._need])
        del self._buffer[: self._need]
        envelope, self._envelope = self._envelope, None
        return Frame(
            headers=MappingProxyType(envelope),
            body=body,
            content_type=envelope["Content-Type"],
        )


def _parse_envelope(block: bytes) -> dict[str, str]:
    headers: dict[str, str] = {}
    for number, raw in enumerate(block.split(b"\n"), start=1):
        line = raw.decode("utf-8", "replace").rstrip("\r")
        name, sep, value = line.partition(": ")
        if not sep or not name:
            raise ProtocolError(f"frame header line {number} is not 'Name: value': {line[:80]!r}")
        headers.setdefault(name, value)
    if "Content-Type" not in headers:
        raise ProtocolError(f"frame without Content-Type (headers: {sorted(headers)[:10]})")
    return headers


def _content_length(envelope: Mapping[str, str]) -> int:
    raw = envelope.get("Content-Length")
    if raw is None:
        return 0
    if not raw.isdigit():
        raise ProtocolError(f"Content-Length is not a number: {raw[:40]!r}")
    length = int(raw)
    if length > MAX_CONTENT_LENGTH:
        raise ProtocolError(f"Content-Length {length} is over the {MAX_CONTENT_LENGTH} limit")
    return length


def check_command_text(text: object, *, what: str = "command") -> str:
    """Return `text` if it is safe as one command line, else raise `UnsafeCommand`.

    The message names the first word of the command and the position of the
    offending character, never the rest of the text (it may hold a password).
    """
    if not isinstance(text, str):
        raise UnsafeCommand(f"{what} must be text, not {type(text).__name__}")
    match = _VERB.match(text)
    verb = match[0] if match else ""
    if not text.strip():
        raise UnsafeCommand(f"{what} is empty")
    for index, char in enumerate(text):
        if char in _FORBIDDEN:
            raise UnsafeCommand(
                f"refused to send {what} {verb!r}...: it holds {_FORBIDDEN[char]} "
                f"at character {index}"
            )
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise UnsafeCommand(
            f"refused to send {what} {verb!r}...: character {exc.start} cannot be sent as UTF-8"
        ) from None
    return text


def encode_command(text: str, headers: Sequence[tuple[str, str]] = ()) -> bytes:
    """The bytes for one command: its line, its header lines, a blank line."""
    lines = [check_command_text(text)]
    for name, value in headers:
        check_command_text(name, what="command header name")
        check_command_text(value, what=f"command header {name!r}")
        lines.append(f"{name}: {value}")
    return ("\n".join(lines) + "\n\n").encode("utf-8")
