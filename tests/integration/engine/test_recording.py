"""`<Dial record>` end to end: the FreeSWITCH commands, the RECORD_* events, the
recording rows, the recording status callbacks, the action's RecordingUrl, and
the WAV served by the bridge's own REST API over real HTTP.

The caller's channel carries tones (FakeSwitch.set_audio): the caller "speaks"
on its read side, the callee on its write side. Calls last a fixed emulated
time: the callee hangs up `CALL_SECONDS` after the recording started, on the
switch's own timer (no sleeps).
"""

from __future__ import annotations

import wave
from array import array
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from bridge.engine.control import DocumentUrl
from bridge.store.records import RecordingRecord
from tests.fakeswitch import FarEnd, Tone
from tests.integration.engine.harness import (
    ACCOUNT_SID,
    API_TOKEN,
    WAIT,
    Bridge,
    params,
    signed,
)
from tests.support.customer_app import ReceivedRequest, Reply

ALICE = "sip:alice@example.com"
RATE = 8000
CALL_SECONDS = 4.0
CALLER_SPEAKS = Tone(0.5, 1.5)  # on the caller's read side
CALLEE_SPEAKS = Tone(2.0, 3.0)  # on its write side (the callee, bridged)
ALL_EVENTS = "in-progress completed absent"


@pytest.fixture
def api(bridge_api: str) -> str:
    return bridge_api


@dataclass
class Recorded:
    caller: str
    callee: str
    parent_sid: str
    recording: RecordingRecord
    path: Path
    callbacks: tuple[ReceivedRequest, ...]
    action: ReceivedRequest


def document(bridge: Bridge, **attributes: str) -> str:
    attributes.setdefault("recordingStatusCallback", bridge.app.url("/recording"))
    spelled = " ".join(f'{name}="{value}"' for name, value in attributes.items())
    return (
        '<?xml version="1.0" encoding="UTF-8"?><Response>'
        f'<Dial action="{bridge.app.url("/action")}" {spelled}><Sip>{ALICE}</Sip></Dial>'
        "</Response>"
    )


def recorded_call(
    bridge: Bridge,
    *,
    callbacks: int,
    far_end: FarEnd | None = None,
    read: tuple[Tone, ...] = (CALLER_SPEAKS,),
    write: tuple[Tone, ...] = (CALLEE_SPEAKS,),
    **attributes: str,
) -> Recorded:
    """One inbound call whose <Dial> records; the callee hangs up CALL_SECONDS
    (emulated) after RECORD_START. Waits for `callbacks` recording callbacks."""
    bridge.app.reply("/voice", Reply.cxml(document(bridge, **attributes)))
    bridge.app.reply("/action", Reply.cxml("<Response><Hangup/></Response>"))
    bridge.app.reply("/recording", Reply.empty())
    bridge.switch.script(ALICE, far_end or FarEnd.answer(after=1))
    caller = bridge.call_in()
    bridge.switch.set_audio(caller, read=read, write=write)
    bridged = bridge.switch.wait_for_event("CHANNEL_BRIDGE", caller, timeout=WAIT)
    callee = bridged.header("Bridge-B-Unique-ID")
    assert callee is not None
    bridge.switch.wait_for_event("RECORD_START", caller, timeout=WAIT)
    bridge.switch.hangup(callee, after=CALL_SECONDS)
    (action,) = bridge.app.wait_for("/action")
    found = bridge.app.wait_for("/recording", count=callbacks) if callbacks else ()
    bridge.settle()
    parent = bridge.call_by_uuid(caller)
    (recording,) = bridge.recordings.list_recordings(parent.sid)
    path = Path(bridge.settings.recordings_dir).resolve() / ACCOUNT_SID / f"{recording.sid}.wav"
    return Recorded(caller, callee, parent.sid, recording, path, found, action)


def wav(path: Path) -> tuple[int, int, array[int]]:
    """(channels, frames, samples) of a 16-bit WAV."""
    with wave.open(str(path), "rb") as recorded:
        assert (recorded.getsampwidth(), recorded.getframerate()) == (2, RATE)
        frames = recorded.getnframes()
        return recorded.getnchannels(), frames, array("h", recorded.readframes(frames))


def loud(
    samples: array[int], start: float, end: float, channels: int = 1, channel: int = 0
) -> bool:
    """Sound on `channel` between `start` and `end` seconds."""
    side = samples[channel::channels]
    return any(abs(value) > 1000 for value in side[int(start * RATE) : int(end * RATE)])


def seconds_of(frames: int) -> int:
    return -(-frames // RATE)


def record_commands(bridge: Bridge, caller: str) -> list[str]:
    return [
        command
        for command in bridge.switch.commands
        if command.startswith(f"api uuid_record {caller}")
        or command.startswith(f"api uuid_setvar {caller} RECORD_")
    ]


def recording_url(base: str, sid: str) -> str:
    return f"{base}/2010-04-01/Accounts/{ACCOUNT_SID}/Recordings/{sid}"


def callback_params(
    recorded: Recorded, base: str, status: str, duration: int, channels: int, track: str
) -> dict[str, str]:
    recording = recorded.recording
    assert recording.start_time is not None
    expected = {
        "AccountSid": ACCOUNT_SID,
        "CallSid": recorded.parent_sid,
        "RecordingSid": recording.sid,
        "RecordingUrl": recording_url(base, recording.sid),
        "RecordingStatus": status,
        "RecordingDuration": str(duration),
        "RecordingChannels": str(channels),
        "RecordingSource": "DialVerb",
        "RecordingTrack": track,
        "RecordingStartTime": recording.start_time.strftime("%a, %d %b %Y %H:%M:%S +0000"),
    }
    return expected


# -- the record modes -------------------------------------------------------------


def test_record_from_answer_records_both_parties_from_the_bridge(bridge: Bridge, api: str) -> None:
    recorded = recorded_call(
        bridge,
        callbacks=2,
        record="record-from-answer",
        recordingStatusCallbackEvent=ALL_EVENTS,
    )
    caller, callee, path = recorded.caller, recorded.callee, recorded.path
    commands = bridge.switch.commands
    # Started on the caller's channel once it is bridged, stopped by the
    # bridge when the callee hung up (the caller lives on, parked).
    assert record_commands(bridge, caller) == [
        f"api uuid_setvar {caller} RECORD_STEREO false",
        f"api uuid_setvar {caller} RECORD_READ_ONLY false",
        f"api uuid_setvar {caller} RECORD_WRITE_ONLY false",
        f"api uuid_record {caller} start {path}",
        f"api uuid_record {caller} stop {path}",
    ]
    assert commands.index(f"api uuid_bridge {caller} {callee}") < commands.index(
        f"api uuid_record {caller} start {path}"
    )
    start = bridge.switch.wait_for_event("RECORD_START", caller)
    stop = bridge.switch.wait_for_event("RECORD_STOP", caller)
    assert start.header("Record-File-Path") == stop.header("Record-File-Path") == str(path)

    channels, frames, samples = wav(path)
    assert channels == 1 and frames >= CALL_SECONDS * RATE
    assert loud(samples, 0.5, 1.5) and loud(samples, 2.0, 3.0)  # both voices, mixed
    assert not loud(samples, 3.0, CALL_SECONDS)
    duration = seconds_of(frames)
    assert stop.header("variable_record_samples") == str(frames)

    recording = bridge.recordings.get_recording(recorded.recording.sid)
    assert (recording.status.value, recording.duration) == ("completed", duration)
    assert (recording.channels, recording.track, recording.source) == (1, "both", "DialVerb")
    assert recording.call_sid == recorded.parent_sid
    assert recording.file_path == f"{ACCOUNT_SID}/{recording.sid}.wav"

    in_progress, completed = recorded.callbacks
    for callback in (in_progress, completed):
        assert callback.method == "POST" and signed(callback)
    assert params(in_progress) == callback_params(recorded, api, "in-progress", -1, 1, "both")
    assert params(completed) == callback_params(recorded, api, "completed", duration, 1, "both")

    action = params(recorded.action)
    assert action["DialCallStatus"] == "completed"
    assert action["RecordingUrl"] == recording_url(api, recording.sid)
    assert action["RecordingSid"] == recording.sid
    assert action["RecordingDuration"] == str(duration)

    # The RecordingUrl serves the WAV to the account's credentials only.
    media = requests.get(action["RecordingUrl"], auth=(ACCOUNT_SID, API_TOKEN), timeout=WAIT)
    assert media.status_code == 200
    assert media.headers["Content-Type"] == "audio/x-wav"
    assert media.content == path.read_bytes()
    with_extension = requests.get(
        action["RecordingUrl"] + ".wav", auth=(ACCOUNT_SID, API_TOKEN), timeout=WAIT
    )
    assert with_extension.content == media.content
    assert requests.get(action["RecordingUrl"], timeout=WAIT).status_code == 401
    wrong = requests.get(action["RecordingUrl"], auth=(ACCOUNT_SID, "nope"), timeout=WAIT)
    assert wrong.status_code == 401


def test_record_from_answer_dual_puts_the_caller_left_and_the_callee_right(
    bridge: Bridge, api: str
) -> None:
    recorded = recorded_call(
        bridge,
        callbacks=1,
        record="record-from-answer-dual",
        recordingStatusCallbackMethod="GET",
    )
    caller, path = recorded.caller, recorded.path
    assert record_commands(bridge, caller)[:4] == [
        f"api uuid_setvar {caller} RECORD_STEREO true",
        f"api uuid_setvar {caller} RECORD_READ_ONLY false",
        f"api uuid_setvar {caller} RECORD_WRITE_ONLY false",
        f"api uuid_record {caller} start {path}",
    ]
    channels, frames, samples = wav(path)
    assert channels == 2
    assert loud(samples, 0.5, 1.5, 2, 0) and not loud(samples, 2.0, 3.0, 2, 0)
    assert loud(samples, 2.0, 3.0, 2, 1) and not loud(samples, 0.5, 1.5, 2, 1)
    # Only `completed` by default; GET signs the URL with its query.
    (completed,) = recorded.callbacks
    assert completed.method == "GET" and signed(completed)
    assert params(completed) == callback_params(
        recorded, api, "completed", seconds_of(frames), 2, "both"
    )
    assert recorded.recording.channels == 2


def test_record_from_ringing_starts_when_the_leg_rings(bridge: Bridge, api: str) -> None:
    recorded = recorded_call(
        bridge,
        callbacks=2,
        far_end=FarEnd.answer(after=3),
        record="record-from-ringing",
        recordingStatusCallbackEvent="in-progress completed",
    )
    caller, callee, path = recorded.caller, recorded.callee, recorded.path
    commands = bridge.switch.commands
    start = commands.index(f"api uuid_record {caller} start {path}")
    (originate,) = bridge.originates()
    assert commands.index(originate) < start < commands.index(f"api uuid_bridge {caller} {callee}")
    # The recording holds the 3 s of ringing and then the connected call.
    ringing = bridge.switch.wait_for_event("CHANNEL_PROGRESS", callee)
    record_start = bridge.switch.wait_for_event("RECORD_START", caller)
    assert ringing.sequence < record_start.sequence
    channels, frames, _ = wav(path)
    assert channels == 1 and frames >= (3 + CALL_SECONDS) * RATE
    in_progress, completed = recorded.callbacks
    assert params(in_progress)["RecordingStatus"] == "in-progress"
    assert params(completed)["RecordingDuration"] == str(seconds_of(frames))


def test_record_from_ringing_dual_of_one_track_is_mono(bridge: Bridge, api: str) -> None:
    recorded = recorded_call(
        bridge,
        callbacks=1,
        record="record-from-ringing-dual",
        recordingTrack="inbound",
    )
    caller, path = recorded.caller, recorded.path
    assert record_commands(bridge, caller)[:3] == [
        f"api uuid_setvar {caller} RECORD_STEREO false",
        f"api uuid_setvar {caller} RECORD_READ_ONLY true",
        f"api uuid_setvar {caller} RECORD_WRITE_ONLY false",
    ]
    channels, frames, samples = wav(path)
    # Inbound: the audio from the caller, not what the caller hears.
    assert channels == 1 and loud(samples, 0.5, 1.5) and not loud(samples, 2.0, 3.0)
    assert (recorded.recording.channels, recorded.recording.track) == (1, "inbound")
    (completed,) = recorded.callbacks
    assert params(completed)["RecordingTrack"] == "inbound"
    assert params(completed)["RecordingChannels"] == "1"


def test_the_outbound_track_is_what_the_caller_hears(bridge: Bridge, api: str) -> None:
    recorded = recorded_call(
        bridge, callbacks=1, record="record-from-answer", recordingTrack="outbound"
    )
    caller = recorded.caller
    assert record_commands(bridge, caller)[:3] == [
        f"api uuid_setvar {caller} RECORD_STEREO false",
        f"api uuid_setvar {caller} RECORD_READ_ONLY false",
        f"api uuid_setvar {caller} RECORD_WRITE_ONLY true",
    ]
    _, _, samples = wav(recorded.path)
    assert loud(samples, 2.0, 3.0) and not loud(samples, 0.5, 1.5)
    assert recorded.recording.track == "outbound"


# -- trimming ------------------------------------------------------------------------


def test_trim_silence_keeps_only_the_sound(bridge: Bridge, api: str) -> None:
    recorded = recorded_call(
        bridge,
        callbacks=1,
        record="record-from-answer-dual",
        trim="trim-silence",
        read=(Tone(1.0, 1.5),),
        write=(Tone(2.0, 2.5),),
    )
    channels, frames, samples = wav(recorded.path)
    # From the caller's first word to the callee's last: 1.0 s .. 2.5 s.
    assert (channels, frames) == (2, int(1.5 * RATE))
    assert loud(samples, 0.0, 0.5, 2, 0) and loud(samples, 1.0, 1.5, 2, 1)
    stop = bridge.switch.wait_for_event("RECORD_STOP", recorded.caller)
    assert int(stop.header("variable_record_samples") or "0") >= CALL_SECONDS * RATE
    assert recorded.recording.duration == 2  # 1.5 s, rounded up
    (completed,) = recorded.callbacks
    assert params(completed)["RecordingDuration"] == "2"
    assert params(recorded.action)["RecordingDuration"] == "2"
    media = requests.get(
        params(recorded.action)["RecordingUrl"], auth=(ACCOUNT_SID, API_TOKEN), timeout=WAIT
    )
    assert media.content == recorded.path.read_bytes()


def test_without_trim_the_silence_stays(bridge: Bridge, api: str) -> None:
    recorded = recorded_call(
        bridge,
        callbacks=1,
        record="record-from-answer",
        trim="do-not-trim",
        read=(Tone(1.0, 1.5),),
        write=(),
    )
    _, frames, samples = wav(recorded.path)
    assert frames >= CALL_SECONDS * RATE and loud(samples, 1.0, 1.5)
    assert recorded.recording.duration == seconds_of(frames)


# -- absent ----------------------------------------------------------------------------


def test_a_recording_of_only_silence_trimmed_is_absent(bridge: Bridge, api: str) -> None:
    recorded = recorded_call(
        bridge,
        callbacks=2,
        record="record-from-answer",
        trim="trim-silence",
        recordingStatusCallbackEvent=ALL_EVENTS,
        read=(),
        write=(),
    )
    in_progress, absent = recorded.callbacks
    assert params(in_progress)["RecordingStatus"] == "in-progress"
    assert params(absent) == {
        **callback_params(recorded, api, "absent", 0, 1, "both"),
        "ErrorCode": "16102",
    }
    assert not recorded.path.exists()
    recording = bridge.recordings.get_recording(recorded.recording.sid)
    assert (recording.status.value, recording.duration) == ("absent", 0)
    assert "RecordingUrl" not in params(recorded.action)
    media = requests.get(
        recording_url(api, recording.sid), auth=(ACCOUNT_SID, API_TOKEN), timeout=WAIT
    )
    assert media.status_code == 404


def test_a_dial_that_never_connects_reports_its_recording_absent(bridge: Bridge, api: str) -> None:
    bridge.app.reply(
        "/voice",
        Reply.cxml(
            document(bridge, record="record-from-answer", recordingStatusCallbackEvent=ALL_EVENTS)
        ),
    )
    bridge.app.reply("/action", Reply.cxml("<Response><Hangup/></Response>"))
    bridge.app.reply("/recording", Reply.empty())
    bridge.switch.script(ALICE, FarEnd.busy())
    caller = bridge.call_in()
    (absent,) = bridge.app.wait_for("/recording")
    (action,) = bridge.app.wait_for("/action")
    bridge.settle()
    parent = bridge.call_by_uuid(caller)
    (recording,) = bridge.recordings.list_recordings(parent.sid)
    assert record_commands(bridge, caller) == []
    assert (recording.status.value, recording.duration, recording.file_path) == ("absent", 0, None)
    assert recording.start_time is None
    assert signed(absent)
    assert params(absent) == {
        "AccountSid": ACCOUNT_SID,
        "CallSid": parent.sid,
        "RecordingSid": recording.sid,
        "RecordingUrl": recording_url(api, recording.sid),
        "RecordingStatus": "absent",
        "RecordingDuration": "0",
        "RecordingChannels": "1",
        "RecordingSource": "DialVerb",
        "RecordingTrack": "both",
        "ErrorCode": "16101",
    }
    assert params(action)["DialCallStatus"] == "busy"
    assert not {"RecordingUrl", "RecordingSid", "RecordingDuration"} & set(params(action))


# -- the caller's side -------------------------------------------------------------------


def test_when_the_caller_hangs_up_freeswitch_ends_the_recording(bridge: Bridge, api: str) -> None:
    bridge.app.reply("/voice", Reply.cxml(document(bridge, record="record-from-answer")))
    bridge.app.reply("/action", Reply.cxml("<Response><Hangup/></Response>"))
    bridge.app.reply("/recording", Reply.empty())
    bridge.switch.script(ALICE, FarEnd.answer(after=1))
    caller = bridge.call_in()
    bridge.switch.set_audio(caller, read=(CALLER_SPEAKS,))
    bridge.switch.wait_for_event("RECORD_START", caller, timeout=WAIT)
    bridge.switch.hangup(caller, after=CALL_SECONDS)
    (completed,) = bridge.app.wait_for("/recording")
    (action,) = bridge.app.wait_for("/action")
    bridge.settle()
    parent = bridge.call_by_uuid(caller)
    (recording,) = bridge.recordings.list_recordings(parent.sid)
    path = Path(bridge.settings.recordings_dir).resolve() / ACCOUNT_SID / f"{recording.sid}.wav"
    # No stop from the bridge: the hangup ended the recording.
    assert record_commands(bridge, caller)[-1] == f"api uuid_record {caller} start {path}"
    stop = bridge.switch.wait_for_event("RECORD_STOP", caller)
    assert stop.header("Record-Completion-Cause") == "success-silence"
    _, frames, samples = wav(path)
    assert frames >= CALL_SECONDS * RATE and loud(samples, 0.5, 1.5)
    assert params(completed)["RecordingDuration"] == str(seconds_of(frames))
    assert recording.status.value == "completed"
    assert params(action)["RecordingSid"] == recording.sid
    assert params(action)["CallStatus"] == "completed"


def test_a_recordings_dir_freeswitch_cannot_be_given_fails_the_dial(
    bridge: Bridge, tmp_path: Path
) -> None:
    bridge.configure(recordings_dir=str(tmp_path / "with space"))
    bridge.app.reply("/voice", Reply.cxml(document(bridge, record="record-from-answer")))
    caller = bridge.call_in()
    bridge.app.wait_for("/voice")
    bridge.switch.wait_for_command(f"uuid_kill {caller}", timeout=WAIT)
    bridge.settle()
    assert bridge.originates() == []
    assert bridge.call_by_uuid(caller).status.value == "failed"


def test_a_redirect_during_a_recorded_call_stops_and_reports_the_recording(
    bridge: Bridge, api: str
) -> None:
    app = bridge.app
    app.reply("/voice", Reply.cxml(document(bridge, record="record-from-answer")))
    app.reply("/next", Reply.cxml("<Response><Hangup/></Response>"))
    app.reply("/recording", Reply.empty())
    bridge.switch.script(ALICE, FarEnd.answer(after=1))
    caller = bridge.call_in()
    bridge.switch.wait_for_event("RECORD_START", caller, timeout=WAIT)
    sid = bridge.call_by_uuid(caller).sid

    bridge.engine.redirect(ACCOUNT_SID, sid, DocumentUrl(app.url("/next")))
    (completed,) = app.wait_for("/recording")
    app.wait_for("/next")
    bridge.settle()

    (recording,) = bridge.recordings.list_recordings(sid)
    path = Path(bridge.settings.recordings_dir).resolve() / ACCOUNT_SID / f"{recording.sid}.wav"
    commands = bridge.switch.commands
    (leg,) = bridge.children(sid)
    # The callee is hung up, then the recording stopped, before the new document.
    assert commands.index(f"api uuid_kill {leg.fs_uuid} NORMAL_CLEARING") < commands.index(
        f"api uuid_record {caller} stop {path}"
    )
    assert params(completed)["RecordingStatus"] == "completed"
    assert recording.status.value == "completed" and path.exists()
    assert app.requests_to("/action") == ()  # a redirected <Dial> has no action


def test_record_from_ringing_with_answer_on_bridge_pre_answers_the_caller(
    bridge: Bridge, api: str
) -> None:
    recorded = recorded_call(
        bridge,
        callbacks=1,
        far_end=FarEnd.answer(after=2),
        record="record-from-ringing",
        answerOnBridge="true",
    )
    caller = recorded.caller
    # uuid_record needs media: FreeSWITCH pre-answers the caller (183) to
    # record the ringing; the 200 OK still waits for the callee's answer.
    record_start = bridge.switch.wait_for_event("RECORD_START", caller)
    early = bridge.switch.wait_for_event("CHANNEL_PROGRESS_MEDIA", caller)
    answered = bridge.switch.wait_for_event("CHANNEL_ANSWER", caller)
    callee_answered = bridge.switch.wait_for_event("CHANNEL_ANSWER", recorded.callee)
    assert early.sequence < record_start.sequence < callee_answered.sequence < answered.sequence
    _, frames, _ = wav(recorded.path)
    assert frames >= (2 + CALL_SECONDS) * RATE
    assert recorded.recording.status.value == "completed"
