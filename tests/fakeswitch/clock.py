"""Emulated time: every scripted delay and timeout runs `time_scale` times as long.

Timestamps in events (Event-Date-*, Caller-Channel-*-Time, the CDR variables)
come from the emulated clock, so a 5 s ring reads as 5 s in `billsec` and
`duration` even when the test ran it in 5 ms.
"""

from __future__ import annotations

import time

import gevent


class EmulatedClock:
    def __init__(self, time_scale: float) -> None:
        if not time_scale > 0:
            raise ValueError(f"time_scale must be > 0, got {time_scale!r}")
        self.time_scale = time_scale
        self._wall_start_us = int(time.time() * 1_000_000)
        self._mono_start = time.monotonic()

    def now_us(self) -> int:
        elapsed = (time.monotonic() - self._mono_start) / self.time_scale
        return self._wall_start_us + int(elapsed * 1_000_000)

    def real_seconds(self, emulated_seconds: float) -> float:
        return max(0.0, emulated_seconds) * self.time_scale

    def sleep(self, emulated_seconds: float) -> None:
        gevent.sleep(self.real_seconds(emulated_seconds))

    def later(self, emulated_seconds: float, function: object, *args: object) -> gevent.Greenlet:
        return gevent.spawn_later(self.real_seconds(emulated_seconds), function, *args)


def date_local(us: int) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(us // 1_000_000))


def date_gmt(us: int) -> str:
    return time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(us // 1_000_000))
