"""`CallSession`: one call, one greenlet, one mailbox.

The mailbox carries everything that concerns the call: switch events of
every channel it owns (its own channel and the legs it dialed), `bgapi` job
results, Event Socket drops and resyncs, control messages from the REST API,
and the results of its own HTTP requests. Everything the call waits for, it
waits for in `wait()`, which turns what interrupts a verb into exceptions
(`bridge.engine.interrupts`), so every verb can be stopped at any wait.

The session also holds what every verb needs: the call's identity and
parameters, its channel (answer, ring, hang up), its status in the store,
and switch commands with bounded waits. The program that runs documents is
in `bridge.engine.program`; verbs are in `bridge.engine.verbs`.

Work that spans the whole call rather than one verb (the REST API's
whole-call recording) hooks in with `watch(observer)`, which sees every
switch event the call receives whichever verb waits for it, and
`when_over(closer)`, run by `program.end_call` once the channel has ended
and the call's final status is recorded, before the call is released.
"""

from __future__ import annotations

import itertools
import logging
import time
from collections import deque
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

import gevent
import gevent.event
from gevent.queue import Empty, Queue

from bridge.cxml.models import CallProgressEvent
from bridge.engine.errors import CommandRefused
from bridge.engine.interrupts import (
    CallerHungUp,
    ChannelVanished,
    EndCall,
    EndRequested,
    Interrupt,
    IoDone,
    RedirectCall,
    Redirected,
)
from bridge.engine.params import CallParty, call_params
from bridge.engine.presence import still_on_switch
from bridge.engine.progress import ProgressReporter
from bridge.engine.services import CallServices
from bridge.engine.statuses import FAILURE_CAUSE
from bridge.esl.errors import EslError
from bridge.esl.events import ChannelEvent, Disconnected, GaveUp, JobResult, Resynced
from bridge.store.records import CallStatus
from bridge.switch import HangupCause, uuid_answer, uuid_kill, uuid_ring_ready
from bridge.webhooks.parameters import Params

log = logging.getLogger(__name__)

T = TypeVar("T")

MailItem = (
    ChannelEvent | JobResult | Disconnected | Resynced | GaveUp | RedirectCall | EndCall | IoDone
)
END_EVENTS = frozenset({"CHANNEL_HANGUP", "CHANNEL_HANGUP_COMPLETE", "CHANNEL_DESTROY"})
# What `wait` hands to verbs (control messages become interrupts instead).
Delivered = ChannelEvent | JobResult | ChannelVanished | IoDone | Disconnected


class Registry(Protocol):
    """The switchboard, as a session sees it."""

    def own(self, uuid: str, session: CallSession) -> None: ...

    def own_job(self, job_uuid: str, session: CallSession) -> None: ...

    def release(self, session: CallSession) -> None: ...


class CallSession:
    def __init__(
        self,
        services: CallServices,
        registry: Registry,
        party: CallParty,
        uuid: str,
        *,
        reporter: ProgressReporter | None = None,
        answered: bool = False,
    ) -> None:
        self.services = services
        self.registry = registry
        self.party = party
        self.uuid = uuid  # the call's own channel
        self.reporter = reporter or ProgressReporter(services, party, None)
        self.mailbox: Queue = Queue()
        self.answered = answered
        self.caller_gone = False
        self.caller_cause: str | None = None
        self.caller_vanished = False
        self.caller_billsec: int | None = None
        self.switch_down_since: float | None = None
        self.finished = gevent.event.Event()
        # How the call ends when the engine ends it, and with which status if
        # it was never answered (None: canceled). Set by Reject, failures ...
        self.unanswered_status: CallStatus | None = None
        self.failure: str | None = None
        self.crashed = False
        self.hangup_sent = False
        self.redirects_in_a_row = 0
        self.last_dial_status: CallStatus | None = None
        self.vanished_at: float | None = None
        self._owned: set[str] = set()
        self._ended: set[str] = set()  # owned channels seen hanging up (or vanished)
        self._backlog: deque[Delivered] = deque()
        self._hangup_raised = False
        self._control: deque[RedirectCall | EndCall] = deque()
        self._tokens = itertools.count(1)
        self._observers: list[Callable[[ChannelEvent], None]] = []
        self._closers: list[Callable[[], None]] = []
        self.own(uuid)

    def __repr__(self) -> str:
        return f"CallSession({self.party.call_sid}, {self.uuid})"

    @property
    def call_sid(self) -> str:
        return self.party.call_sid

    # -- the mailbox --------------------------------------------------------

    def deliver(self, item: MailItem) -> None:
        """Called by the switchboard and the engine; never blocks."""
        self.mailbox.put(item)

    def wait(self, until: float | None, *, interruptible: bool = True) -> Delivered | None:
        """The next item for the call, or None once `until` (time.monotonic()) passed.

        Raises CallerHungUp, EndRequested or Redirected when interruptible
        (each once); otherwise those stay pending for the next
        interruptible wait.
        """
        while True:
            if interruptible:
                self._raise_pending()
            if self._backlog:
                return self._backlog.popleft()
            timeout = None if until is None else max(0.0, until - time.monotonic())
            try:
                item = self.mailbox.get(timeout=timeout)
            except Empty:
                return None
            delivered = self._observe(item)
            if delivered is not None:
                if interruptible:
                    try:
                        self._raise_pending()
                    except Interrupt:
                        # Not lost: the cleanup after the interrupt sees it.
                        self._backlog.appendleft(delivered)
                        raise
                return delivered

    def _raise_pending(self) -> None:
        if self.caller_gone and not self._hangup_raised:
            self._hangup_raised = True
            raise CallerHungUp(self.caller_cause, vanished=self.caller_vanished)
        if self.caller_gone:
            self._control.clear()
            return
        if self._control:
            message = self._control.popleft()
            if isinstance(message, EndCall):
                self._control.clear()
                raise EndRequested(message.status, message.reason)
            raise Redirected(message.source)

    def _observe(self, item: MailItem) -> Delivered | None:
        if isinstance(item, RedirectCall | EndCall):
            self._control.append(item)
            return None
        if isinstance(item, ChannelEvent):
            if item.uuid is not None:
                if item.name in END_EVENTS:
                    self._ended.add(item.uuid.lower())
                if item.uuid.lower() == self.uuid.lower():
                    self._observe_own(item)
            for observer in self._observers:
                observer(item)
            return item
        if isinstance(item, Disconnected):
            self.switch_down_since = item.at
            log.warning("call %s: Event Socket lost (%s)", self.call_sid, item.reason)
            return item
        if isinstance(item, Resynced | GaveUp):
            self._reconcile(item)
            return None
        return item

    def _observe_own(self, event: ChannelEvent) -> None:
        if event.name == "CHANNEL_ANSWER":
            self.answered = True
        elif event.name == "CHANNEL_HANGUP" and not self.caller_gone:
            self.caller_gone = True
            self.caller_cause = event.hangup_cause
        elif event.name == "CHANNEL_HANGUP_COMPLETE":
            self.caller_gone = True
            self.caller_cause = self.caller_cause or event.hangup_cause
            if event.billsec is not None:
                self.caller_billsec = event.billsec

    def _reconcile(self, item: Resynced | GaveUp) -> None:
        """Channels we own that the switch no longer has ended while we were away."""
        since = self.switch_down_since or item.at
        present = item.uuids if isinstance(item, Resynced) else frozenset()
        present_lower = {uuid.lower() for uuid in present}
        detail = (
            "ended while the Event Socket was disconnected"
            if isinstance(item, Resynced)
            else f"unknown: the bridge gave up on the Event Socket ({item.error})"
        )
        self.switch_down_since = None if isinstance(item, Resynced) else since
        for uuid in sorted(self._owned):
            if uuid.lower() in present_lower or self._listing_lags(item, uuid):
                continue
            vanished = ChannelVanished(uuid, since, item.at, detail)
            self._ended.add(uuid.lower())
            if uuid.lower() == self.uuid.lower():
                if not self.caller_gone:
                    log.warning(
                        "call %s: its channel %s is gone from the switch: %s; "
                        "it is reported as ended at the disconnection",
                        self.call_sid,
                        uuid,
                        detail,
                    )
                    self.caller_gone = True
                    self.caller_vanished = True
                    self.vanished_at = since
            self._backlog.append(vanished)

    def _listing_lags(self, item: Resynced | GaveUp, uuid: str) -> bool:
        """A channel the resync's listing lacks may be too new for it (see
        bridge.engine.presence); one seen ending is not asked about."""
        if not isinstance(item, Resynced) or uuid.lower() in self._ended:
            return False
        timeout = self.services.timings.command_timeout
        return still_on_switch(self.services.switch, uuid, timeout)

    # -- channels -------------------------------------------------------------

    def own(self, uuid: str) -> None:
        """Route `uuid`'s events here (before the command that creates it is sent)."""
        self._owned.add(uuid)
        self.registry.own(uuid, self)

    def own_job(self, job_uuid: str) -> None:
        self.registry.own_job(job_uuid, self)

    def api(self, command: str) -> str:
        """Run a switch command; raises bridge.esl.EslError (and -ERR replies as CommandRefused)."""
        reply = self.services.switch.api(command, timeout=self.services.timings.command_timeout)
        if reply.startswith("-ERR"):
            raise CommandRefused(command.split(" ", 1)[0], reply.strip())
        return reply

    def try_api(self, command: str) -> bool:
        """Run a command whose failure must not stop the call (a kill, a cleanup); log failures."""
        try:
            self.api(command)
            return True
        except Exception as error:  # noqa: BLE001 (logged; the call goes on)
            log.warning("call %s: %r failed: %s", self.call_sid, command, error)
            return False

    def answer(self) -> None:
        if self.answered or self.caller_gone:
            return
        try:
            self.api(uuid_answer(self.uuid))
        except (EslError, CommandRefused):
            if self.caller_left():
                raise self.hung_up() from None
            raise
        self.answered = True
        self.reporter.step(CallProgressEvent.ANSWERED)

    def hung_up(self) -> CallerHungUp:
        """The CallerHungUp to raise now (and not again from `wait`)."""
        self._hangup_raised = True
        return CallerHungUp(self.caller_cause, vanished=self.caller_vanished)

    def caller_left(self) -> bool:
        """After a command on the caller's channel failed: did the caller just hang up?

        The switch refuses commands on a channel that is hanging up before its
        CHANNEL_HANGUP reaches us, so wait (briefly, uninterrupted) for it.
        Events that arrive meanwhile are kept for the next waits.
        """
        deadline = time.monotonic() + self.services.timings.settle
        held: list[Delivered] = []
        while not self.caller_gone:
            item = self.wait(deadline, interruptible=False)
            if item is None:
                break
            held.append(item)
        self._backlog.extend(held)
        return self.caller_gone

    def ring(self) -> None:
        """180 Ringing to an unanswered caller (answerOnBridge)."""
        if self.answered or self.caller_gone:
            return
        self.try_api(uuid_ring_ready(self.uuid))

    def hang_up(self, cause: HangupCause = HangupCause.NORMAL_CLEARING) -> None:
        """End the call's channel with `cause` (once: later calls do nothing)."""
        if not self.caller_gone and not self.hangup_sent:
            self.hangup_sent = self.try_api(uuid_kill(self.uuid, cause))

    def fail(self, detail: str) -> None:
        """Something made the call impossible to continue: end it with a 500-class answer."""
        self.failure = detail
        if not self.answered:
            self.unanswered_status = CallStatus.FAILED
        self.hang_up(FAILURE_CAUSE if not self.answered else HangupCause.NORMAL_CLEARING)

    # -- requests -------------------------------------------------------------

    def request_status(self) -> CallStatus:
        """The CallStatus the call's requests carry now."""
        if self.caller_gone:
            return CallStatus.COMPLETED if self.answered else CallStatus.CANCELED
        return CallStatus.IN_PROGRESS if self.answered else CallStatus.RINGING

    def params(self) -> Params:
        return call_params(self.party, self.request_status())

    def run_io(self, function: Callable[[], T], *, interruptible: bool = True) -> T:
        """Run blocking I/O (HTTP) in a helper greenlet and wait for it in `wait()`.

        So a fetch is interrupted like any verb: the caller hanging up, a
        REST redirect or an end request kill the request and raise.
        """
        token = next(self._tokens)

        def job() -> None:
            try:
                value: Any = function()
            except Exception as error:  # noqa: BLE001 (handed to the waiting call)
                self.mailbox.put(IoDone(token, error=error))
            else:
                self.mailbox.put(IoDone(token, value=value))

        worker = gevent.spawn(job)
        held: list[Delivered] = []
        try:
            while True:
                item = self.wait(None, interruptible=interruptible)
                if isinstance(item, IoDone) and item.token == token:
                    if item.error is not None:
                        raise item.error
                    result: T = item.value
                    return result
                if item is not None and not isinstance(item, IoDone):
                    held.append(item)
        finally:
            worker.kill(block=False)
            self._backlog.extend(held)

    # -- whole-call work ---------------------------------------------------------

    def watch(self, observer: Callable[[ChannelEvent], None]) -> None:
        """Show `observer` every switch event of the call from now on (it must not block)."""
        self._observers.append(observer)

    def when_over(self, closer: Callable[[], None]) -> None:
        """Run `closer` once the call has ended (see `close`)."""
        self._closers.append(closer)

    def close(self) -> None:
        """Run the closers, in order; each may still `wait`. Never raises."""
        closers, self._closers = self._closers, []
        for closer in closers:
            try:
                closer()
            except Exception:
                log.exception("call %s: finishing %r failed", self.call_sid, closer)

    # -- the end --------------------------------------------------------------

    def leftovers(self) -> frozenset[str]:
        """Channels this call owned and never saw end (a failed hang-up, a
        missing event): the engine makes sure they do not stay on the switch."""
        return frozenset(uuid for uuid in self._owned if uuid.lower() not in self._ended)

    def release(self) -> None:
        self.registry.release(self)
        self.finished.set()
