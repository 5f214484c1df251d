"""Drops and restarts: fail fast, reconnect, re-subscribe, tell the engine what still exists."""

from __future__ import annotations

from collections.abc import Callable

from bridge.esl import (
    RESYNC_COMMAND,
    Backoff,
    ChannelEvent,
    ConnectionLost,
    Disconnected,
    EventSocket,
    GaveUp,
    Resynced,
)
from tests.integration.esl.conftest import WAIT
from tests.support.scripted_switch import (
    ScriptedSwitch,
    SwitchConnection,
    api_response,
    channel_event,
    channels_json,
    plain_event,
)

A = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa"
B = "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb"


def connect(switch: ScriptedSwitch, sock: EventSocket) -> SwitchConnection:
    sock.connect()
    conn = switch.connections.get(timeout=WAIT)
    switch.commands.get(timeout=WAIT)  # auth
    switch.commands.get(timeout=WAIT)  # event plain
    return conn


def test_dropped_socket_reconnects_resubscribes_and_resyncs(
    switch: ScriptedSwitch, make_socket: Callable[..., EventSocket]
) -> None:
    sock = make_socket()
    conn = connect(switch, sock)
    conn.send_event(channel_event("CHANNEL_ANSWER", A, 100))
    switch.channels = [A, B]
    conn.drop()

    answered = sock.events.get(timeout=WAIT)
    assert isinstance(answered, ChannelEvent) and answered.uuid == A
    dropped = sock.events.get(timeout=WAIT)
    assert isinstance(dropped, Disconnected)
    assert "closed the connection" in dropped.reason
    resynced = sock.events.get(timeout=WAIT)
    assert resynced == Resynced(uuids=frozenset({A, B}), at=resynced.at)

    # A fresh login, the same subscription, then the channel query.
    assert switch.commands.get(timeout=WAIT) == "auth ClueCon"
    assert switch.commands.get(timeout=WAIT).startswith("event plain CHANNEL_CREATE ")
    assert switch.commands.get(timeout=WAIT) == RESYNC_COMMAND
    assert sock.connected
    assert sock.api("status") == "+OK\n"


def test_restarted_switch_with_no_channels_and_a_new_sequence(
    switch: ScriptedSwitch, make_socket: Callable[..., EventSocket]
) -> None:
    sock = make_socket(reorder_window=0.01)
    conn = connect(switch, sock)
    conn.send_event(channel_event("CHANNEL_ANSWER", A, 5000))
    assert isinstance(sock.events.get(timeout=WAIT), ChannelEvent)

    # The switch goes away and, while it starts up, turns connections away.
    switch.mode = "down"
    switch.drop_all()
    assert isinstance(sock.events.get(timeout=WAIT), Disconnected)
    assert switch.refused.get(timeout=WAIT) == "down"
    assert switch.refused.get(timeout=WAIT) == "down"  # backoff, then try again
    switch.channels = []
    switch.mode = "up"

    resynced = sock.events.get(timeout=WAIT)
    assert isinstance(resynced, Resynced) and resynced.uuids == frozenset()
    # Event-Sequence starts again from 1 after a restart: still delivered, in order.
    conn = switch.connections.get(timeout=WAIT)
    conn.send(
        plain_event(channel_event("CHANNEL_CREATE", B, 2))
        + plain_event(channel_event("CHANNEL_PARK", B, 1))
    )
    first, second = sock.events.get(timeout=WAIT), sock.events.get(timeout=WAIT)
    assert isinstance(first, ChannelEvent) and isinstance(second, ChannelEvent)
    assert (first.sequence, second.sequence) == (1, 2)


def test_resync_marker_sits_where_the_switch_answered(
    switch: ScriptedSwitch, make_socket: Callable[..., EventSocket]
) -> None:
    sock = make_socket(reorder_window=0.05)
    conn = connect(switch, sock)

    def show_channels(conn: SwitchConnection, command: str) -> bytes:
        # One write: an event before the answer, the answer, an event after it.
        assert command == "show channels as json"
        return (
            plain_event(channel_event("CHANNEL_HANGUP", A, 7))
            + api_response(channels_json([B]))
            + plain_event(channel_event("CHANNEL_DESTROY", A, 8))
        )

    switch.api = show_channels
    conn.drop()
    items = [sock.events.get(timeout=WAIT) for _ in range(4)]
    assert [type(i).__name__ for i in items] == [
        "Disconnected",
        "ChannelEvent",
        "Resynced",
        "ChannelEvent",
    ]
    assert [i.name for i in items if isinstance(i, ChannelEvent)] == [
        "CHANNEL_HANGUP",
        "CHANNEL_DESTROY",
    ]


def test_failed_resync_is_retried(
    switch: ScriptedSwitch, make_socket: Callable[..., EventSocket]
) -> None:
    sock = make_socket()
    conn = connect(switch, sock)
    answers = iter(["-ERR SQL DISABLED NO DATA AVAILABLE!\n", channels_json([A])])
    switch.api = lambda conn, command: next(answers)
    conn.drop()
    assert isinstance(sock.events.get(timeout=WAIT), Disconnected)
    resynced = sock.events.get(timeout=WAIT)
    assert isinstance(resynced, Resynced) and resynced.uuids == frozenset({A})


def test_gives_up_after_the_configured_attempts(
    switch: ScriptedSwitch, make_socket: Callable[..., EventSocket]
) -> None:
    sock = make_socket(backoff=Backoff(initial=0.001, maximum=0.001, jitter=0.0, max_attempts=2))
    conn = connect(switch, sock)
    switch.mode = "down"
    conn.drop()
    assert isinstance(sock.events.get(timeout=WAIT), Disconnected)
    gave_up = sock.events.get(timeout=WAIT)
    assert isinstance(gave_up, GaveUp)
    assert "after 2 attempts" in str(gave_up.error)
    assert switch.refused.qsize() == 2
    assert not sock.connected


def test_disconnect_notice_from_the_switch_counts_as_a_drop(
    switch: ScriptedSwitch, make_socket: Callable[..., EventSocket]
) -> None:
    sock = make_socket()
    conn = connect(switch, sock)
    text = b"Disconnected, goodbye.\n"
    conn.send(b"Content-Type: text/disconnect-notice\nContent-Length: %d\n\n" % len(text) + text)
    dropped = sock.events.get(timeout=WAIT)
    assert isinstance(dropped, Disconnected) and "said goodbye" in dropped.reason
    assert isinstance(sock.events.get(timeout=WAIT), Resynced)


def test_close_fails_pending_work_and_stops(
    switch: ScriptedSwitch, make_socket: Callable[..., EventSocket]
) -> None:
    sock = make_socket()
    connect(switch, sock)
    job = sock.bgapi_start("originate sofia/external/sip:a@127.0.0.1 &park()")
    sock.close()
    sock.close()
    assert switch.commands.get(timeout=WAIT).startswith("bgapi originate")
    assert switch.commands.get(timeout=WAIT) == "exit"
    try:
        job.wait(WAIT)
    except ConnectionLost as exc:
        assert "closed" in str(exc)
    else:
        raise AssertionError("a job pending at close() must fail")
    assert not sock.connected
    assert sock.events.empty()


def test_garbage_on_the_wire_drops_and_reconnects(
    switch: ScriptedSwitch, make_socket: Callable[..., EventSocket]
) -> None:
    sock = make_socket()
    conn = connect(switch, sock)
    conn.send(b"Content-Type: api/response\nContent-Length: lots\n\n")
    dropped = sock.events.get(timeout=WAIT)
    assert isinstance(dropped, Disconnected)
    assert "cannot frame: Content-Length is not a number" in dropped.reason
    assert isinstance(sock.events.get(timeout=WAIT), Resynced)
