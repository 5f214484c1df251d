"""`CallControl` as the REST API uses it: place a call, redirect it, end it."""

from __future__ import annotations

import pytest

from bridge.cxml import parse_document
from bridge.cxml.models import CallProgressEvent, HttpMethod
from bridge.engine.control import (
    CallNotFound,
    CallNotLive,
    CallStateConflict,
    DocumentUrl,
    InlineDocument,
    PlaceCall,
)
from bridge.sip import parse_sip_uri
from tests.fakeswitch import FarEnd
from tests.integration.engine.harness import ACCOUNT_SID, WAIT, Bridge, params, signed
from tests.support.customer_app import Reply

EVERY_EVENT = frozenset(CallProgressEvent)


def place(bridge: Bridge, uri: str, **changes: object) -> str:
    fields: dict[str, object] = {
        "account_sid": ACCOUNT_SID,
        "to": parse_sip_uri(uri),
        "to_text": uri,
        "from_": "+15557654321",
        "document": DocumentUrl(bridge.app.url("/outbound"), HttpMethod.POST),
        "status_callback": bridge.app.url("/status"),
        "status_callback_events": EVERY_EVENT,
        **changes,
    }
    record = bridge.engine.place_call(PlaceCall(**fields))  # type: ignore[arg-type]
    assert (record.status.value, record.direction.value) == ("queued", "outbound-api")
    return record.sid


DIAL_A = "<Response><Dial><Sip>sip:a@example.com</Sip></Dial></Response>"


def test_a_placed_call_runs_its_document_when_answered(bridge: Bridge) -> None:
    app = bridge.app
    app.reply("/outbound", Reply.cxml('<Response><Pause length="600"/></Response>'))
    app.reply("/status", Reply.empty(204))
    bridge.switch.script("sip:carol@example.com", FarEnd.answer(after=2))
    sid = place(bridge, "sip:carol@example.com;transport=udp")

    (document,) = app.wait_for("/outbound")
    got = params(document)
    assert signed(document)
    assert got == {
        "AccountSid": ACCOUNT_SID,
        "ApiVersion": "2010-04-01",
        "CallSid": sid,
        "CallStatus": "in-progress",
        "Direction": "outbound-api",
        "From": "+15557654321",
        "To": "sip:carol@example.com;transport=udp",
    }
    (originate,) = bridge.originates()
    assert f"cxml_leg={sid}," in originate
    assert originate.endswith("sofia/external/sip:carol@example.com;transport=udp &park()")

    record = bridge.engine.end_call(ACCOUNT_SID, sid, "completed")
    bridge.settle()
    assert record.status.value == "completed"
    statuses = [params(r)["CallStatus"] for r in app.requests_to("/status")]
    assert statuses == ["initiated", "ringing", "in-progress", "completed"]
    assert [params(r)["SequenceNumber"] for r in app.requests_to("/status")] == ["0", "1", "2", "3"]


def test_a_placed_call_that_is_busy(bridge: Bridge) -> None:
    bridge.app.reply("/status", Reply.empty(204))
    bridge.switch.script("sip:busy@example.com", FarEnd.busy())
    sid = place(bridge, "sip:busy@example.com")
    bridge.settle()

    assert bridge.calls.get(sid).status.value == "busy"
    assert bridge.app.requests_to("/outbound") == ()
    last = bridge.app.requests_to("/status")[-1]
    assert (params(last)["CallStatus"], params(last)["SipResponseCode"]) == ("busy", "486")


def test_canceling_a_placed_call_before_it_is_answered(bridge: Bridge) -> None:
    bridge.app.reply("/status", Reply.empty(204))
    bridge.switch.script("sip:sleepy@example.com", FarEnd.ring_forever())
    sid = place(bridge, "sip:sleepy@example.com")
    bridge.app.wait_for(lambda r: params(r).get("CallStatus") == "ringing")

    record = bridge.engine.end_call(ACCOUNT_SID, sid, "canceled")
    bridge.settle()

    assert record.status.value == "canceled"
    uuid = record.fs_uuid
    assert f"api uuid_kill {uuid} ORIGINATOR_CANCEL" in bridge.switch.commands
    with pytest.raises(CallNotLive):
        bridge.engine.end_call(ACCOUNT_SID, sid, "completed")


def test_an_inline_document(bridge: Bridge) -> None:
    bridge.app.reply("/status", Reply.empty(204))
    bridge.switch.script("sip:dave@example.com", FarEnd.answer())
    inline = InlineDocument(parse_document("<Response><Hangup/></Response>"))
    sid = place(bridge, "sip:dave@example.com", document=inline)
    bridge.settle()

    assert bridge.calls.get(sid).status.value == "completed"
    assert bridge.app.requests_to("/outbound") == ()


def test_redirecting_a_live_inbound_call(bridge: Bridge) -> None:
    app = bridge.app
    app.reply("/voice", Reply.cxml('<Response><Pause length="600"/></Response>'))
    app.reply("/next", Reply.cxml("<Response><Hangup/></Response>"))
    uuid = bridge.call_in()
    bridge.switch.wait_for_event("CHANNEL_ANSWER", uuid, timeout=WAIT)
    sid = bridge.call_by_uuid(uuid).sid

    record = bridge.engine.redirect(ACCOUNT_SID, sid, DocumentUrl(app.url("/next"), HttpMethod.GET))
    assert record.document_url == app.url("/next")
    (following,) = app.wait_for("/next")
    bridge.settle()

    assert following.method == "GET" and params(following)["CallStatus"] == "in-progress"
    assert bridge.calls.get(sid).status.value == "completed"


def test_redirecting_a_call_in_a_dial_cancels_the_legs(bridge: Bridge) -> None:
    app = bridge.app
    app.reply(
        "/voice", Reply.cxml("<Response><Dial><Sip>sip:a@example.com</Sip></Dial></Response>")
    )
    app.reply("/next", Reply.cxml("<Response><Hangup/></Response>"))
    bridge.switch.script("sip:a@example.com", FarEnd.ring_forever())
    uuid = bridge.call_in()
    bridge.switch.wait_for_command("bgapi originate", timeout=WAIT)
    sid = bridge.call_by_uuid(uuid).sid
    (leg,) = bridge.children(sid)
    bridge.switch.wait_for_event("CHANNEL_PROGRESS", leg.fs_uuid, timeout=WAIT)

    bridge.engine.redirect(ACCOUNT_SID, sid, DocumentUrl(app.url("/next")))
    app.wait_for("/next")
    bridge.settle()

    assert f"api uuid_kill {leg.fs_uuid} ORIGINATOR_CANCEL" in bridge.switch.commands
    assert bridge.calls.get(leg.sid).status.value == "canceled"
    assert bridge.calls.get(sid).status.value == "completed"


def test_ending_a_live_call_in_a_dial(bridge: Bridge) -> None:
    app = bridge.app
    app.reply(
        "/voice", Reply.cxml("<Response><Dial><Sip>sip:a@example.com</Sip></Dial></Response>")
    )
    bridge.switch.script("sip:a@example.com", FarEnd.answer(after=1))
    uuid = bridge.call_in()
    bridge.switch.wait_for_event("CHANNEL_BRIDGE", uuid, timeout=WAIT)
    sid = bridge.call_by_uuid(uuid).sid

    with pytest.raises(CallStateConflict):
        bridge.engine.end_call(ACCOUNT_SID, sid, "canceled")
    record = bridge.engine.end_call(ACCOUNT_SID, sid, "completed")
    bridge.settle()

    assert record.status.value == "completed"
    (leg,) = bridge.children(sid)
    assert bridge.calls.get(leg.sid).status.value == "completed"


def test_unknown_and_foreign_calls(bridge: Bridge) -> None:
    with pytest.raises(CallNotFound):
        bridge.engine.end_call(ACCOUNT_SID, "CA" + "0" * 32, "completed")
    bridge.app.reply("/voice", Reply.cxml("<Response><Hangup/></Response>"))
    uuid = bridge.call_in()
    bridge.switch.wait_for_command(f"api uuid_kill {uuid}", timeout=WAIT)
    bridge.settle()
    sid = bridge.call_by_uuid(uuid).sid
    with pytest.raises(CallNotFound):
        bridge.engine.redirect("AC" + "f" * 32, sid, DocumentUrl(bridge.app.url("/x")))
    with pytest.raises(CallNotLive):
        bridge.engine.redirect(ACCOUNT_SID, sid, DocumentUrl(bridge.app.url("/x")))


def test_redirecting_during_a_play_stops_the_audio(bridge: Bridge) -> None:
    app = bridge.app
    audio = app.url("/long.wav")
    app.reply("/voice", Reply.cxml(f'<Response><Play loop="0">{audio}</Play></Response>'))
    app.reply("/next", Reply.cxml("<Response><Hangup/></Response>"))
    uuid = bridge.call_in()
    bridge.switch.wait_for_command(f"api uuid_broadcast {uuid}", timeout=WAIT)
    sid = bridge.call_by_uuid(uuid).sid

    bridge.engine.redirect(ACCOUNT_SID, sid, DocumentUrl(app.url("/next")))
    app.wait_for("/next")
    bridge.settle()

    commands = bridge.switch.commands
    assert commands.index(f"api uuid_break {uuid} all") < commands.index(
        f"api uuid_kill {uuid} NORMAL_CLEARING"
    )
