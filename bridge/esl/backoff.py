"""How long to wait between reconnect attempts."""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Backoff:
    """Reconnect delays: `initial * factor**n`, capped at `maximum`, less up to `jitter`
    of it at random (so that many bridges do not hit a restarted switch at once).
    `max_attempts=None` retries for ever."""

    initial: float = 0.5
    maximum: float = 30.0
    factor: float = 2.0
    jitter: float = 0.2
    max_attempts: int | None = None

    def delay(self, attempt: int) -> float:
        # Past a few dozen attempts the cap has long been reached; stopping the
        # exponent there keeps `factor**attempt` from overflowing after hours of retries.
        base = min(self.maximum, self.initial * self.factor ** min(attempt, 64))
        return base * (1 - self.jitter * random.random())


DEFAULT_BACKOFF = Backoff()
