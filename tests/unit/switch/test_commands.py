"""The uuid_* builders: exact text, closed sets, and the same refuse-or-read-back
property as originate, judged by FreeSWITCH's argument splitting."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bridge.cxml.models import RejectReason
from bridge.switch import (
    BroadcastLeg,
    HangupCause,
    RecordAction,
    UnsafeValue,
    check_uuid,
    rejection_for,
    sched_hangup,
    uuid_answer,
    uuid_break,
    uuid_bridge,
    uuid_broadcast,
    uuid_exists,
    uuid_getvar,
    uuid_kill,
    uuid_pre_answer,
    uuid_record,
    uuid_ring_ready,
    uuid_setvar,
)
from tests.support.originate_grammar import has_expansion, parse_arguments

A = "88bbb3ba-67a6-4ef4-8e38-6fffa7276b62"
B = "77777777-7777-4777-8777-77777777777B"


def test_exact_texts() -> None:
    assert uuid_kill(A) == f"uuid_kill {A}"
    assert uuid_kill(A, HangupCause.LOSE_RACE) == f"uuid_kill {A} LOSE_RACE"
    assert uuid_answer(A) == f"uuid_answer {A}"
    assert uuid_pre_answer(A) == f"uuid_pre_answer {A}"
    assert uuid_ring_ready(A) == f"uuid_ring_ready {A}"
    assert uuid_bridge(A, B) == f"uuid_bridge {A} {B}"
    assert uuid_break(A) == f"uuid_break {A} all"
    assert uuid_broadcast(A, "playback", "/var/lib/cxml/beep.wav") == (
        f"uuid_broadcast {A} playback::/var/lib/cxml/beep.wav aleg"
    )
    assert uuid_broadcast(A, "playback", "/tmp/say it.wav", BroadcastLeg.BOTH) == (
        f"uuid_broadcast {A} playback::/tmp/say\\sit.wav both"
    )
    assert uuid_broadcast(A, "answer", leg=BroadcastLeg.BLEG) == f"uuid_broadcast {A} answer:: bleg"
    assert uuid_record(A, RecordAction.START, "/tmp/rec/CA1.wav", 3600) == (
        f"uuid_record {A} start /tmp/rec/CA1.wav 3600"
    )
    assert uuid_record(A, RecordAction.STOP, "/tmp/rec/CA1.wav") == (
        f"uuid_record {A} stop /tmp/rec/CA1.wav"
    )
    assert sched_hangup(14400, A) == f"sched_hangup +14400 {A}"
    assert sched_hangup(30, A, HangupCause.ALLOTTED_TIMEOUT) == (
        f"sched_hangup +30 {A} ALLOTTED_TIMEOUT"
    )
    assert uuid_setvar(A, "cxml_state", "in dial") == f"uuid_setvar {A} cxml_state in\\sdial"
    assert uuid_setvar(A, "cxml_state") == f"uuid_setvar {A} cxml_state"
    assert uuid_getvar(A, "sip_rh_X-Result") == f"uuid_getvar {A} sip_rh_X-Result"
    assert uuid_exists(B) == f"uuid_exists {B}"


@pytest.mark.parametrize("bad", ["", A + " " + B, A + "\n", "*", A[:-1], f"{A}x"])
def test_uuid_exists_takes_a_uuid_only(bad: str) -> None:
    with pytest.raises(UnsafeValue, match="uuid"):
        uuid_exists(bad)


def test_trace_commands_are_reproduced() -> None:
    """The commands recorded against a real switch come out the same."""
    assert uuid_getvar("11111111-1111-4111-8111-111111111111", "sip_rh_X-Result") == (
        "uuid_getvar 11111111-1111-4111-8111-111111111111 sip_rh_X-Result"
    )
    assert uuid_kill("88888888-8888-4888-8888-888888888803", HangupCause.LOSE_RACE) == (
        "uuid_kill 88888888-8888-4888-8888-888888888803 LOSE_RACE"
    )


def test_broadcast_argument_rules() -> None:
    with pytest.raises(UnsafeValue, match="failover"):
        uuid_broadcast(A, "speak", "flite|kal|Hello")
    with pytest.raises(UnsafeValue, match="expansion"):
        uuid_broadcast(A, "playback", "${base_dir}/x.wav")
    with pytest.raises(UnsafeValue, match="application name"):
        uuid_broadcast(A, "hangup!NORMAL_CLEARING")
    with pytest.raises(ValueError):
        uuid_broadcast(A, "playback", "/x.wav", "holdb")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "bad",
    ["", "88bbb3ba-67a6-4ef4-8e38-6fffa7276b6", f"{A} x", f"{A}\n", "g" * 8 + A[8:], None, 5],
)
def test_uuid_grammar(bad: object) -> None:
    with pytest.raises(UnsafeValue):
        check_uuid(bad)
    with pytest.raises(UnsafeValue):
        uuid_kill(bad)  # type: ignore[arg-type]


def test_refusals() -> None:
    with pytest.raises(UnsafeValue, match="itself"):
        uuid_bridge(A, A.upper())
    with pytest.raises(UnsafeValue, match="cause"):
        uuid_kill(A, "NORMAL_CLEARING\napi hupall")  # type: ignore[arg-type]
    with pytest.raises(UnsafeValue, match="1..604800"):
        sched_hangup(0, A)
    with pytest.raises(UnsafeValue, match="limit only goes with start"):
        uuid_record(A, RecordAction.STOP, "/tmp/x.wav", 10)
    with pytest.raises(UnsafeValue, match="'..'"):
        uuid_record(A, RecordAction.START, "/tmp/../etc/x.wav")
    with pytest.raises(UnsafeValue, match="absolute path"):
        uuid_record(A, RecordAction.START, "{a=b}/tmp/x.wav")
    with pytest.raises(UnsafeValue, match="variable name"):
        uuid_setvar(A, "a b", "c")


def test_rejections_map_to_causes_and_sip_codes() -> None:
    busy = rejection_for(RejectReason.BUSY)
    assert (busy.cause, busy.sip_status) == (HangupCause.USER_BUSY, 486)
    rejected = rejection_for(RejectReason.REJECTED)
    assert (rejected.cause, rejected.sip_status) == (HangupCause.CALL_REJECTED, 603)


texts = st.one_of(
    st.text(max_size=24),
    st.text(st.sampled_from(" ,|}]{[&$\r\n\0'\"\\^:_=/.aZ09-"), max_size=24),
    st.text(st.sampled_from("abc ',&=/.:-"), min_size=1, max_size=24),
)

# Each case: builder, mod_commands' argv size, and the argv it must read back.
CASES: dict[str, tuple[Callable[[str], str], int, Callable[[str], list[str]]]] = {
    "uuid_kill uuid": (lambda v: uuid_kill(v), 2, lambda v: [v]),
    "uuid_bridge b": (lambda v: uuid_bridge(A, v), 4, lambda v: [A, v]),
    "uuid_broadcast argument": (
        lambda v: uuid_broadcast(A, "playback", v),
        4,
        lambda v: [A, f"playback::{v}", "aleg"],
    ),
    "uuid_broadcast application": (
        lambda v: uuid_broadcast(A, v, "x"),
        4,
        lambda v: [A, f"{v}::x", "aleg"],
    ),
    "uuid_record path": (
        lambda v: uuid_record(A, RecordAction.START, v, 60),
        5,
        lambda v: [A, "start", v, "60"],
    ),
    "uuid_setvar name": (lambda v: uuid_setvar(A, v, "x"), 3, lambda v: [A, v, "x"]),
    "uuid_setvar value": (lambda v: uuid_setvar(A, "cxml_x", v), 3, lambda v: [A, "cxml_x", v]),
    "uuid_getvar name": (lambda v: uuid_getvar(A, v), 4, lambda v: [A, v]),
}


@pytest.mark.parametrize("case", sorted(CASES))
@settings(max_examples=100, deadline=None)
@given(value=texts)
def test_refuse_or_read_back_exactly(case: str, value: str) -> None:
    build, arraylen, intended = CASES[case]
    try:
        text = build(value)
    except UnsafeValue:
        return
    for bad in ("\r", "\n", "\0"):
        assert bad not in text
    _, argv = parse_arguments(text, arraylen)
    assert argv == intended(value), text
    assert not any("$" in arg or has_expansion(arg) for arg in argv)
