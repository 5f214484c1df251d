"""The Event Socket protocol as the emulator speaks it (mod_event_socket's replies)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.fakeswitch import FakeSwitch, FarEnd
from tests.fakeswitch.client import EslTestClient
from tests.fakeswitch.wire import DISCONNECT_MESSAGE

NOTICE = DISCONNECT_MESSAGE.encode()


def test_a_connection_is_greeted_and_authenticated(connect: Callable[[], EslTestClient]) -> None:
    client = connect()
    assert client.reply().raw == b"Content-Type: auth/request\n\n"
    assert client.command("auth ClueCon").raw == (
        b"Content-Type: command/reply\nReply-Text: +OK accepted\n\n"
    )


def test_a_wrong_password_is_refused_then_the_switch_hangs_up(
    connect: Callable[[], EslTestClient],
) -> None:
    client = connect()
    assert client.login("guess").header("Reply-Text") == "-ERR invalid"
    assert client.wait_closed()
    assert [frame.body for frame in client.notices] == [NOTICE]


def test_commands_before_auth_are_not_found(connect: Callable[[], EslTestClient]) -> None:
    client = connect()
    client.reply()
    assert client.command("api status").header("Reply-Text") == "-ERR command not found"
    assert client.command("auth ClueCon").header("Reply-Text") == "+OK accepted"


def test_refused_auth_and_acl_rejection(
    switch: FakeSwitch, connect: Callable[[], EslTestClient]
) -> None:
    switch.refuse_auth()
    refused = connect()
    assert refused.login("ClueCon").header("Reply-Text") == "-ERR invalid"
    switch.refuse_auth(False)
    switch.reject_connections()
    rejected = connect()
    assert rejected.wait_closed()
    assert [f.raw for f in rejected.notices] == [
        b"Content-Type: text/rude-rejection\nContent-Length: 24\n\nAccess Denied, go away.\n"
    ]
    assert rejected.replies.empty()


def test_exit_says_bye_then_disconnects(client: EslTestClient) -> None:
    assert client.command("exit").raw == b"Content-Type: command/reply\nReply-Text: +OK bye\n\n"
    assert client.wait_closed()
    assert [f.raw for f in client.notices] == [
        b"Content-Type: text/disconnect-notice\nContent-Length: 67\n\n" + NOTICE
    ]


def test_subscriptions_filter_what_each_connection_receives(
    switch: FakeSwitch, connect: Callable[[], EslTestClient]
) -> None:
    parks, everything = connect(), connect()
    parks.login()
    everything.login()
    assert parks.subscribe("CHANNEL_PARK").header("Reply-Text") == (
        "+OK event listener enabled plain"
    )
    everything.subscribe("ALL", "json")
    uuid = switch.inbound_call("15551234")
    everything.wait_event(lambda e: e.name == "CHANNEL_PARK")
    parks.wait_event(lambda e: e.name == "CHANNEL_PARK")
    assert {e.name for e in parks.events} == {"CHANNEL_PARK"}
    assert len({e.name for e in everything.events}) > 4
    assert parks.command("nixevent CHANNEL_PARK").header("Reply-Text") == "+OK events nixed"
    assert parks.command("noevents").header("Reply-Text") == "-ERR not listening for events"
    assert parks.api(f"uuid_kill {uuid}") == "+OK\n"
    everything.wait_event(lambda e: e.name == "CHANNEL_DESTROY")
    assert [e.name for e in parks.events] == ["CHANNEL_PARK"]


@pytest.mark.parametrize(
    ("command", "reply"),
    [
        ("event plain NOT_AN_EVENT", "-ERR no keywords supplied"),
        ("event plain", "-ERR no keywords supplied"),
        ("event json SWITCH_EVENT_DTMF", "+OK event listener enabled json"),
        ("noevents", "+OK no longer listening for events"),
        ("filter Unique-ID x", "-ERR command not found"),
    ],
)
def test_event_command_replies(client: EslTestClient, command: str, reply: str) -> None:
    assert client.command(command).header("Reply-Text") == reply


def test_api_replies_carry_their_length(client: EslTestClient) -> None:
    frame = client.command("api uuid_kill 00000000-0000-0000-0000-000000000000")
    assert frame.raw == b"Content-Type: api/response\nContent-Length: 22\n\n-ERR No such channel!\n"
    assert client.api("no_such_thing x") == "-ERR no_such_thing Command not found!\n"
    assert client.api("show channels as json") == '{"row_count": 0}\n'
    assert client.api("status").startswith("UP 0 years, 0 days")


def test_bgapi_echoes_the_job_uuid_the_client_chose(client: EslTestClient) -> None:
    frame = client.command("bgapi status", (("Job-UUID", "my-own-job-1"),))
    assert frame.raw == (
        b"Content-Type: command/reply\nReply-Text: +OK Job-UUID: my-own-job-1\n"
        b"Job-UUID: my-own-job-1\n\n"
    )
    assert client.job_result("my-own-job-1").startswith("UP ")
    generated = client.bgapi("nope")
    assert len(generated) == 36
    assert client.job_result(generated) == "-ERR nope Command not found!\n"


def test_a_background_job_is_framed_as_freeswitch_frames_it(
    switch: FakeSwitch, client: EslTestClient
) -> None:
    switch.script("sip:busy@127.0.0.1", FarEnd.busy())
    args = (
        "{origination_uuid=22222222-2222-4222-8222-222222222222}"
        "sofia/external/busy@127.0.0.1 &park()"
    )
    job = client.bgapi(f"originate {args}", job_uuid="job-7")
    client.job_result(job)
    frame = next(f for f in client.frames if b"BACKGROUND_JOB" in f.body)
    assert frame.header("Content-Length") == str(len(frame.body))
    lines = frame.body.decode().split("\n")
    assert lines[13:16] == [
        "Job-UUID: job-7",
        "Job-Command: originate",
        "Job-Command-Arg: %7Borigination_uuid%3D22222222-2222-4222-8222-222222222222%7D"
        "sofia/external/busy%40127.0.0.1%20%26park()",
    ]
    assert frame.body.endswith(b"\nContent-Length: 15\n\n-ERR USER_BUSY\n")


def test_values_with_spaces_colons_percents_and_utf8_are_encoded_per_value(
    switch: FakeSwitch, client: EslTestClient
) -> None:
    uuid = switch.inbound_call(
        "15551234",
        caller_id_name="Zoë: 100% sure",
        headers={"X-Note": "a%0Ab\nEvent-Name: FAKE"},
    )
    park = client.wait_event(lambda e: e.name == "CHANNEL_PARK" and e.uuid == uuid)
    frame = next(f for f in client.frames if b"CHANNEL_PARK" in f.body)
    assert frame.header("Content-Length") == str(len(frame.body))
    assert park.raw_values["Caller-Caller-ID-Name"] == "Zo%C3%AB%3A%20100%25%20sure"
    assert park.get("Caller-Caller-ID-Name") == "Zoë: 100% sure"
    assert park.raw_values["variable_sip_h_X-Note"] == "a%0Ab%0AEvent-Name%3A%20FAKE"
    assert park.name == "CHANNEL_PARK"


def test_pipelined_commands_are_answered_in_order(client: EslTestClient) -> None:
    client.send("api uuid_exists nothing")
    client.send("api version")
    client.send("bgapi status", (("Job-UUID", "j1"),))
    client.send("api uuid_getvar nothing x")
    replies = [client.reply() for _ in range(4)]
    assert [r.body for r in replies] == [
        b"false",
        b"FreeSWITCH Version 1.10.12-release~64bit (1.10.12-release 64bit)\n",
        b"",
        b"-ERR No such channel!\n",
    ]
    assert replies[2].header("Job-UUID") == "j1"


def test_a_blocking_api_originate_replies_before_any_of_its_events(
    switch: FakeSwitch, client: EslTestClient
) -> None:
    switch.script("sip:alice@127.0.0.1:5090", FarEnd.answer(after=0.5))
    uuid = "11111111-1111-4111-8111-111111111111"
    reply = client.api(
        f"originate {{origination_uuid={uuid}}}sofia/external/alice@127.0.0.1:5090 &park()"
    )
    assert reply == f"+OK {uuid}\n"
    client.wait_event(lambda e: e.name == "CHANNEL_PARK" and e.uuid == uuid)
    api_index = next(i for i, f in enumerate(client.frames) if f.body == reply.encode())
    first_event = next(
        i
        for i, f in enumerate(client.frames)
        if f.content_type == "text/event-plain" and uuid.encode() in f.body
    )
    assert api_index < first_event
