"""POST /Calls.json: every parameter checked before the engine is asked,
each refusal naming the parameter and why; a good request reaches the
engine as parsed values only."""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import urlencode

import pytest

from bridge.config import Settings
from bridge.cxml.models import (
    CallProgressEvent,
    HttpMethod,
    Pause,
    RecordingEvent,
    RecordingTrack,
    Say,
)
from bridge.engine.control import (
    DocumentUrl,
    InlineDocument,
    InvalidRequest,
    RecordingOptions,
    SwitchUnavailable,
)
from bridge.sip import SipHeader, Transport, parse_sip_uri
from bridge.store.db import Database
from tests.integration.api.conftest import Api, build_api
from tests.integration.api.support import ACCOUNT, basic_auth

CALLS = f"/2010-04-01/Accounts/{ACCOUNT}/Calls.json"
FORM = "application/x-www-form-urlencoded"
GOOD = {"To": "sip:alice@example.com", "From": "+15550100", "Url": "https://app.example.com/answer"}
CALL_KEYS = [
    "sid",
    "account_sid",
    "parent_call_sid",
    "date_created",
    "date_updated",
    "to",
    "from",
    "formatted_to",
    "formatted_from",
    "to_formatted",
    "from_formatted",
    "status",
    "start_time",
    "end_time",
    "duration",
    "direction",
    "answered_by",
    "api_version",
    "caller_name",
    "forwarded_from",
    "price",
    "price_unit",
    "uri",
    "subresource_uris",
    "sip_result_code",
]


def post(api: Api, pairs: list[tuple[str, str]], path: str = CALLS):  # type: ignore[no-untyped-def]
    return api.client.post(path, data=urlencode(pairs), content_type=FORM, headers=basic_auth())


def with_changes(**changes: str | None) -> list[tuple[str, str]]:
    values: dict[str, str | None] = {**GOOD, **changes}
    return [(name, value) for name, value in values.items() if value is not None]


# (changes to GOOD, HTTP status, code, exact message)
REFUSALS = {
    "To missing": (
        {"To": None},
        21201,
        "To is required: a SIP URI (sip:user@host) or a phone number",
    ),
    "To host": (
        {"To": "sip:alice@-bad.example.com"},
        21211,
        "To 'sip:alice@-bad.example.com' is not a valid SIP URI: host: "
        "label '-bad': letters, digits and inner hyphens only",
    ),
    "To URI parameter": (
        {"To": "sip:alice@example.com;maddr=10.0.0.1"},
        21211,
        "To 'sip:alice@example.com;maddr=10.0.0.1' is not a valid SIP URI: parameter: "
        "'maddr' is not accepted; only 'transport' is",
    ),
    "To comma smuggled in the user": (
        {"To": "sip:al%2Cice@example.com"},
        21211,
        "To 'sip:al%2Cice@example.com' is not a valid SIP URI: user: escape decodes to ',';"
        " users are letters, digits and - _ . ! ~ * +",
    ),
    "To brace in a header": (
        {"To": "sip:alice@example.com?X-A={evil}"},
        21211,
        "To 'sip:alice@example.com?X-A={evil}' is not a valid SIP URI: header value: "
        "character '{' is not allowed here; percent-encode it",
    ),
    "To spoofing the bridge's headers": (
        {"To": "sip:alice@example.com?X-SignalWire-CallSid=1"},
        21211,
        "To 'sip:alice@example.com?X-SignalWire-CallSid=1' is not a valid SIP URI: "
        "header name: 'X-SignalWire-CallSid' is reserved for the bridge's own headers",
    ),
    "To client address": (
        {"To": "client:alice"},
        21211,
        "To 'client:alice' is neither a SIP URI (sip:user@host) nor a phone number "
        "(+ and 1..15 digits, no spaces or punctuation)",
    ),
    "To number with punctuation": (
        {"To": "555-1234"},
        21211,
        "To '555-1234' is neither a SIP URI (sip:user@host) nor a phone number "
        "(+ and 1..15 digits, no spaces or punctuation)",
    ),
    "To number without a gateway": (
        {"To": "+15551234567"},
        21214,
        "To '+15551234567' is a phone number, and no outbound number gateway is configured "
        "(setting outbound_number_gateway); give a SIP URI instead",
    ),
    "From missing": (
        {"From": None},
        21213,
        "From is required: the caller ID the called party sees",
    ),
    "From with a space": (
        {"From": "Alice Smith"},
        21212,
        "From 'Alice Smith' must be 1..128 letters, digits and + - _ . , (no spaces, no SIP URI)",
    ),
    "From as a SIP URI": (
        {"From": "sip:bob@example.com"},
        21212,
        "From 'sip:bob@example.com' must be 1..128 letters, digits and + - _ . , "
        "(no spaces, no SIP URI)",
    ),
    "CallerId differing from From": (
        {"CallerId": "+15550199"},
        21212,
        "From '+15550100' and CallerId '+15550199' differ; CallerId is another name for From "
        "here: give one",
    ),
    "neither Url nor Twiml": (
        {"Url": None},
        21205,
        "Url or Twiml is required: the cXML document that runs when the call answers",
    ),
    "both Url and Twiml": ({"Twiml": "<Response/>"}, 21205, "give either Url or Twiml, not both"),
    "Url not http": (
        {"Url": "ftp://example.com/x"},
        21205,
        "Url 'ftp://example.com/x' is not an absolute http or https URL",
    ),
    "Url relative": (
        {"Url": "/answer"},
        21205,
        "Url '/answer' is not an absolute http or https URL",
    ),
    "Url with a space": (
        {"Url": "https://example.com/a b"},
        21205,
        "Url 'https://example.com/a b' holds whitespace or control characters",
    ),
    "Url bad port": (
        {"Url": "https://example.com:99999/"},
        21205,
        "Url 'https://example.com:99999/' has a bad port",
    ),
    "Url too long": (
        {"Url": "https://example.com/" + "a" * 2100},
        21205,
        "Url is 2120 characters, at most 2048",
    ),
    "Url empty": ({"Url": ""}, 21205, "Url is empty"),
    "Method": ({"Method": "PUT"}, 21209, "Method 'PUT' is not GET or POST"),
    "Method without Url": (
        {"Url": None, "Twiml": "<Response/>", "Method": "GET"},
        21209,
        "Method is given without Url",
    ),
    "Twiml malformed": (
        {"Url": None, "Twiml": "<Response><Say>hi</Response>"},
        12100,
        "Twiml is not a document we can read: line 1: <document>: malformed XML: "
        "Opening and ending tag mismatch: Say line 1 and Response, line 1, column 29",
    ),
    "Twiml breaking rules": (
        {"Url": None, "Twiml": '<Response>\n  <Dance/>\n  <Pause length="x"/>\n</Response>'},
        12200,
        "Twiml has 2 problems: line 2: <Dance>: unknown verb <Dance> (verbs: <Dial>, "
        "<Hangup>, <Reject>, <Pause>, <Redirect>, <Say>, <Play>); "
        "line 3: <Pause length>: 'x' is not a whole number 0..3600",
    ),
    "Twiml with a DTD": (
        {"Url": None, "Twiml": "<!DOCTYPE x [<!ENTITY a 'b'>]><Response/>"},
        12100,
        "Twiml is not a document we can read: line 1: <document>: <!DOCTYPE is not allowed: "
        "DTDs and entity declarations are refused",
    ),
    "Twiml with a relative URL": (
        {"Url": None, "Twiml": "<Response><Redirect>/next</Redirect></Response>"},
        12200,
        "Twiml has 1 problem: line 1: <Redirect>: relative URL '/next' and the document has "
        "no URL to resolve it against",
    ),
    "Twiml root": (
        {"Url": None, "Twiml": "<Reply/>"},
        12100,
        "Twiml is not a document we can read: line 1: <Reply>: the root must be <Response>",
    ),
    "Twiml too big": (
        {"Url": None, "Twiml": "<Response>" + "<Pause/>" * 9000 + "</Response>"},
        12100,
        "Twiml is not a document we can read: line 1: <document>: document is 72021 bytes, "
        "over the 65536-byte limit",
    ),
    "FallbackUrl": (
        {"FallbackUrl": "mailto:x@y"},
        21205,
        "FallbackUrl 'mailto:x@y' is not an absolute http or https URL",
    ),
    "FallbackMethod without FallbackUrl": (
        {"FallbackMethod": "GET"},
        21209,
        "FallbackMethod is given without FallbackUrl",
    ),
    "StatusCallback": (
        {"StatusCallback": "example.com/cb"},
        21609,
        "StatusCallback 'example.com/cb' is not an absolute http or https URL",
    ),
    "StatusCallbackMethod": (
        {"StatusCallback": "https://e.com/cb", "StatusCallbackMethod": "DELETE"},
        21209,
        "StatusCallbackMethod 'DELETE' is not GET or POST",
    ),
    "StatusCallbackEvent value": (
        {"StatusCallback": "https://e.com/cb", "StatusCallbackEvent": "initiated hangup"},
        21626,
        "StatusCallbackEvent 'hangup' is not one of: initiated, ringing, answered, completed",
    ),
    "StatusCallbackEvent without StatusCallback": (
        {"StatusCallbackEvent": "completed"},
        21626,
        "StatusCallbackEvent is given without StatusCallback",
    ),
    "StatusCallbackEvent only separators": (
        {"StatusCallback": "https://e.com/cb", "StatusCallbackEvent": " , "},
        21626,
        "StatusCallbackEvent is empty",
    ),
    "Timeout zero": ({"Timeout": "0"}, 21208, "Timeout 0 is outside 5..600"),
    "Timeout too short": ({"Timeout": "4"}, 21208, "Timeout 4 is outside 5..600"),
    "Timeout too long": ({"Timeout": "601"}, 21208, "Timeout 601 is outside 5..600"),
    "Timeout not a number": (
        {"Timeout": "abc"},
        21208,
        "Timeout 'abc' is not a whole number 5..600",
    ),
    "Timeout negative": ({"Timeout": "-5"}, 21208, "Timeout '-5' is not a whole number 5..600"),
    "Timeout fraction": ({"Timeout": "1.5"}, 21208, "Timeout '1.5' is not a whole number 5..600"),
    "Timeout huge": (
        {"Timeout": "9" * 20},
        21208,
        "Timeout '99999999999999999999' is not a whole number 5..600",
    ),
    "SendDigits injection": (
        {"SendDigits": "12;hangup"},
        21206,
        "SendDigits '12;hangup' must be 1..32 of 0-9 * # w W",
    ),
    "SendDigits too long": (
        {"SendDigits": "1" * 33},
        21206,
        f"SendDigits '{'1' * 33}' must be 1..32 of 0-9 * # w W",
    ),
    "SipAuthUsername alone": (
        {"SipAuthUsername": "bob"},
        21200,
        "SipAuthPassword is missing: give SipAuthUsername and SipAuthPassword together",
    ),
    "SipAuthPassword with a line break": (
        {"SipAuthUsername": "bob", "SipAuthPassword": "a\nb"},
        21200,
        "SipAuthPassword holds the control character '\\n'",
    ),
    "SipAuthUsername too long": (
        {"SipAuthUsername": "u" * 129, "SipAuthPassword": "p"},
        21200,
        "SipAuthUsername is 129 characters, at most 128",
    ),
    "Record": ({"Record": "yes"}, 21200, "Record 'yes' is not true or false"),
    "unsupported parameters": (
        {"MachineDetection": "Enable", "ApplicationSid": "AP1"},
        20001,
        "Unsupported parameter(s) 'ApplicationSid', 'MachineDetection'; this endpoint takes: "
        "CallerId, FallbackMethod, FallbackUrl, From, Method, Record, RecordingChannels, "
        "RecordingStatusCallback, RecordingStatusCallbackEvent, RecordingStatusCallbackMethod, "
        "RecordingTrack, SendDigits, SipAuthPassword, SipAuthUsername, StatusCallback, "
        "StatusCallbackEvent, StatusCallbackMethod, Timeout, To, Trim, Twiml, Url",
    ),
    "recording options without Record": (
        {"RecordingChannels": "dual", "Trim": "do-not-trim"},
        21200,
        "RecordingChannels, Trim are given without Record=true: they say how to record the call",
    ),
    "recording options with Record=false": (
        {"Record": "false", "RecordingStatusCallback": "https://e.com/rec"},
        21200,
        "RecordingStatusCallback is given without Record=true: they say how to record the call",
    ),
    "RecordingChannels": (
        {"Record": "true", "RecordingChannels": "stereo"},
        21200,
        "RecordingChannels 'stereo' is not one of: mono, dual",
    ),
    "RecordingTrack": (
        {"Record": "true", "RecordingTrack": "callee"},
        21200,
        "RecordingTrack 'callee' is not one of: inbound, outbound, both",
    ),
    "Trim": (
        {"Record": "true", "Trim": "yes"},
        21200,
        "Trim 'yes' is not one of: trim-silence, do-not-trim",
    ),
    "RecordingStatusCallback": (
        {"Record": "true", "RecordingStatusCallback": "ftp://e.com/rec"},
        21200,
        "RecordingStatusCallback 'ftp://e.com/rec' is not an absolute http or https URL",
    ),
    "RecordingStatusCallbackMethod alone": (
        {"Record": "true", "RecordingStatusCallbackMethod": "GET"},
        21209,
        "RecordingStatusCallbackMethod is given without RecordingStatusCallback",
    ),
    "RecordingStatusCallbackEvent alone": (
        {"Record": "true", "RecordingStatusCallbackEvent": "completed"},
        21200,
        "RecordingStatusCallbackEvent is given without RecordingStatusCallback",
    ),
    "RecordingStatusCallbackEvent unknown": (
        {
            "Record": "true",
            "RecordingStatusCallback": "https://e.com/rec",
            "RecordingStatusCallbackEvent": "completed failed",
        },
        21200,
        "RecordingStatusCallbackEvent 'failed' is not one of: in-progress, completed, absent",
    ),
}


@pytest.mark.parametrize("case", REFUSALS, ids=list(REFUSALS))
def test_bad_parameters_are_refused_with_a_precise_message(shared_api: Api, case: str) -> None:
    changes, code, message = REFUSALS[case]

    response = post(shared_api, with_changes(**changes))

    assert response.status_code == 400
    assert response.get_json() == {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": 400,
    }
    assert shared_api.control.placed == []


def test_a_parameter_given_twice_is_refused(shared_api: Api) -> None:
    response = post(shared_api, [*with_changes(), ("To", "sip:bob@example.com")])

    assert response.status_code == 400
    assert response.get_json()["message"] == "To is given 2 times; give it once"


def test_query_parameters_on_a_post_are_refused(shared_api: Api) -> None:
    response = post(shared_api, with_changes(), path=CALLS + "?To=sip:bob@example.com")

    assert response.status_code == 400
    assert response.get_json()["message"] == (
        "This request takes no query parameters (got To); send parameters in the form body"
    )


def test_a_json_body_is_refused(shared_api: Api) -> None:
    response = shared_api.client.post(CALLS, json=GOOD, headers=basic_auth())

    assert response.status_code == 415
    assert response.get_json()["message"] == (
        "The body is application/json; send application/x-www-form-urlencoded parameters"
    )


def test_an_oversized_body_is_refused_before_it_is_read(shared_api: Api) -> None:
    response = post(shared_api, with_changes(Url=None, Twiml="x" * 600_000))

    assert response.status_code == 413
    assert response.get_json()["code"] == 21200


# -- accepted requests --------------------------------------------------------


def test_a_sip_call_reaches_the_engine_parsed_and_returns_201(sqlite_api: Api) -> None:
    pairs = [
        ("To", "sip:Alice@Example.com:5070;transport=udp?X-Ticket=42&Priority=high"),
        ("From", "+15550100"),
        ("Url", "https://app.example.com/answer?x=1"),
        ("Method", "get"),
        ("FallbackUrl", "https://fallback.example.com/"),
        ("FallbackMethod", "GET"),
        ("StatusCallback", "https://app.example.com/status"),
        ("StatusCallbackMethod", "get"),
        ("StatusCallbackEvent", "initiated ringing"),
        ("StatusCallbackEvent", "answered,completed"),
        ("Timeout", "25"),
        ("SipAuthUsername", "bob"),
        ("SipAuthPassword", "p@ss word"),
        ("Record", "True"),
        ("SendDigits", "12#wW"),
    ]

    response = post(sqlite_api, pairs)

    assert response.status_code == 201
    [placed] = sqlite_api.control.placed
    assert placed.account_sid == ACCOUNT
    assert placed.to.user == "Alice" and placed.to.host == "example.com"
    assert placed.to.port == 5070 and placed.to.transport is Transport.UDP
    assert placed.to.headers == (
        SipHeader("X-Ticket", "42"),
        SipHeader("X-Priority", "high"),
    )
    assert placed.to_text == pairs[0][1]
    assert placed.from_ == "+15550100"
    assert placed.document == DocumentUrl("https://app.example.com/answer?x=1", HttpMethod.GET)
    assert placed.fallback_url == "https://fallback.example.com/"
    assert placed.fallback_method is HttpMethod.GET
    assert placed.status_callback == "https://app.example.com/status"
    assert placed.status_callback_method is HttpMethod.GET
    assert placed.status_callback_events == frozenset(CallProgressEvent)
    assert placed.timeout == 25
    assert (placed.sip_auth_username, placed.sip_auth_password) == ("bob", "p@ss word")
    assert placed.record is True
    assert placed.send_digits == "12#wW"

    body = response.get_json()
    assert list(body) == CALL_KEYS
    assert body["status"] == "queued" and body["direction"] == "outbound-api"
    assert body["to"] == pairs[0][1] and body["from"] == "+15550100"
    assert body["date_created"] == "Fri, 01 Mar 2024 12:00:00 +0000"
    assert body["uri"] == f"/2010-04-01/Accounts/{ACCOUNT}/Calls/{body['sid']}.json"


def test_recording_options_reach_the_engine(sqlite_api: Api) -> None:
    pairs = [
        *with_changes(),
        ("Record", "true"),
        ("RecordingChannels", "dual"),
        ("RecordingTrack", "inbound"),
        ("Trim", "do-not-trim"),
        ("RecordingStatusCallback", "https://app.example.com/recording"),
        ("RecordingStatusCallbackMethod", "get"),
        ("RecordingStatusCallbackEvent", "in-progress"),
        ("RecordingStatusCallbackEvent", "completed absent"),
    ]

    assert post(sqlite_api, pairs).status_code == 201
    [placed] = sqlite_api.control.placed
    assert placed.record is True
    assert placed.recording == RecordingOptions(
        channels=2,
        track=RecordingTrack.INBOUND,
        trim=False,
        status_callback="https://app.example.com/recording",
        status_callback_method=HttpMethod.GET,
        status_callback_events=frozenset(RecordingEvent),
    )


def test_recording_defaults_are_twilios(sqlite_api: Api) -> None:
    assert post(sqlite_api, with_changes(Record="true")).status_code == 201
    [placed] = sqlite_api.control.placed
    assert placed.recording == RecordingOptions(
        channels=1,
        track=RecordingTrack.BOTH,
        trim=True,
        status_callback=None,
        status_callback_events=frozenset({RecordingEvent.COMPLETED}),
    )


def test_defaults(sqlite_api: Api) -> None:
    response = post(sqlite_api, with_changes())

    assert response.status_code == 201
    [placed] = sqlite_api.control.placed
    assert placed.document == DocumentUrl("https://app.example.com/answer", HttpMethod.POST)
    assert placed.timeout == 60
    assert placed.status_callback is None
    assert placed.status_callback_events == frozenset({CallProgressEvent.COMPLETED})
    assert placed.record is False and placed.send_digits is None
    assert placed.to.transport is Transport.TLS


def test_inline_twiml_reaches_the_engine_parsed(sqlite_api: Api) -> None:
    twiml = '<Response><Say voice="woman">Hello</Say><Pause length="2"/></Response>'

    response = post(sqlite_api, with_changes(Url=None, Twiml=twiml))

    assert response.status_code == 201
    [placed] = sqlite_api.control.placed
    assert isinstance(placed.document, InlineDocument)
    say, pause = placed.document.response.verbs
    assert isinstance(say, Say) and say.text == "Hello"
    assert isinstance(pause, Pause) and pause.length == 2


def test_caller_id_stands_for_from(sqlite_api: Api) -> None:
    response = post(sqlite_api, with_changes(From=None, CallerId="alice.smith"))

    assert response.status_code == 201
    assert sqlite_api.control.placed[0].from_ == "alice.smith"


def test_a_number_goes_through_the_configured_gateway(
    settings: Settings, sqlite_database: Database
) -> None:
    gateway = parse_sip_uri("sip:carrier.example.net:5080;transport=tcp")
    api = build_api(replace(settings, outbound_number_gateway=gateway), sqlite_database)

    response = post(api, with_changes(To="+14155550123"))

    assert response.status_code == 201
    [placed] = api.control.placed
    assert placed.to == replace(gateway, user="+14155550123")
    assert placed.to_text == "+14155550123"
    body = response.get_json()
    assert body["to"] == "+14155550123" and body["formatted_to"] == "(415) 555-0123"


def test_the_laml_prefix_answers_with_its_own_uris(sqlite_api: Api) -> None:
    path = f"/api/laml/2010-04-01/Accounts/{ACCOUNT}/Calls.json"

    response = post(sqlite_api, with_changes(), path=path)

    assert response.status_code == 201
    body = response.get_json()
    assert body["uri"] == f"/api/laml/2010-04-01/Accounts/{ACCOUNT}/Calls/{body['sid']}.json"


def test_an_unreachable_switch_is_a_503(sqlite_api: Api) -> None:
    sqlite_api.control.fail_next = SwitchUnavailable("Event Socket connection lost")

    response = post(sqlite_api, with_changes())

    assert response.status_code == 503
    assert response.get_json() == {
        "code": 20503,
        "message": "The switch cannot be reached right now, try again later: "
        "Event Socket connection lost",
        "more_info": "https://www.twilio.com/docs/errors/20503",
        "status": 503,
    }


def test_a_request_the_switch_layer_refuses_is_a_400(sqlite_api: Api) -> None:
    sqlite_api.control.fail_next = InvalidRequest("the caller ID cannot be sent")

    response = post(sqlite_api, with_changes())

    assert response.status_code == 400
    assert response.get_json()["message"] == (
        "Call to sip:alice@example.com: the caller ID cannot be sent"
    )


def test_an_engine_crash_is_a_json_500_without_a_trace(
    sqlite_api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    sqlite_api.control.fail_next = RuntimeError("boom at engine.py line 12")  # type: ignore[assignment]

    response = post(sqlite_api, with_changes())

    assert response.status_code == 500
    assert response.get_json() == {
        "code": 20500,
        "message": "Internal error; the bridge's log has the details",
        "more_info": "https://www.twilio.com/docs/errors/20500",
        "status": 500,
    }
    assert "boom" in caplog.text
