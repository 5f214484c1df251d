"""Event bodies: split first, decode each value after; JSON events; channel lists."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bridge.esl import ProtocolError, parse_channel_list, parse_json_event, parse_plain_event
from tests.support.traces import load_trace, trace_paths

PLAIN = [p for p in trace_paths() if load_trace(p).event_format == "plain"]
JSON = [p for p in trace_paths() if load_trace(p).event_format == "json"]


def body(*lines: str, tail: bytes = b"") -> bytes:
    return "\n".join(lines).encode() + b"\n\n" + tail


def test_an_encoded_newline_cannot_forge_headers() -> None:
    forged = "accepted%0AEvent-Name:%20CHANNEL_HANGUP%0AHangup-Cause:%20CALL_REJECTED"
    event = parse_plain_event(
        body(
            "Event-Name: CHANNEL_ANSWER",
            "Unique-ID: 11111111-1111-4111-8111-111111111111",
            f"variable_sip_rh_X-Result: {forged}",
            "Event-Sequence: 9",
        )
    )
    assert event.headers["Event-Name"] == "CHANNEL_ANSWER"
    assert "Hangup-Cause" not in event.headers
    assert event.headers["variable_sip_rh_X-Result"] == (
        "accepted\nEvent-Name: CHANNEL_HANGUP\nHangup-Cause: CALL_REJECTED"
    )
    assert len(event.headers) == 4


def test_a_forged_header_after_a_real_one_changes_nothing() -> None:
    event = parse_plain_event(
        body(
            "Event-Name: CHANNEL_HANGUP",
            "Hangup-Cause: NORMAL_CLEARING",
            "variable_sip_rh_X-Note: x%0AHangup-Cause:%20USER_BUSY%0AEvent-Name:%20CHANNEL_PARK",
        )
    )
    assert (event.headers["Event-Name"], event.headers["Hangup-Cause"]) == (
        "CHANNEL_HANGUP",
        "NORMAL_CLEARING",
    )


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(
        st.text(alphabet="ABXYZab09-", min_size=1, max_size=10).map("variable_sip_rh_X-{}".format),
        st.text(max_size=40),
        max_size=5,
    )
)
def test_property_values_come_back_exactly_and_add_no_headers(values: dict[str, str]) -> None:
    lines = ["Event-Name: CHANNEL_ANSWER", "Hangup-Cause: NONE"]
    lines += [f"{name}: {quote(value, safe='')}" for name, value in values.items()]
    event = parse_plain_event(body(*lines))
    assert dict(event.headers) == {"Event-Name": "CHANNEL_ANSWER", "Hangup-Cause": "NONE", **values}


def test_bytes_that_are_not_utf8_become_replacement_characters() -> None:
    event = parse_plain_event(
        b"Event-Name: CHANNEL_CREATE\nCaller-Caller-ID-Name: %FF%FEbob\n"
        b"variable_raw: \xc3\x28ok\n\xffOdd-Name: 1\n\n"
    )
    assert event.headers["Caller-Caller-ID-Name"] == "\ufffd\ufffdbob"
    assert event.headers["variable_raw"] == "\ufffd(ok"
    assert event.headers["\ufffdOdd-Name"] == "1"


def test_percent_signs_that_encode_nothing_stay_as_sent() -> None:
    event = parse_plain_event(body("Event-Name: CUSTOM", "A: 100%", "B: %zz", "C: %4", "D: a+b"))
    assert [event.headers[k] for k in "ABCD"] == ["100%", "%zz", "%4", "a+b"]


def test_lines_that_are_not_headers_are_dropped() -> None:
    event = parse_plain_event(body("Event-Name: CHANNEL_PARK", "no separator here", "X: 1"))
    assert dict(event.headers) == {"Event-Name": "CHANNEL_PARK", "X": "1"}


def test_background_job_body_follows_its_own_content_length() -> None:
    event = parse_plain_event(
        body(
            "Event-Name: BACKGROUND_JOB",
            "Job-UUID: j",
            "Content-Length: 15",
            tail=b"-ERR USER_BUSY\n",
        )
    )
    assert event.body == "-ERR USER_BUSY\n"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (body("Unique-ID: x"), "without Event-Name"),
        (body("Event-Name: BACKGROUND_JOB", "Content-Length: many"), "not a number"),
    ],
)
def test_unreadable_events_are_protocol_errors(data: bytes, message: str) -> None:
    with pytest.raises(ProtocolError, match=message):
        parse_plain_event(data)


@pytest.mark.parametrize("path", PLAIN, ids=[p.stem for p in PLAIN])
def test_every_recorded_plain_event_parses_as_the_reference_reader(path: Path) -> None:
    for frame in load_trace(path).frames:
        if frame.content_type != "text/event-plain":
            continue
        reference = frame.event()
        assert reference is not None
        parsed = parse_plain_event(frame.body)
        expected_body = reference.pop("_body", "")
        assert dict(parsed.headers) == reference
        assert parsed.body == expected_body


@pytest.mark.parametrize("path", JSON, ids=[p.stem for p in JSON])
def test_json_events_parse_with_their_body(path: Path) -> None:
    frames = [f for f in load_trace(path).frames if f.content_type == "text/event-json"]
    assert frames
    for frame in frames:
        document = json.loads(frame.body)
        parsed = parse_json_event(frame.body)
        assert parsed.headers["Event-Name"] == document["Event-Name"]
        assert parsed.body == document.get("_body", "")
        assert parsed.headers.get("Unique-ID") == document.get("Unique-ID")
    jobs = [parse_json_event(f.body) for f in frames if b'"BACKGROUND_JOB"' in f.body]
    assert jobs and all(j.body.startswith(("+OK", "-ERR")) for j in jobs)


def test_json_arrays_read_like_plain_arrays_and_bad_json_is_refused() -> None:
    event = parse_json_event(b'{"Event-Name":"CUSTOM","list":["a","b"],"n":3}')
    assert (event.headers["list"], event.headers["n"]) == ("ARRAY::a|:b", "3")
    with pytest.raises(ProtocolError, match="not JSON"):
        parse_json_event(b"{nope")
    with pytest.raises(ProtocolError, match="not an object"):
        parse_json_event(b"[1]")


def test_channel_list_from_show_channels_as_json() -> None:
    assert parse_channel_list('{"row_count": 0}\n') == frozenset()
    listing = {"row_count": 2, "rows": [{"uuid": "a", "state": "CS_PARK"}, {"uuid": "b"}]}
    assert parse_channel_list(json.dumps(listing)) == frozenset({"a", "b"})
    with pytest.raises(ProtocolError, match="did not return JSON"):
        parse_channel_list("-ERR SQL DISABLED NO DATA AVAILABLE!\n")
    with pytest.raises(ProtocolError, match="row 0 has no uuid"):
        parse_channel_list('{"row_count":1,"rows":[{"name":"x"}]}')
    with pytest.raises(ProtocolError, match="no row_count"):
        parse_channel_list("[]")
