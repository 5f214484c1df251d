"""How hard callback delivery tries: which failures are retried, and when.

Retried: no connection, a timeout, 5xx, 408 and 429 (the server is down,
slow or busy: it may work later). Not retried: any other 4xx (the URL or the
customer's code is wrong, and the same request would get the same answer),
unfollowable redirects and unusable URLs.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from bridge.webhooks.errors import ConnectFailed, HttpStatusError, WebhookError, WebhookTimeout

RETRYABLE_CLIENT_STATUSES = frozenset({408, 429})


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How hard to try. Delays are seconds: base, base*multiplier, ... up to max_delay.

    `jitter` takes up to that fraction off each delay, so that callbacks to a
    server that came back are not all retried in the same instant.
    """

    max_attempts: int = 5
    base_delay: float = 1.0
    multiplier: float = 2.0
    max_delay: float = 60.0
    max_age: float = 3600.0
    jitter: float = 0.2

    def delay(self, failed_attempts: int) -> float:
        """Seconds to wait after the `failed_attempts`-th failure (1 for the first)."""
        delay = min(self.max_delay, self.base_delay * self.multiplier ** (failed_attempts - 1))
        if self.jitter:
            delay *= 1.0 - random.uniform(0.0, self.jitter)
        return delay


def is_retryable(error: WebhookError) -> bool:
    if isinstance(error, ConnectFailed | WebhookTimeout):
        return True
    if isinstance(error, HttpStatusError):
        return error.status >= 500 or error.status in RETRYABLE_CLIENT_STATUSES
    return False
