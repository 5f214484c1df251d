"""Framing and command text, without sockets."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bridge.esl import Frame, FrameDecoder, ProtocolError, UnsafeCommand
from bridge.esl.wire import MAX_CONTENT_LENGTH, check_command_text, encode_command
from tests.support.traces import SwitchFrame, load_trace, trace_paths

TRACES = trace_paths()


def switch_bytes(path: Path) -> tuple[bytes, list[SwitchFrame]]:
    frames = load_trace(path).frames
    return b"".join(f.raw for f in frames), frames


def same(decoded: list[Frame], recorded: list[SwitchFrame]) -> None:
    assert [(f.content_type, f.body) for f in decoded] == [
        (f.content_type, f.body) for f in recorded
    ]
    assert [dict(f.headers) for f in decoded] == [f.headers for f in recorded]


@pytest.mark.parametrize("path", TRACES, ids=[p.stem for p in TRACES])
def test_every_trace_frames_the_same_whole_or_cut_anywhere(path: Path) -> None:
    data, recorded = switch_bytes(path)
    same(FrameDecoder().feed(data), recorded)

    rng = random.Random(path.name)
    decoder, decoded, position = FrameDecoder(), [], 0
    while position < len(data):
        size = rng.choice([1, 2, 3, 7, 64, 1500])
        decoded += decoder.feed(data[position : position + size])
        position += size
    same(decoded, recorded)
    assert decoder.buffered == 0


def test_a_frame_cut_in_its_body_waits_for_the_rest() -> None:
    decoder = FrameDecoder()
    assert decoder.feed(b"Content-Type: api/response\nContent-Length: 8\n\naccep") == []
    (frame,) = decoder.feed(b"tedContent-Type: auth/request\n\n")[:1]
    assert (frame.content_type, frame.body) == ("api/response", b"accepted")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"Reply-Text: +OK\n\n", "without Content-Type"),
        (b"Content-Type: api/response\nContent-Length: ten\n\n", "not a number"),
        (b"Content-Type: api/response\nContent-Length: -1\n\n", "not a number"),
        (
            b"Content-Type: api/response\nContent-Length: %d\n\n" % (MAX_CONTENT_LENGTH + 1),
            "over the",
        ),
        (b"Content-Type: api/response\ngarbage line\n\n", "line 2 is not 'Name: value'"),
        (b"X" * (64 * 1024 + 1), "no end of frame header"),
    ],
)
def test_bytes_that_are_not_frames_are_a_protocol_error(data: bytes, message: str) -> None:
    with pytest.raises(ProtocolError, match=message):
        FrameDecoder().feed(data)


def test_envelope_bytes_that_are_not_utf8_are_replaced() -> None:
    (frame,) = FrameDecoder().feed(b"Content-Type: command/reply\nReply-Text: +OK \xff\n\n")
    assert frame.header("Reply-Text") == "+OK \ufffd"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("uuid_kill abc\nbgapi originate x", "a line feed \\(\\\\n\\) at character 13"),
        ("uuid_kill abc\r", "a carriage return"),
        ("uuid_kill \0abc", "a NUL byte"),
        ("", "empty"),
        ("   ", "empty"),
        ("status \udc80", "cannot be sent as UTF-8"),
    ],
)
def test_unsafe_command_text_is_refused_with_the_place(text: str, message: str) -> None:
    with pytest.raises(UnsafeCommand, match=message):
        check_command_text(text)


def test_refusal_message_does_not_repeat_the_text() -> None:
    with pytest.raises(UnsafeCommand) as caught:
        check_command_text("auth s3cret\nevent plain ALL")
    assert "s3cret" not in str(caught.value)
    assert "'auth'" in str(caught.value)


def test_unsafe_command_is_also_a_value_error() -> None:
    with pytest.raises(ValueError):
        check_command_text(b"api status")


def test_encode_command_with_a_header() -> None:
    assert encode_command("bgapi status", [("Job-UUID", "j-1")]) == (
        b"bgapi status\nJob-UUID: j-1\n\n"
    )
    with pytest.raises(UnsafeCommand, match="command header 'Job-UUID'"):
        encode_command("bgapi status", [("Job-UUID", "j-1\n\napi evil")])


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_property_accepted_text_is_exactly_one_command_line(text: str) -> None:
    unsafe = (
        any(c in text for c in "\r\n\0")
        or not text.strip()
        or any(0xD800 <= ord(c) <= 0xDFFF for c in text)
    )
    if unsafe:
        with pytest.raises(UnsafeCommand):
            encode_command(text)
        return
    payload = encode_command(text)
    assert payload == text.encode() + b"\n\n"
    assert payload.count(b"\n") == 2 and b"\r" not in payload and b"\0" not in payload


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=30), st.sampled_from("\r\n\0"), st.text(max_size=30))
def test_property_any_cr_lf_nul_anywhere_is_refused(before: str, bad: str, after: str) -> None:
    with pytest.raises(UnsafeCommand):
        check_command_text(before + bad + after)
