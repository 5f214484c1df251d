"""How long the engine lets DTMF go out before the next verb: FreeSWITCH's own count."""

from __future__ import annotations

import pytest

from bridge.engine.digits import sending_seconds


@pytest.mark.parametrize(
    ("digits", "seconds"),
    [("1", 0.5), ("1234", 2.0), ("w", 0.5), ("W", 1.0), ("12w#W*", 3.5), ("ww", 1.0)],
)
def test_sending_time(digits: str, seconds: float) -> None:
    assert sending_seconds(digits) == pytest.approx(seconds)
