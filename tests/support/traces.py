"""Reading the recorded FreeSWITCH Event Socket traces (../shared/freeswitch-traces).

A trace is the raw byte stream one inbound client received, with the
commands that client sent written in as `#> <command>\\n` lines (a `\\n`
inside a command is written as the two characters `\\n`). Markers sit
between frames, sometimes right after a body that has no final newline.

This reader is deliberately independent of `bridge.esl`: it is what the
adapter is judged against, so it frames by `Content-Length` and decodes
plain events value by value with the standard library, nothing shared.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
TRACES_DIR = REPO_ROOT.parent / "shared" / "freeswitch-traces"
MARKER = b"#> "


@dataclass(frozen=True)
class SwitchFrame:
    """One frame exactly as the switch sent it."""

    raw: bytes
    headers: Mapping[str, str]
    body: bytes

    @property
    def content_type(self) -> str:
        return self.headers["Content-Type"]

    def event(self) -> dict[str, str] | None:
        """The event's headers (decoded), with the body under `_body`; None if no event."""
        if self.content_type == "text/event-plain":
            return _plain_headers(self.body)
        if self.content_type == "text/event-json":
            doc = json.loads(self.body)
            return {k: v if isinstance(v, str) else json.dumps(v) for k, v in doc.items()}
        return None


@dataclass(frozen=True)
class ClientCommand:
    """A command the client sent at this point (newlines restored)."""

    text: str

    @property
    def first_line(self) -> str:
        return self.text.split("\n", 1)[0]


Step = SwitchFrame | ClientCommand


@dataclass(frozen=True)
class Trace:
    name: str
    steps: tuple[Step, ...]

    @property
    def frames(self) -> list[SwitchFrame]:
        return [s for s in self.steps if isinstance(s, SwitchFrame)]

    @property
    def commands(self) -> list[str]:
        return [s.text for s in self.steps if isinstance(s, ClientCommand)]

    @property
    def password(self) -> str:
        auth = next(c for c in self.commands if c.startswith("auth "))
        return auth.removeprefix("auth ")

    @property
    def event_format(self) -> str:
        sub = next(c for c in self.commands if c.startswith("event "))
        return sub.split(" ")[1]

    def events(self) -> list[dict[str, str]]:
        return [e for f in self.frames if (e := f.event()) is not None]

    def job_uuids(self) -> list[str]:
        """Job-UUIDs the switch chose, in the order of the bgapi commands."""
        return [
            f.headers["Job-UUID"]
            for f in self.frames
            if f.content_type == "command/reply" and "Job-UUID" in f.headers
        ]


def traces_dir() -> Path:
    if not TRACES_DIR.is_dir():
        pytest.skip(f"FreeSWITCH traces not found at {TRACES_DIR} (shared material is absent)")
    return TRACES_DIR


def trace_paths(pattern: str = "s*.esl") -> list[Path]:
    """Trace files for parametrising tests; empty (tests then skip) when absent."""
    if not TRACES_DIR.is_dir():
        return []
    return sorted(TRACES_DIR.glob(pattern), key=lambda p: int(p.name[1:].split("-")[0]))


def load_trace(path: Path) -> Trace:
    return Trace(name=path.stem, steps=tuple(_split(path.read_bytes())))


def _split(data: bytes) -> Iterator[Step]:
    position = 0
    while position < len(data):
        if data.startswith(MARKER, position):
            end = data.index(b"\n", position)
            text = data[position + len(MARKER) : end].decode().replace("\\n", "\n")
            yield ClientCommand(text)
            position = end + 1
            continue
        end = data.index(b"\n\n", position)
        headers = dict(line.split(": ", 1) for line in data[position:end].decode().split("\n"))
        length = int(headers.get("Content-Length", "0"))
        body_start = end + 2
        raw = data[position : body_start + length]
        yield SwitchFrame(raw=raw, headers=headers, body=data[body_start : body_start + length])
        position = body_start + length


def _plain_headers(body: bytes) -> dict[str, str]:
    text = body.decode()
    head, _, rest = text.partition("\n\n")
    headers: dict[str, str] = {}
    for line in head.split("\n"):
        name, _, value = line.partition(": ")
        headers.setdefault(name, unquote(value))
    if "Content-Length" in headers:
        headers["_body"] = rest[: int(headers["Content-Length"])]
    return headers
