"""The official `signalwire` Python SDK against the API on a loopback HTTP
server: create, fetch, list (filters, paging), update and delete calls, and
read its errors. On SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from signalwire.rest import Client
from twilio.base.exceptions import TwilioRestException

from bridge.cxml.models import HttpMethod
from bridge.engine.control import DocumentUrl, InlineDocument
from bridge.sip import Transport
from bridge.store.records import CallStatus
from tests.integration.api.conftest import Api
from tests.integration.api.support import ACCOUNT, T0, TOKEN


@pytest.fixture
def client(live_url: str) -> Client:
    client = Client(ACCOUNT, TOKEN, signalwire_space_url="example.signalwire.com")
    # The SDK forces https on the space URL; point it at the test server.
    client.api.base_url = live_url
    return client


def test_create_and_fetch_a_call(api: Api, client: Client) -> None:
    call = client.calls.create(
        to="sip:alice@example.com;transport=tcp",
        from_="+15550100",
        url="https://app.example.com/answer",
        method="GET",
        status_callback="https://app.example.com/status",
        status_callback_event=["initiated", "answered", "completed"],
        timeout=30,
        record=True,
        send_digits="1w2",
    )

    [placed] = api.control.placed
    assert placed.to.transport is Transport.TCP and placed.to.user == "alice"
    assert placed.document == DocumentUrl("https://app.example.com/answer", HttpMethod.GET)
    assert {event.value for event in placed.status_callback_events} == {
        "initiated",
        "answered",
        "completed",
    }
    assert (placed.timeout, placed.record, placed.send_digits) == (30, True, "1w2")
    assert call.sid.startswith("CA") and call.account_sid == ACCOUNT
    assert call.status == "queued" and call.direction == "outbound-api"
    assert call.to == "sip:alice@example.com;transport=tcp" and call.from_ == "+15550100"
    assert call.from_formatted == "+15550100"
    assert call.date_created == T0
    assert call.start_time is None and call.duration is None

    api.control.progress(call.sid, CallStatus.INITIATED, CallStatus.IN_PROGRESS)
    api.clock.advance(5)
    api.control.progress(call.sid, CallStatus.COMPLETED)
    fetched = client.calls(call.sid).fetch()

    assert fetched.status == "completed"
    assert fetched.start_time == T0 and fetched.end_time == T0 + timedelta(seconds=5)
    assert fetched.duration == "5"
    assert fetched.subresource_uris == {
        "recordings": f"/2010-04-01/Accounts/{ACCOUNT}/Calls/{call.sid}/Recordings.json"
    }


def test_create_with_inline_twiml(api: Api, client: Client) -> None:
    client.calls.create(
        to="sip:bob@example.com", from_="+15550100", twiml="<Response><Hangup/></Response>"
    )

    [placed] = api.control.placed
    assert isinstance(placed.document, InlineDocument)


def test_errors_reach_the_sdk_with_code_and_message(api: Api, client: Client) -> None:
    with pytest.raises(TwilioRestException) as raised:
        client.calls.create(to="sip:bob@exa mple.com", from_="+15550100", url="https://a.example/")

    assert raised.value.status == 400
    assert raised.value.code == 21211
    assert "To 'sip:bob@exa mple.com' is not a valid SIP URI" in raised.value.msg

    with pytest.raises(TwilioRestException) as missing:
        client.calls("CA" + "0" * 32).fetch()
    assert (missing.value.status, missing.value.code) == (404, 20404)


def test_wrong_credentials_are_refused(live_url: str) -> None:
    client = Client(ACCOUNT, TOKEN + "x", signalwire_space_url="example.signalwire.com")
    client.api.base_url = live_url

    with pytest.raises(TwilioRestException) as raised:
        client.calls("CA" + "0" * 32).fetch()

    assert (raised.value.status, raised.value.code) == (401, 20003)


def _make_calls(api: Api, client: Client, count: int, to: str) -> list[str]:
    sids = []
    for _ in range(count):
        api.clock.advance(1)
        sids.append(client.calls.create(to=to, from_="+15550100", url="https://a.example/").sid)
    return sids


def test_list_and_stream_page_through_every_call(api: Api, client: Client) -> None:
    mine = _make_calls(api, client, 7, "sip:alice@example.com")
    _make_calls(api, client, 2, "sip:bob@example.com")

    streamed = [call.sid for call in client.calls.stream(to="sip:alice@example.com", page_size=3)]
    listed = [call.sid for call in client.calls.list(page_size=2)]
    limited = [call.sid for call in client.calls.list(limit=4, page_size=3)]

    assert streamed == list(reversed(mine))
    assert len(listed) == 9 and len(set(listed)) == 9
    assert limited == listed[:4]


def test_list_filters_through_the_sdk(api: Api, client: Client) -> None:
    answered, ringing = _make_calls(api, client, 2, "sip:alice@example.com")
    api.control.progress(answered, CallStatus.INITIATED, CallStatus.IN_PROGRESS)  # at 12:00:02
    api.clock.advance(5)
    api.control.progress(ringing, CallStatus.INITIATED, CallStatus.RINGING)  # at 12:00:07

    by_status = client.calls.list(status="in-progress")
    by_date = client.calls.list(start_time=date(2024, 3, 1))
    after = client.calls.list(start_time_after=datetime(2024, 3, 1, 12, 0, 3, tzinfo=UTC))
    tomorrow = client.calls.list(start_time_after=date(2024, 3, 2))

    assert [call.sid for call in by_status] == [answered]
    assert [call.sid for call in by_date] == [ringing, answered]
    assert [call.sid for call in after] == [ringing]
    assert tomorrow == []


def test_redirect_and_hang_up_a_live_call(api: Api, client: Client) -> None:
    [sid] = _make_calls(api, client, 1, "sip:alice@example.com")
    api.control.progress(sid, CallStatus.INITIATED, CallStatus.IN_PROGRESS)

    redirected = client.calls(sid).update(url="https://app.example.com/next", method="POST")
    assert redirected.sid == sid
    assert api.control.redirects == [
        (ACCOUNT, sid, DocumentUrl("https://app.example.com/next", HttpMethod.POST))
    ]

    ended = client.calls(sid).update(status="completed")
    assert ended.status == "completed"
    assert api.control.ended == [(ACCOUNT, sid, "completed")]

    with pytest.raises(TwilioRestException) as raised:
        client.calls(sid).update(twiml="<Response/>")
    assert (raised.value.status, raised.value.code) == (409, 21220)


def test_delete_a_finished_call(api: Api, client: Client) -> None:
    [sid] = _make_calls(api, client, 1, "sip:alice@example.com")

    with pytest.raises(TwilioRestException) as raised:
        client.calls(sid).delete()
    assert (raised.value.status, raised.value.code) == (409, 20009)

    client.calls(sid).update(status="canceled")
    assert client.calls(sid).delete() is True
    assert client.calls.list() == []
