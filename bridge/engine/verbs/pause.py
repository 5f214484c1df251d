"""`<Pause length>`: wait, answered, for `length` seconds (0: go on at once).

The wait is the call's own `wait()`, so the caller hanging up, a REST
redirect or an end request cut it short.
"""

from __future__ import annotations

import time

from bridge.cxml.models import Pause
from bridge.engine.session import CallSession
from bridge.engine.steps import CONTINUE, Step


def execute(verb: Pause, call: CallSession) -> Step:
    call.answer()
    until = time.monotonic() + verb.length
    while call.wait(until) is not None:
        pass  # nothing else is in flight during a pause: events are of no use here
    return CONTINUE
