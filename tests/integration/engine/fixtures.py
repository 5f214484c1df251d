"""Fixtures for tests that run a real engine: the Event Socket emulator and a
bridge wired to it and to the fake customer app. Import them into a conftest
or a test module (`from tests.integration.engine.fixtures import bridge, switch`);
`bridge_api` serves the bridge's REST API on loopback."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from gevent.pywsgi import WSGIServer

from bridge.api import create_app
from bridge.config import HttpSettings
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


@pytest.fixture
def bridge_api(bridge: Bridge) -> Iterator[str]:
    """The bridge's REST API on a loopback port; RecordingUrl points at it."""
    app: dict[str, Callable[..., Any]] = {}
    server = WSGIServer(
        ("127.0.0.1", 0), lambda env, start: app["wsgi"](env, start), log=None, error_log=None
    )
    server.start()
    base = f"http://127.0.0.1:{server.server_port}"
    bridge.configure(http=HttpSettings(public_url=base))
    app["wsgi"] = create_app(
        bridge.settings, bridge.calls, bridge.recordings, bridge.engine
    ).wsgi_app
    yield base
    server.stop(timeout=5)
