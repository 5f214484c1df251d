"""What a remote SIP party controls (its caller id, display name, headers) against
the engine: it may not reach the switch unchecked, and it may not break the call."""

from __future__ import annotations

import math

import pytest

from bridge.cxml import parse_document
from bridge.engine.control import InlineDocument, PlaceCall
from bridge.sip import parse_sip_uri
from tests.fakeswitch import FarEnd
from tests.integration.engine.harness import ACCOUNT_SID, WAIT, Bridge, params
from tests.support.customer_app import Gate, Reply


def serve(bridge: Bridge, document: str, action: str = "<Hangup/>") -> None:
    bridge.app.reply("/voice", Reply.cxml(f"<Response>{document}</Response>"))
    bridge.app.reply("/action", Reply.cxml(f"<Response>{action}</Response>"))


def test_a_caller_name_the_switch_cannot_carry_is_left_out_of_the_dial(bridge: Bridge) -> None:
    # A PBX's display name such as "Reception [2]" or "Bob {ext}" cannot travel in
    # an originate variable: the leg is dialed without it, the call is not lost.
    action = bridge.app.url("/action")
    bridge.switch.script("sip:alice@example.com", FarEnd.answer(after=1))
    serve(bridge, f'<Dial action="{action}"><Sip>sip:alice@example.com</Sip></Dial>')
    caller = bridge.call_in(caller_name="Reception [2] ${x}")
    bridge.hang_up_callee(caller)
    (request,) = bridge.app.wait_for("/action")
    bridge.settle()

    assert params(request)["DialCallStatus"] == "completed"
    (originate,) = bridge.originates()
    assert "origination_caller_id_name" not in originate
    assert "Reception" not in originate
    (leg,) = bridge.children(bridge.call_by_uuid(caller).sid)
    assert leg.caller_name is None
    # The caller's own record keeps the name as received (it is data, not a command).
    assert bridge.call_by_uuid(caller).caller_name == "Reception [2] ${x}"
    assert bridge.switch.wait_for_event("CHANNEL_HANGUP_COMPLETE", caller, timeout=WAIT)


@pytest.mark.parametrize("number", ["*67 5551234", "#31#", "<unknown>"])
def test_a_caller_number_the_sip_grammar_refuses_goes_out_as_anonymous(
    bridge: Bridge, caplog: pytest.LogCaptureFixture, number: str
) -> None:
    # The remote party chooses its own number: one no <Sip> callerId may hold
    # is withheld from the legs (the SIP convention), not a reason to fail the dial.
    action = bridge.app.url("/action")
    events = bridge.app.url("/events")
    bridge.switch.script("sip:alice@example.com", FarEnd.answer(after=1))
    serve(
        bridge,
        f'<Dial action="{action}"><Sip statusCallback="{events}" '
        'statusCallbackEvent="initiated">sip:alice@example.com</Sip></Dial>',
    )
    caller = bridge.call_in(caller=number)
    callee = bridge.hang_up_callee(caller)
    (request,) = bridge.app.wait_for("/action")
    (initiated,) = bridge.app.wait_for("/events")
    bridge.settle()

    assert params(request)["DialCallStatus"] == "completed"
    (originate,) = bridge.originates()
    assert "origination_caller_id_number=anonymous," in originate
    created = bridge.switch.wait_for_event("CHANNEL_CREATE", callee, timeout=WAIT)
    assert created.header("Caller-Caller-ID-Number") == "anonymous"
    assert params(initiated)["From"] == "anonymous"
    (leg,) = bridge.children(bridge.call_by_uuid(caller).sid)
    assert leg.from_ == "anonymous"
    # The caller's own record (and its requests) keep the number as received.
    assert bridge.call_by_uuid(caller).from_ == number
    assert params(request)["From"] == number
    assert repr(number) in caplog.text and "dialed from anonymous" in caplog.text


def test_a_bad_dial_caller_id_in_the_document_is_still_refused_with_its_line(
    bridge: Bridge,
) -> None:
    # Only the caller's own number is a default to withhold; the document's
    # callerId is the customer's choice and a bad one is their error.
    serve(
        bridge,
        '<Say>Hi</Say>\n<Dial callerId="*67 5551234"><Sip>sip:alice@example.com</Sip></Dial>',
    )
    caller = bridge.call_in(caller="*67 5551234")
    bridge.app.wait_for("/voice")
    bridge.settle()

    assert bridge.originates() == []
    record = bridge.call_by_uuid(caller)
    assert record.status.value == "failed"
    detail = bridge.history(record.sid)[-1].detail or ""
    assert "line 2: <Dial callerId>: '*67 5551234'" in detail, detail


def test_a_caller_leaving_as_an_accepted_leg_is_connected_frees_that_leg_at_once(
    bridge: Bridge, caplog: pytest.LogCaptureFixture
) -> None:
    # answerOnBridge: the caller is answered only once a leg won. The caller
    # hangs up between the engine's first connect command and its uuid_answer:
    # the winner, answered and not bridged, must be hung up then, not left in
    # dead air until the engine gives up waiting for its end.
    action = bridge.app.url("/action")
    screen = bridge.app.url("/screen")
    gate = Gate()
    bridge.app.reply("/screen", Reply.cxml("<Response/>", gate=gate))
    bridge.switch.script("sip:alice@example.com", FarEnd.answer(after=1))
    serve(
        bridge,
        f'<Dial action="{action}" answerOnBridge="true">'
        f'<Sip url="{screen}">sip:alice@example.com</Sip></Dial>',
    )
    caller = bridge.call_in()
    bridge.app.wait_for("/screen")
    (leg,) = bridge.children(bridge.call_by_uuid(caller).sid)
    callee = leg.fs_uuid
    assert callee is not None
    seen = len(bridge.switch.commands)
    bridge.switch.delay_replies(math.inf)  # acted on, reply held
    gate.release()
    bridge.switch.wait_for_command(f"api uuid_setvar {caller}", timeout=WAIT, start=seen)
    bridge.switch.hangup(caller, "NORMAL_CLEARING")
    bridge.switch.delay_replies(0)
    bridge.settle()

    assert f"api uuid_bridge {caller} {callee}" not in bridge.switch.commands
    assert f"api uuid_kill {callee} NORMAL_CLEARING" in bridge.switch.commands
    assert "gave no final event" not in caplog.text
    ended = bridge.switch.wait_for_event("CHANNEL_HANGUP_COMPLETE", callee, timeout=WAIT)
    assert ended.header("Hangup-Cause") == "NORMAL_CLEARING"
    assert bridge.calls.get(leg.sid).status.value == "completed"
    details = [change.detail or "" for change in bridge.history(leg.sid)]
    assert not any("no final event" in detail for detail in details)


def test_a_placed_call_canceled_while_the_switch_is_away_is_canceled_once_it_is_back(
    bridge: Bridge,
) -> None:
    # The cancel's uuid_kill cannot be sent (or finds no channel yet): the
    # engine must send it again, not let the far end ring to its timeout.
    bridge.switch.script("sip:sleepy@example.com", FarEnd.ring_forever())
    record = bridge.engine.place_call(
        PlaceCall(
            account_sid=ACCOUNT_SID,
            to=parse_sip_uri("sip:sleepy@example.com"),
            to_text="sip:sleepy@example.com",
            from_="+15557654321",
            document=InlineDocument(parse_document("<Response/>")),
            timeout=600,  # 6 s of emulated ringing: longer than the waits below
        )
    )
    uuid = record.fs_uuid
    assert uuid is not None
    bridge.switch.wait_for_event("CHANNEL_PROGRESS", uuid, timeout=WAIT)
    start = len(bridge.switch.commands)

    bridge.switch.restart(keep_channels=True, downtime=0.3)
    bridge.engine.end_call(ACCOUNT_SID, record.sid, "canceled")  # the kill cannot be sent now
    bridge.switch.wait_for_command(
        f"api uuid_kill {uuid} ORIGINATOR_CANCEL", timeout=WAIT, start=start
    )
    bridge.settle()

    channel = bridge.switch.channel(uuid)
    assert channel is not None and channel.destroyed
    assert bridge.calls.get(record.sid).status.value == "canceled"
