"""What each attribute and noun becomes in the models: the good fixtures field by field,
URL resolution, and the value grammars shared by every element."""

from __future__ import annotations

from pathlib import Path

import pytest

from bridge.cxml import ValidationFailed, parse_document
from bridge.cxml.models import (
    CallProgressEvent,
    Codec,
    Conference,
    Dial,
    Hangup,
    HttpMethod,
    Number,
    Pause,
    Play,
    Queue,
    RecordingEvent,
    RecordingTrack,
    RecordMode,
    Redirect,
    Reject,
    RejectReason,
    Say,
    Sip,
    Trim,
    Verto,
)
from bridge.sip import SipHeader, SipUri, Transport

GOOD = Path(__file__).parents[2] / "data" / "cxml" / "good"
SOURCE_URL = "https://app.example.com/voice/start.xml"


def read(name: str, source_url: str | None = SOURCE_URL) -> tuple[object, ...]:
    return parse_document((GOOD / name).read_bytes(), source_url=source_url).verbs


def test_every_dial_and_sip_attribute_is_typed() -> None:
    (dial,) = read("every-dial-and-sip-attribute.xml")
    # lxml gives the line where a start tag ends: the <Dial> tag spans lines 3..8.
    assert dial == Dial(
        line=8,
        nouns=(
            Sip(
                uri=SipUri(
                    scheme="sips",
                    user="+14155550100",
                    host="2001:db8::10",
                    port=5061,
                    transport=Transport.TLS,
                    headers=(SipHeader("X-Account", "42"), SipHeader("X-Tenant", "a b")),
                ),
                line=12,
                username="admin",
                password="p@ss word!",
                codecs=(Codec.OPUS, Codec.G722, Codec.PCMA),
                session_timeout=1800,
                url="https://app.example.com/voice/whisper.xml",
                method=HttpMethod.GET,
                status_callback="https://events.example.com/sip",
                status_callback_event=frozenset(CallProgressEvent),
                status_callback_method=HttpMethod.GET,
            ),
            Sip(
                uri=SipUri("sip", "bob", "10.0.0.7", 5080, Transport.UDP),
                line=13,
            ),
        ),
        action="https://app.example.com/voice/after-dial",
        method=HttpMethod.GET,
        timeout=45,
        time_limit=3600,
        caller_id="+1-555_acme.co,x",
        caller_name="ACME Support",
        hangup_on_star=True,
        answer_on_bridge=True,
        ring_tone="uk",
        record=RecordMode.RECORD_FROM_RINGING_DUAL,
        trim=Trim.TRIM_SILENCE,
        recording_status_callback="https://app.example.com/recordings",
        recording_status_callback_method=HttpMethod.GET,
        recording_status_callback_event=frozenset(RecordingEvent),
        recording_track=RecordingTrack.INBOUND,
    )


def test_ten_sips_are_allowed() -> None:
    (dial,) = read("ten-sips.xml")
    assert isinstance(dial, Dial)
    assert [sip.uri.user for sip in dial.sips] == [f"agent{i}" for i in range(10)]
    assert {sip.uri.transport for sip in dial.sips} == {Transport.TCP}


def test_the_call_flow_verbs_and_nouns() -> None:
    verbs = read("call-flow.xml")
    assert verbs == (
        Say("Please hold.", line=3, voice="Polly.Joanna", language="en-US", loop=2),
        Play("https://cdn.example.com/hold.mp3", line=4, loop=0),
        Play(None, line=5, digits="ww1234#"),
        Pause(line=6, length=0),
        Dial(
            line=7,
            caller_id="+14155550199",
            timeout=20,
            nouns=(
                Number(
                    "+14155550100",
                    line=9,
                    send_digits="ww42",
                    url="https://app.example.com/screen",
                    method=HttpMethod.GET,
                    status_callback="https://app.example.com/number-events",
                    status_callback_event=frozenset(
                        {CallProgressEvent.INITIATED, CallProgressEvent.ANSWERED}
                    ),
                ),
                Number("14155550101", line=10),
            ),
        ),
        Dial(line=12, nouns=(Number("4155550102", line=12),)),
        Dial(
            line=13,
            nouns=(
                Conference(
                    "Room 42",
                    line=13,
                    attributes=(
                        ("beep", "onEnter"),
                        ("startConferenceOnEnter", "true"),
                        ("endConferenceOnExit", "false"),
                        ("waitUrl", ""),
                    ),
                ),
            ),
        ),
        Dial(
            line=14,
            nouns=(
                Queue(
                    "support",
                    line=14,
                    url="https://app.example.com/queue-whisper",
                    method=HttpMethod.GET,
                ),
            ),
        ),
        Dial(line=15, nouns=(Verto("1000@verto.example.com", line=15),)),
        Redirect("https://app.example.com/next-step", line=16, method=HttpMethod.GET),
        Reject(line=17, reason=RejectReason.BUSY),
        Hangup(line=18),
    )


def test_empty_response_and_its_url() -> None:
    response = parse_document(b"<Response/>", source_url=SOURCE_URL)
    assert (response.verbs, response.source_url) == ((), SOURCE_URL)
    assert parse_document("<Response></Response>").source_url is None


def test_a_callee_leg_document_may_do_anything_but_dial() -> None:
    document = "<Response><Say>Press 1</Say><Hangup/></Response>"
    assert len(parse_document(document, callee_leg=True).verbs) == 2


def action_of(value: str, source_url: str | None = SOURCE_URL) -> str | None:
    document = f'<Response><Dial action="{value}"><Sip>sip:a@example.com</Sip></Dial></Response>'
    (dial,) = parse_document(document, source_url=source_url).verbs
    assert isinstance(dial, Dial)
    return dial.action


@pytest.mark.parametrize(
    ("value", "resolved"),
    [
        ("https://other.example.net/next", "https://other.example.net/next"),
        ("http://10.0.0.5:8080/x?a=1&amp;b=2", "http://10.0.0.5:8080/x?a=1&b=2"),
        ("HTTPS://Example.com/", "HTTPS://Example.com/"),
        (
            "https://user:pw@app.example.com/basic-auth",
            "https://user:pw@app.example.com/basic-auth",
        ),
        ("next.xml", "https://app.example.com/voice/next.xml"),
        ("/after", "https://app.example.com/after"),
        ("../up", "https://app.example.com/up"),
        ("?step=2", "https://app.example.com/voice/start.xml?step=2"),
        ("//cdn.example.com/x", "https://cdn.example.com/x"),
    ],
)
def test_urls_are_resolved_against_the_document_url(value: str, resolved: str) -> None:
    assert action_of(value) == resolved


def test_absolute_urls_need_no_document_url() -> None:
    assert action_of("https://app.example.com/a", source_url=None) == "https://app.example.com/a"


@pytest.mark.parametrize("value", ["get", "Get", "GET", "post", "POST"])
def test_methods_are_read_in_any_case(value: str) -> None:
    document = f'<Response><Redirect method="{value}">https://a.example.com/</Redirect></Response>'
    (redirect,) = parse_document(document).verbs
    assert isinstance(redirect, Redirect)
    assert redirect.method is HttpMethod(value.upper())


@pytest.mark.parametrize(
    ("value", "events"),
    [
        ("ringing answered", {"ringing", "answered"}),
        ("ringing,answered", {"ringing", "answered"}),
        ("  ringing ,\n answered  ", {"ringing", "answered"}),
        ("['ringing', 'answered']", {"ringing", "answered"}),
        ('["completed"]', {"completed"}),
        ("initiated initiated", {"initiated"}),
    ],
)
def test_event_lists_in_the_forms_helper_libraries_write(value: str, events: set[str]) -> None:
    document = (
        f'<Response><Dial><Sip statusCallbackEvent="{value.replace(chr(34), "&quot;")}">'
        "sip:a@example.com</Sip></Dial></Response>"
    )
    (dial,) = parse_document(document).verbs
    assert isinstance(dial, Dial)
    assert dial.sips[0].status_callback_event == {CallProgressEvent(e) for e in events}


@pytest.mark.parametrize("value", ["[]", "", " , ", "['ringing' 'answered']"])
def test_empty_or_broken_event_lists_are_problems(value: str) -> None:
    document = (
        f'<Response><Dial><Sip statusCallbackEvent="{value}">'
        "sip:a@example.com</Sip></Dial></Response>"
    )
    with pytest.raises(ValidationFailed) as caught:
        parse_document(document)
    assert all(p.attribute == "statusCallbackEvent" for p in caught.value.problems)


def test_every_problem_is_reported_in_line_order() -> None:
    document = """<Response>
<Pause length="-1"/>
<Dial timeout="1"><Sip codecs="x">sip:a@exa_mple.com</Sip></Dial>
<Reject reason="no"/>
</Response>"""
    with pytest.raises(ValidationFailed) as caught:
        parse_document(document)
    assert [(p.line, p.element, p.attribute) for p in caught.value.problems] == [
        (2, "Pause", "length"),
        (3, "Sip", None),
        (3, "Sip", "codecs"),
        (3, "Dial", "timeout"),
        (4, "Reject", "reason"),
    ]


def test_say_text_wrapped_over_lines_is_folded() -> None:
    document = (
        "<Response>\n  <Say>\n    Thanks for calling.\n\tPlease  hold.\n  </Say>\n</Response>"
    )
    (say,) = parse_document(document).verbs
    assert say == Say("Thanks for calling. Please hold.", line=2)
