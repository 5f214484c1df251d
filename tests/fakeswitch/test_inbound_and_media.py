"""Inbound calls, bridging, broadcasts, recordings and DTMF."""

from __future__ import annotations

import wave
from pathlib import Path

from tests.fakeswitch import FakeSwitch, FarEnd
from tests.fakeswitch.client import EslTestClient

B_LEG = "bbbbbbbb-0000-4000-8000-00000000000b"


def parked(client: EslTestClient, uuid: str) -> dict[str, str]:
    return dict(client.wait_event(lambda e: e.name == "CHANNEL_PARK" and e.uuid == uuid).headers)


def names(client: EslTestClient, uuid: str) -> list[str]:
    return [event.name for event in client.leg_events(uuid)]


def answered_b_leg(switch: FakeSwitch, client: EslTestClient, extra: str = "") -> None:
    switch.script("sip:alice@127.0.0.1:5090", FarEnd.answer())
    job = client.bgapi(
        f"originate {{origination_uuid={B_LEG},ignore_early_media=true,cxml_leg=leg-b{extra}}}"
        "sofia/external/sip:alice@127.0.0.1:5090 &park()"
    )
    assert client.job_result(job) == f"+OK {B_LEG}\n"
    parked(client, B_LEG)


def test_an_inbound_call_is_parked_with_its_tag_variables(
    switch: FakeSwitch, client: EslTestClient
) -> None:
    uuid = switch.inbound_call(
        "15551234",
        caller_id_number="+15557654321",
        caller_id_name="Carol",
        variables={"cxml_inbound": "true"},
        headers={"X-Inbound-Tag": "from-pbx"},
    )
    park = parked(client, uuid)
    assert park["variable_cxml_inbound"] == "true"
    assert park["variable_sip_h_X-Inbound-Tag"] == "from-pbx"
    assert park["Caller-Destination-Number"] == "15551234"
    assert park["Caller-Caller-ID-Number"] == "+15557654321"
    assert park["Call-Direction"] == "inbound"
    assert park["Answer-State"] == "ringing"
    assert names(client, uuid)[:3] == ["CHANNEL_STATE", "CHANNEL_STATE", "CHANNEL_CREATE"]


def test_answer_pre_answer_and_ring_ready_on_an_inbound_leg(
    switch: FakeSwitch, client: EslTestClient
) -> None:
    uuid = switch.inbound_call("15551234")
    parked(client, uuid)
    assert client.api(f"uuid_ring_ready {uuid}") == "+OK\n"
    assert client.api(f"uuid_pre_answer {uuid}") == "+OK\n"
    assert client.api(f"uuid_answer {uuid}") == "+OK\n"
    client.wait_event(lambda e: e.get("Channel-Call-State") == "ACTIVE" and e.uuid == uuid)
    assert names(client, uuid)[-6:] == [
        "CHANNEL_PARK",
        "CHANNEL_PROGRESS",
        "CHANNEL_PROGRESS_MEDIA",
        "CHANNEL_CALLSTATE",
        "CHANNEL_ANSWER",
        "CHANNEL_CALLSTATE",
    ]
    states = [e.get("Answer-State") for e in client.leg_events(uuid)][-4:]
    assert states == ["early", "early", "answered", "answered"]


def test_bridge_events_fire_on_the_a_leg_only_and_follow_the_hangup(
    switch: FakeSwitch, client: EslTestClient
) -> None:
    a_leg = switch.inbound_call("15551234")
    parked(client, a_leg)
    client.api(f"uuid_answer {a_leg}")
    answered_b_leg(switch, client)
    assert client.api(f"uuid_bridge {a_leg} {B_LEG}") == f"+OK {B_LEG}\n"
    bridge = dict(client.wait_event(lambda e: e.name == "CHANNEL_BRIDGE").headers)
    assert (bridge["Unique-ID"], bridge["Bridge-B-Unique-ID"]) == (a_leg, B_LEG)
    view = switch.channel(a_leg)
    assert view is not None and view.bridged_to == B_LEG
    switch.hangup(B_LEG)
    unbridge = dict(client.wait_event(lambda e: e.name == "CHANNEL_UNBRIDGE").headers)
    assert unbridge["Unique-ID"] == a_leg
    a_done = dict(
        client.wait_event(lambda e: e.name == "CHANNEL_HANGUP_COMPLETE" and e.uuid == a_leg).headers
    )
    assert a_done["variable_bridge_hangup_cause"] == "NORMAL_CLEARING"
    assert "CHANNEL_BRIDGE" not in names(client, B_LEG)
    assert "CHANNEL_UNBRIDGE" not in names(client, B_LEG)


def test_park_after_bridge_keeps_the_a_leg(switch: FakeSwitch, client: EslTestClient) -> None:
    a_leg = switch.inbound_call("15551234", variables={"park_after_bridge": "true"})
    parked(client, a_leg)
    client.api(f"uuid_answer {a_leg}")
    answered_b_leg(switch, client)
    client.api(f"uuid_bridge {a_leg} {B_LEG}")
    client.wait_event(lambda e: e.name == "CHANNEL_BRIDGE")
    client.api(f"uuid_kill {B_LEG}")
    client.wait_event(lambda e: e.name == "CHANNEL_DESTROY" and e.uuid == B_LEG)
    assert names(client, a_leg)[-3:] == ["CHANNEL_UNBRIDGE", "CHANNEL_STATE", "CHANNEL_PARK"]
    view = switch.channel(a_leg)
    assert view is not None and not view.destroyed and view.parked


def test_the_a_leg_unbridges_and_parks_before_the_b_leg_is_destroyed(
    switch: FakeSwitch, client: EslTestClient
) -> None:
    """FreeSWITCH 1.10.12 order: B's CHANNEL_HANGUP, then A's UNBRIDGE and
    PARK, then B's HANGUP_COMPLETE and DESTROY."""
    a_leg = switch.inbound_call("15551234", variables={"park_after_bridge": "true"})
    parked(client, a_leg)
    client.api(f"uuid_answer {a_leg}")
    answered_b_leg(switch, client)
    client.api(f"uuid_bridge {a_leg} {B_LEG}")
    client.wait_event(lambda e: e.name == "CHANNEL_BRIDGE")
    switch.hangup(B_LEG, "USER_BUSY")
    client.wait_event(lambda e: e.name == "CHANNEL_DESTROY" and e.uuid == B_LEG)
    bridged_at = [event.name for event in client.events].index("CHANNEL_BRIDGE")
    order = [
        (event.name, event.uuid)
        for event in client.events[bridged_at:]
        if event.name != "CHANNEL_STATE" and event.name != "CHANNEL_CALLSTATE"
    ]
    assert order[1:] == [
        ("CHANNEL_HANGUP", B_LEG),
        ("CHANNEL_UNBRIDGE", a_leg),
        ("CHANNEL_PARK", a_leg),
        ("CHANNEL_HANGUP_COMPLETE", B_LEG),
        ("CHANNEL_DESTROY", B_LEG),
    ]
    unbridge = client.wait_event(lambda e: e.name == "CHANNEL_UNBRIDGE")
    assert unbridge.get("variable_bridge_hangup_cause") == "USER_BUSY"
    assert unbridge.get("variable_last_bridge_hangup_cause") == "USER_BUSY"


def test_a_leg_parked_after_bridge_hangs_up_with_unpark_only(
    switch: FakeSwitch, client: EslTestClient
) -> None:
    """The park after the bridge is no application: nothing completes at the
    hangup (FreeSWITCH 1.10.12); the `&park()` completed once, at the bridge."""
    a_leg = switch.inbound_call("15551234", variables={"park_after_bridge": "true"})
    parked(client, a_leg)
    client.api(f"uuid_answer {a_leg}")
    answered_b_leg(switch, client)
    client.api(f"uuid_bridge {a_leg} {B_LEG}")
    client.wait_event(lambda e: e.name == "CHANNEL_BRIDGE")
    client.api(f"uuid_kill {B_LEG}")
    client.wait_event(lambda e: e.name == "CHANNEL_PARK" and e.uuid == a_leg)
    switch.hangup(a_leg)
    client.wait_event(lambda e: e.name == "CHANNEL_DESTROY" and e.uuid == a_leg)
    a_events = client.leg_events(a_leg)
    hangup_at = [event.name for event in a_events].index("CHANNEL_HANGUP")
    after_hangup = [event.name for event in a_events[hangup_at:]]
    assert after_hangup[:2] == ["CHANNEL_HANGUP", "CHANNEL_UNPARK"]
    assert "CHANNEL_EXECUTE_COMPLETE" not in after_hangup
    park_uuids = [
        event.get("Application-UUID")
        for event in a_events
        if event.name == "CHANNEL_EXECUTE_COMPLETE" and event.get("Application") == "park"
    ]
    assert len(park_uuids) == 1


def test_bridging_a_caller_that_only_rang_tears_both_legs_down(
    switch: FakeSwitch, client: EslTestClient
) -> None:
    a_leg = switch.inbound_call("15551234")
    parked(client, a_leg)
    client.api(f"uuid_ring_ready {a_leg}")
    answered_b_leg(switch, client)
    assert client.api(f"uuid_bridge {a_leg} {B_LEG}") == f"+OK {B_LEG}\n"
    a_hangup = client.wait_event(lambda e: e.name == "CHANNEL_HANGUP" and e.uuid == a_leg)
    b_hangup = client.wait_event(lambda e: e.name == "CHANNEL_HANGUP" and e.uuid == B_LEG)
    assert a_hangup.get("Hangup-Cause") == "DESTINATION_OUT_OF_ORDER"
    assert b_hangup.get("Hangup-Cause") == "ORIGINATOR_CANCEL"
    assert not [e for e in client.events if e.name == "CHANNEL_BRIDGE"]


def test_uuid_bridge_refuses_unknown_or_mediabarren_legs(
    switch: FakeSwitch, client: EslTestClient
) -> None:
    a_leg = switch.inbound_call("15551234")
    other = switch.inbound_call("15551235")
    parked(client, other)
    assert client.api(f"uuid_bridge {a_leg} nothing") == "-ERR Invalid uuid\n"
    assert client.api(f"uuid_bridge {a_leg} {other}") == "-ERR Invalid uuid\n"
    assert client.api(f"uuid_bridge {a_leg}") == "-USAGE: <uuid> <other_uuid>\n"


def test_a_broadcast_runs_for_the_playback_time_or_until_broken(
    switch: FakeSwitch, client: EslTestClient
) -> None:
    answered_b_leg(switch, client)
    reply = client.api(f"uuid_broadcast {B_LEG} playback::/tmp/hello\\sthere.wav aleg")
    assert reply == "+OK Message sent\n"
    done = client.wait_event(lambda e: e.name == "CHANNEL_EXECUTE_COMPLETE" and e.uuid == B_LEG)
    assert done.get("Application") == "playback"
    assert done.get("Application-Data") == "/tmp/hello there.wav"
    assert done.get("Application-Response") == "FILE PLAYED"
    client.api(f"uuid_broadcast {B_LEG} speak::flite|kal|Hello")
    client.wait_event(lambda e: e.get("Application") == "speak" and e.name == "CHANNEL_EXECUTE")
    assert client.api(f"uuid_break {B_LEG}") == "+OK\n"
    stopped = client.wait_event(
        lambda e: e.name == "CHANNEL_EXECUTE_COMPLETE" and e.get("Application") == "speak"
    )
    assert stopped.get("Application-Data") == "flite|kal|Hello"
    assert client.api("uuid_broadcast nothing x") == "-ERR invalid uuid\n"


def test_a_recording_writes_a_wav_file_of_its_length(
    switch: FakeSwitch, client: EslTestClient, tmp_path: Path
) -> None:
    answered_b_leg(switch, client)
    path = tmp_path / "calls" / "rec.wav"
    assert client.api(f"uuid_record {B_LEG} start {path} 2") == "+OK Success\n"
    start = client.wait_event(lambda e: e.name == "RECORD_START")
    assert start.get("Record-File-Path") == str(path)
    assert start.get("variable_cxml_leg") == "leg-b"
    stop = client.wait_event(lambda e: e.name == "RECORD_STOP")
    assert stop.get("Record-Completion-Cause") == "success-maxtime"
    assert stop.get("variable_record_seconds") == "2"
    with wave.open(str(path), "rb") as recorded:
        assert (recorded.getframerate(), recorded.getnchannels()) == (8000, 1)
        assert recorded.getnframes() == 16000
    assert client.api(f"uuid_record {B_LEG} stop {path}") == "-ERR Cannot stop record session!\n"


def test_a_recording_stops_when_the_call_ends(
    switch: FakeSwitch, client: EslTestClient, tmp_path: Path
) -> None:
    answered_b_leg(switch, client)
    path = tmp_path / "rec.wav"
    assert client.api(f"uuid_record {B_LEG} start {path}") == "+OK Success\n"
    switch.hangup(B_LEG)
    stop = client.wait_event(lambda e: e.name == "RECORD_STOP")
    hangup_run = names(client, B_LEG)
    assert hangup_run.index("RECORD_STOP") > hangup_run.index("CHANNEL_HANGUP")
    assert path.exists()
    assert stop.get("Record-Completion-Cause") == "success-silence"
    assert client.api(f"uuid_record nothing start {path}") == "-ERR Cannot locate session!\n"


def test_dtmf_from_a_leg(switch: FakeSwitch, client: EslTestClient) -> None:
    answered_b_leg(switch, client)
    switch.dtmf(B_LEG, "12#")
    switch.dtmf(B_LEG, "9*", interval=0.5)
    client.wait_event(lambda e: e.name == "DTMF" and e.get("DTMF-Digit") == "*")
    digits = [e.get("DTMF-Digit") for e in client.events if e.name == "DTMF"]
    assert digits == ["1", "2", "#", "9", "*"]
    dtmf = next(e for e in client.events if e.name == "DTMF")
    assert (dtmf.uuid, dtmf.get("DTMF-Source")) == (B_LEG, "RTP")


def test_dtmf_sent_to_a_legs_far_end(switch: FakeSwitch, client: EslTestClient) -> None:
    answered_b_leg(switch, client)
    assert client.api(f"uuid_send_dtmf {B_LEG} 12w#W") == f"+OK {B_LEG} sent DTMF 12w#W.\n"
    # switch_core_session_send_dtmf_string: '+' groups, '@' a tone length, '~' flags.
    assert client.api(f"uuid_send_dtmf {B_LEG} ~3+4@500") == f"+OK {B_LEG} sent DTMF ~3+4@500.\n"
    view = switch.channel(B_LEG)
    assert view is not None and view.sent_dtmf == "12w#W34"
    # Sent, not received: no DTMF event on the channel itself.
    assert not [e for e in client.events if e.name == "DTMF"]
    assert client.api(f"uuid_send_dtmf {B_LEG} xyz") == "-ERR Operation failed\n"
    assert client.api(f"uuid_send_dtmf {B_LEG} {'1' * 100}") == "-ERR Operation failed\n"
    assert client.api(f"uuid_send_dtmf {B_LEG}") == "-USAGE: <uuid> <dtmf_data>\n"
    assert client.api("uuid_send_dtmf nothing 1") == "-ERR Cannot locate session!\n"


def test_dtmf_to_an_unanswered_caller_pre_answers_it(
    switch: FakeSwitch, client: EslTestClient
) -> None:
    uuid = switch.inbound_call("15551234")
    parked(client, uuid)
    assert client.api(f"uuid_send_dtmf {uuid} 5") == f"+OK {uuid} sent DTMF 5.\n"
    client.wait_event(lambda e: e.name == "CHANNEL_PROGRESS_MEDIA" and e.uuid == uuid)
    view = switch.channel(uuid)
    assert view is not None and view.sent_dtmf == "5" and not view.answered


def test_a_bridge_stops_a_running_broadcast_first() -> None:
    with FakeSwitch(time_scale=0.01, playback_seconds=1000) as switch:
        assert switch.address is not None
        client = EslTestClient(switch.address)
        client.login()
        client.subscribe("ALL")
        a_leg = switch.inbound_call("15551234")
        parked(client, a_leg)
        client.api(f"uuid_answer {a_leg}")
        client.api(f"uuid_broadcast {a_leg} playback::/tmp/ring.wav aleg")
        answered_b_leg(switch, client)
        client.api(f"uuid_bridge {a_leg} {B_LEG}")
        client.wait_event(lambda e: e.name == "CHANNEL_BRIDGE")
        run = [(e.name, e.get("Application")) for e in client.leg_events(a_leg)]
        assert run.index(("CHANNEL_EXECUTE_COMPLETE", "playback")) < run.index(
            ("CHANNEL_UNPARK", None)
        )
        client.close()
