"""The status tables: how a leg, a dial and a refused caller end (spec: cxml-voice-reference.md)."""

from __future__ import annotations

import pytest

from bridge.cxml.models import RejectReason
from bridge.engine.statuses import (
    REJECT_STATUSES,
    UNANSWERED_END_CAUSES,
    EndedBy,
    dial_call_status,
    leg_status,
    sip_status_of,
)
from bridge.store.records import CallStatus
from bridge.switch import HangupCause

BUSY, NO_ANSWER, FAILED, CANCELED, COMPLETED = (
    CallStatus.BUSY,
    CallStatus.NO_ANSWER,
    CallStatus.FAILED,
    CallStatus.CANCELED,
    CallStatus.COMPLETED,
)


@pytest.mark.parametrize(
    ("cause", "sip", "expected"),
    [
        ("USER_BUSY", 486, BUSY),  # trace s2
        ("CALL_REJECTED", 603, BUSY),
        ("BUSY_EVERYWHERE", 600, BUSY),
        ("UNALLOCATED_NUMBER", 404, FAILED),  # trace s3
        ("NO_ANSWER", 487, NO_ANSWER),  # trace s4: originate_timeout, FreeSWITCH's CANCEL
        ("NO_USER_RESPONSE", 408, NO_ANSWER),
        ("NO_ANSWER", 480, NO_ANSWER),
        ("DESTINATION_OUT_OF_ORDER", None, FAILED),  # trace s6: TLS on a profile without it
        ("CALL_REJECTED", 407, FAILED),  # a challenge we could not answer
        ("LOSE_RACE", 487, CANCELED),  # trace s8: a loser of the race
        ("ORIGINATOR_CANCEL", 487, CANCELED),
        ("NORMAL_TEMPORARY_FAILURE", 503, FAILED),
        ("USER_BUSY", None, BUSY),
        ("NO_ANSWER", None, NO_ANSWER),
        (None, None, FAILED),
    ],
)
def test_an_unanswered_leg_ends_by_its_sip_status_then_its_cause(
    cause: str | None, sip: int | None, expected: CallStatus
) -> None:
    assert leg_status(answered=False, cause=cause, sip_status=sip) is expected


def test_an_answered_leg_completes_whatever_the_cause() -> None:
    assert leg_status(answered=True, cause="NORMAL_CLEARING", sip_status=200) is COMPLETED
    assert leg_status(answered=True, cause="LOSE_RACE", sip_status=None) is COMPLETED


@pytest.mark.parametrize(
    ("ended_by", "expected"),
    [
        (EndedBy.LOST_RACE, CANCELED),
        (EndedBy.CALLER_GONE, CANCELED),
        (EndedBy.CANCELED, CANCELED),
        (EndedBy.RING_TIMEOUT, NO_ANSWER),
        (EndedBy.SHUTDOWN, CANCELED),
    ],
)
def test_what_the_engine_did_to_a_leg_wins_over_what_the_switch_says(
    ended_by: EndedBy, expected: CallStatus
) -> None:
    assert leg_status(answered=False, cause="USER_BUSY", sip_status=486, ended_by=ended_by) is (
        expected
    )


def test_the_final_response_status_comes_before_the_invite_failure_status() -> None:
    assert sip_status_of(486, 487) == 486
    assert sip_status_of(None, 487) == 487
    assert sip_status_of(None, None) is None


@pytest.mark.parametrize(
    ("legs", "expected"),
    [
        ([BUSY], BUSY),
        ([FAILED], FAILED),
        ([NO_ANSWER], NO_ANSWER),
        ([BUSY, FAILED], BUSY),
        ([BUSY, NO_ANSWER, FAILED], NO_ANSWER),
        ([FAILED, CANCELED], FAILED),
        ([CANCELED], CANCELED),
        ([], FAILED),
    ],
)
def test_a_dial_where_every_leg_failed_reports_the_most_hopeful_status(
    legs: list[CallStatus], expected: CallStatus
) -> None:
    assert dial_call_status(legs, connected=False, caller_hung_up_first=False) is expected


def test_a_connected_dial_completes_and_a_caller_gone_first_cancels() -> None:
    assert dial_call_status([CANCELED], connected=True, caller_hung_up_first=False) is COMPLETED
    assert dial_call_status([NO_ANSWER], connected=False, caller_hung_up_first=True) is CANCELED


def test_reject_reasons_and_unanswered_endings() -> None:
    assert REJECT_STATUSES[RejectReason.BUSY] is BUSY
    assert REJECT_STATUSES[RejectReason.REJECTED] is NO_ANSWER
    assert UNANSWERED_END_CAUSES[BUSY] is HangupCause.USER_BUSY
    assert UNANSWERED_END_CAUSES[FAILED] is HangupCause.NORMAL_TEMPORARY_FAILURE
