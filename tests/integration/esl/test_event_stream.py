"""What arrives on the socket, as the engine sees it: safe, readable, ordered."""

from __future__ import annotations

from collections.abc import Callable

from bridge.esl import ChannelEvent, EventSocket
from tests.integration.esl.conftest import WAIT
from tests.support.scripted_switch import (
    ScriptedSwitch,
    SwitchConnection,
    channel_event,
    plain_event,
)

A = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa"


def connect(switch: ScriptedSwitch, sock: EventSocket) -> SwitchConnection:
    sock.connect()
    return switch.connections.get(timeout=WAIT)


def next_event(sock: EventSocket) -> ChannelEvent:
    item = sock.events.get(timeout=WAIT)
    assert isinstance(item, ChannelEvent), item
    return item


def test_a_forged_header_stays_inside_its_value(
    switch: ScriptedSwitch, make_socket: Callable[..., EventSocket]
) -> None:
    sock = make_socket()
    conn = connect(switch, sock)
    forged = "accepted\nEvent-Name: CHANNEL_HANGUP\nHangup-Cause: CALL_REJECTED\nUnique-ID: other"
    conn.send_event(channel_event("CHANNEL_ANSWER", A, 1, **{"variable_sip_rh_X-Result": forged}))
    event = next_event(sock)
    assert (event.name, event.uuid, event.hangup_cause) == ("CHANNEL_ANSWER", A, None)
    assert event.sip_response_headers == {"X-Result": forged}
    assert "Hangup-Cause" not in event.headers


def test_bytes_that_are_not_utf8_do_not_stop_the_reader(
    switch: ScriptedSwitch, make_socket: Callable[..., EventSocket]
) -> None:
    sock = make_socket()
    conn = connect(switch, sock)
    frame = plain_event(
        channel_event("CHANNEL_CREATE", A, 1, **{"variable_caller_name": "%FF%FEmallory"}), raw=True
    )
    conn.send(frame.replace(b"Core-UUID: ", b"Core-UUID: \xc3\x28"))  # raw invalid UTF-8 too
    event = next_event(sock)
    assert event.variable("caller_name") == "\ufffd\ufffdmallory"
    assert event.header(
        "Core-UUID",
    ).startswith("\ufffd(")  # type: ignore[union-attr]
    conn.send_event(channel_event("CHANNEL_PARK", A, 2))
    assert next_event(sock).name == "CHANNEL_PARK"
    assert sock.api("status") == "+OK\n"


def test_events_are_put_back_in_sequence_order(
    switch: ScriptedSwitch, make_socket: Callable[..., EventSocket]
) -> None:
    sock = make_socket(reorder_window=0.05)
    conn = connect(switch, sock)
    names = {
        41: "CHANNEL_PROGRESS",
        40: "CHANNEL_CREATE",
        43: "CHANNEL_HANGUP",
        42: "CHANNEL_ANSWER",
    }
    conn.send(b"".join(plain_event(channel_event(n, A, s)) for s, n in names.items()))
    delivered = [next_event(sock) for _ in names]
    assert [e.sequence for e in delivered] == [40, 41, 42, 43]


def test_a_malformed_event_is_skipped_and_the_stream_goes_on(
    switch: ScriptedSwitch, make_socket: Callable[..., EventSocket]
) -> None:
    sock = make_socket()
    conn = connect(switch, sock)
    junk = b"Unique-ID: no-event-name\n\n"
    conn.send(b"Content-Length: %d\nContent-Type: text/event-plain\n\n" % len(junk) + junk)
    conn.send_event(channel_event("CHANNEL_ANSWER", A, 3))
    assert next_event(sock).name == "CHANNEL_ANSWER"
