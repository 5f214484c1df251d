"""Builders shared by the store tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from bridge.store.records import CallDirection, CallStatus, NewCall

ACCOUNT = "AC" + "0" * 32
T0 = datetime(2024, 3, 1, 12, 0, 0, tzinfo=UTC)


class ManualClock:
    """The store's clock (date_created, date_updated), moved by the test."""

    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> datetime:
        self.now += timedelta(seconds=seconds)
        return self.now


def new_call(**overrides: Any) -> NewCall:
    fields: dict[str, Any] = {
        "account_sid": ACCOUNT,
        "direction": CallDirection.INBOUND,
        "from_": "+15550100",
        "to": "+15550199",
        "status": CallStatus.RINGING,
    }
    fields.update(overrides)
    return NewCall(**fields)
