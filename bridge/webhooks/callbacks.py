"""Callback delivery: durable, ordered per URL, bounded, retried, never in the caller's way.

`CallbackDispatcher.enqueue` writes the callback to the outbox (so it survives
a crash) and hands it to delivery; it returns at once, however slow the
customer's server is. Delivery runs on greenlets:

- a *lane* per (CallSid, URL) holds that URL's callbacks for that call in the
  order they were enqueued; only the head of a lane is ever in flight, so the
  customer sees SequenceNumber 0, 1, 2 ... in order, and a later callback
  waits for an earlier one (retries included);
- a scheduler greenlet starts an attempt for each lane that is ready, through
  a `gevent.pool.Pool`, which bounds concurrent requests over all lanes;
- a failed attempt frees its pool slot and a timer makes the lane ready again
  after the backoff delay, so lanes waiting to retry hold no slot.

Retries (`RetryPolicy`, bridge/webhooks/retry.py): connection failures,
timeouts, 5xx, 408 and 429 are retried with exponential backoff until
`max_attempts` or `max_age`; other 4xx and unusable URLs are given up at
once. Every failure is logged
with the URL and the reason; nothing raises into the caller. Delivery is at
least once: a read timeout may hide a request the customer did process.

Numbering: status callbacks (`CallbackKind.STATUS`) get `SequenceNumber`
(0, 1, 2 ... per call and URL, assigned by the outbox in the insert's
transaction) and `Timestamp` (RFC 2822, the time of the event) added when they
are sent. Recording callbacks carry neither, as on the hosted platforms.
"""

from __future__ import annotations

import logging
import sys
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from enum import StrEnum
from typing import Any

import gevent
import gevent.event
import gevent.lock
import gevent.pool
import gevent.queue

from bridge.cxml.models import HttpMethod
from bridge.store.outbox import Outbox, OutboxEntry
from bridge.webhooks.client import WebhookClient
from bridge.webhooks.errors import HttpStatusError, WebhookError
from bridge.webhooks.retry import RetryPolicy, is_retryable

__all__ = [
    "CallbackDispatcher",
    "CallbackKind",
    "RetryPolicy",
    "StatusCallbackRequest",
    "callback_timestamp",
    "is_retryable",
]

log = logging.getLogger(__name__)

Params = tuple[tuple[str, str], ...]
LaneKey = tuple[str, str]  # (call_sid, url)


class CallbackKind(StrEnum):
    STATUS = "status-callback"
    RECORDING = "recording-callback"


@dataclass(frozen=True, slots=True)
class StatusCallbackRequest:
    """One callback to send. `params` are the engine's; numbering is added here.

    `timestamp` is when the event happened (default: when it is enqueued).
    """

    call_sid: str
    url: str
    method: HttpMethod
    params: Params
    kind: CallbackKind = CallbackKind.STATUS
    timestamp: datetime | None = None


def callback_timestamp(moment: datetime) -> str:
    """RFC 2822, in UTC: `Thu, 09 Nov 2023 17:05:04 +0000`."""
    return format_datetime(moment.astimezone(UTC))


@dataclass(slots=True)
class _Delivery:
    """A callback in a lane. `entry_id` is None when the outbox could not store it."""

    entry_id: int | None
    call_sid: str
    url: str
    method: HttpMethod
    params: Params
    kind: CallbackKind
    sequence_number: int
    created_at: datetime
    attempts: int = 0
    not_before: datetime | None = None

    @property
    def wire_params(self) -> Params:
        if self.kind is not CallbackKind.STATUS:
            return self.params
        return (
            *self.params,
            ("SequenceNumber", str(self.sequence_number)),
            ("Timestamp", callback_timestamp(self.created_at)),
        )

    def describe(self) -> str:
        return f"{self.kind.value} #{self.sequence_number} of {self.call_sid} to {self.url}"


@dataclass(slots=True)
class _Lane:
    items: deque[_Delivery] = field(default_factory=deque)
    # True while the head is in flight or waiting (ready queue or backoff timer).
    active: bool = False


class CallbackDispatcher:
    """Delivers callbacks. Life: start(), recover(), enqueue()..., flush(timeout), stop()."""

    def __init__(
        self,
        client: WebhookClient,
        outbox: Outbox,
        *,
        concurrency: int = 16,
        retry: RetryPolicy | None = None,
        owner: str = "",
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._client = client
        self._outbox = outbox
        self.retry = retry or RetryPolicy()
        self.owner = owner
        self._now = now
        self._pool = gevent.pool.Pool(concurrency)
        self._ready: gevent.queue.Queue[LaneKey] = gevent.queue.Queue()
        self._lanes: dict[LaneKey, _Lane] = {}
        self._timers: set[Any] = set()
        self._idle = gevent.event.Event()
        self._idle.set()
        # Held while a callback is numbered, stored and queued, so that two
        # greenlets enqueuing for one lane cannot swap places.
        self._enqueue_lock = gevent.lock.Semaphore()
        self._last_sequence: dict[tuple[str, str, str], int] = {}
        self._scheduler: Any = None

    # -- life cycle -------------------------------------------------------

    def start(self) -> None:
        if self._scheduler is None:
            self._scheduler = gevent.spawn(self._schedule)

    def recover(self) -> int:
        """Queue the outbox's pending rows (left by an earlier process); returns how many.

        Rows older than `retry.max_age` are given up rather than sent late.
        """
        try:
            entries = self._outbox.pending(owner=self.owner)
        except Exception:
            log.exception("callback outbox unreadable: pending callbacks not recovered")
            return 0
        known = {item.entry_id for lane in self._lanes.values() for item in lane.items}
        touched: set[LaneKey] = set()
        recovered = 0
        for entry in entries:
            if entry.id in known:
                continue
            item = _from_entry(entry)
            if self._age(item) > self.retry.max_age:
                log.error("callback %s given up: expired before it could be sent", item.describe())
                self._record_failure(item, "expired before delivery", None, None, attempted=False)
                continue
            key = (item.call_sid, item.url)
            self._lanes.setdefault(key, _Lane()).items.append(item)
            touched.add(key)
            recovered += 1
        for key in touched:
            lane = self._lanes[key]
            if lane.active:
                head = lane.items.popleft()
                lane.items = deque([head, *sorted(lane.items, key=_order)])
            else:
                lane.items = deque(sorted(lane.items, key=_order))
                self._activate(key, lane)
        if touched:
            self._idle.clear()
        return recovered

    def flush(self, timeout: float) -> bool:
        """Wait until every queued callback is delivered or given up; False on timeout."""
        return bool(self._idle.wait(timeout))

    def stop(self) -> None:
        """Stop delivering. Undelivered callbacks stay in the outbox for `recover`."""
        if self._scheduler is not None:
            self._scheduler.kill()
            self._scheduler = None
        for timer in list(self._timers):
            timer.kill()
        self._timers.clear()
        self._pool.kill()

    @property
    def queued(self) -> int:
        """Callbacks enqueued or recovered and not yet delivered nor given up."""
        return sum(len(lane.items) for lane in self._lanes.values())

    # -- enqueue ----------------------------------------------------------

    def enqueue(self, callback: StatusCallbackRequest) -> None:
        """Store the callback and queue it for delivery. Returns at once; never raises."""
        try:
            with self._enqueue_lock:
                item = self._store(callback)
                key = (item.call_sid, item.url)
                lane = self._lanes.setdefault(key, _Lane())
                lane.items.append(item)
                self._idle.clear()
                if not lane.active:
                    self._activate(key, lane)
        except Exception:
            log.exception("callback to %s for %s not queued", callback.url, callback.call_sid)

    def _store(self, callback: StatusCallbackRequest) -> _Delivery:
        created_at = (callback.timestamp or self._now()).astimezone(UTC)
        counter = (callback.call_sid, callback.url, callback.kind.value)
        try:
            entry = self._outbox.add(
                call_sid=callback.call_sid,
                url=callback.url,
                method=callback.method.value,
                params=callback.params,
                kind=callback.kind.value,
                owner=self.owner,
                created_at=created_at,
            )
        except Exception:
            # Deliver anyway; only the durability is lost, and the log says so.
            sequence = self._last_sequence.get(counter, -1) + 1
            log.exception(
                "callback outbox write failed: %s #%d of %s to %s is sent without being stored",
                callback.kind.value,
                sequence,
                callback.call_sid,
                callback.url,
            )
            entry_id = None
        else:
            sequence = entry.sequence_number
            entry_id = entry.id
        self._last_sequence[counter] = sequence
        return _Delivery(
            entry_id=entry_id,
            call_sid=callback.call_sid,
            url=callback.url,
            method=callback.method,
            params=tuple(callback.params),
            kind=callback.kind,
            sequence_number=sequence,
            created_at=created_at,
        )

    # -- delivery ---------------------------------------------------------

    def _activate(self, key: LaneKey, lane: _Lane) -> None:
        lane.active = True
        head = lane.items[0]
        wait = 0.0
        if head.not_before is not None:
            wait = (head.not_before - self._now()).total_seconds()
        if wait > 0:
            self._later(wait, key)
        else:
            self._ready.put(key)

    def _later(self, delay: float, key: LaneKey) -> None:
        def fire() -> None:
            self._timers.discard(timer)
            self._ready.put(key)

        timer = gevent.spawn_later(delay, fire)
        self._timers.add(timer)

    def _schedule(self) -> None:
        while True:
            key = self._ready.get()
            # Waits here, not in enqueue, while every pool slot is busy.
            self._pool.spawn(self._attempt, key)

    def _attempt(self, key: LaneKey) -> None:
        lane = self._lanes.get(key)
        if lane is None or not lane.items:
            return
        item = lane.items[0]
        item.attempts += 1
        try:
            response = self._client.request(
                item.method, item.url, item.wire_params, read_body=False
            )
        except WebhookError as error:
            self._failed(key, lane, item, error)
        except Exception as error:  # a bug must not stop the lane forever
            log.exception("callback %s: unexpected error", item.describe())
            self._give_up(key, lane, item, f"unexpected error: {error!r}", None)
        else:
            if item.entry_id is not None:
                try:
                    self._outbox.mark_delivered(item.entry_id, status=response.status)
                except Exception:
                    log.exception("callback %s delivered but not marked so", item.describe())
            self._next(key, lane)

    def _failed(self, key: LaneKey, lane: _Lane, item: _Delivery, error: WebhookError) -> None:
        status = error.status if isinstance(error, HttpStatusError) else None
        if not is_retryable(error):
            self._give_up(key, lane, item, f"{error.reason} (not retried)", status)
            return
        if item.attempts >= self.retry.max_attempts:
            self._give_up(key, lane, item, f"{error.reason} (last attempt)", status)
            return
        delay = self.retry.delay(item.attempts)
        if self._age(item) + delay > self.retry.max_age:
            self._give_up(key, lane, item, f"{error.reason} (too old to retry)", status)
            return
        log.warning(
            "callback %s failed (attempt %d of %d): %s; retrying in %.3g s",
            item.describe(),
            item.attempts,
            self.retry.max_attempts,
            error.reason,
            delay,
        )
        retry_at = self._now() + timedelta(seconds=delay)
        self._record_failure(item, error.reason, status, retry_at)
        self._later(delay, key)

    def _give_up(
        self,
        key: LaneKey,
        lane: _Lane,
        item: _Delivery,
        reason: str,
        status: int | None,
    ) -> None:
        log.error(
            "callback %s given up after %d attempt(s): %s", item.describe(), item.attempts, reason
        )
        self._record_failure(item, reason, status, None)
        self._next(key, lane)

    def _record_failure(
        self,
        item: _Delivery,
        reason: str,
        status: int | None,
        retry_at: datetime | None,
        *,
        attempted: bool = True,
    ) -> None:
        if item.entry_id is None:
            return
        try:
            self._outbox.mark_failed(
                item.entry_id, error=reason, status=status, retry_at=retry_at, attempted=attempted
            )
        except Exception:
            log.exception("callback %s: failure not recorded in the outbox", item.describe())

    def _next(self, key: LaneKey, lane: _Lane) -> None:
        lane.items.popleft()
        if lane.items:
            self._activate(key, lane)
            return
        lane.active = False
        del self._lanes[key]
        if not self._lanes:
            self._idle.set()

    def _age(self, item: _Delivery) -> float:
        return (self._now() - item.created_at).total_seconds()


def _order(item: _Delivery) -> int:
    # Outbox ids grow with time; a callback the outbox could not store is recent.
    return item.entry_id if item.entry_id is not None else sys.maxsize


def _from_entry(entry: OutboxEntry) -> _Delivery:
    return _Delivery(
        entry_id=entry.id,
        call_sid=entry.call_sid,
        url=entry.url,
        method=HttpMethod(entry.method),
        params=entry.params,
        kind=CallbackKind(entry.kind),
        sequence_number=entry.sequence_number,
        created_at=entry.created_at,
        attempts=entry.attempts,
        not_before=entry.next_attempt_at,
    )
