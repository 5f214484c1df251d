"""Builders shared by the store tests."""

from __future__ import annotations

from typing import Any

from bridge.store.records import CallDirection, CallStatus, NewCall
from tests.support.clock import T0 as T0  # re-exported for the tests
from tests.support.clock import ManualClock as ManualClock

ACCOUNT = "AC" + "0" * 32


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
