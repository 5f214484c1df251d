"""Optional write-behind: store writes applied by one greenlet, in order.

Direct writes are the default, and they are short (see bench/store_writes.py
for the numbers): a SQLite write in WAL mode without fsync costs a fraction
of a millisecond, and on PostgreSQL psycopg lets other greenlets run while
one waits. `WriteBehind` is for a caller that must not wait even that long,
or that writes in bursts (many legs of one <Dial> changing status at once):
it queues the operation and returns, and a single greenlet applies the
operations in submission order, so a call's statuses still land in the order
they happened.

What it costs: the caller does not get the resulting record and does not see
the operation's error. A failed operation (an IllegalTransition, a database
error) is logged, counted in `failures`, and handed to `on_error`; the ones
after it still run. Readers (the REST API) may see a write late by the
queue's length; `flush()` waits until everything queued is applied, e.g.
before answering a request that must read its own write, or at shutdown.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, ParamSpec

import gevent
from gevent.queue import JoinableQueue

P = ParamSpec("P")

logger = logging.getLogger(__name__)

# A bound, so that a database that stopped answering makes submitters wait
# (back pressure) instead of growing memory without limit.
QUEUE_SIZE_DEFAULT = 10_000


class WriteBehindClosed(RuntimeError):
    pass


class WriteBehind:
    def __init__(
        self,
        *,
        maxsize: int = QUEUE_SIZE_DEFAULT,
        on_error: Callable[[BaseException], None] | None = None,
    ) -> None:
        self._queue: Any = JoinableQueue(maxsize)
        self._on_error = on_error
        self._closed = False
        self.failures = 0
        self.applied = 0
        self._writer: Any = gevent.spawn(self._apply_forever)

    def submit(self, operation: Callable[P, object], /, *args: P.args, **kwargs: P.kwargs) -> None:
        """Queue `operation(*args, **kwargs)`, e.g. `submit(calls.update_status,
        sid, "ringing", at=now)`. Waits only if the queue is full."""
        if self._closed:
            raise WriteBehindClosed("the write-behind queue is closed")
        self._queue.put((operation, args, kwargs))

    @property
    def pending(self) -> int:
        """Operations queued and not yet applied (including one in flight)."""
        return int(self._queue.unfinished_tasks)

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until every operation queued so far is applied; False on timeout."""
        return bool(self._queue.join(timeout))

    def close(self, timeout: float | None = None) -> bool:
        """Refuse new operations, apply the queued ones, stop the writer.

        Returns False if the queue did not drain within `timeout` (what was
        left is dropped, and logged)."""
        self._closed = True
        drained = self.flush(timeout)
        if not drained:
            logger.error("write-behind closed with %d operations not applied", self.pending)
        self._writer.kill()
        return drained

    def _apply_forever(self) -> None:
        while True:
            operation, args, kwargs = self._queue.get()
            try:
                operation(*args, **kwargs)
                self.applied += 1
            except Exception as error:
                self.failures += 1
                logger.exception("write-behind operation %r failed", operation)
                if self._on_error is not None:
                    self._on_error(error)
            finally:
                self._queue.task_done()
            # A SQLite write holds the hub while it runs. Between writes, wait
            # for the loop to be idle: call greenlets with events to handle go
            # first, and a long queue never starves them (sleep(0) would not
            # let the loop poll for I/O).
            gevent.idle()
