"""Media on a channel: uuid_broadcast, uuid_record (with a real WAV file), DTMF.

Nothing is played or heard: a broadcast runs its application for the
switch's `playback_seconds`; a recording writes a valid 8 kHz 16-bit mono WAV
of silence as long as the recording lasted (emulated time, capped at
`MAX_WAV_SECONDS`) when it stops, so features that fetch recordings can be
tested.
"""

from __future__ import annotations

import os
import wave

from tests.fakeswitch.channel import Channel, Recording
from tests.fakeswitch.core import SwitchCore
from tests.fakeswitch.dialstring import leading_number

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
    if not channel.up or not channel.media_up:
        return False
    recording = Recording(path=path, started_us=core.clock.now_us(), limit_seconds=limit)
    channel.recordings.append(recording)
    core.emit(channel, "RECORD_START", suffix=[("Record-File-Path", path)])
    if limit > 0:

        def reached() -> None:
            if recording in channel.recordings:
                stop_recording(core, channel, recording, "success-maxtime")

        core.spawn_for(channel, float(limit), reached)
    return True


def stop_recording(core: SwitchCore, channel: Channel, recording: Recording, cause: str) -> None:
    if recording not in channel.recordings:
        return
    channel.recordings.remove(recording)
    elapsed_us = max(0, core.clock.now_us() - recording.started_us)
    if recording.limit_seconds:
        elapsed_us = min(elapsed_us, recording.limit_seconds * 1_000_000)
    samples = elapsed_us * SAMPLE_RATE // 1_000_000
    channel.set_var("record_samples", str(samples))
    channel.set_var("record_seconds", str(elapsed_us // 1_000_000))
    channel.set_var("record_ms", str(elapsed_us // 1000))
    if cause:
        channel.set_var("record_completion_cause", cause)
    write_wav(recording.path, elapsed_us / 1_000_000)
    suffix = [("Record-File-Path", recording.path)]
    if cause:
        suffix.append(("Record-Completion-Cause", cause))
    core.emit(channel, "RECORD_STOP", suffix=suffix)


def stop_recordings(core: SwitchCore, channel: Channel, path: str) -> bool:
    """uuid_record <uuid> stop <path|all>."""
    chosen = [r for r in channel.recordings if path == "all" or r.path == path]
    for recording in chosen:
        stop_recording(core, channel, recording, "")
    return bool(chosen)


def write_wav(path: str, seconds: float) -> None:
    """A valid PCM WAV file of silence; missing directories are created, as
    FreeSWITCH creates them for recordings."""
    directory = os.path.dirname(path)
    if directory:
        os.makedirs(directory, exist_ok=True)
    frames = int(min(max(seconds, 0.0), MAX_WAV_SECONDS) * SAMPLE_RATE)
    with wave.open(path, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        out.writeframes(b"\x00\x00" * frames)


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
