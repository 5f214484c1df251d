"""What can stop a verb in the middle, and the messages that carry it to a call.

Every wait of a call goes through `CallSession.wait`, which raises one of
these when it happens, so any verb can be interrupted at any wait:

    Interrupt
      CallerHungUp     the call's own channel hung up (or vanished from the switch)
      Redirected       the REST API (or the engine) gave the call a new document
      EndRequested     the REST API or a shutdown asked to end the call

A verb cleans up what it started (legs in flight) in `finally`/`except`
blocks and lets the interrupt travel up to the call's program, which decides
what comes next. Each interrupt is raised once: after it, waits deliver
events again so the cleanup can see its legs end.

Mailbox messages that are not switch events:

    RedirectCall   from CallControl.redirect
    EndCall        from CallControl.end_call and from shutdown
    IoDone         an HTTP request a call started finished (see CallSession.run_io)
    ChannelVanished  a channel the call owned is gone after an Event Socket resync
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from bridge.engine.control import DocumentSource

EndStatus = Literal["completed", "canceled"]


class Interrupt(Exception):
    """Base of what `CallSession.wait` raises."""


class CallerHungUp(Interrupt):
    def __init__(self, cause: str | None, *, vanished: bool = False) -> None:
        self.cause = cause
        self.vanished = vanished
        how = "vanished while the Event Socket was down" if vanished else f"hung up ({cause})"
        super().__init__(f"the caller {how}")


class Redirected(Interrupt):
    def __init__(self, source: DocumentSource) -> None:
        self.source = source
        super().__init__(f"redirected to {source}")


class EndRequested(Interrupt):
    def __init__(self, status: EndStatus, reason: str) -> None:
        self.status = status
        self.reason = reason
        super().__init__(f"end requested ({status}): {reason}")


@dataclass(frozen=True)
class RedirectCall:
    source: DocumentSource


@dataclass(frozen=True)
class EndCall:
    status: EndStatus
    reason: str


@dataclass(frozen=True)
class IoDone:
    token: int
    value: Any = None
    error: BaseException | None = None


@dataclass(frozen=True)
class ChannelVanished:
    """`uuid` was not on the switch when the Event Socket came back.

    It ended somewhere between `disconnected_at` and `resynced_at` (epoch
    seconds); nothing more is known about how.
    """

    uuid: str
    disconnected_at: float
    resynced_at: float
    detail: str = field(default="ended while the Event Socket was disconnected")
