"""A `bgapi` job in flight: its Job-UUID now, its `JobResult` later."""

from __future__ import annotations

from gevent.event import AsyncResult

from bridge.esl.errors import CommandTimeout
from bridge.esl.events import JobResult


class PendingJob:
    """A `bgapi` job the switch accepted; its `JobResult` comes later."""

    def __init__(self, job_uuid: str, command: str, waiter: AsyncResult) -> None:
        self.job_uuid = job_uuid
        self.command = command
        self._waiter = waiter

    def __repr__(self) -> str:
        return f"PendingJob({self.job_uuid!r}, done={self.done()})"

    def done(self) -> bool:
        return bool(self._waiter.ready())

    def wait(self, timeout: float) -> JobResult:
        """The result, or `CommandTimeout` after `timeout` s, or `ConnectionLost`."""
        self._waiter.wait(timeout)
        if not self._waiter.ready():
            verb = self.command.split(" ", 1)[0]
            raise CommandTimeout(f"job {self.job_uuid} ({verb}) gave no result within {timeout} s")
        result: JobResult = self._waiter.get()
        return result
