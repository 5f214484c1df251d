"""Every example of spec/seed-sip-noun.txt, built with the signalwire helper library
exactly as the page's Python snippets build it, read into the models."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest
from lxml import etree
from signalwire.voice_response import Dial, Sip, VoiceResponse

from bridge.cxml import parse_document
from bridge.cxml.models import (
    CallProgressEvent,
    Codec,
    HttpMethod,
    RecordMode,
    Response,
)
from bridge.cxml.models import Dial as DialModel
from bridge.cxml.models import Sip as SipModel
from bridge.sip import SipHeader, SipUri, Transport


def dialing_a_sip_endpoint() -> VoiceResponse:
    response = VoiceResponse()
    dial = Dial()
    dial.sip("sip:alice@example.com")
    response.append(dial)
    return response


def dialing_with_authentication() -> VoiceResponse:
    response = VoiceResponse()
    dial = Dial()
    dial.sip("sip:bob@example.com", username="admin", password="1234")
    response.append(dial)
    return response


def passing_custom_headers() -> VoiceResponse:
    response = VoiceResponse()
    dial = Dial()
    dial.sip("sip:charlie@example.com?customheader=foo&othercustomheader=bar")
    response.append(dial)
    return response


def dialing_with_dial_attributes() -> VoiceResponse:
    response = VoiceResponse()
    dial = Dial(
        record="record-from-answer",
        caller_id="alice",
        method="GET",
        action="https://www.example.com/after_dial",
    )
    dial.sip(
        "sip:dan@example.com?customheader=foo",
        url="https://www.example.com/whisper_audio",
        status_callback_event="ringing answered",
        status_callback="https://www.example.com/dial_events",
    )
    response.append(dial)
    return response


def the_only_dial(response: Response) -> tuple[DialModel, SipModel]:
    (dial,) = response.verbs
    assert isinstance(dial, DialModel)
    (sip,) = dial.nouns
    assert isinstance(sip, SipModel)
    assert dial.sips == (sip,)
    return dial, sip


def assert_defaults(dial: DialModel, sip: SipModel) -> None:
    assert (dial.timeout, dial.time_limit, dial.hangup_on_star, dial.answer_on_bridge) == (
        30,
        14400,
        False,
        False,
    )
    assert sip.codecs == (Codec.PCMU, Codec.PCMA)
    assert sip.session_timeout == 0
    assert sip.status_callback_event == frozenset({CallProgressEvent.COMPLETED})
    assert sip.status_callback_method is HttpMethod.POST


def test_example_1_dialing_a_sip_endpoint() -> None:
    dial, sip = the_only_dial(parse_document(str(dialing_a_sip_endpoint())))
    assert sip.uri == SipUri("sip", "alice", "example.com", None, Transport.TLS)
    assert (dial.action, dial.caller_id, dial.record) == (None, None, RecordMode.DO_NOT_RECORD)
    assert (sip.username, sip.password, sip.url, sip.status_callback) == (None,) * 4
    assert_defaults(dial, sip)


def test_example_2_dialing_with_authentication() -> None:
    dial, sip = the_only_dial(parse_document(str(dialing_with_authentication())))
    assert sip.uri == SipUri("sip", "bob", "example.com", None, Transport.TLS)
    assert (sip.username, sip.password) == ("admin", "1234")
    assert_defaults(dial, sip)


def test_example_3_passing_custom_headers() -> None:
    dial, sip = the_only_dial(parse_document(str(passing_custom_headers())))
    assert sip.uri.user == "charlie"
    assert sip.uri.headers == (
        SipHeader("X-customheader", "foo"),
        SipHeader("X-othercustomheader", "bar"),
    )
    assert_defaults(dial, sip)


def test_example_4_dialing_with_dial_attributes() -> None:
    dial, sip = the_only_dial(parse_document(str(dialing_with_dial_attributes())))
    assert dial.record is RecordMode.RECORD_FROM_ANSWER
    assert dial.caller_id == "alice"
    assert dial.method is HttpMethod.GET
    assert dial.action == "https://www.example.com/after_dial"
    assert sip.url == "https://www.example.com/whisper_audio"
    assert sip.method is HttpMethod.POST
    assert sip.status_callback_event == frozenset(
        {CallProgressEvent.RINGING, CallProgressEvent.ANSWERED}
    )
    assert sip.status_callback == "https://www.example.com/dial_events"
    assert sip.uri.headers == (SipHeader("X-customheader", "foo"),)
    assert sip.uri.transport is Transport.TLS


EXAMPLES: list[Callable[[], VoiceResponse]] = [
    dialing_a_sip_endpoint,
    dialing_with_authentication,
    passing_custom_headers,
    dialing_with_dial_attributes,
]


def _pretty_with_comments(compact: str, newline: str) -> bytes:
    root = etree.fromstring(compact.encode())
    root.insert(0, etree.Comment(" built by the signalwire helper library "))
    for dial in root:
        if isinstance(dial.tag, str):
            dial.append(etree.Comment(" <Sip> may not be mixed with <Number> "))
    etree.indent(root, space="    ")
    text = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    return b"\n\n  " + text.replace(b"\n", newline.encode()) + b"  \n\n"


@pytest.mark.parametrize("build", EXAMPLES, ids=lambda f: f.__name__)
@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["lf", "crlf"])
def test_pretty_printed_with_comments_reads_the_same(
    build: Callable[[], VoiceResponse], newline: str
) -> None:
    compact = str(build())
    pretty = _pretty_with_comments(compact, newline)
    assert b"<!--" in pretty and b"\n    <Dial" in pretty.replace(b"\r", b"")
    compact_model = parse_document(compact)
    pretty_model = parse_document(pretty)
    # Only the lines differ: the pretty document spreads over several.
    (compact_dial,), (pretty_dial,) = compact_model.verbs, pretty_model.verbs
    assert isinstance(compact_dial, DialModel) and isinstance(pretty_dial, DialModel)
    assert pretty_dial.line == 6  # two blank lines, declaration, <Response>, comment
    assert [n.__class__ for n in pretty_dial.nouns] == [SipModel]
    assert _without_lines(pretty_dial) == _without_lines(compact_dial)


def _without_lines(dial: DialModel) -> object:
    return replace(dial, line=0, nouns=tuple(replace(n, line=0) for n in dial.nouns))


@pytest.mark.parametrize("build", EXAMPLES, ids=lambda f: f.__name__)
def test_bytes_str_and_no_declaration_read_the_same(build: Callable[[], VoiceResponse]) -> None:
    response = build()
    as_str = parse_document(str(response))
    assert parse_document(str(response).encode()) == as_str
    assert parse_document(response.to_xml(xml_declaration=False)) == as_str


def test_the_sip_class_the_page_imports_builds_the_same_document() -> None:
    response = VoiceResponse()
    dial = Dial()
    dial.append(Sip("sip:alice@example.com"))
    response.append(dial)
    assert parse_document(str(response)) == parse_document(str(dialing_a_sip_endpoint()))


def test_lists_written_by_the_helper_library_are_read_as_lists() -> None:
    # Given Python lists, the helper library writes their repr: "['ringing', 'answered']".
    response = VoiceResponse()
    dial = Dial(hangup_on_star=True, answer_on_bridge=True, timeout=10)
    dial.sip(
        "sip:erin@example.com;transport=udp",
        status_callback_event=["initiated", "ringing", "answered", "completed"],
        status_callback="https://www.example.com/events",
        codecs=["OPUS", "PCMU"],
        session_timeout=90,
    )
    response.append(dial)
    assert "statusCallbackEvent=\"['initiated'," in str(response)
    dial_model, sip = the_only_dial(parse_document(str(response)))
    assert sip.status_callback_event == frozenset(CallProgressEvent)
    assert sip.codecs == (Codec.OPUS, Codec.PCMU)
    assert sip.session_timeout == 90
    assert sip.uri.transport is Transport.UDP
    assert (dial_model.hangup_on_star, dial_model.answer_on_bridge, dial_model.timeout) == (
        True,
        True,
        10,
    )
