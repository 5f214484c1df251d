from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from bridge.esl import Backoff, EventSocket
from tests.support.scripted_switch import ScriptedSwitch

# Upper bound for waits that end on an event; reaching it means a failure.
WAIT = 5.0
FAST_RETRY = Backoff(initial=0.001, maximum=0.01, factor=2.0, jitter=0.0)


@pytest.fixture
def switch() -> Iterator[ScriptedSwitch]:
    with ScriptedSwitch() as server:
        yield server


@pytest.fixture
def make_socket(switch: ScriptedSwitch) -> Iterator[Callable[..., EventSocket]]:
    made: list[EventSocket] = []

    def make(**options: Any) -> EventSocket:
        settings: dict[str, Any] = {
            "connect_timeout": WAIT,
            "command_timeout": WAIT,
            "backoff": FAST_RETRY,
            "reorder_window": 0.0,
        }
        settings.update(options)
        password = settings.pop("password", switch.password)
        sock = EventSocket("127.0.0.1", switch.port, password, **settings)
        made.append(sock)
        return sock

    yield make
    for sock in made:
        sock.close(timeout=0.1)  # some tests leave the switch stalled
