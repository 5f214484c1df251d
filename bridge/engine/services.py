"""What the engine needs from the rest of the bridge, as narrow ports, and its timings.

The engine talks to FreeSWITCH only through `SwitchPort` (the Event Socket
adapter, `bridge.esl.EventSocket`, fits it), to customer URLs through a
`WebhookClient` (documents, action) and a `CallbackSink` (status and
recording callbacks: `bridge.webhooks.CallbackDispatcher` fits it), and to
the database through `CallStore` and `RecordingStore`. Tests hand it the
real ones, pointed at loopback servers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from bridge.config import Settings
from bridge.store.calls import CallStore
from bridge.store.recordings import RecordingStore
from bridge.webhooks.callbacks import StatusCallbackRequest
from bridge.webhooks.client import WebhookClient


class JobHandle(Protocol):
    """A `bgapi` job the switch accepted (`bridge.esl.PendingJob`)."""

    job_uuid: str


class SwitchPort(Protocol):
    """The commands the engine sends. Both raise `bridge.esl.EslError` subclasses."""

    def api(self, command: str, *, timeout: float | None = None) -> str: ...

    def bgapi_start(self, command: str, *, timeout: float | None = None) -> JobHandle: ...

    @property
    def connected(self) -> bool: ...


class CallbackSink(Protocol):
    """Takes a status callback for delivery; returns at once and never raises."""

    def enqueue(self, callback: StatusCallbackRequest) -> None: ...


@dataclass(frozen=True)
class EngineTimings:
    """Seconds. Bounds on every wait the engine does on its own account.

    `ring_guard`: how long after `<Dial timeout>` the engine kills legs still
    ringing (FreeSWITCH's originate_timeout should have ended them first).
    `settle`: how long to wait for the final events of legs (and of the
    caller) after they were told to hang up, before reporting what is known.
    `end_wait`: how long `end_call` waits for the call to be over before it
    answers the REST client.
    """

    command_timeout: float = 10.0
    ring_guard: float = 5.0
    settle: float = 5.0
    end_wait: float = 2.0


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class CallServices:
    """Everything a call needs, shared by every call of one engine."""

    settings: Settings
    switch: SwitchPort
    calls: CallStore
    webhooks: WebhookClient
    callbacks: CallbackSink
    timings: EngineTimings = field(default_factory=EngineTimings)
    clock: Callable[[], datetime] = utc_now
    # Where `<Dial record>` keeps its recordings' rows (the REST API serves
    # them from there). None: recordings are made and reported, but not kept.
    recordings: RecordingStore | None = None
