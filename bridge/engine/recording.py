"""`DialRecorder`: the recording of one `<Dial record=...>`, from start to callback.

What is recorded, where, and how the tracks map to FreeSWITCH is in
`bridge.engine.recording_plan`. The `DialRun` calls four hooks:

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

import logging
import math
import os
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import TypeVar

import gevent

from bridge.cxml.models import Dial, RecordingEvent
from bridge.engine.errors import CommandRefused, VerbFailed
from bridge.engine.params import DialResult
from bridge.engine.recording_plan import (
    ABSENT_SILENT,
    ABSENT_TOO_SHORT,
    DURATION_IN_PROGRESS,
    RECORDING_SOURCE,
    RecordingReport,
    StartAt,
    plan_recording,
    recording_action_params,
    recording_callback_params,
    recording_file,
    recording_url,
    whole_seconds,
)
from bridge.engine.session import CallSession
from bridge.engine.wav_trim import UnsupportedWav, trim_silence, wav_info
from bridge.esl.errors import EslError
from bridge.esl.events import ChannelEvent
from bridge.ids import new_recording_sid
from bridge.store.records import NewRecording, RecordingStatus
from bridge.switch import RecordAction, UnsafeValue, uuid_record, uuid_setvar
from bridge.webhooks.callbacks import CallbackKind, StatusCallbackRequest
from bridge.webhooks.parameters import Params

log = logging.getLogger(__name__)

T = TypeVar("T")

# RECORD_STOP's Record-Completion-Cause when FreeSWITCH removed the file.
DISCARDED_CAUSES = frozenset({"empty-file", "input-too-short"})

_EVENTS: dict[RecordingStatus, RecordingEvent] = {
    RecordingStatus.IN_PROGRESS: RecordingEvent.IN_PROGRESS,
    RecordingStatus.COMPLETED: RecordingEvent.COMPLETED,
    RecordingStatus.ABSENT: RecordingEvent.ABSENT,
}


class DialRecorder:
    def __init__(self, dial: Dial, call: CallSession) -> None:
        """Raises VerbFailed when the recording file's path cannot be given to
        FreeSWITCH (recordings_dir holds characters outside the path grammar)."""
        self.call = call
        self.plan = plan_recording(dial)
        self.sid = ""
        self.url = ""
        self.started_at: datetime | None = None
        self.running = False  # uuid_record start was accepted
        self._attempted = False
        self.not_started = "the dial never reached the point its record mode starts at"
        self.stop_event: ChannelEvent | None = None
        self._finished = False
        self._action: Params = ()
        if self.plan is None:
            return
        settings = call.services.settings
        account = call.party.account_sid
        self.sid = new_recording_sid()
        self.file = recording_file(os.path.abspath(settings.recordings_dir), account, self.sid)
        self.url = recording_url(settings.http.base_url, account, self.sid)
        try:
            self._setvars = tuple(uuid_setvar(call.uuid, n, v) for n, v in self.plan.variables)
            self._start = uuid_record(call.uuid, RecordAction.START, self.file.absolute)
            self._stop = uuid_record(call.uuid, RecordAction.STOP, self.file.absolute)
        except UnsafeValue as error:
            raise VerbFailed(
                dial.line,
                "Dial",
                f"cannot record to {self.file.absolute!r} (check recordings_dir): {error.reason}",
            ) from None

    # -- hooks --------------------------------------------------------------------

    def on_ringing(self) -> None:
        if self.plan is not None and self.plan.start_at is StartAt.RINGING:
            self._begin()

    def on_connected(self) -> None:
        if self.plan is not None:
            self._begin()

    def observe(self, item: object) -> None:
        if (
            self.running
            and isinstance(item, ChannelEvent)
            and item.name == "RECORD_STOP"
            and item.uuid is not None
            and item.uuid.lower() == self.call.uuid.lower()
            and item.header("Record-File-Path") == self.file.absolute
        ):
            self.stop_event = item

    def finish(self, dispatch: Callable[[object], None]) -> None:
        """Stop, wait for RECORD_STOP, make the file final, report. Once."""
        if self.plan is None or self._finished:
            return
        self._finished = True
        if not self.running:
            self._absent(ABSENT_TOO_SHORT, self.not_started)
            return
        call = self.call
        if self.stop_event is None:
            if not call.caller_gone:
                call.try_api(self._stop)
            deadline = time.monotonic() + call.services.timings.settle
            while self.stop_event is None:
                item = call.wait(deadline, interruptible=False)
                if item is None:
                    log.warning(
                        "call %s: recording %s: no RECORD_STOP within %s s; "
                        "reporting the file as it is",
                        call.call_sid,
                        self.sid,
                        call.services.timings.settle,
                    )
                    break
                dispatch(item)
        self._finalize()

    def annotate(self, result: DialResult) -> DialResult:
        return replace(result, recording=self._action) if self._action else result

    # -- start ----------------------------------------------------------------------

    def _begin(self) -> None:
        assert self.plan is not None
        if self._attempted or self._finished:
            return
        self._attempted = True
        call = self.call
        if call.caller_gone:
            self.not_started = "the caller hung up before it could start"
            return
        try:
            for command in (*self._setvars, self._start):
                call.api(command)
        except (EslError, CommandRefused) as error:
            # Not the dial's failure: it goes on unrecorded, and reports absent.
            log.warning("call %s: recording %s not started: %s", call.call_sid, self.sid, error)
            self.not_started = f"uuid_record refused: {error}"
            return
        self.running = True
        self.started_at = call.services.clock()
        self._store_new(RecordingStatus.IN_PROGRESS, self.started_at, self.file.relative)
        self._report(RecordingStatus.IN_PROGRESS, DURATION_IN_PROGRESS)

    # -- the end ------------------------------------------------------------------------

    def _finalize(self) -> None:
        status, duration, error_code, why = self._examine()
        if status is RecordingStatus.ABSENT:
            log.info("call %s: recording %s is absent: %s", self.call.call_sid, self.sid, why)
        self._store_update(status, duration)
        self._report(status, duration, error_code)
        if status is RecordingStatus.COMPLETED:
            self._action = recording_action_params(self.url, self.sid, duration)

    def _examine(self) -> tuple[RecordingStatus, int, int | None, str]:
        """(status, duration, ErrorCode, why) of the file FreeSWITCH left."""
        assert self.plan is not None
        absent = RecordingStatus.ABSENT
        stop = self.stop_event
        if stop is not None and (
            stop.variable("RECORD_DISCARDED") == "true"
            or stop.header("Record-Completion-Cause") in DISCARDED_CAUSES
        ):
            return absent, 0, ABSENT_TOO_SHORT, "FreeSWITCH wrote no audio and removed the file"
        if stop is None:
            # FreeSWITCH may still be writing it (the stop was lost with the
            # Event Socket): leave the file alone and count the time since the start.
            started = self.started_at or self.call.services.clock()
            elapsed = (self.call.services.clock() - started).total_seconds()
            seconds = max(1, math.ceil(elapsed))
            log.warning(
                "call %s: recording %s: reported without RECORD_STOP, untrimmed, ~%d s",
                self.call.call_sid,
                self.sid,
                seconds,
            )
            return RecordingStatus.COMPLETED, seconds, None, ""
        path = self.file.absolute
        trimmed = self.plan.trim
        try:
            if trimmed:
                info = _off_loop(lambda: trim_silence(path).after)
            else:
                info = _off_loop(lambda: wav_info(path))
        except FileNotFoundError:
            return absent, 0, ABSENT_TOO_SHORT, f"no file at {path}"
        except (UnsupportedWav, OSError) as error:
            # FreeSWITCH's file, which the bridge cannot read: keep it as it
            # is and trust FreeSWITCH's own count.
            seconds = _record_seconds(stop)
            log.error(
                "call %s: recording %s: %s; kept untrimmed, %s s as FreeSWITCH counted",
                self.call.call_sid,
                self.sid,
                error,
                seconds,
            )
            return RecordingStatus.COMPLETED, seconds, None, ""
        if info.frames == 0:
            try:
                os.unlink(path)
            except OSError as error:
                log.warning("recording %s: empty file %s not removed: %s", self.sid, path, error)
            if trimmed:
                return absent, 0, ABSENT_SILENT, "only silence, trimmed to nothing"
            return absent, 0, ABSENT_TOO_SHORT, "an empty file"
        return RecordingStatus.COMPLETED, whole_seconds(info.frames, info.rate), None, ""

    def _absent(self, error_code: int, why: str) -> None:
        log.info("call %s: recording %s is absent: %s", self.call.call_sid, self.sid, why)
        self._store_new(RecordingStatus.ABSENT, None, None)
        self._store_update(None, 0)
        self._report(RecordingStatus.ABSENT, 0, error_code)

    # -- store and callbacks ----------------------------------------------------------

    def _store_new(
        self, status: RecordingStatus, start_time: datetime | None, file_path: str | None
    ) -> None:
        assert self.plan is not None
        store = self.call.services.recordings
        if store is None:
            log.warning("recording %s: no recording store configured; not kept", self.sid)
            return
        try:
            store.create_recording(
                NewRecording(
                    account_sid=self.call.party.account_sid,
                    call_sid=self.call.call_sid,
                    source=RECORDING_SOURCE,
                    channels=self.plan.channels,
                    track=self.plan.track.value,
                    status=status,
                    start_time=start_time,
                    file_path=file_path,
                    sid=self.sid,
                )
            )
        except Exception:
            log.exception("call %s: recording %s not stored", self.call.call_sid, self.sid)

    def _store_update(self, status: RecordingStatus | None, duration: int) -> None:
        store = self.call.services.recordings
        if store is None:
            return
        try:
            store.update_recording(self.sid, status=status, duration=duration)
        except Exception:
            log.exception("call %s: recording %s not updated", self.call.call_sid, self.sid)

    def _report(
        self, status: RecordingStatus, duration: int, error_code: int | None = None
    ) -> None:
        plan = self.plan
        assert plan is not None
        if plan.callback is None or not plan.wants(_EVENTS[status]):
            return
        call = self.call
        report = RecordingReport(
            account_sid=call.party.account_sid,
            call_sid=call.call_sid,
            sid=self.sid,
            url=self.url,
            status=status,
            duration=duration,
            channels=plan.channels,
            track=plan.track,
            start_time=self.started_at,
            error_code=error_code,
        )
        call.services.callbacks.enqueue(
            StatusCallbackRequest(
                call_sid=call.call_sid,
                url=plan.callback.url,
                method=plan.callback.method,
                params=recording_callback_params(report),
                kind=CallbackKind.RECORDING,
                timestamp=call.services.clock(),
            )
        )


def _off_loop(function: Callable[[], T]) -> T:
    """Run file work in gevent's thread pool: the other calls go on meanwhile."""
    result: T = gevent.get_hub().threadpool.apply(function)
    return result


def _record_seconds(stop: ChannelEvent | None) -> int:
    """FreeSWITCH's `record_ms` (set before RECORD_STOP), in whole seconds rounded up."""
    text = stop.variable("record_ms") if stop is not None else None
    if text is None or not text.isdigit():
        return 0
    return -(-int(text) // 1000)
