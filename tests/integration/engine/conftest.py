from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakeswitch import FakeSwitch
from tests.integration.engine.harness import Bridge, new_switch, start_bridge, stop_bridge
from tests.support.customer_app import CustomerApp
from tests.support.fixtures import customer_app  # noqa: F401


@pytest.fixture
def switch() -> Iterator[FakeSwitch]:
    fake = new_switch()
    yield fake
    fake.stop()


@pytest.fixture
def bridge(tmp_path: Path, customer_app: CustomerApp, switch: FakeSwitch) -> Iterator[Bridge]:  # noqa: F811
    running = start_bridge(tmp_path, customer_app, switch)
    yield running
    stop_bridge(running)
