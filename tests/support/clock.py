"""A clock the test moves, for the stores' `clock=` (date_created, date_updated, ...)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

T0 = datetime(2024, 3, 1, 12, 0, 0, tzinfo=UTC)


class ManualClock:
    """Starts at `T0`; `advance(seconds)` moves it."""

    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> datetime:
        self.now += timedelta(seconds=seconds)
        return self.now
