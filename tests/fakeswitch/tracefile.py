"""Read the recorded FreeSWITCH streams in ../shared/freeswitch-traces (tests only).

A `.esl` file is the raw byte stream a real FreeSWITCH sent to one client;
lines starting with `#> ` mark the command the client sent at that point.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tests.fakeswitch.client import Event, Frame, decode_event, take_frame

TRACE_DIR = Path(__file__).resolve().parents[3] / "shared" / "freeswitch-traces"


@dataclass(frozen=True)
class Command:
    line: str


Step = Command | Frame


@dataclass(frozen=True)
class Trace:
    name: str
    steps: tuple[Step, ...]
    events: tuple[Event, ...]

    @property
    def commands(self) -> list[str]:
        return [step.line for step in self.steps if isinstance(step, Command)]

    @property
    def frames(self) -> list[Frame]:
        return [step for step in self.steps if isinstance(step, Frame)]

    @property
    def replies(self) -> list[Frame]:
        return [f for f in self.frames if f.content_type in ("command/reply", "api/response")]

    def legs(self) -> list[str]:
        """Channel uuids in order of first appearance."""
        seen: list[str] = []
        for event in self.events:
            if event.uuid and event.uuid not in seen:
                seen.append(event.uuid)
        return seen

    def leg_events(self, uuid: str) -> list[Event]:
        return [event for event in self.events if event.uuid == uuid]


def load_trace(path: Path) -> Trace:
    data = bytearray(path.read_bytes())
    steps: list[Step] = []
    while data:
        if data.startswith(b"#> "):
            end = data.find(b"\n")
            line = bytes(data[3:end]).decode("utf-8").replace("\\n", "\n")
            steps.append(Command(line))
            del data[: end + 1]
            continue
        frame = take_frame(data)
        if frame is None:
            raise ValueError(f"{path.name}: truncated frame at the end of the trace")
        steps.append(frame)
    events = tuple(
        decode_event(step)
        for step in steps
        if isinstance(step, Frame) and step.content_type.startswith("text/event-")
    )
    return Trace(path.stem, tuple(steps), events)
