"""Fixtures for the emulator's own tests: a started switch and a logged-in client."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from tests.fakeswitch import FakeSwitch
from tests.fakeswitch.client import EslTestClient

# Every emulated delay runs at 1/100: a 10 s ring timeout takes 100 ms.
TIME_SCALE = 0.01


@pytest.fixture
def switch() -> Iterator[FakeSwitch]:
    fake = FakeSwitch(password="ClueCon", time_scale=TIME_SCALE)
    fake.start()
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture
def connect(switch: FakeSwitch) -> Iterator[Callable[[], EslTestClient]]:
    """Open raw clients to the switch; all are closed at the end of the test."""
    opened: list[EslTestClient] = []
    assert switch.address is not None
    address = switch.address

    def open_client() -> EslTestClient:
        opened.append(EslTestClient(address))
        return opened[-1]

    yield open_client
    for client in opened:
        client.close()


@pytest.fixture
def client(connect: Callable[[], EslTestClient]) -> EslTestClient:
    """Logged in and subscribed to every event, in plain format."""
    fresh = connect()
    assert fresh.login().header("Reply-Text") == "+OK accepted"
    assert fresh.subscribe("ALL").header("Reply-Text") == "+OK event listener enabled plain"
    return fresh
