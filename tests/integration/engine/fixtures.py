"""Fixtures for tests that run a real engine: the Event Socket emulator and a
bridge wired to it and to the fake customer app. Import them into a conftest
or a test module (`from tests.integration.engine.fixtures import bridge, switch`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakeswitch import FakeSwitch
from tests.integration.engine.harness import Bridge, new_switch, start_bridge, stop_bridge
from tests.support.customer_app import CustomerApp


@pytest.fixture
def switch() -> Iterator[FakeSwitch]:
    fake = new_switch()
    yield fake
    fake.stop()


@pytest.fixture
def bridge(tmp_path: Path, customer_app: CustomerApp, switch: FakeSwitch) -> Iterator[Bridge]:
    running = start_bridge(tmp_path, customer_app, switch)
    yield running
    stop_bridge(running)
