"""Fault injection: dropped connections, restarts, late or reordered events,
withheld replies."""

from __future__ import annotations

import math
from collections.abc import Callable

import gevent.queue
import pytest

from tests.fakeswitch import FakeSwitch, FarEnd
from tests.fakeswitch.client import EslTestClient

UUID = "aaaaaaaa-0000-4000-8000-0000000000fa"


def answered(switch: FakeSwitch, client: EslTestClient) -> None:
    switch.script("sip:alice@127.0.0.1", FarEnd.answer())
    job = client.bgapi(
        f"originate {{origination_uuid={UUID}}}sofia/external/alice@127.0.0.1 &park()"
    )
    assert client.job_result(job) == f"+OK {UUID}\n"


def logged_in(connect: Callable[[], EslTestClient]) -> EslTestClient:
    client = connect()
    assert client.login().header("Reply-Text") == "+OK accepted"
    client.subscribe("ALL")
    return client


def test_dropped_connections_close_without_a_goodbye_and_calls_survive(
    switch: FakeSwitch, client: EslTestClient, connect: Callable[[], EslTestClient]
) -> None:
    answered(switch, client)
    switch.drop_connections()
    assert client.wait_closed()
    assert client.notices == []
    again = logged_in(connect)
    assert UUID in again.api("show channels as json")
    assert switch.connection_count == 1


def test_a_restart_forgets_channels_and_starts_a_new_sequence(
    switch: FakeSwitch, client: EslTestClient, connect: Callable[[], EslTestClient]
) -> None:
    answered(switch, client)
    before = switch.core_uuid
    high = max(event.sequence for event in client.events)
    switch.restart()
    assert client.wait_closed()
    again = logged_in(connect)
    assert switch.core_uuid != before
    assert again.api("show channels as json") == '{"row_count": 0}\n'
    assert again.api(f"uuid_kill {UUID}") == "-ERR No such channel!\n"
    uuid = switch.inbound_call("15551234")
    park = again.wait_event(lambda e: e.name == "CHANNEL_PARK" and e.uuid == uuid)
    assert park.get("Core-UUID") == switch.core_uuid
    assert park.sequence < high


def test_a_restart_can_keep_the_channels(
    switch: FakeSwitch, client: EslTestClient, connect: Callable[[], EslTestClient]
) -> None:
    answered(switch, client)
    before = switch.core_uuid
    switch.restart(keep_channels=True)
    again = logged_in(connect)
    assert switch.core_uuid != before
    assert UUID in again.api("show channels as json")
    assert again.api(f"uuid_kill {UUID}") == "+OK\n"
    destroy = again.wait_event(lambda e: e.name == "CHANNEL_DESTROY")
    assert destroy.get("Core-UUID") == switch.core_uuid


def test_while_down_connections_are_closed_at_once(
    switch: FakeSwitch, connect: Callable[[], EslTestClient]
) -> None:
    switch.restart(downtime=None)
    refused = connect()
    assert refused.wait_closed()
    assert refused.frames == []
    switch.come_up()
    logged_in(connect)


def test_delayed_events_arrive_after_later_replies(
    switch: FakeSwitch, client: EslTestClient
) -> None:
    answered(switch, client)
    switch.delay_events(math.inf)
    switch.dtmf(UUID, "56")
    assert client.api("uuid_exists " + UUID) == "true"
    assert not [e for e in client.events if e.name == "DTMF"]
    switch.delay_events(0)
    client.wait_event(lambda e: e.get("DTMF-Digit") == "6")
    assert [e.get("DTMF-Digit") for e in client.events if e.name == "DTMF"] == ["5", "6"]
    switch.delay_events(0.01)
    switch.dtmf(UUID, "7")
    client.wait_event(lambda e: e.get("DTMF-Digit") == "7")


def test_reordered_events_keep_their_sequence_numbers(
    switch: FakeSwitch, client: EslTestClient
) -> None:
    answered(switch, client)
    switch.reorder_events(3)
    switch.dtmf(UUID, "123")
    client.wait_event(lambda e: e.name == "DTMF" and e.get("DTMF-Digit") == "1")
    dtmf = [e for e in client.events if e.name == "DTMF"]
    assert [e.get("DTMF-Digit") for e in dtmf] == ["3", "2", "1"]
    assert [e.sequence for e in dtmf] == sorted((e.sequence for e in dtmf), reverse=True)
    switch.reorder_events(5)
    switch.dtmf(UUID, "4")
    switch.release_events()
    client.wait_event(lambda e: e.get("DTMF-Digit") == "4")


def test_withheld_replies_are_released_later(switch: FakeSwitch, client: EslTestClient) -> None:
    switch.delay_replies(math.inf)
    client.send("api status")
    switch.wait_for_command("api status")
    with pytest.raises(gevent.queue.Empty):
        client.replies.get(timeout=0.05)
    switch.delay_replies(0)
    assert client.reply().body.startswith(b"UP ")


def test_the_switch_records_every_command(switch: FakeSwitch, client: EslTestClient) -> None:
    start = len(switch.commands)
    client.api("uuid_exists x")
    client.bgapi("status", job_uuid="j-9")
    assert switch.commands[:2] == ["auth ClueCon", "event plain ALL"]
    assert switch.wait_for_command("uuid_exists", start=start) == "api uuid_exists x"
    assert switch.wait_for_command("bgapi status") == "bgapi status"
    assert switch.received[-1].header("Job-UUID") == "j-9"
    with pytest.raises(TimeoutError, match="uuid_kill"):
        switch.wait_for_command("uuid_kill", timeout=0.01)


def test_a_command_has_taken_effect_when_its_waiter_wakes(
    switch: FakeSwitch, client: EslTestClient
) -> None:
    uuid = switch.inbound_call("15551234")
    client.send(f"api uuid_answer {uuid}")
    assert switch.wait_for_command("uuid_answer") == f"api uuid_answer {uuid}"
    view = switch.channel(uuid)
    assert view is not None and view.answered
    switch.hangup(uuid)
    done = client.wait_event(lambda e: e.name == "CHANNEL_HANGUP_COMPLETE")
    assert done.get("variable_sip_hangup_disposition") == "recv_bye"


def test_the_channel_list_can_lag_behind_uuid_exists(
    switch: FakeSwitch, client: EslTestClient
) -> None:
    """As FreeSWITCH 1.10.12's 'show channels' (its queued core database)."""
    old = switch.inbound_call("15551234")
    switch.lag_channel_list(math.inf)
    fresh = switch.inbound_call("15551235")
    switch.hangup(old)
    switch.wait_for_event("CHANNEL_DESTROY", uuid=old)
    listed = client.api("show channels as json")
    assert old in listed and fresh not in listed
    assert client.api("uuid_exists " + fresh) == "true"
    assert client.api("uuid_exists " + old) == "false"
    switch.lag_channel_list(0)
    listed = client.api("show channels as json")
    assert old not in listed and fresh in listed
