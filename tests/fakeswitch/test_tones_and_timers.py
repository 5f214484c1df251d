"""Ringback tones that loop until broken, and sched_hangup in emulated time."""

from __future__ import annotations

from collections.abc import Callable

from tests.fakeswitch import FakeSwitch, FarEnd
from tests.fakeswitch.client import EslTestClient, Event

US_RING = "tone_stream://%(2000,4000,440,480);loops=-1"
LEG = "cccccccc-0000-4000-8000-00000000000c"


def parked_caller(switch: FakeSwitch, client: EslTestClient) -> str:
    uuid = switch.inbound_call("15551234")
    client.wait_event(lambda e: e.name == "CHANNEL_PARK" and e.uuid == uuid)
    return uuid


def played(uuid: str) -> Callable[[Event], bool]:
    return lambda e: (
        e.name == "CHANNEL_EXECUTE_COMPLETE"
        and e.uuid == uuid
        and e.get("Application") == "playback"
    )


def completed(client: EslTestClient, uuid: str) -> list[str]:
    return [
        event.get("Application-Data") or ""
        for event in client.leg_events(uuid)
        if event.name == "CHANNEL_EXECUTE_COMPLETE" and event.get("Application") == "playback"
    ]


def test_an_endless_tone_stream_plays_until_uuid_break(
    switch: FakeSwitch, client: EslTestClient
) -> None:
    ringing = parked_caller(switch, client)
    other = parked_caller(switch, client)
    assert client.api(f"uuid_pre_answer {ringing}") == "+OK\n"
    client.api(f"uuid_broadcast {ringing} playback::{US_RING} aleg")
    # Started after the tone with the same playback time: had the tone been
    # finite, its end would have come first.
    client.api(f"uuid_broadcast {other} playback::/tmp/short.wav aleg")
    client.wait_event(played(other))
    assert completed(client, ringing) == []
    view = switch.channel(ringing)
    assert view is not None and not view.answered and view.answer_state == "early"

    assert client.api(f"uuid_break {ringing} all") == "+OK\n"
    done = client.wait_event(played(ringing))
    assert done.get("Application-Data") == US_RING
    assert done.get("Application-Response") == "FILE PLAYED"


def test_a_counted_tone_stream_ends_by_itself(switch: FakeSwitch, client: EslTestClient) -> None:
    caller = parked_caller(switch, client)
    tone = "tone_stream://%(400,200,400,450);%(400,2000,400,450);loops=2"
    client.api(f"uuid_broadcast {caller} playback::{tone} aleg")
    client.wait_event(played(caller))
    assert completed(client, caller) == [tone]


def test_sched_hangup_counts_emulated_seconds(switch: FakeSwitch, client: EslTestClient) -> None:
    switch.script("sip:long@127.0.0.1", FarEnd.answer())
    job = client.bgapi(
        f"originate {{origination_uuid={LEG},ignore_early_media=true}}"
        "sofia/external/sip:long@127.0.0.1 &park()"
    )
    assert client.job_result(job) == f"+OK {LEG}\n"
    assert client.api(f"sched_hangup +7 {LEG} ALLOTTED_TIMEOUT") == "+OK\n"
    done = client.wait_event(lambda e: e.name == "CHANNEL_HANGUP_COMPLETE" and e.uuid == LEG)
    assert done.get("Hangup-Cause") == "ALLOTTED_TIMEOUT"
    # 7 emulated seconds (70 ms of real time at the tests' scale).
    assert int(done.get("variable_billsec") or "0") >= 7


def test_an_originate_timeout_over_60_s_replaces_the_default(
    switch: FakeSwitch, client: EslTestClient
) -> None:
    # switch_ivr_originate: originate_timeout > 0 replaces the API's 60 s, also upwards.
    switch.script("sip:slow@127.0.0.1", FarEnd.ring_forever())
    job = client.bgapi(
        f"originate {{origination_uuid={LEG},ignore_early_media=true,originate_timeout=120}}"
        "sofia/external/sip:slow@127.0.0.1 &park()"
    )
    client.wait_event(lambda e: e.name == "CHANNEL_PROGRESS" and e.uuid == LEG)
    assert client.job_result(job) == "-ERR NO_ANSWER\n"
    done = client.wait_event(lambda e: e.name == "CHANNEL_HANGUP_COMPLETE" and e.uuid == LEG)
    # 120 emulated seconds, not the 60 of the API's default (1.2 s of real time).
    assert int(done.get("variable_mduration") or "0") >= 119_000
