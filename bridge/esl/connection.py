"""`EventSocket`: the engine's one handle on FreeSWITCH.

It keeps an authenticated, subscribed connection (`transport.SwitchLink`, a
fresh greenswitch connection each time), turns events into a single ordered
queue, runs `api`/`bgapi` commands with a bound on every wait, and survives
drops and restarts:

1. the socket drops (or the switch says goodbye): every pending command and
   job fails at once with `ConnectionLost`, events already read are
   delivered, then a `Disconnected` marker goes on the queue;
2. it reconnects with exponential backoff, re-subscribes, and asks the switch
   which channels exist (`show channels as json`); the answer goes on the
   queue as `Resynced` at the exact point of the stream where it was taken,
   so the engine can reconcile in order;
3. a refused password or an ACL rejection stops it (`GaveUp`), as does
   running out of `Backoff.max_attempts`.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Sequence
from enum import Enum
from functools import partial
from typing import Any

import gevent
from gevent.event import AsyncResult, Event
from gevent.queue import Queue

from bridge.esl.backoff import DEFAULT_BACKOFF, Backoff
from bridge.esl.errors import (
    AccessDenied,
    AuthenticationFailed,
    CommandFailed,
    ConnectionLost,
    EslError,
)
from bridge.esl.events import (
    SUBSCRIBED_EVENTS,
    ChannelEvent,
    Disconnected,
    GaveUp,
    JobResult,
    Resynced,
)
from bridge.esl.jobs import PendingJob
from bridge.esl.ordering import Reorderer
from bridge.esl.parse import parse_channel_list
from bridge.esl.transport import Reply, SwitchLink
from bridge.esl.wire import check_command_text

log = logging.getLogger(__name__)

_EVENT_NAME = re.compile(r"^[A-Za-z0-9_:]{1,64}$")
RESYNC_COMMAND = "api show channels as json"


class _State(Enum):
    IDLE = "idle"
    UP = "up"
    RECONNECTING = "reconnecting"
    GAVE_UP = "gave up"
    CLOSED = "closed"


class EventSocket:
    """An inbound Event Socket client with typed events, bounded commands and reconnects."""

    def __init__(
        self,
        host: str,
        port: int,
        password: str,
        *,
        subscribe: Sequence[str] = SUBSCRIBED_EVENTS,
        connect_timeout: float = 5.0,
        command_timeout: float = 10.0,
        backoff: Backoff = DEFAULT_BACKOFF,
        reorder_window: float = 0.02,
        events: Queue | None = None,
    ) -> None:
        for name in subscribe:
            if not _EVENT_NAME.match(name):
                raise ValueError(f"not an event name: {name!r}")
        check_command_text(password, what="Event Socket password")
        self.host = host
        self.port = port
        self._password = password
        self._subscribe = tuple(subscribe)
        self._connect_timeout = connect_timeout
        self._command_timeout = command_timeout
        self._backoff = backoff
        self._reorder_window = reorder_window
        self.events: Queue = events if events is not None else Queue()
        self._state = _State.IDLE
        self._generation = 0
        self._link: SwitchLink | None = None
        self._opening: SwitchLink | None = None
        self._reorderer: Reorderer[ChannelEvent] | None = None
        self._jobs: dict[str, AsyncResult] = {}
        self._closed = Event()
        self._supervisor: Any = None
        self._gave_up: EslError | None = None

    def __repr__(self) -> str:
        return f"EventSocket({self.host}:{self.port}, {self._state.value})"

    def __enter__(self) -> EventSocket:
        self.connect()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def connected(self) -> bool:
        return self._state is _State.UP

    # -- lifecycle ---------------------------------------------------------

    def connect(self) -> None:
        """Connect, authenticate and subscribe once; raise a typed error if that fails.

        After this succeeds, drops are handled in the background.
        """
        if self._state is not _State.IDLE:
            raise RuntimeError(f"connect() on an EventSocket that is {self._state.value}")
        self._establish(resync=False)

    def close(self, *, timeout: float | None = None) -> None:
        """Say `exit` (waiting at most `timeout` s, default min(command_timeout, 2)),
        deliver what was read, fail what is pending. Idempotent."""
        if self._state is _State.CLOSED:
            return
        goodbye = min(self._command_timeout, 2.0) if timeout is None else timeout
        self._state = _State.CLOSED
        self._closed.set()
        for link in (self._link, self._opening):
            if link is not None:
                link.close(timeout=goodbye)
        self._link = self._opening = None
        if self._reorderer is not None:
            self._reorderer.stop()
        self._fail_jobs("the Event Socket adapter was closed")
        if self._supervisor is not None and self._supervisor is not gevent.getcurrent():
            self._supervisor.kill(block=False)

    # -- commands ----------------------------------------------------------

    def api(self, command: str, *, timeout: float | None = None) -> str:
        """Run `api <command>` and return the response body as sent (may end in a newline)."""
        check_command_text(command)
        reply = self._current_link().command(
            f"api {command}", timeout=timeout or self._command_timeout
        )
        return reply.body

    def bgapi(self, command: str, *, timeout: float | None = None) -> JobResult:
        """Run `bgapi <command>` and wait (at most `timeout` s in all) for its result."""
        limit = timeout or self._command_timeout
        deadline = time.monotonic() + limit
        job = self.bgapi_start(command, timeout=limit)
        return job.wait(max(0.0, deadline - time.monotonic()))

    def bgapi_start(self, command: str, *, timeout: float | None = None) -> PendingJob:
        """Start `bgapi <command>` under a Job-UUID of ours; wait only for the switch to accept.

        The result completes the returned `PendingJob` and is also put on
        `events` as a `JobResult`, in order with the channel events.
        """
        check_command_text(command)
        link = self._current_link()
        job_uuid = str(uuid.uuid4())
        waiter = AsyncResult()
        self._jobs[job_uuid] = waiter
        accepted = {"job_uuid": job_uuid}

        def on_reply(reply: Reply) -> None:
            # Runs in the reader before any later frame, so the BACKGROUND_JOB
            # cannot be looked up before the job is filed under its final uuid.
            if not reply.text.startswith("+OK"):
                self._jobs.pop(job_uuid, None)
                return
            theirs = reply.headers.get("Job-UUID")
            if theirs and theirs != job_uuid and job_uuid in self._jobs:
                self._jobs[theirs] = self._jobs.pop(job_uuid)
                accepted["job_uuid"] = theirs

        try:
            reply = link.command(
                f"bgapi {command}",
                headers=[("Job-UUID", job_uuid)],
                timeout=timeout or self._command_timeout,
                on_reply=on_reply,
            )
        except ConnectionLost:
            self._jobs.pop(job_uuid, None)
            raise
        if not reply.text.startswith("+OK"):
            verb = command.split(" ", 1)[0]
            raise CommandFailed(f"FreeSWITCH refused 'bgapi {verb}': {reply.text!r}")
        return PendingJob(accepted["job_uuid"], command, waiter)

    def _current_link(self) -> SwitchLink:
        if self._state is _State.UP and self._link is not None:
            return self._link
        if self._state is _State.CLOSED:
            raise ConnectionLost("the Event Socket adapter is closed")
        if self._state is _State.GAVE_UP:
            raise ConnectionLost(f"gave up reconnecting to FreeSWITCH: {self._gave_up}")
        if self._state is _State.IDLE:
            raise ConnectionLost("not connected yet: call connect() first")
        raise ConnectionLost(
            f"not connected to FreeSWITCH at {self.host}:{self.port} (reconnecting)"
        )

    # -- connecting --------------------------------------------------------

    def _establish(self, *, resync: bool) -> None:
        self._generation += 1
        generation = self._generation
        reorderer: Reorderer[ChannelEvent] = Reorderer(
            partial(self._emit, generation), window=self._reorder_window
        )
        link = SwitchLink(
            self.host,
            self.port,
            self._password,
            connect_timeout=self._connect_timeout,
            on_event=partial(self._on_event, generation),
            on_lost=partial(self._on_lost, generation),
        )
        self._reorderer = reorderer
        self._opening = link
        try:
            link.open()
            reply = link.command(
                "event plain " + " ".join(self._subscribe), timeout=self._command_timeout
            )
            if not reply.text.startswith("+OK"):
                raise CommandFailed(f"subscribing to events was refused: {reply.text!r}")
            if resync:
                self._resync(link, reorderer)
            else:
                self._promote(link)
        except BaseException:
            link.close(timeout=0)
            reorderer.stop()
            raise
        finally:
            self._opening = None

    def _resync(self, link: SwitchLink, reorderer: Reorderer[ChannelEvent]) -> None:
        failure: list[EslError] = []

        def on_channel_list(reply: Reply) -> None:
            # In the reader, at the reply's place in the stream: what was read
            # before it is delivered first, what comes after waits behind it.
            if reply.body.startswith("-ERR"):
                failure.append(CommandFailed(f"'show channels' failed: {reply.body.strip()!r}"))
                return
            try:
                uuids = parse_channel_list(reply.body)
            except EslError as exc:
                failure.append(exc)
                return
            if self._state is not _State.RECONNECTING:
                return
            reorderer.flush()
            self._promote(link)
            self.events.put(Resynced(uuids=uuids, at=time.time()))

        link.command(RESYNC_COMMAND, timeout=self._command_timeout, on_reply=on_channel_list)
        if failure:
            raise failure[0]

    def _promote(self, link: SwitchLink) -> None:
        self._link = link
        self._state = _State.UP
        log.info("Event Socket connected to %s:%s", self.host, self.port)

    def _reconnect(self) -> None:
        attempt = 0
        last: EslError | None = None
        while self._state is _State.RECONNECTING:
            limit = self._backoff.max_attempts
            if limit is not None and attempt >= limit:
                self._give_up(
                    ConnectionLost(f"no connection after {attempt} attempts; last error: {last}")
                )
                return
            if self._closed.wait(self._backoff.delay(attempt)):
                return
            attempt += 1
            try:
                self._establish(resync=True)
                return
            except (AuthenticationFailed, AccessDenied) as exc:
                self._give_up(exc)
                return
            except EslError as exc:
                last = exc
                log.warning(
                    "reconnect attempt %d to %s:%s failed: %s", attempt, self.host, self.port, exc
                )

    def _give_up(self, error: EslError) -> None:
        if self._state is not _State.RECONNECTING:
            return
        self._state = _State.GAVE_UP
        self._gave_up = error
        log.error("gave up on FreeSWITCH at %s:%s: %s", self.host, self.port, error)
        self.events.put(GaveUp(error=error, at=time.time()))

    # -- callbacks from the reader (must not block) --------------------------

    def _on_event(self, generation: int, event: ChannelEvent) -> None:
        if generation == self._generation and self._reorderer is not None:
            self._reorderer.push(event.sequence, event)

    def _emit(self, generation: int, event: ChannelEvent) -> None:
        if generation != self._generation:
            return
        if event.name != "BACKGROUND_JOB" or not event.job_uuid:
            self.events.put(event)
            return
        result = JobResult.from_event(event)
        self.events.put(result)
        waiter = self._jobs.pop(result.job_uuid, None)
        if waiter is not None:
            waiter.set(result)

    def _on_lost(self, generation: int, reason: str) -> None:
        if generation != self._generation or self._state is not _State.UP:
            return
        log.warning("Event Socket connection to %s:%s lost: %s", self.host, self.port, reason)
        self._state = _State.RECONNECTING
        self._link = None
        if self._reorderer is not None:
            self._reorderer.stop()
        self._fail_jobs(f"Event Socket connection lost: {reason}")
        self.events.put(Disconnected(reason=reason, at=time.time()))
        self._supervisor = gevent.spawn(self._reconnect)

    def _fail_jobs(self, reason: str) -> None:
        jobs, self._jobs = self._jobs, {}
        for job_uuid, waiter in jobs.items():
            waiter.set_exception(ConnectionLost(f"job {job_uuid} lost its result: {reason}"))
