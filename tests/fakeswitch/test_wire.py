"""The emulator's wire format: per-value URL encoding, event serialisation,
reply frames and the splitting of what clients send."""

from __future__ import annotations

import json
from urllib.parse import unquote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.fakeswitch.client import parse_json, parse_plain, take_frame
from tests.fakeswitch.tracefile import TRACE_DIR, load_trace
from tests.fakeswitch.wire import (
    CommandReader,
    api_response,
    command_reply,
    disconnect_notice,
    event_frame,
    rude_rejection,
    serialize_json,
    serialize_plain,
    url_encode,
)

SAFE = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.!~*'(),/$%")


@pytest.mark.parametrize(
    ("value", "encoded"),
    [
        ("fd00::2", "fd00%3A%3A2"),
        ("Fri, 27 Nov 2026 08:52:43 GMT", "Fri,%2027%20Nov%202026%2008%3A52%3A43%20GMT"),
        ("sofia/external/alice@127.0.0.1:5090", "sofia/external/alice%40127.0.0.1%3A5090"),
        ("^^:PCMU:PCMA", "%5E%5E%3APCMU%3APCMA"),
        ('"Alice" <sip:a@b>;tag=1', "%22Alice%22%20%3Csip%3Aa%40b%3E%3Btag%3D1"),
        ("+15550001111", "%2B15550001111"),
        ("a\r\nb", "a%0D%0Ab"),
        ("100%", "100%25"),
        ("50%2B", "50%2B"),  # an existing %XX stays as it is
        ("50%2b", "50%252b"),  # FreeSWITCH only recognises upper-case hex
        ("%4", "%254"),
        ("Zoë", "Zo%C3%AB"),
        ("tab\there", "tab%09here"),
        ("del\x7f", "del%7F"),
    ],
)
def test_values_are_encoded_as_freeswitch_encodes_them(value: str, encoded: str) -> None:
    assert url_encode(value) == encoded


@settings(max_examples=400, deadline=None)
@given(st.text())
def test_encoding_is_safe_and_decodes_back_when_no_percent_escape_is_present(value: str) -> None:
    encoded = url_encode(value)
    assert set(encoded) <= SAFE
    if "%" not in value:
        assert unquote(encoded) == value


def test_every_value_in_the_recorded_traces_is_encoded_the_same_way() -> None:
    if not TRACE_DIR.is_dir():
        pytest.skip(f"FreeSWITCH traces not found at {TRACE_DIR}")
    checked = 0
    for path in sorted(TRACE_DIR.glob("*.esl")):
        for frame in load_trace(path).frames:
            if frame.content_type != "text/event-plain":
                continue
            event = parse_plain(frame.body)
            for name, value in event.headers:
                if name in event.raw_values:
                    assert url_encode(value) == event.raw_values[name], (path.name, name)
                    checked += 1
    assert checked > 10_000


def test_a_plain_event_is_lines_then_a_blank_line() -> None:
    text = serialize_plain([("Event-Name", "DTMF"), ("DTMF-Digit", "#")])
    assert text == b"Event-Name: DTMF\nDTMF-Digit: %23\n\n"


def test_a_plain_event_with_a_body_counts_its_bytes() -> None:
    text = serialize_plain([("Event-Name", "BACKGROUND_JOB")], body="-ERR USER_BUSY\n")
    assert text == b"Event-Name: BACKGROUND_JOB\nContent-Length: 15\n\n-ERR USER_BUSY\n"


def test_an_empty_value_is_written_as_undef() -> None:
    assert serialize_plain([("variable_x", "")]) == b"variable_x: _undef_\n\n"


def test_a_json_event_keeps_values_verbatim_and_repeats_a_repeated_header() -> None:
    text = serialize_json(
        [("Event-Name", "CHANNEL_HANGUP_COMPLETE"), ("Hangup-Cause", "X"), ("Hangup-Cause", "X")],
        body="+OK é\n",
    )
    assert text.decode("utf-8") == (
        '{"Event-Name":"CHANNEL_HANGUP_COMPLETE","Hangup-Cause":"X","Hangup-Cause":"X",'
        '"Content-Length":"7","_body":"+OK é\\n"}'
    )
    assert json.loads(text)["_body"] == "+OK é\n"


@pytest.mark.parametrize("event_format", ["plain", "json"])
def test_event_frames_announce_their_exact_length(event_format: str) -> None:
    headers = [("Event-Name", "CUSTOM"), ("variable_name", "Zoë: 100% sure\nEvent-Name: X")]
    frame = take_frame(bytearray(event_frame(event_format, headers, "body")))
    assert frame is not None
    assert frame.content_type == f"text/event-{event_format}"
    decoded = parse_json(frame.body) if event_format == "json" else parse_plain(frame.body)
    assert decoded.get("variable_name") == "Zoë: 100% sure\nEvent-Name: X"
    assert decoded.name == "CUSTOM"
    assert decoded.body == "body"


def test_reply_frames() -> None:
    assert (
        command_reply("+OK accepted")
        == b"Content-Type: command/reply\nReply-Text: +OK accepted\n\n"
    )
    assert command_reply("+OK Job-UUID: j", [("Job-UUID", "j")]) == (
        b"Content-Type: command/reply\nReply-Text: +OK Job-UUID: j\nJob-UUID: j\n\n"
    )
    assert api_response("+OK\n") == b"Content-Type: api/response\nContent-Length: 4\n\n+OK\n"
    assert api_response("") == b"Content-Type: api/response\nContent-Length: 14\n\n-ERR no reply\n"
    assert disconnect_notice().startswith(
        b"Content-Type: text/disconnect-notice\nContent-Length: 67"
    )
    assert rude_rejection() == (
        b"Content-Type: text/rude-rejection\nContent-Length: 24\n\nAccess Denied, go away.\n"
    )


def test_commands_are_split_at_blank_lines_with_crlf_headers_and_bodies() -> None:
    reader = CommandReader()
    stream = (
        b"\r\n\r\nauth ClueCon\r\n\r\n"
        b"bgapi status\nJob-UUID: abc\n\n"
        b"sendevent CUSTOM\nContent-Length: 5\n\nhello"
        b"api uuid_dump x\n\n"
    )
    commands = []
    for index in range(0, len(stream), 7):  # split reads
        commands += reader.feed(stream[index : index + 7])
    assert [c.line for c in commands] == [
        "auth ClueCon",
        "bgapi status",
        "sendevent CUSTOM",
        "api uuid_dump x",
    ]
    assert commands[1].header("job-uuid") == "abc"
    assert commands[2].body == "hello"


def test_an_incomplete_command_waits_for_more_bytes() -> None:
    reader = CommandReader()
    assert reader.feed(b"api status\n") == []
    assert [c.line for c in reader.feed(b"\n")] == ["api status"]
