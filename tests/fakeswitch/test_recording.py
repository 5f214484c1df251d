"""uuid_record as switch_ivr_record_session_event does it: pre-answer, the
RECORD_* variables, the WAV's layout and sound, RECORD_STOP's variables."""

from __future__ import annotations

import wave
from array import array
from pathlib import Path

import pytest

from tests.fakeswitch import FakeSwitch, Tone
from tests.fakeswitch.audio import ChannelAudio, Layout, render
from tests.fakeswitch.client import EslTestClient
from tests.fakeswitch.media import switch_true

RATE = 8000


def samples(path: Path) -> tuple[int, array[int]]:
    with wave.open(str(path), "rb") as recorded:
        assert (recorded.getframerate(), recorded.getsampwidth()) == (RATE, 2)
        data = array("h", recorded.readframes(recorded.getnframes()))
        return recorded.getnchannels(), data


def loud(values: array[int]) -> bool:
    return any(abs(value) > 1000 for value in values)


def answered_caller(switch: FakeSwitch, client: EslTestClient) -> str:
    uuid = switch.inbound_call("15551234")
    client.wait_event(lambda e: e.name == "CHANNEL_PARK" and e.uuid == uuid)
    assert client.api(f"uuid_answer {uuid}") == "+OK\n"
    return uuid


def record_for(
    switch: FakeSwitch, client: EslTestClient, uuid: str, path: Path, seconds: int
) -> dict[str, str]:
    """Record `seconds` emulated seconds (the switch's own limit); RECORD_STOP's headers."""
    assert client.api(f"uuid_record {uuid} start {path} {seconds}") == "+OK Success\n"
    stop = client.wait_event(lambda e: e.name == "RECORD_STOP" and e.uuid == uuid)
    return dict(stop.headers)


def test_recording_an_unanswered_caller_pre_answers_it(
    switch: FakeSwitch, client: EslTestClient, tmp_path: Path
) -> None:
    uuid = switch.inbound_call("15551234")
    client.wait_event(lambda e: e.name == "CHANNEL_PARK" and e.uuid == uuid)
    path = tmp_path / "early.wav"
    assert client.api(f"uuid_record {uuid} start {path}") == "+OK Success\n"
    start = client.wait_event(lambda e: e.name == "RECORD_START" and e.uuid == uuid)
    run = [event.name for event in client.leg_events(uuid)]
    assert run.index("CHANNEL_PROGRESS_MEDIA") < run.index("RECORD_START")
    assert start.get("Answer-State") == "early"
    assert start.get("Record-File-Path") == str(path)
    assert client.api(f"uuid_record {uuid} stop {path}") == "+OK Success\n"
    stop = client.wait_event(lambda e: e.name == "RECORD_STOP" and e.uuid == uuid)
    assert stop.get("Record-Completion-Cause") == "success-maxtime"


def test_stop_variables_match_the_file(
    switch: FakeSwitch, client: EslTestClient, tmp_path: Path
) -> None:
    uuid = answered_caller(switch, client)
    stop = record_for(switch, client, uuid, tmp_path / "a" / "b.wav", 3)
    assert stop["variable_record_samples"] == "24000"
    assert stop["variable_record_seconds"] == "3"
    assert stop["variable_record_ms"] == "3000"
    assert stop["variable_record_completion_cause"] == "success-maxtime"
    channels, data = samples(tmp_path / "a" / "b.wav")
    assert (channels, len(data)) == (1, 24000)
    assert not loud(data)


@pytest.mark.parametrize(
    ("variables", "layout"),
    [
        ({}, (1, True, True)),
        ({"RECORD_STEREO": "true"}, (2, True, True)),
        ({"RECORD_READ_ONLY": "true"}, (1, True, False)),
        ({"RECORD_WRITE_ONLY": "yes"}, (1, False, True)),
        ({"RECORD_READ_ONLY": "true", "RECORD_WRITE_ONLY": "true"}, (1, True, False)),
        ({"RECORD_STEREO": "false", "RECORD_READ_ONLY": "0"}, (1, True, True)),
    ],
)
def test_the_record_variables_choose_the_layout(
    switch: FakeSwitch,
    client: EslTestClient,
    tmp_path: Path,
    variables: dict[str, str],
    layout: tuple[int, bool, bool],
) -> None:
    uuid = answered_caller(switch, client)
    for name, value in variables.items():
        assert client.api(f"uuid_setvar {uuid} {name} {value}") == "+OK\n"
    # The caller speaks in the first second, the other side in the second.
    switch.set_audio(uuid, read=[Tone(0.0, 1.0)], write=[Tone(1.0, 2.0)])
    path = tmp_path / "r.wav"
    record_for(switch, client, uuid, path, 2)
    channels, data = samples(path)
    expected_channels, read, write = layout
    assert channels == expected_channels
    if channels == 2:
        left, right = data[0::2], data[1::2]
        assert loud(left[:RATE]) and not loud(left[RATE:])
        assert loud(right[RATE:]) and not loud(right[:RATE])
    else:
        assert loud(data[:RATE]) is read
        assert loud(data[RATE:]) is write


def test_a_recording_with_no_frame_is_discarded(tmp_path: Path) -> None:
    # 1 emulated second takes 28 real hours: no frame is written before the stop.
    with FakeSwitch(time_scale=100_000) as slow:
        assert slow.address is not None
        client = EslTestClient(slow.address)
        client.login()
        client.subscribe("ALL")
        uuid = answered_caller(slow, client)
        path = tmp_path / "empty.wav"
        assert client.api(f"uuid_record {uuid} start {path}") == "+OK Success\n"
        assert client.api(f"uuid_record {uuid} stop all") == "+OK Success\n"
        stop = client.wait_event(lambda e: e.name == "RECORD_STOP" and e.uuid == uuid)
        assert stop.get("Record-Completion-Cause") == "empty-file"
        assert stop.get("variable_RECORD_DISCARDED") == "true"
        assert stop.get("variable_record_samples") == "0"
        assert not path.exists()
        client.close()


def test_a_hangup_can_be_scheduled_in_emulated_time(
    switch: FakeSwitch, client: EslTestClient
) -> None:
    uuid = answered_caller(switch, client)
    switch.hangup(uuid, after=2.0)
    hangup = client.wait_event(lambda e: e.name == "CHANNEL_HANGUP_COMPLETE" and e.uuid == uuid)
    assert int(hangup.get("variable_billsec") or "0") >= 2


def test_render_mixes_mono_and_splits_stereo() -> None:
    audio = ChannelAudio(read=(Tone(0.0, 0.5, amplitude=30000),), write=(Tone(0.0, 1.0),))
    mono = array("h", render(audio, Layout(), RATE, RATE))
    assert max(mono[: RATE // 2]) == 32767  # 30000 + 8000, clipped
    stereo = array("h", render(audio, Layout(channels=2), RATE, RATE))
    assert max(stereo[0:RATE:2]) == 30000 and max(stereo[1::2]) == 8000
    with pytest.raises(ValueError, match="start <= end"):
        Tone(2.0, 1.0)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("true", True), ("YES", True), ("on", True), ("1", True), ("-2", True), ("t", True)],
)
def test_switch_true(value: str, expected: bool) -> None:
    assert switch_true(value) is expected
    assert (
        switch_true("false") is switch_true("0") is switch_true(None) is switch_true("x") is False
    )
