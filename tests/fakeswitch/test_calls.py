"""Outbound legs against scripted far ends, and the call-control commands."""

from __future__ import annotations

import pytest

from tests.fakeswitch import FakeSwitch, FarEnd, Profile
from tests.fakeswitch.client import EslTestClient

UUID = "aaaaaaaa-0000-4000-8000-000000000001"
HANGUP_RUN = [
    "CHANNEL_HANGUP",
    "CHANNEL_STATE",
    "CHANNEL_CALLSTATE",
    "CHANNEL_STATE",
    "CHANNEL_HANGUP_COMPLETE",
    "CHANNEL_DESTROY",
    "CHANNEL_STATE",
]


def originate(client: EslTestClient, target: str, variables: str = "", uuid: str = UUID) -> str:
    block = f"origination_uuid={uuid},ignore_early_media=true{variables}"
    job = client.bgapi(f"originate {{{block}}}sofia/external/{target} &park()")
    return client.job_result(job)


def names(client: EslTestClient, uuid: str = UUID) -> list[str]:
    return [event.name for event in client.leg_events(uuid)]


def last(client: EslTestClient, name: str, uuid: str = UUID) -> dict[str, str]:
    event = client.wait_event(lambda e: e.name == name and e.uuid == uuid)
    return dict(event.headers)


@pytest.mark.parametrize(
    ("far_end", "result", "status"),
    [
        (FarEnd.busy(headers={"X-Reason": "on-call"}), "-ERR USER_BUSY\n", "486"),
        (FarEnd.not_found(), "-ERR UNALLOCATED_NUMBER\n", "404"),
        (FarEnd.reject(603), "-ERR CALL_REJECTED\n", "603"),
        (FarEnd.reject(503, ring=True), "-ERR NORMAL_TEMPORARY_FAILURE\n", "503"),
        (FarEnd.reject(480, "Gone Fishing"), "-ERR NO_USER_RESPONSE\n", "480"),
    ],
)
def test_rejected_legs_report_the_sip_status(
    switch: FakeSwitch, client: EslTestClient, far_end: FarEnd, result: str, status: str
) -> None:
    switch.script("sip:bob@127.0.0.1:5090", far_end)
    assert originate(client, "sip:bob@127.0.0.1:5090;transport=udp") == result
    done = last(client, "CHANNEL_HANGUP_COMPLETE")
    assert done["variable_sip_term_status"] == status
    assert done["variable_sip_invite_failure_status"] == status
    assert done["variable_sip_hangup_disposition"] == "recv_refuse"
    assert done["variable_billsec"] == "0"
    if far_end.reason:
        assert done["variable_sip_invite_failure_phrase"] == far_end.reason
    for name, value in far_end.headers:
        assert done[f"variable_sip_rh_{name}"] == value


def test_an_answered_leg_carries_the_response_headers_and_its_tags(
    switch: FakeSwitch, client: EslTestClient
) -> None:
    switch.script(
        "alice@127.0.0.1",  # no port: any port
        FarEnd.answer(after=2, provisional_headers={"X-Ring": "1"}, headers={"X-Result": "ok"}),
    )
    result = originate(client, "sip:alice@127.0.0.1:5099", ",cxml_leg=leg-9,sip_h_X-Sid=CA1")
    assert result == f"+OK {UUID}\n"
    park = last(client, "CHANNEL_PARK")
    assert park["variable_sip_rh_X-Result"] == "ok"
    assert park["variable_sip_ph_X-Ring"] == "1"
    assert park["variable_cxml_leg"] == "leg-9"
    assert park["variable_sip_h_X-Sid"] == "CA1"
    assert park["Answer-State"] == "answered"
    assert client.api(f"uuid_getvar {UUID} sip_rh_X-Result") == "ok"
    assert client.api(f"uuid_getvar {UUID} no_such_var") == "_undef_"
    view = switch.channel(UUID)
    assert view is not None and view.parked and view.answered
    assert client.api(f"uuid_kill {UUID}") == "+OK\n"
    done = last(client, "CHANNEL_HANGUP_COMPLETE")
    assert done["variable_sip_hangup_disposition"] == "send_bye"
    assert done["variable_hangup_cause"] == "NORMAL_CLEARING"


def test_an_unscripted_destination_gets_the_default_far_end(
    switch: FakeSwitch, client: EslTestClient
) -> None:
    assert originate(client, "sip:who@127.0.0.1") == "-ERR UNALLOCATED_NUMBER\n"
    switch.set_default_far_end(FarEnd.answer())
    assert originate(client, "sip:who@127.0.0.1", uuid="bbbbbbbb-0000-4000-8000-000000000002")
    assert client.api("show channels as json").count('"uuid":') == 1


def test_a_ring_timeout_cancels_with_no_answer_in_scaled_time(
    switch: FakeSwitch, client: EslTestClient
) -> None:
    switch.script("sip:carol@127.0.0.1:5090", FarEnd.ring_forever())
    assert originate(client, "sip:carol@127.0.0.1:5090", ",originate_timeout=5") == (
        "-ERR NO_ANSWER\n"
    )
    done = last(client, "CHANNEL_HANGUP_COMPLETE")
    assert done["variable_sip_invite_failure_status"] == "487"
    assert done["variable_sip_hangup_disposition"] == "send_cancel"
    # Emulated seconds: the 5 s timeout took 50 ms (later under load, never sooner).
    assert int(done["variable_mduration"]) >= 4_900
    assert names(client)[6:8] == ["CHANNEL_PROGRESS", "CHANNEL_CALLSTATE"]


def test_a_far_end_that_ignores_the_timeout_rings_until_something_ends_it(
    switch: FakeSwitch, client: EslTestClient
) -> None:
    """The fault the engine's ring guard exists for: originate_timeout=5 never fires."""
    switch.script("sip:stuck@127.0.0.1", FarEnd.ring_forever(ignore_timeout=True))
    job = client.bgapi(
        f"originate {{origination_uuid={UUID},ignore_early_media=true,originate_timeout=5}}"
        "sofia/external/stuck@127.0.0.1 &park()"
    )
    switch.wait_for_event("CHANNEL_PROGRESS", UUID)
    switch.hangup(UUID, cause="USER_BUSY", after=20)  # the switch's timer, in emulated s
    assert client.job_result(job) == "-ERR USER_BUSY\n"
    done = last(client, "CHANNEL_HANGUP_COMPLETE")
    assert int(done["variable_mduration"]) >= 19_900  # rang past its 5 s timeout


def test_leg_timeout_and_no_response(switch: FakeSwitch, client: EslTestClient) -> None:
    switch.script("sip:void@127.0.0.1", FarEnd.no_response())
    assert originate(client, "sip:void@127.0.0.1", ",leg_timeout=2") == "-ERR NO_ANSWER\n"
    assert "CHANNEL_PROGRESS" not in names(client)


def test_a_challenge_is_answered_only_with_the_right_credentials(
    switch: FakeSwitch, client: EslTestClient
) -> None:
    switch.script("sip:bob@127.0.0.1", FarEnd.challenge("admin", "1234"))
    good = ",sip_auth_username=admin,sip_auth_password=1234"
    assert originate(client, "sip:bob@127.0.0.1", good) == f"+OK {UUID}\n"
    other = "cccccccc-0000-4000-8000-000000000003"
    wrong = ",sip_auth_username=admin,sip_auth_password=nope"
    assert originate(client, "sip:bob@127.0.0.1", wrong, uuid=other) == "-ERR CALL_REJECTED\n"
    assert last(client, "CHANNEL_HANGUP", other)["variable_sip_term_status"] == "407"
    third = "dddddddd-0000-4000-8000-000000000004"
    assert originate(client, "sip:bob@127.0.0.1", "", uuid=third) == "-ERR CALL_REJECTED\n"


def test_tls_needs_a_profile_with_tls() -> None:
    with FakeSwitch(
        time_scale=0.01, profiles=[Profile("external"), Profile("tls", tls=True)]
    ) as fake:
        assert fake.address is not None
        client = EslTestClient(fake.address)
        client.login()
        client.subscribe("ALL")
        fake.script("sip:dave@127.0.0.1:5091", FarEnd.answer())
        target = "sip:dave@127.0.0.1:5091;transport=tls"
        assert originate(client, target) == "-ERR DESTINATION_OUT_OF_ORDER\n"
        assert names(client)[:3] == ["CHANNEL_OUTGOING", "CHANNEL_STATE", "CHANNEL_HANGUP"]
        job = client.bgapi(
            "originate {origination_uuid=eeeeeeee-0000-4000-8000-000000000005}"
            f"sofia/tls/{target} &park()"
        )
        assert client.job_result(job) == "+OK eeeeeeee-0000-4000-8000-000000000005\n"
        client.close()


@pytest.mark.parametrize(
    ("args", "result"),
    [
        ("sofia/nowhere/a@127.0.0.1 &park()", "-ERR INVALID_PROFILE\n"),
        ("error/user_busy &park()", "-ERR USER_BUSY\n"),
        ("{a=b sofia/external/a@127.0.0.1 &park()", "-ERR DESTINATION_OUT_OF_ORDER\n"),
    ],
)
def test_originates_that_fail_before_any_channel(
    client: EslTestClient, args: str, result: str
) -> None:
    assert client.job_result(client.bgapi(f"originate {args}")) == result
    assert client.api(f"originate {args}") == result
    assert [e.name for e in client.events if e.uuid] == []


def test_early_media_without_ignore_early_media_returns_at_183(
    switch: FakeSwitch, client: EslTestClient
) -> None:
    switch.script("sip:early@127.0.0.1", FarEnd.answer(after=3, early_media=True))
    job = client.bgapi(
        f"originate {{origination_uuid={UUID}}}sofia/external/early@127.0.0.1 &park()"
    )
    assert client.job_result(job) == f"+OK {UUID}\n"
    assert last(client, "CHANNEL_PARK")["Answer-State"] == "early"
    assert last(client, "CHANNEL_ANSWER")["Answer-State"] == "answered"


def test_the_far_end_can_be_driven_by_the_test(switch: FakeSwitch, client: EslTestClient) -> None:
    switch.script("sip:manual@127.0.0.1", FarEnd.ring_forever())
    job = client.bgapi(
        f"originate {{origination_uuid={UUID},ignore_early_media=true}}"
        "sofia/external/manual@127.0.0.1 &park()"
    )
    switch.wait_for_event("CHANNEL_PROGRESS", UUID)
    switch.answer(UUID, headers={"X-Picked": "yes"})
    assert client.job_result(job) == f"+OK {UUID}\n"
    assert last(client, "CHANNEL_PARK")["variable_sip_rh_X-Picked"] == "yes"
    switch.hangup(UUID, headers={"X-Why": "done"})
    hangup = last(client, "CHANNEL_HANGUP")
    assert hangup["Hangup-Cause"] == "NORMAL_CLEARING"
    assert hangup["variable_sip_term_status"] == "200"
    assert hangup["variable_sip_bye_h_X-Why"] == "done"
    assert last(client, "CHANNEL_HANGUP_COMPLETE")["variable_sip_hangup_disposition"] == "recv_bye"


def test_a_ringing_leg_hung_up_by_the_far_end_is_a_rejection(
    switch: FakeSwitch, client: EslTestClient
) -> None:
    switch.script("sip:ring@127.0.0.1", FarEnd.ring_forever())
    job = client.bgapi(
        f"originate {{origination_uuid={UUID}}}sofia/external/ring@127.0.0.1 &park()"
    )
    switch.wait_for_event("CHANNEL_PROGRESS", UUID)
    switch.hangup(UUID, cause="USER_BUSY")
    assert client.job_result(job) == "-ERR USER_BUSY\n"
    switch.script("sip:ring2@127.0.0.1", FarEnd.ring_forever())
    other = "ffffffff-0000-4000-8000-000000000006"
    job = client.bgapi(
        f"originate {{origination_uuid={other}}}sofia/external/ring2@127.0.0.1 &park()"
    )
    switch.wait_for_event("CHANNEL_PROGRESS", other)
    switch.reject(other, 486)
    assert client.job_result(job) == "-ERR USER_BUSY\n"


def test_an_answered_far_end_can_hang_up_by_itself(
    switch: FakeSwitch, client: EslTestClient
) -> None:
    switch.script("sip:short@127.0.0.1", FarEnd.answer(hangup_after=3, bye_headers={"X-B": "1"}))
    assert originate(client, "sip:short@127.0.0.1") == f"+OK {UUID}\n"
    done = last(client, "CHANNEL_HANGUP_COMPLETE")
    assert done["variable_sip_hangup_disposition"] == "recv_bye"
    assert done["variable_sip_bye_h_X-B"] == "1"
    assert int(done["variable_billmsec"]) >= 2_900


def test_uuid_kill_of_a_ringing_leg_cancels_it_with_the_cause(
    switch: FakeSwitch, client: EslTestClient
) -> None:
    switch.script("sip:three@127.0.0.1", FarEnd.ring_forever())
    job = client.bgapi(
        f"originate {{origination_uuid={UUID}}}sofia/external/three@127.0.0.1 &park()"
    )
    switch.wait_for_event("CHANNEL_PROGRESS", UUID)
    assert client.api(f"uuid_kill {UUID} LOSE_RACE") == "+OK\n"
    assert client.job_result(job) == "-ERR LOSE_RACE\n"
    done = last(client, "CHANNEL_HANGUP_COMPLETE")
    assert done["variable_sip_invite_failure_status"] == "487"
    assert done["variable_call_completed_elsewhere"] == "true"
    assert names(client)[-7:] == HANGUP_RUN
    view = switch.channel(UUID)
    assert view is not None and view.destroyed and view.hangup_cause == "LOSE_RACE"
    assert client.api(f"uuid_kill {UUID}") == "-ERR No such channel!\n"


def test_sched_hangup_uses_scaled_time_and_allotted_timeout(
    switch: FakeSwitch, client: EslTestClient
) -> None:
    switch.script("sip:long@127.0.0.1", FarEnd.answer())
    originate(client, "sip:long@127.0.0.1")
    assert client.api(f"sched_hangup +5 {UUID}") == "+OK\n"
    assert last(client, "CHANNEL_HANGUP")["Hangup-Cause"] == "ALLOTTED_TIMEOUT"
    assert client.api("sched_hangup +1 nothing") == "-ERR No such channel!\n"
    assert client.api("sched_hangup") == "-USAGE: [+]<time> <uuid> [<cause>]\n"


def test_setvar_getvar_and_dump(switch: FakeSwitch, client: EslTestClient) -> None:
    switch.script("sip:v@127.0.0.1", FarEnd.answer())
    originate(client, "sip:v@127.0.0.1")
    assert client.api(f"uuid_setvar {UUID} note hello\\sworld") == "+OK\n"
    assert client.api(f"uuid_getvar {UUID} note") == "hello world"
    assert client.api(f"uuid_setvar {UUID} note") == "+OK\n"
    assert client.api(f"uuid_getvar {UUID} note") == "_undef_"
    assert client.api("uuid_setvar nothing a b") == "-ERR No such channel!\n"
    assert client.api(f"uuid_exists {UUID}") == "true"
    dump = client.api(f"uuid_dump {UUID}")
    assert "Event-Name: CHANNEL_DATA\n" in dump and f"Unique-ID: {UUID}\n" in dump
    assert client.api(f"uuid_answer {UUID}") == "+OK\n"
    assert client.api("uuid_answer nothing") == "-ERROR\n"
    assert client.api("uuid_pre_answer nothing") == "-ERROR\n"
    assert client.api("uuid_ring_ready nothing") == "-ERROR\n"


def test_show_channels_as_json_lists_the_live_channels(
    switch: FakeSwitch, client: EslTestClient
) -> None:
    uuid = switch.inbound_call("15551234", variables={"cxml_inbound": "true"})
    client.wait_event(lambda e: e.name == "CHANNEL_PARK")
    listing = client.api("show channels as json")
    assert listing.startswith('{"row_count":1,"rows":[{"uuid":"' + uuid + '","direction":"inbound"')
    assert '"state":"CS_EXECUTE"' in listing and '"callstate":"RINGING"' in listing
    assert client.api("show channels count") == "\n1 total.\n"
    plain = client.api("show channels")
    assert plain.startswith("uuid,direction,created,") and plain.endswith("\n\n1 total.\n")


def test_other_applications_run_then_the_leg_hangs_up(
    switch: FakeSwitch, client: EslTestClient
) -> None:
    switch.script("sip:echo@127.0.0.1", FarEnd.answer())
    job = client.bgapi(
        f"originate {{origination_uuid={UUID}}}sofia/external/echo@127.0.0.1 &echo()"
    )
    assert client.job_result(job) == f"+OK {UUID}\n"
    view = switch.wait_for_channel(UUID, lambda channel: channel.destroyed)
    assert view.hangup_cause == "NORMAL_CLEARING"
    client.wait_event(lambda e: e.name == "CHANNEL_DESTROY" and e.uuid == UUID)
    executed = [
        e.get("Application")
        for e in client.leg_events(UUID)
        if e.name.startswith("CHANNEL_EXECUTE")
    ]
    assert executed == ["echo", "echo"]


def test_hupall_hangs_up_every_channel(switch: FakeSwitch, client: EslTestClient) -> None:
    first = switch.inbound_call("15551234")
    second = switch.inbound_call("15551235")
    assert client.api("hupall MANAGER_REQUEST") == (
        "+OK hangup all channels with cause MANAGER_REQUEST\n"
    )
    for uuid in (first, second):
        view = switch.channel(uuid)
        assert view is not None and view.destroyed and view.hangup_cause == "MANAGER_REQUEST"
    assert switch.channels() == []
