"""Connecting: refused passwords and ACLs are clear and final; every wait is bounded."""

from __future__ import annotations

import socket
from collections.abc import Callable

import pytest

from bridge.esl import (
    AccessDenied,
    AuthenticationFailed,
    ConnectFailed,
    ConnectionLost,
    EventSocket,
    GaveUp,
)
from tests.integration.esl.conftest import WAIT
from tests.support.scripted_switch import ScriptedSwitch


def test_connect_logs_in_and_subscribes_to_the_engine_events_only(
    switch: ScriptedSwitch, make_socket: Callable[..., EventSocket]
) -> None:
    sock = make_socket()
    sock.connect()
    assert sock.connected
    assert switch.commands.get(timeout=WAIT) == "auth ClueCon"
    subscription = switch.commands.get(timeout=WAIT)
    assert subscription.startswith("event plain ")
    names = set(subscription.split(" ")[2:])
    assert "BACKGROUND_JOB" in names and "CHANNEL_PARK" in names
    assert not names & {"CHANNEL_STATE", "CHANNEL_CALLSTATE", "CHANNEL_EXECUTE", "ALL"}


def test_wrong_password_is_a_clear_error(
    switch: ScriptedSwitch, make_socket: Callable[..., EventSocket]
) -> None:
    sock = make_socket(password="not-the-password")
    with pytest.raises(AuthenticationFailed, match="refused the Event Socket password"):
        sock.connect()
    assert switch.refused.get(timeout=WAIT) == "password"
    assert not sock.connected
    with pytest.raises(ConnectionLost, match="not connected yet"):
        sock.api("status")


def test_acl_rejection_is_access_denied(
    switch: ScriptedSwitch, make_socket: Callable[..., EventSocket]
) -> None:
    switch.mode = "reject"
    with pytest.raises(AccessDenied, match="Access Denied, go away"):
        make_socket().connect()


def test_a_switch_that_never_greets_times_out(
    switch: ScriptedSwitch, make_socket: Callable[..., EventSocket]
) -> None:
    switch.mode = "silent"
    with pytest.raises(ConnectFailed, match="did not greet us"):
        make_socket(connect_timeout=0.05).connect()


def test_a_closed_port_is_connect_failed() -> None:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    # The port was just released and nothing listens on it now.
    with pytest.raises(ConnectFailed, match=f"127.0.0.1:{port}"):
        EventSocket("127.0.0.1", port, "ClueCon", connect_timeout=WAIT).connect()


def test_password_refused_on_reconnect_gives_up_without_retrying(
    switch: ScriptedSwitch, make_socket: Callable[..., EventSocket]
) -> None:
    sock = make_socket()
    sock.connect()
    conn = switch.connections.get(timeout=WAIT)
    switch.password = "rotated"
    conn.drop()
    sock.events.get(timeout=WAIT)  # Disconnected
    gave_up = sock.events.get(timeout=WAIT)
    assert isinstance(gave_up, GaveUp)
    assert isinstance(gave_up.error, AuthenticationFailed)
    assert switch.refused.qsize() == 1  # one refusal, no second try
    with pytest.raises(ConnectionLost, match="gave up"):
        sock.api("status")


def test_unsafe_password_is_refused_before_connecting() -> None:
    with pytest.raises(ValueError, match="line feed"):
        EventSocket("127.0.0.1", 1, "ClueCon\nevent plain ALL")
