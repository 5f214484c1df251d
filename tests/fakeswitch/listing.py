"""What `show channels` lists: FreeSWITCH 1.10.12 reads it from the core
database, which a queue writes behind the live session table. A channel
created moments ago can be missing from it, and one just destroyed can still
be there (~0.2-0.25 s on a real switch). `uuid_exists` reads the live table.

By default the emulator's listing is exact. `lag(seconds)` makes every row
change from then on reach the listing `seconds` real seconds late (math.inf:
only when `lag(0)` releases them); rows written before stay as they are.
"""

from __future__ import annotations

import math
import time


class ChannelListing:
    def __init__(self) -> None:
        self._lag = 0.0
        self._shown_from: dict[str, float] = {}  # uuid -> when its row is written
        self._shown_until: dict[str, float] = {}  # uuid -> when its row is deleted

    def lag(self, seconds: float) -> None:
        self._lag = max(0.0, seconds)
        if self._lag == 0:
            now = time.monotonic()
            for table in (self._shown_from, self._shown_until):
                for uuid, at in table.items():
                    table[uuid] = min(at, now)

    def created(self, uuid: str) -> None:
        self._shown_from[uuid] = self._due()

    def destroyed(self, uuid: str) -> None:
        self._shown_until[uuid] = self._due()

    def clear(self) -> None:
        self._shown_from.clear()
        self._shown_until.clear()

    def listed(self, uuid: str, live: bool) -> bool:
        """Whether the row of a channel (live or destroyed) is in the listing now."""
        now = time.monotonic()
        if self._shown_from.get(uuid, 0.0) > now:
            return False
        if live:
            return True
        return self._shown_until.get(uuid, 0.0) > now

    def _due(self) -> float:
        return math.inf if math.isinf(self._lag) else time.monotonic() + self._lag
