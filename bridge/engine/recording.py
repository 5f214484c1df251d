"""`DialRecorder`: the recording of one `<Dial record=...>`, from start to callback.

What is recorded, where, and how the tracks map to FreeSWITCH is in
`bridge.engine.recording_plan`; the commands, the file work, the row and the
callbacks are `bridge.engine.recorder.Recorder`'s (shared with a REST call's
Record=true). This wrapper decides when. The `DialRun` calls four hooks:

- `on_ringing()` when a leg rings and `on_connected()` once the caller is
  bridged: the recording starts at the first one its mode asks for. Start =
  `uuid_setvar` of RECORD_STEREO, RECORD_READ_ONLY, RECORD_WRITE_ONLY on the
  caller's channel, then `uuid_record <caller> start <file>`; then the row
  (in-progress) and the `in-progress` callback.
- `observe(item)` for every item the dial sees: RECORD_STOP of our file.
- `finish(dispatch)` when the dial is over (legs settled): a recording still
  running is stopped (`uuid_record <caller> stop <file>`; when the caller
  hung up FreeSWITCH stops it itself), and RECORD_STOP is waited for
  (`timings.settle` at most), handing every other item to `dispatch`. Then
  the file is made final: trimmed when `trim="trim-silence"` (in gevent's
  thread pool: `bridge.engine.wav_trim`), measured from its WAV header, the
  row set to completed or absent, and the callback sent.
- `annotate(result)` adds RecordingUrl, RecordingSid and RecordingDuration to
  the action request of a completed recording. The file is final by then:
  the URL already serves it.

`absent` means no audio to keep, with Twilio's ErrorCode:

- the recording never started: the dial never connected (record-from-answer),
  no leg rang nor answered (record-from-ringing), or FreeSWITCH refused
  `uuid_record` (16101);
- FreeSWITCH wrote no frame and discarded the file (`RECORD_DISCARDED`,
  `empty-file`), or the file is missing or empty (16101);
- trimming found only silence (16102); the empty file is removed.

Every `<Dial record>` thus ends with one recording row, completed or absent,
and the callbacks asked for (`recordingStatusCallbackEvent`). Failures of
the store or of a command are logged and never stop the call.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import replace

from bridge.cxml.models import Dial
from bridge.engine.errors import VerbFailed
from bridge.engine.params import DialResult
from bridge.engine.recorder import DurationCount, Recorder, plan_recording_run
from bridge.engine.recording_plan import (
    ABSENT_TOO_SHORT,
    RecordingSource,
    StartAt,
    plan_recording,
    recording_action_params,
    recording_file,
)
from bridge.engine.session import CallSession
from bridge.ids import new_recording_sid
from bridge.store.records import RecordingStatus
from bridge.switch import UnsafeValue
from bridge.webhooks.parameters import Params


class DialRecorder:
    def __init__(self, dial: Dial, call: CallSession) -> None:
        """Raises VerbFailed when the recording file's path cannot be given to
        FreeSWITCH (recordings_dir holds characters outside the path grammar)."""
        self.call = call
        self.recording: Recorder | None = None
        self._start_at = StartAt.ANSWER
        self._attempted = False
        self.not_started = "the dial never reached the point its record mode starts at"
        self._finished = False
        self._action: Params = ()
        plan = plan_recording(dial)
        if plan is None:
            return
        self._start_at = plan.start_at
        settings = call.services.settings
        account = call.party.account_sid
        sid = new_recording_sid()
        try:
            planned = plan_recording_run(
                settings, account, call.uuid, plan, RecordingSource.DIAL_VERB, sid
            )
        except UnsafeValue as error:
            path = recording_file(os.path.abspath(settings.recordings_dir), account, sid).absolute
            raise VerbFailed(
                dial.line,
                "Dial",
                f"cannot record to {path!r} (check recordings_dir): {error.reason}",
            ) from None
        self.recording = Recorder(call, planned, DurationCount.FILE)

    # -- hooks --------------------------------------------------------------------

    def on_ringing(self) -> None:
        if self._start_at is StartAt.RINGING:
            self._begin()

    def on_connected(self) -> None:
        self._begin()

    def observe(self, item: object) -> None:
        if self.recording is not None:
            self.recording.observe(item)

    def finish(self, dispatch: Callable[[object], None]) -> None:
        """Stop, wait for RECORD_STOP, make the file final, report. Once."""
        recording = self.recording
        if recording is None or self._finished:
            return
        self._finished = True
        if not recording.running:
            recording.report_absent(ABSENT_TOO_SHORT, self.not_started)
            return
        if recording.stop_event is None:
            if not self.call.caller_gone:
                self.call.try_api(recording.planned.stop)
            recording.await_stop(dispatch)
        status, duration = recording.finalize()
        if status is RecordingStatus.COMPLETED:
            self._action = recording_action_params(recording.planned.url, recording.sid, duration)

    def annotate(self, result: DialResult) -> DialResult:
        return replace(result, recording=self._action) if self._action else result

    # -- start ----------------------------------------------------------------------

    def _begin(self) -> None:
        if self.recording is None or self._attempted or self._finished:
            return
        self._attempted = True
        if self.call.caller_gone:
            self.not_started = "the caller hung up before it could start"
            return
        refused = self.recording.start()
        if refused is not None:
            # Not the dial's failure: it goes on unrecorded, and reports absent.
            self.not_started = refused
