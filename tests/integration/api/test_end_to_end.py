"""The REST API on the real engine: calls placed through the official SDK go
through the Event Socket emulator (tests/fakeswitch), are answered, run their
document from the customer app, send their status callbacks, and show up in
the list with the right statuses and times; live calls are redirected, hung
up and cancelled. Synchronised on what the servers received and on the
engine going idle, never on sleeps."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from gevent.pywsgi import WSGIServer
from signalwire.rest import Client
from twilio.base.exceptions import TwilioRestException

from bridge.api import create_app
from bridge.store.recordings import RecordingStore
from tests.fakeswitch import FarEnd
from tests.integration.engine.harness import (
    ACCOUNT_SID,
    API_TOKEN,
    WAIT,
    Bridge,
    params,
    signed,
)
from tests.support.customer_app import Reply
from tests.support.fixtures import customer_app  # noqa: F401

ALICE = "sip:alice@example.com"
ANSWER = "/answer"
STATUS = "/status"
EVENTS = ["initiated", "ringing", "answered", "completed"]
LONG_PAUSE = '<Response><Pause length="60"/></Response>'


@pytest.fixture
def client(bridge: Bridge) -> Iterator[Client]:
    app = create_app(bridge.settings, bridge.calls, RecordingStore(bridge.database), bridge.engine)
    server = WSGIServer(("127.0.0.1", 0), app, log=None, error_log=None)
    server.start()
    client = Client(ACCOUNT_SID, API_TOKEN, signalwire_space_url="example.signalwire.com")
    client.api.base_url = f"http://127.0.0.1:{server.server_port}"
    yield client
    server.stop(timeout=5)


def place(bridge: Bridge, client: Client, document: str, far_end: FarEnd) -> str:
    bridge.app.reply(ANSWER, Reply.cxml(document))
    bridge.switch.script(ALICE, far_end)
    call = client.calls.create(
        to=ALICE,
        from_="+15550100",
        url=bridge.app.url(ANSWER),
        status_callback=bridge.app.url(STATUS),
        status_callback_event=EVENTS,
    )
    assert call.status == "queued" and call.direction == "outbound-api"
    return str(call.sid)


def callback_statuses(bridge: Bridge, sid: str) -> list[tuple[str | None, str | None]]:
    return [
        (request.param("SequenceNumber"), request.param("CallStatus"))
        for request in bridge.app.requests_to(STATUS)
        if request.param("CallSid") == sid
    ]


def test_a_call_is_answered_runs_its_document_and_is_listed(bridge: Bridge, client: Client) -> None:
    sid = place(bridge, client, "<Response><Say>Hello</Say></Response>", FarEnd.answer(after=1))

    (answer,) = bridge.app.wait_for(ANSWER)
    bridge.settle()

    originate = bridge.switch.wait_for_command("bgapi originate", timeout=WAIT)
    assert "sofia/external/sip:alice@example.com;transport=tls &park()" in originate
    assert f"sip_h_X-SignalWire-CallSid={sid}" in originate
    assert signed(answer)
    assert {
        name: value
        for name, value in params(answer).items()
        if name in ("CallSid", "AccountSid", "Direction", "CallStatus", "From", "To")
    } == {
        "CallSid": sid,
        "AccountSid": ACCOUNT_SID,
        "Direction": "outbound-api",
        "CallStatus": "in-progress",
        "From": "+15550100",
        "To": ALICE,
    }
    assert callback_statuses(bridge, sid) == [
        ("0", "initiated"),
        ("1", "ringing"),
        ("2", "in-progress"),
        ("3", "completed"),
    ]

    listed = client.calls.list(to=ALICE, status="completed")
    assert [call.sid for call in listed] == [sid]
    call = client.calls(sid).fetch()
    assert call.status == "completed" and call.direction == "outbound-api"
    assert call.start_time is not None and call.end_time is not None
    assert call.start_time <= call.end_time
    assert call.duration is not None and int(call.duration) >= 0
    assert client.calls.list(status="in-progress") == []


def test_a_busy_callee_ends_the_call_busy(bridge: Bridge, client: Client) -> None:
    sid = place(bridge, client, "<Response/>", FarEnd.busy())

    bridge.app.wait_for(lambda r: r.path == STATUS and r.param("CallStatus") == "busy")
    bridge.settle()

    call = client.calls(sid).fetch()
    assert call.status == "busy" and call.duration == "0"
    assert bridge.app.requests_to(ANSWER) == ()


def test_redirect_a_live_call(bridge: Bridge, client: Client) -> None:
    sid = place(bridge, client, LONG_PAUSE, FarEnd.answer())
    bridge.app.reply("/next", Reply.cxml("<Response><Hangup/></Response>"))
    bridge.app.wait_for(ANSWER)

    client.calls(sid).update(url=bridge.app.url("/next"), method="POST")

    (following,) = bridge.app.wait_for("/next")
    assert following.param("CallSid") == sid
    bridge.settle()
    assert client.calls(sid).fetch().status == "completed"
    assert callback_statuses(bridge, sid)[-1] == ("3", "completed")


def test_redirect_to_inline_twiml(bridge: Bridge, client: Client) -> None:
    sid = place(bridge, client, LONG_PAUSE, FarEnd.answer())
    bridge.app.wait_for(ANSWER)

    client.calls(sid).update(twiml="<Response><Hangup/></Response>")

    bridge.settle()
    assert client.calls(sid).fetch().status == "completed"


def test_hang_up_a_live_call(bridge: Bridge, client: Client) -> None:
    sid = place(bridge, client, LONG_PAUSE, FarEnd.answer())
    bridge.app.wait_for(ANSWER)

    ended = client.calls(sid).update(status="completed")

    assert ended.status == "completed"
    bridge.settle()
    assert callback_statuses(bridge, sid)[-1] == ("3", "completed")
    with pytest.raises(TwilioRestException) as raised:
        client.calls(sid).update(status="completed")
    assert (raised.value.status, raised.value.code) == (409, 21220)
    assert client.calls(sid).delete() is True


def test_cancel_a_ringing_call(bridge: Bridge, client: Client) -> None:
    sid = place(bridge, client, "<Response/>", FarEnd.ring_forever())
    bridge.app.wait_for(lambda r: r.path == STATUS and r.param("CallStatus") == "ringing")

    canceled = client.calls(sid).update(status="canceled")

    assert canceled.status == "canceled"
    bridge.settle()
    assert callback_statuses(bridge, sid)[-1] == ("2", "canceled")
    assert bridge.app.requests_to(ANSWER) == ()


def test_cancel_an_answered_call_is_refused(bridge: Bridge, client: Client) -> None:
    sid = place(bridge, client, LONG_PAUSE, FarEnd.answer())
    bridge.app.wait_for(ANSWER)

    with pytest.raises(TwilioRestException) as raised:
        client.calls(sid).update(status="canceled")

    assert (raised.value.status, raised.value.code) == (409, 21220)
    client.calls(sid).update(status="completed")
    bridge.settle()
