"""Typed events: the fields and accessors the engine reads, read-only."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from types import MappingProxyType

import pytest

from bridge.esl import SUBSCRIBED_EVENTS, ChannelEvent, JobResult, RawEvent


def event(**headers: str) -> ChannelEvent:
    headers.setdefault("Event-Name", "CHANNEL_HANGUP_COMPLETE")
    return ChannelEvent.from_raw(RawEvent(headers=MappingProxyType(headers), body=""))


def test_fields_come_from_their_headers() -> None:
    e = event(
        **{
            "Unique-ID": "u-1",
            "Event-Sequence": "636",
            "Event-Date-Timestamp": "1795769595885152",
            "Answer-State": "hangup",
            "Call-Direction": "outbound",
            "Channel-State": "CS_REPORTING",
            "Channel-Call-State": "HANGUP",
            "Hangup-Cause": "USER_BUSY",
            "DTMF-Digit": "5",
        }
    )
    assert (e.uuid, e.sequence, e.answer_state, e.call_direction) == (
        "u-1",
        636,
        "hangup",
        "outbound",
    )
    assert (e.channel_state, e.call_state, e.hangup_cause, e.dtmf_digit) == (
        "CS_REPORTING",
        "HANGUP",
        "USER_BUSY",
        "5",
    )
    assert e.timestamp == pytest.approx(1795769595.885152)
    assert e.at == datetime(2026, 11, 27, 8, 53, 15, 885152, tzinfo=UTC)


def test_variables_lose_their_prefix_and_feed_the_accessors() -> None:
    e = event(
        **{
            "variable_sip_rh_X-Result": "accepted",
            "variable_sip_rh_X-Account-Id": "42",
            "variable_sip_rh_Contact": "not an X- header",
            "variable_sip_h_X-Sent": "ours, not theirs",
            "variable_sip_call_id": "1-2748@127.0.0.1",
            "variable_sip_term_status": "486",
            "variable_sip_invite_failure_status": "487",
            "variable_billsec": "2",
            "variable_cxml_leg": "sim-1",
            "variable_cxml_inbound": "TRUE",
            "variable_hangup_cause": "NORMAL_CLEARING",
        }
    )
    assert e.variable("cxml_leg") == "sim-1" and e.variable("absent") is None
    assert e.sip_response_headers == {"X-Result": "accepted", "X-Account-Id": "42"}
    assert (e.sip_call_id, e.sip_term_status, e.sip_invite_failure_status, e.billsec) == (
        "1-2748@127.0.0.1",
        486,
        487,
        2,
    )
    assert (e.cxml_leg, e.cxml_inbound) == ("sim-1", True)
    assert e.hangup_cause == "NORMAL_CLEARING"  # from the variable when the header is absent


def test_missing_or_odd_values_read_as_none() -> None:
    e = event(variable_sip_term_status="abc", variable_billsec="")
    assert (e.uuid, e.sequence, e.timestamp) == (None, -1, 0.0)
    assert (e.sip_term_status, e.billsec, e.sip_invite_failure_status) == (None, None, None)
    assert (e.cxml_leg, e.cxml_inbound, e.sip_response_headers) == (None, False, {})


def test_events_are_frozen_read_only_and_hashable() -> None:
    e = event(**{"Unique-ID": "u", "variable_x": "1"})
    with pytest.raises(dataclasses.FrozenInstanceError):
        e.name = "CHANNEL_ANSWER"  # type: ignore[misc]
    with pytest.raises(TypeError):
        e.headers["Event-Name"] = "CHANNEL_ANSWER"  # type: ignore[index]
    with pytest.raises(TypeError):
        e.variables["x"] = "2"  # type: ignore[index]
    with pytest.raises(TypeError):
        e.sip_response_headers["X-A"] = "b"  # type: ignore[index]
    assert hash(e) == hash(event(**{"Unique-ID": "u", "variable_x": "1"}))


def test_job_result_reads_ok_and_err_bodies() -> None:
    ok = JobResult.from_event(
        ChannelEvent(
            name="BACKGROUND_JOB",
            uuid=None,
            sequence=5,
            timestamp=1.0,
            job_uuid="j",
            job_command="originate",
            body="+OK 11111111-1111-4111-8111-111111111111\n",
        )
    )
    assert (ok.ok, ok.value, ok.cause, ok.body) == (
        True,
        "11111111-1111-4111-8111-111111111111",
        None,
        "+OK 11111111-1111-4111-8111-111111111111",
    )
    busy = JobResult("j", False, "-ERR USER_BUSY")
    assert (busy.value, busy.cause) == ("", "USER_BUSY")
    assert JobResult("j", False, "-ERR").cause == "-ERR"


def test_the_subscription_is_the_engine_list() -> None:
    assert len(set(SUBSCRIBED_EVENTS)) == len(SUBSCRIBED_EVENTS) == 15
    assert "ALL" not in SUBSCRIBED_EVENTS and "CHANNEL_STATE" not in SUBSCRIBED_EVENTS
