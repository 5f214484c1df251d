"""Media on a channel: uuid_broadcast, uuid_record (with a real WAV file), DTMF.

Nothing is played or heard: a broadcast runs its application for the
switch's `playback_seconds`; a recording writes a valid 8 kHz 16-bit WAV as
long as the recording lasted (emulated time, capped at `MAX_WAV_SECONDS`)
when it stops: silence, unless the test gave the channel tones
(`FakeSwitch.set_audio`, tests/fakeswitch/audio.py), laid out mono or stereo
and with one or both sides as RECORD_STEREO, RECORD_READ_ONLY and
RECORD_WRITE_ONLY on the channel ask.
"""

from __future__ import annotations

import contextlib
import os
import wave

from tests.fakeswitch.audio import SILENCE, ChannelAudio, Layout, render
from tests.fakeswitch.channel import Channel, Recording
from tests.fakeswitch.control import pre_answer
from tests.fakeswitch.core import SwitchCore
from tests.fakeswitch.dialstring import leading_number, separate

MAX_WAV_SECONDS = 60.0
SAMPLE_RATE = 8000


def broadcast(core: SwitchCore, channel: Channel, path: str) -> None:
    """Run `path` (a file to play, or `app::args`) on the channel, as the park
    loop does with a broadcast: CHANNEL_EXECUTE, then CHANNEL_EXECUTE_COMPLETE."""
    application, sep, data = path.partition("::")
    if not sep:
        application, data = "playback", path
    if channel.playing:
        stop_playback(core, channel)
    app_uuid = core.execute(channel, application, data)
    channel.playing = (application, data, app_uuid)
    if application == "playback" and endless_tone(data):
        return  # plays until uuid_break, a bridge or the hangup

    def finished() -> None:
        if channel.playing is not None and channel.playing[2] == app_uuid:
            stop_playback(core, channel)

    core.spawn_for(channel, core.config.playback_seconds, finished)


def endless_tone(path: str) -> bool:
    """`tone_stream://...;loops=-1` (any negative count): mod_tone_stream sets the
    buffer's loop count from `;loops=` and switch_buffer_read_loop only stops
    when a positive count runs down to 0, so a negative one never ends."""
    if not path.startswith("tone_stream://"):
        return False
    _, found, loops = path.partition(";loops=")
    count = loops.strip()
    sign = -1 if count.startswith("-") else 1
    return bool(found) and sign * leading_number(count.lstrip("+-")) < 0


def stop_playback(core: SwitchCore, channel: Channel) -> bool:
    """uuid_break: the running broadcast completes now."""
    if channel.playing is None:
        return False
    application, data, app_uuid = channel.playing
    channel.playing = None
    if channel.parked:
        channel.set_var("current_application", "park")
        channel.set_var("current_application_data", None)
    core.execute_complete(channel, application, data, app_uuid, "FILE PLAYED")
    return True


def start_recording(core: SwitchCore, channel: Channel, path: str, limit: int) -> bool:
    """uuid_record start, as switch_ivr_record_session_event does it: the
    channel is pre-answered first (an unanswered inbound caller gets 183),
    then the recording variables are read from the channel."""
    if not pre_answer(core, channel) or not channel.media_up:
        return False
    if any(recording.path == path for recording in channel.recordings):
        return True  # "Already recording": FreeSWITCH answers +OK and does nothing
    recording = Recording(
        path=path,
        started_us=core.clock.now_us(),
        limit_seconds=limit,
        layout=recording_layout(channel),
    )
    channel.recordings.append(recording)
    core.emit(channel, "RECORD_START", suffix=[("Record-File-Path", path)])
    if limit > 0:

        def reached() -> None:
            if recording in channel.recordings:
                stop_recording(core, channel, recording, "success-maxtime")

        core.spawn_for(channel, float(limit), reached)
    return True


def recording_layout(channel: Channel) -> Layout:
    """RECORD_WRITE_ONLY, then RECORD_READ_ONLY (which wins if both are set),
    then RECORD_STEREO, read from the channel as uuid_record starts."""
    read = write = True
    if switch_true(channel.var("RECORD_WRITE_ONLY")):
        read, write = False, True
    if switch_true(channel.var("RECORD_READ_ONLY")):
        read, write = True, False
    channels = 2 if switch_true(channel.var("RECORD_STEREO")) else 1
    return Layout(channels=channels, read=read, write=write)


def stop_recording(core: SwitchCore, channel: Channel, recording: Recording, cause: str) -> None:
    """The media bug closes: the file is written (or, empty, discarded), the
    record_* variables are set, then RECORD_STOP fires (record_callback,
    SWITCH_ABC_TYPE_CLOSE, and send_record_stop_event)."""
    if recording not in channel.recordings:
        return
    channel.recordings.remove(recording)
    elapsed_us = max(0, core.clock.now_us() - recording.started_us)
    if recording.limit_seconds:
        elapsed_us = min(elapsed_us, recording.limit_seconds * 1_000_000)
    samples = min(elapsed_us * SAMPLE_RATE // 1_000_000, int(MAX_WAV_SECONDS * SAMPLE_RATE))
    if samples == 0:
        # No frame was ever written: FreeSWITCH removes the file.
        channel.set_var("RECORD_DISCARDED", "true")
        cause = "empty-file"
        with contextlib.suppress(FileNotFoundError):
            os.remove(recording.path)
    else:
        write_wav(recording.path, samples, channel.audio, recording.layout)
        # Without silence detection FreeSWITCH assumes speech: a hangup ends
        # it "success-silence", a stop or the limit "success-maxtime".
        cause = cause or ("success-maxtime" if channel.up else "success-silence")
    channel.set_var("record_samples", str(samples))
    channel.set_var("record_seconds", str(samples // SAMPLE_RATE))
    channel.set_var("record_ms", str(samples // (SAMPLE_RATE // 1000)))
    channel.set_var("record_completion_cause", cause)
    suffix = [("Record-File-Path", recording.path), ("Record-Completion-Cause", cause)]
    core.emit(channel, "RECORD_STOP", suffix=suffix)


def stop_recordings(core: SwitchCore, channel: Channel, path: str) -> bool:
    """uuid_record <uuid> stop <path|all>."""
    chosen = [r for r in channel.recordings if path == "all" or r.path == path]
    for recording in chosen:
        stop_recording(core, channel, recording, "")
    return bool(chosen)


def write_wav(
    path: str, frames: int, audio: ChannelAudio = SILENCE, layout: Layout | None = None
) -> None:
    """A valid PCM WAV file of `frames` frames (silence unless the channel
    has audio); missing directories are created, as FreeSWITCH creates them
    for recordings."""
    layout = layout or Layout()
    directory = os.path.dirname(path)
    if directory:
        os.makedirs(directory, exist_ok=True)
    with wave.open(path, "wb") as out:
        out.setnchannels(layout.channels)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        out.writeframes(render(audio, layout, frames, SAMPLE_RATE))


def switch_true(value: str | None) -> bool:
    """FreeSWITCH's switch_true: yes/on/true/t/enabled/active/allow or a non-zero number."""
    if value is None:
        return False
    text = value.strip().lower()
    if text in ("yes", "on", "true", "t", "enabled", "active", "allow"):
        return True
    return text.lstrip("-").isdigit() and int(text) != 0


# switch_utils.h is_dtmf: what switch_core_session_send_dtmf_string sends
# (F is a flash; 'w' and 'W' are pauses of 500 ms and 1 s).
SENDABLE_DTMF = frozenset("0123456789*#ABCDabcdwWFf")
MAX_DTMF_STRING = 99


def send_dtmf(core: SwitchCore, channel: Channel, dtmf_data: str) -> bool:
    """switch_core_session_send_dtmf_string (uuid_send_dtmf): False for
    FreeSWITCH's "-ERR Operation failed". A leading '~' changes flags only,
    '+' separates groups and '@<ms>' ends a group with its tone length; the
    channel is pre-answered; characters that are not DTMF are skipped."""
    if dtmf_data.startswith("~"):
        dtmf_data = dtmf_data[1:]
    if not dtmf_data or not channel.up or len(dtmf_data) > MAX_DTMF_STRING:
        return False
    groups = separate(dtmf_data, "+", 256)
    if groups:
        pre_answer(core, channel)
    sent = "".join(
        char for group in groups for char in group.partition("@")[0] if char in SENDABLE_DTMF
    )
    channel.sent_dtmf += sent
    return bool(sent)


def dtmf(core: SwitchCore, channel: Channel, digit: str, duration_ms: int) -> None:
    """One DTMF event as switch_channel_queue_dtmf fires it (RFC 2833 source)."""
    core.emit(
        channel,
        "DTMF",
        suffix=[
            ("DTMF-Digit", digit),
            ("DTMF-Duration", str(duration_ms * 8)),
            ("DTMF-Source", "RTP"),
        ],
    )
