"""Putting events back into `Event-Sequence` order.

FreeSWITCH numbers every event it creates, but its dispatch threads can hand
two events to a listener in swapped order (the traces show CHANNEL_STATE
1156 arriving before 1155). Numbers also have gaps: most events belong to
subscriptions we do not hold, so "the next number" is unknowable. The honest
fix is a short hold: each event waits `window` seconds, and when the oldest
arrival's time is up, it and every held event numbered below it are
released, lowest first. An event that turns up later than that with a lower
number is released at once (order cannot be restored for it) and logged.

`window=0` releases every event as it arrives (no reordering, no delay).
"""

from __future__ import annotations

import heapq
import itertools
import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

import gevent
from gevent.event import Event

log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(order=True)
class _Held(Generic[T]):
    sequence: int
    tiebreak: int
    arrived: float = field(compare=False)
    item: T = field(compare=False)
    released: bool = field(default=False, compare=False)


class Reorderer(Generic[T]):
    """Holds items briefly and hands them to `emit` in sequence order.

    `emit` runs in the reorderer's greenlet (or the caller's, for `flush` and
    when `window` is 0) and must not block.
    """

    def __init__(self, emit: Callable[[T], None], *, window: float) -> None:
        if window < 0:
            raise ValueError(f"reorder window must be >= 0 seconds, not {window}")
        self._emit = emit
        self._window = window
        self._heap: list[_Held[T]] = []
        self._arrivals: deque[_Held[T]] = deque()
        self._counter = itertools.count()
        self._last_released = -1
        self._wakeup = Event()
        self._stopped = False
        self._greenlet: gevent.Greenlet | None = None
        if window > 0:
            self._greenlet = gevent.spawn(self._run)

    def push(self, sequence: int, item: T) -> None:
        if self._stopped:
            return
        if self._window == 0 or sequence < 0:
            self._release_one(sequence, item)
            return
        held = _Held(sequence, next(self._counter), time.monotonic(), item)
        heapq.heappush(self._heap, held)
        self._arrivals.append(held)
        if len(self._arrivals) == 1:
            self._wakeup.set()

    def flush(self) -> None:
        """Release everything held now, in order (before a marker goes on the queue)."""
        while self._heap:
            held = heapq.heappop(self._heap)
            held.released = True
            self._release_one(held.sequence, held.item)
        self._arrivals.clear()

    def stop(self) -> None:
        """Flush, then stop the timer greenlet; later pushes are dropped."""
        self.flush()
        self._stopped = True
        self._wakeup.set()
        if self._greenlet is not None and self._greenlet is not gevent.getcurrent():
            self._greenlet.kill(block=False)

    def _run(self) -> None:
        while not self._stopped:
            while self._arrivals and self._arrivals[0].released:
                self._arrivals.popleft()
            if not self._arrivals:
                self._wakeup.clear()
                self._wakeup.wait()
                continue
            oldest = self._arrivals[0]
            delay = oldest.arrived + self._window - time.monotonic()
            if delay > 0:
                self._wakeup.clear()
                self._wakeup.wait(delay)
                continue
            while self._heap and self._heap[0].sequence <= oldest.sequence:
                held = heapq.heappop(self._heap)
                held.released = True
                self._release_one(held.sequence, held.item)

    def _release_one(self, sequence: int, item: T) -> None:
        if 0 <= sequence < self._last_released:
            log.warning(
                "event %d arrived after event %d had been delivered; delivering it late",
                sequence,
                self._last_released,
            )
        self._last_released = max(self._last_released, sequence)
        try:
            self._emit(item)
        except Exception:  # an emit bug must not stop delivery of the next events
            log.exception("delivering event %d failed", sequence)
