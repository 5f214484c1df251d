"""`POST /Calls.json` with Record and SendDigits, end to end: the official SDK's
request in, the exact Event Socket commands out on the call's channel, the
emulator's recording and digits, then the recording row, its WAV over the REST
API and the recording status callbacks at the customer app."""

from __future__ import annotations

import math
import wave
from pathlib import Path

import pytest
import requests
from signalwire.rest import Client
from twilio.base.exceptions import TwilioRestException

from bridge.store.records import CallRecord, RecordingRecord
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
from tests.support.fixtures import customer_app  # noqa: F401

ALICE = "sip:alice@example.com"
ANSWER = "/answer"
RECORDING = "/recording"
HOLD = '<Response><Pause length="600"/></Response>'
RATE = 8000


@pytest.fixture
def api(bridge_api: str) -> str:
    return bridge_api


@pytest.fixture
def client(api: str) -> Client:
    client = Client(ACCOUNT_SID, API_TOKEN, signalwire_space_url="example.signalwire.com")
    client.api.base_url = api
    return client


def place(bridge: Bridge, client: Client, far_end: FarEnd, **options: object) -> CallRecord:
    bridge.app.reply(RECORDING, Reply.empty(204))
    bridge.switch.script(ALICE, far_end)
    call = client.calls.create(to=ALICE, from_="+15550100", url=bridge.app.url(ANSWER), **options)
    return bridge.calls.get(str(call.sid))


def channel_commands(bridge: Bridge, uuid: str) -> list[str]:
    return [c for c in bridge.switch.commands if c.startswith("api uuid_") and uuid in c]


def record_start(bridge: Bridge, uuid: str, recording: RecordingRecord) -> str:
    path = Path(bridge.settings.recordings_dir).resolve() / ACCOUNT_SID / f"{recording.sid}.wav"
    return f"api uuid_record {uuid} start {path}"


def hang_up_once_the_document_runs(bridge: Bridge, uuid: str, seconds: float) -> None:
    """The called party hangs up `seconds` (emulated) after the document was fetched."""
    bridge.app.wait_for(ANSWER, timeout=WAIT)
    bridge.switch.hangup(uuid, after=seconds)


def the_recording(bridge: Bridge, call_sid: str) -> RecordingRecord:
    (recording,) = bridge.recordings.list_recordings(call_sid)
    return recording


def callbacks(bridge: Bridge, count: int) -> list[dict[str, str]]:
    found: tuple[ReceivedRequest, ...] = tuple(bridge.app.wait_for(RECORDING, count=count))
    assert all(signed(request) for request in found)
    return [params(request) for request in found]


def test_send_digits_then_a_recorded_call(bridge: Bridge, client: Client, api: str) -> None:
    commands_when_fetched: list[list[str]] = []

    def document(_: ReceivedRequest) -> Reply:
        commands_when_fetched.append(list(bridge.switch.commands))
        return Reply.cxml(HOLD)

    bridge.app.reply(ANSWER, document)
    call = place(
        bridge,
        client,
        FarEnd.answer(after=1),
        send_digits="1w",
        record=True,
        recording_status_callback=bridge.app.url(RECORDING),
        recording_status_callback_event=["in-progress", "completed"],
    )
    uuid = call.fs_uuid
    assert uuid is not None
    bridge.switch.wait_for_event("RECORD_START", uuid, timeout=WAIT)
    # The called party says something 1.0-1.5 s in; the bridge's side 2.0-2.5 s in.
    bridge.switch.set_audio(uuid, read=(Tone(1.0, 1.5),), write=(Tone(2.0, 2.5),))
    hang_up_once_the_document_runs(bridge, uuid, seconds=5)
    in_progress, completed = callbacks(bridge, 2)
    bridge.settle()

    recording = the_recording(bridge, call.sid)
    assert channel_commands(bridge, uuid) == [
        f"api uuid_setvar {uuid} RECORD_STEREO false",
        f"api uuid_setvar {uuid} RECORD_READ_ONLY false",
        f"api uuid_setvar {uuid} RECORD_WRITE_ONLY false",
        record_start(bridge, uuid, recording),
        f"api uuid_send_dtmf {uuid} 1w",
    ]
    # Recording, then digits, then the document.
    (seen,) = commands_when_fetched
    assert f"api uuid_send_dtmf {uuid} 1w" in seen
    view = bridge.switch.channel(uuid)
    assert view is not None and view.sent_dtmf == "1w"

    # Trimmed (Twilio's default for calls): from 1.0 s to 2.5 s, 2 s rounded up.
    assert (recording.status.value, recording.duration) == ("completed", 2)
    assert (recording.source, recording.channels, recording.track) == ("OutboundAPI", 1, "both")
    url = f"{api}/2010-04-01/Accounts/{ACCOUNT_SID}/Recordings/{recording.sid}"
    expected = {
        "AccountSid": ACCOUNT_SID,
        "CallSid": call.sid,
        "RecordingSid": recording.sid,
        "RecordingUrl": url,
        "RecordingChannels": "1",
        "RecordingSource": "OutboundAPI",
        "RecordingTrack": "both",
    }
    assert {k: in_progress[k] for k in expected} == expected
    assert (in_progress["RecordingStatus"], in_progress["RecordingDuration"]) == (
        "in-progress",
        "-1",
    )
    assert {k: completed[k] for k in expected} == expected
    assert (completed["RecordingStatus"], completed["RecordingDuration"]) == ("completed", "2")

    media = requests.get(url, auth=(ACCOUNT_SID, API_TOKEN), timeout=WAIT)
    assert media.status_code == 200 and media.content[:4] == b"RIFF"
    listed = client.calls(call.sid).recordings.list()
    assert [(r.sid, r.source, r.duration) for r in listed] == [(recording.sid, "OutboundAPI", "2")]
    assert bridge.calls.get(call.sid).status.value == "completed"


def test_a_dual_untrimmed_recording_takes_freeswitchs_length(
    bridge: Bridge, client: Client
) -> None:
    bridge.app.reply(ANSWER, Reply.cxml(HOLD))
    call = place(
        bridge,
        client,
        FarEnd.answer(after=1),
        record=True,
        recording_channels="dual",
        trim="do-not-trim",
        recording_status_callback=bridge.app.url(RECORDING),
    )
    uuid = call.fs_uuid
    assert uuid is not None
    hang_up_once_the_document_runs(bridge, uuid, seconds=3)
    (completed,) = callbacks(bridge, 1)
    bridge.settle()

    recording = the_recording(bridge, call.sid)
    assert channel_commands(bridge, uuid) == [
        f"api uuid_setvar {uuid} RECORD_STEREO true",
        f"api uuid_setvar {uuid} RECORD_READ_ONLY false",
        f"api uuid_setvar {uuid} RECORD_WRITE_ONLY false",
        record_start(bridge, uuid, recording),
    ]
    stop = bridge.switch.wait_for_event("RECORD_STOP", uuid)
    seconds = math.ceil(int(stop.header("variable_record_ms") or "0") / 1000)
    assert seconds >= 3
    assert (recording.status.value, recording.duration, recording.channels) == (
        "completed",
        seconds,
        2,
    )
    assert (completed["RecordingDuration"], completed["RecordingChannels"]) == (str(seconds), "2")
    path = Path(bridge.settings.recordings_dir) / (recording.file_path or "")
    with wave.open(str(path), "rb") as wav:
        assert wav.getnchannels() == 2 and wav.getnframes() > 0


def test_a_silent_call_trims_to_an_absent_recording(bridge: Bridge, client: Client) -> None:
    bridge.app.reply(ANSWER, Reply.cxml(HOLD))
    call = place(
        bridge,
        client,
        FarEnd.answer(after=1),
        record=True,
        recording_status_callback=bridge.app.url(RECORDING),
        recording_status_callback_event=["completed", "absent"],
    )
    assert call.fs_uuid is not None
    hang_up_once_the_document_runs(bridge, call.fs_uuid, seconds=3)
    (absent,) = callbacks(bridge, 1)
    bridge.settle()

    recording = the_recording(bridge, call.sid)
    assert (recording.status.value, recording.duration) == ("absent", 0)
    assert (absent["RecordingStatus"], absent["ErrorCode"]) == ("absent", "16102")
    assert not (
        Path(bridge.settings.recordings_dir) / ACCOUNT_SID / f"{recording.sid}.wav"
    ).exists()


def test_a_call_never_answered_has_no_recording_and_no_digits(
    bridge: Bridge, client: Client
) -> None:
    call = place(
        bridge,
        client,
        FarEnd.busy(),
        record=True,
        send_digits="9",
        recording_status_callback=bridge.app.url(RECORDING),
        recording_status_callback_event=["completed", "absent"],
    )
    bridge.app.reply(ANSWER, Reply.cxml(HOLD))
    bridge.switch.wait_for_command("bgapi originate", timeout=WAIT)
    bridge.settle()

    assert bridge.calls.get(call.sid).status.value == "busy"
    assert call.fs_uuid is not None and channel_commands(bridge, call.fs_uuid) == []
    assert bridge.recordings.list_recordings(call.sid) == ()
    assert bridge.app.requests_to(RECORDING) == ()


def test_a_recordings_dir_freeswitch_cannot_be_given_refuses_record(
    bridge: Bridge, client: Client, tmp_path: Path
) -> None:
    bridge.configure(recordings_dir=str(tmp_path / "my recordings"))
    with pytest.raises(TwilioRestException) as refused:
        place(bridge, client, FarEnd.answer(), record=True)

    assert refused.value.status == 400
    assert "the call cannot be recorded (check recordings_dir)" in str(refused.value.msg)
    assert bridge.originates() == []
