"""Reconnect delays."""

from __future__ import annotations

from bridge.esl import Backoff


def test_backoff_grows_to_its_cap_with_bounded_jitter() -> None:
    exact = Backoff(initial=0.5, maximum=4.0, factor=2.0, jitter=0.0)
    assert [exact.delay(n) for n in range(6)] == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]
    assert exact.delay(100_000) == 4.0  # days of retries do not overflow
    jittered = Backoff(initial=1.0, maximum=1.0, jitter=0.25)
    assert all(0.75 <= jittered.delay(n) <= 1.0 for n in range(50))
