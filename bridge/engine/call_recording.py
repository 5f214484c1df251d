"""`CallRecorder`: a REST-created call's `Record=true`, the whole call from its answer.

Where, what and how are the `<Dial record>` pieces (`bridge.engine.
recording_plan`): the file is `<recordings_dir>/<AccountSid>/<RecordingSid>.wav`,
RecordingChannels and RecordingTrack become RECORD_STEREO, RECORD_READ_ONLY
and RECORD_WRITE_ONLY on the call's own channel, and the row and the
callbacks carry the same fields, with RecordingSource `OutboundAPI` (Twilio's
value for this source). The commands, the file work, the row and the
callbacks are `bridge.engine.recorder.Recorder`'s; this wrapper decides when.

- `plan_call_recording(...)`, when the call is placed: the sid, file, URL and
  the commands, checked (a recordings_dir FreeSWITCH cannot be given refuses
  the request, rather than a call that would silently not be recorded).
- `CallRecorder.start()`, once the call answered, before its document runs:
  `uuid_setvar` x3 then `uuid_record <uuid> start <file>`; the row
  (in-progress) and the `in-progress` callback. A refused start is reported
  `absent` (16101) and the call goes on.
- It is stopped by the hangup (FreeSWITCH closes the file and fires
  RECORD_STOP, which `watch` catches whichever verb is waiting then).
- Once the call is over (`when_over`), before the call is released: the
  file is made final: trimmed when asked (Trim=trim-silence, the default for
  calls), the duration taken from RECORD_STOP's `record_ms` (after trimming,
  from the trimmed file), the row set completed or absent, the callback sent.

A call that never answers has no recording and sends no recording callback.
"""

from __future__ import annotations

from bridge.config import Settings
from bridge.engine.control import RecordingOptions
from bridge.engine.recorder import DurationCount, PlannedRecording, Recorder, plan_recording_run
from bridge.engine.recording_plan import (
    ABSENT_TOO_SHORT,
    RecordingCallback,
    RecordingPlan,
    RecordingSource,
    StartAt,
)
from bridge.engine.session import CallSession
from bridge.ids import new_recording_sid

__all__ = ["CallRecorder", "PlannedRecording", "plan_call_recording"]


def plan_call_recording(
    settings: Settings, account_sid: str, uuid: str, options: RecordingOptions
) -> PlannedRecording:
    """Raises bridge.switch.UnsafeValue when recordings_dir cannot be given to FreeSWITCH."""
    callback = None
    if options.status_callback is not None:
        callback = RecordingCallback(
            options.status_callback, options.status_callback_method, options.status_callback_events
        )
    plan = RecordingPlan(
        start_at=StartAt.ANSWER,
        channels=options.channels,
        track=options.track,
        trim=options.trim,
        callback=callback,
    )
    return plan_recording_run(
        settings, account_sid, uuid, plan, RecordingSource.OUTBOUND_API, new_recording_sid()
    )


class CallRecorder:
    def __init__(self, call: CallSession, planned: PlannedRecording) -> None:
        self.call = call
        # A REST recording reports FreeSWITCH's own count of an untrimmed file.
        self.recording = Recorder(call, planned, DurationCount.SWITCH)

    @property
    def sid(self) -> str:
        return self.recording.sid

    def start(self) -> None:
        """At the answer. Never raises: a refused start is reported absent."""
        refused = self.recording.start()
        if refused is not None:
            self.recording.report_absent(ABSENT_TOO_SHORT, refused)
            return
        self.call.watch(self.recording.observe)
        self.call.when_over(self._finish)

    def _finish(self) -> None:
        # The hangup stopped it: FreeSWITCH closes the file and fires RECORD_STOP.
        # Whatever else arrives now has no one left to read it.
        self.recording.await_stop(lambda item: None)
        self.recording.finalize()
