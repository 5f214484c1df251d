"""Fetch, list (filters, paging), update (redirect, end) and delete calls over
HTTP, on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import urlencode

import pytest

from bridge.cxml.models import HttpMethod, Say
from bridge.engine.control import (
    CallNotLive,
    CallStateConflict,
    DocumentUrl,
    InlineDocument,
    SwitchUnavailable,
)
from bridge.store.records import CallDirection, CallRecord, CallStatus, NewCall
from tests.integration.api.conftest import Api
from tests.integration.api.support import ACCOUNT, OTHER_ACCOUNT, T0, basic_auth

BASE = f"/2010-04-01/Accounts/{ACCOUNT}"
FORM = "application/x-www-form-urlencoded"


def make_call(
    api: Api,
    *statuses: CallStatus,
    to: str = "sip:alice@example.com",
    from_: str = "+15550100",
    account: str = ACCOUNT,
    parent: str | None = None,
    step: float = 10,
) -> CallRecord:
    """A call created now, then moved through `statuses`, `step` seconds apart."""
    record = api.calls.create_call(
        NewCall(
            account_sid=account,
            direction=CallDirection.OUTBOUND_API if parent is None else CallDirection.OUTBOUND_DIAL,
            from_=from_,
            to=to,
            status=CallStatus.QUEUED,
            parent_call_sid=parent,
        )
    )
    for status in statuses:
        api.clock.advance(step)
        record = api.calls.update_status(record.sid, status, at=api.clock())
    return record


def get(api: Api, path: str, **query: str):  # type: ignore[no-untyped-def]
    if query:
        path = f"{path}?{urlencode(query)}"
    return api.client.get(path, headers=basic_auth())


def post(api: Api, path: str, **form: str):  # type: ignore[no-untyped-def]
    return api.client.post(path, data=urlencode(form), content_type=FORM, headers=basic_auth())


# -- fetch --------------------------------------------------------------------


def test_fetch_a_finished_call(api: Api) -> None:
    parent = make_call(api)
    call = make_call(
        api,
        CallStatus.INITIATED,
        CallStatus.RINGING,
        CallStatus.IN_PROGRESS,
        CallStatus.COMPLETED,
        to="+14155550123",
        parent=parent.sid,
        step=21,
    )
    api.calls.update_call(call.sid, sip_result_code=200)

    response = get(api, f"{BASE}/Calls/{call.sid}.json")

    assert response.status_code == 200
    assert response.get_json() == {
        "sid": call.sid,
        "account_sid": ACCOUNT,
        "parent_call_sid": parent.sid,
        "date_created": "Fri, 01 Mar 2024 12:00:00 +0000",
        "date_updated": "Fri, 01 Mar 2024 12:01:24 +0000",
        "to": "+14155550123",
        "from": "+15550100",
        "formatted_to": "(415) 555-0123",
        "formatted_from": "+15550100",
        "to_formatted": "(415) 555-0123",
        "from_formatted": "+15550100",
        "status": "completed",
        "start_time": "Fri, 01 Mar 2024 12:00:21 +0000",
        "end_time": "Fri, 01 Mar 2024 12:01:24 +0000",
        "duration": "21",
        "direction": "outbound-dial",
        "answered_by": None,
        "api_version": "2010-04-01",
        "caller_name": None,
        "forwarded_from": None,
        "price": None,
        "price_unit": "USD",
        "uri": f"{BASE}/Calls/{call.sid}.json",
        "subresource_uris": {"recordings": f"{BASE}/Calls/{call.sid}/Recordings.json"},
        "sip_result_code": 200,
    }


@pytest.mark.parametrize("sid", ["CA" + "f" * 32, "CA" + "F" * 32, "nope", "CA" + "f" * 31 + "'"])
def test_fetch_an_unknown_or_malformed_sid_is_not_found(sqlite_api: Api, sid: str) -> None:
    response = get(sqlite_api, f"{BASE}/Calls/{sid}.json")

    assert response.status_code == 404
    assert response.get_json()["code"] == 20404


def test_another_accounts_call_is_not_found(api: Api) -> None:
    theirs = make_call(api, account=OTHER_ACCOUNT)

    for method in ("GET", "POST", "DELETE"):
        response = api.client.open(
            f"{BASE}/Calls/{theirs.sid}.json",
            method=method,
            headers=basic_auth(),
            data={"Status": "completed"} if method == "POST" else None,
        )
        assert response.status_code == 404, method
    assert api.control.ended == [] and api.calls.get(theirs.sid).status is CallStatus.QUEUED


def test_fetch_takes_no_parameters(sqlite_api: Api) -> None:
    call = make_call(sqlite_api)

    response = get(sqlite_api, f"{BASE}/Calls/{call.sid}.json", Foo="1")

    assert response.status_code == 400
    assert response.get_json()["message"] == "This request takes no query parameters (got Foo)"


# -- list ---------------------------------------------------------------------


def sids(response) -> list[str]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.get_json()
    return [call["sid"] for call in response.get_json()["calls"]]


def test_list_filters(api: Api) -> None:
    a = make_call(api, CallStatus.INITIATED, to="sip:a@example.com", from_="+15550001")
    b = make_call(api, CallStatus.INITIATED, CallStatus.CANCELED, to="sip:b@example.com")
    c = make_call(api, to="sip:a@example.com", parent=a.sid)
    make_call(api, to="sip:a@example.com", account=OTHER_ACCOUNT)

    assert sids(get(api, f"{BASE}/Calls.json")) == [c.sid, b.sid, a.sid]
    assert sids(get(api, f"{BASE}/Calls.json", To="sip:a@example.com")) == [c.sid, a.sid]
    assert sids(get(api, f"{BASE}/Calls.json", From="+15550001")) == [a.sid]
    assert sids(get(api, f"{BASE}/Calls.json", Status="canceled")) == [b.sid]
    assert sids(get(api, f"{BASE}/Calls.json", Status="queued")) == [c.sid]
    assert sids(get(api, f"{BASE}/Calls.json", ParentCallSid=a.sid)) == [c.sid]
    assert sids(get(api, f"{BASE}/Calls.json", To="sip:a@example.com", Status="busy")) == []


def test_list_time_filters(api: Api) -> None:
    # started 12:00:10 on day 0, 12:00:10 on day 1 (ended 12:00:20), never
    day0 = make_call(api, CallStatus.INITIATED)
    api.clock.now = T0 + timedelta(days=1)
    day1 = make_call(api, CallStatus.INITIATED, CallStatus.FAILED)
    never = make_call(api)
    assert never.start_time is None

    def listed(**query: str) -> list[str]:
        return sids(get(api, f"{BASE}/Calls.json", **query))

    assert listed(StartTime="2024-03-01") == [day0.sid]
    assert listed(StartTime="2024-03-02") == [day1.sid]
    assert listed(**{"StartTime>": "2024-03-02"}) == [day1.sid]
    assert listed(**{"StartTime<": "2024-03-01"}) == [day0.sid]
    assert listed(**{"StartTime<=": "2024-03-02"}) == [day1.sid, day0.sid]
    # Datetimes are instants (the helper library sends them so).
    assert listed(**{"StartTime>": "2024-03-01T12:00:10Z"}) == [day1.sid, day0.sid]
    assert listed(**{"StartTime>": "2024-03-01T12:00:11Z"}) == [day1.sid]
    assert listed(**{"StartTime<": "2024-03-02T13:00:10+01:00"}) == [day1.sid, day0.sid]
    assert listed(**{"StartTime<": "Sat, 02 Mar 2024 12:00:09 +0000"}) == [day0.sid]
    assert listed(StartTime="2024-03-02T23:59:59Z") == [day1.sid]
    assert listed(EndTime="2024-03-02") == [day1.sid]
    assert listed(**{"EndTime>": "2024-03-02T12:00:21Z"}) == []
    assert listed(**{"StartTime>": "2024-03-01", "EndTime<": "2024-03-01"}) == []


LIST_REFUSALS = {
    "Status": ({"Status": "ringing-ish"}, "Status 'ringing-ish' is not one of: queued, "
               "initiated, ringing, in-progress, completed, busy, failed, no-answer, canceled"),
    "ParentCallSid": ({"ParentCallSid": "CA1"}, "ParentCallSid 'CA1' is not a call sid "
                      "(CA and 32 lowercase hex digits)"),
    "StartTime word": ({"StartTime": "yesterday"}, "StartTime 'yesterday' is not a date "
                       "(YYYY-MM-DD) or a datetime with a zone (ISO 8601 like "
                       "2024-03-01T12:00:00Z, or RFC 2822)"),
    "StartTime naive": ({"StartTime>": "2024-03-01T12:00:00"}, "StartTime> '2024-03-01T12:00:00'"
                        " is not a date (YYYY-MM-DD) or a datetime with a zone (ISO 8601 like "
                        "2024-03-01T12:00:00Z, or RFC 2822)"),
    "StartTime impossible date": ({"EndTime": "2024-02-30"}, "EndTime '2024-02-30' is not a "
                                  "valid date: day is out of range for month"),
    "same bound twice": ({"StartTime<": "2024-03-01", "StartTime<=": "2024-03-02"},
                         "StartTime<= repeats a bound already given (X< and X<= are the same "
                         "bound)"),
    "PageSize zero": ({"PageSize": "0"}, "PageSize 0 is outside 1..1000"),
    "PageSize too big": ({"PageSize": "1001"}, "PageSize 1001 is outside 1..1000"),
    "Page negative": ({"Page": "-1"}, "Page '-1' is not a whole number 0..1000000"),
    "PageToken": ({"PageToken": "PAxyz"}, "PageToken 'PAxyz' is not one this server issued"),
    "unknown filter": ({"Direction": "inbound"}, "Unsupported parameter(s) 'Direction'; this "
                       "endpoint takes: EndTime, EndTime<, EndTime<=, EndTime>, EndTime>=, From, "
                       "Page, PageSize, PageToken, ParentCallSid, StartTime, StartTime<, "
                       "StartTime<=, StartTime>, StartTime>=, Status, To"),
}  # fmt: skip


@pytest.mark.parametrize("case", LIST_REFUSALS, ids=list(LIST_REFUSALS))
def test_list_refuses_bad_parameters(shared_api: Api, case: str) -> None:
    query, message = LIST_REFUSALS[case]

    response = get(shared_api, f"{BASE}/Calls.json", **query)

    assert response.status_code == 400
    body = response.get_json()
    assert (body["message"], body["code"]) == (
        message,
        20001 if "Unsupported" in message else 21200,
    )


def test_list_pages_through_with_next_and_previous_uris(api: Api) -> None:
    made = []
    for _ in range(5):
        api.clock.advance(1)
        made.append(make_call(api).sid)
    newest_first = list(reversed(made))

    first = get(api, f"{BASE}/Calls.json", To="sip:alice@example.com", PageSize="2").get_json()
    assert [c["sid"] for c in first["calls"]] == newest_first[:2]
    assert (first["page"], first["page_size"], first["start"], first["end"]) == (0, 2, 0, 1)
    assert first["previous_page_uri"] is None
    assert (
        first["first_page_uri"]
        == f"{BASE}/Calls.json?To=sip%3Aalice%40example.com&PageSize=2&Page=0"
    )
    assert first["uri"] == first["first_page_uri"]

    # A call arriving meanwhile does not shift the pages already handed out.
    api.clock.advance(1)
    make_call(api)
    second = api.client.get(first["next_page_uri"], headers=basic_auth()).get_json()
    assert [c["sid"] for c in second["calls"]] == newest_first[2:4]
    assert (second["page"], second["start"], second["end"]) == (1, 2, 3)
    third = api.client.get(second["next_page_uri"], headers=basic_auth()).get_json()
    assert [c["sid"] for c in third["calls"]] == newest_first[4:]
    assert third["next_page_uri"] is None
    assert third["uri"].startswith(f"{BASE}/Calls.json?To=sip%3Aalice%40example.com&PageSize=2")

    back = api.client.get(third["previous_page_uri"], headers=basic_auth()).get_json()
    assert [c["sid"] for c in back["calls"]] == newest_first[2:4]
    assert back["page"] == 1


def test_list_page_number_without_token_skips_pages(api: Api) -> None:
    made = []
    for _ in range(3):
        api.clock.advance(1)
        made.append(make_call(api).sid)

    response = get(api, f"{BASE}/Calls.json", PageSize="1", Page="2")

    assert sids(response) == [made[0]]
    body = response.get_json()
    assert body["next_page_uri"] is None and body["start"] == 2


def test_list_on_the_laml_prefix_links_to_the_laml_prefix(api: Api) -> None:
    make_call(api)
    make_call(api)

    body = get(api, f"/api/laml/2010-04-01/Accounts/{ACCOUNT}/Calls.json", PageSize="1").get_json()

    assert body["next_page_uri"].startswith(f"/api/laml/2010-04-01/Accounts/{ACCOUNT}/Calls.json?")
    assert body["calls"][0]["uri"].startswith("/api/laml/2010-04-01/")


# -- update -------------------------------------------------------------------


def test_redirect_a_live_call_to_a_url(api: Api) -> None:
    call = make_call(api, CallStatus.INITIATED, CallStatus.IN_PROGRESS)

    response = post(api, f"{BASE}/Calls/{call.sid}.json", Url="https://app.example.com/next",
                    Method="GET")  # fmt: skip

    assert response.status_code == 200
    assert api.control.redirects == [
        (ACCOUNT, call.sid, DocumentUrl("https://app.example.com/next", HttpMethod.GET))
    ]
    assert response.get_json()["sid"] == call.sid
    assert api.calls.get(call.sid).document_url == "https://app.example.com/next"


def test_redirect_a_live_call_to_inline_twiml(api: Api) -> None:
    call = make_call(api, CallStatus.INITIATED, CallStatus.IN_PROGRESS)

    response = post(
        api, f"{BASE}/Calls/{call.sid}.json", Twiml="<Response><Say>Bye</Say></Response>"
    )

    assert response.status_code == 200
    [(_, _, document)] = api.control.redirects
    assert isinstance(document, InlineDocument)
    [say] = document.response.verbs
    assert isinstance(say, Say) and say.text == "Bye"


def test_hang_up_a_live_call(api: Api) -> None:
    call = make_call(api, CallStatus.INITIATED, CallStatus.IN_PROGRESS)

    response = post(api, f"{BASE}/Calls/{call.sid}.json", Status="completed")

    assert response.status_code == 200
    assert api.control.ended == [(ACCOUNT, call.sid, "completed")]
    assert response.get_json()["status"] == "completed"


def test_cancel_a_ringing_call(api: Api) -> None:
    call = make_call(api, CallStatus.INITIATED, CallStatus.RINGING)

    response = post(api, f"{BASE}/Calls/{call.sid}.json", Status="canceled")

    assert response.status_code == 200
    assert response.get_json()["status"] == "canceled"


def test_cancel_an_answered_call_is_a_conflict(api: Api) -> None:
    call = make_call(api, CallStatus.INITIATED, CallStatus.IN_PROGRESS)

    response = post(api, f"{BASE}/Calls/{call.sid}.json", Status="canceled")

    assert response.status_code == 409
    assert response.get_json()["message"] == (
        f"Call {call.sid} is in-progress: Status=canceled only ends a call not yet answered; "
        "use Status=completed to hang up"
    )
    assert api.control.ended == []


@pytest.mark.parametrize(
    ("form", "verb"),
    [({"Status": "completed"}, "ended"), ({"Url": "https://a.example/"}, "redirected")],
)
def test_a_finished_call_cannot_be_updated(api: Api, form: dict[str, str], verb: str) -> None:
    call = make_call(api, CallStatus.INITIATED, CallStatus.BUSY)

    response = post(api, f"{BASE}/Calls/{call.sid}.json", **form)

    assert response.status_code == 409
    assert response.get_json() == {
        "code": 21220,
        "message": f"Call {call.sid} is busy: a finished call cannot be {verb}",
        "more_info": "https://www.twilio.com/docs/errors/21220",
        "status": 409,
    }
    assert api.control.ended == [] and api.control.redirects == []


UPDATE_REFUSALS = {
    "Status value": ({"Status": "paused"}, 21200, "Status 'paused' is not completed or canceled"),
    "Status and Url": (
        {"Status": "completed", "Url": "https://a.example/"},
        21200,
        "Status ends the call; give either Status or a new document (Url or Twiml)",
    ),
    "nothing": (
        {},
        21200,
        "Nothing to do: give Url (and Method) or Twiml to redirect the call, "
        "or Status=completed|canceled to end it",
    ),
    "bad Url": ({"Url": "a.example"}, 21205,
                "Url 'a.example' is not an absolute http or https URL"),
    "Method alone": ({"Twiml": "<Response/>", "Method": "GET"}, 21209,
                     "Method is given without Url"),
    "bad Twiml": ({"Twiml": "<Response><Dial/></Response>"}, 12200,
                  "Twiml has 1 problem: line 1: <Dial>: empty <Dial>: give a number or a noun "
                  "to dial"),
    "unsupported on update": (
        {"Url": "https://a.example/", "StatusCallback": "https://a.example/cb"},
        20001,
        "Unsupported parameter(s) 'StatusCallback'; this endpoint takes: Method, Status, "
        "Twiml, Url",
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", UPDATE_REFUSALS, ids=list(UPDATE_REFUSALS))
def test_update_refuses_bad_parameters(sqlite_api: Api, case: str) -> None:
    form, code, message = UPDATE_REFUSALS[case]
    call = make_call(sqlite_api, CallStatus.INITIATED, CallStatus.IN_PROGRESS)

    response = post(sqlite_api, f"{BASE}/Calls/{call.sid}.json", **form)

    assert response.status_code == 400
    assert (response.get_json()["code"], response.get_json()["message"]) == (code, message)
    assert sqlite_api.control.ended == [] and sqlite_api.control.redirects == []


@pytest.mark.parametrize(
    ("failure", "status", "code", "message"),
    [
        (CallNotLive("hung up a moment ago"), 409, 21220,
         "Call {sid} has already ended: hung up a moment ago"),
        (CallStateConflict("it is being transferred"), 409, 21220,
         "Call {sid}: it is being transferred"),
        (SwitchUnavailable("no Event Socket"), 503, 20503,
         "The switch cannot be reached right now, try again later: no Event Socket"),
    ],
)  # fmt: skip
def test_engine_refusals_on_update(
    sqlite_api: Api, failure: Exception, status: int, code: int, message: str
) -> None:
    call = make_call(sqlite_api, CallStatus.INITIATED, CallStatus.IN_PROGRESS)
    sqlite_api.control.fail_next = failure  # type: ignore[assignment]

    response = post(sqlite_api, f"{BASE}/Calls/{call.sid}.json", Status="completed")

    assert response.status_code == status
    assert response.get_json()["code"] == code
    assert response.get_json()["message"] == message.format(sid=call.sid)


# -- delete -------------------------------------------------------------------


def test_delete_a_finished_call(api: Api) -> None:
    call = make_call(api, CallStatus.INITIATED, CallStatus.NO_ANSWER)

    response = api.client.delete(f"{BASE}/Calls/{call.sid}.json", headers=basic_auth())

    assert response.status_code == 204
    assert response.data == b""
    assert get(api, f"{BASE}/Calls/{call.sid}.json").status_code == 404
    assert sids(get(api, f"{BASE}/Calls.json")) == []


def test_delete_a_live_call_is_refused(api: Api) -> None:
    call = make_call(api, CallStatus.INITIATED, CallStatus.RINGING)

    response = api.client.delete(f"{BASE}/Calls/{call.sid}.json", headers=basic_auth())

    assert response.status_code == 409
    assert response.get_json() == {
        "code": 20009,
        "message": f"Call {call.sid} is ringing: only a finished call can be deleted",
        "more_info": "https://www.twilio.com/docs/errors/20009",
        "status": 409,
    }
    assert api.calls.get(call.sid).status is CallStatus.RINGING


def test_delete_an_unknown_call_is_not_found(sqlite_api: Api) -> None:
    response = sqlite_api.client.delete(
        f"{BASE}/Calls/{'CA' + '0' * 32}.json", headers=basic_auth()
    )

    assert response.status_code == 404


def test_datetimes_are_utc_rfc2822(api: Api) -> None:
    api.clock.now = datetime.fromisoformat("2024-07-04T23:30:00.999+02:00")
    call = make_call(api)

    body = get(api, f"{BASE}/Calls/{call.sid}.json").get_json()

    assert body["date_created"] == "Thu, 04 Jul 2024 21:30:00 +0000"
