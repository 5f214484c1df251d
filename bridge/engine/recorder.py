"""`Recorder`: one recording on a call's own channel, from `uuid_record start`
to its final row and callback. Shared by `<Dial record>` (`DialRecorder`,
bridge.engine.recording) and a REST call's `Record=true` (`CallRecorder`,
bridge.engine.call_recording); those decide *when* it starts and stops.

- `plan_recording_run(...)`: file, URL and the commands, checked once
  (raises bridge.switch.UnsafeValue for a recordings_dir FreeSWITCH cannot take).
- `start()`: `uuid_setvar` RECORD_STEREO, RECORD_READ_ONLY, RECORD_WRITE_ONLY,
  then `uuid_record <uuid> start <file>`; the row (in-progress) and the
  `in-progress` callback. A refusal is returned, never raised.
- `observe(item)`: RECORD_STOP of our file on our channel.
- `await_stop(dispatch)`: RECORD_STOP, `timings.settle` at most.
- `finalize()`: the file made final (trimmed when asked, in gevent's thread
  pool), measured, the row set completed or absent, the callback sent.
- `report_absent(code, why)`: a recording that never ran, as a row and callback.

How the duration is counted differs by source (`DurationCount`): a
`<Dial record>` reports the file's own length; a REST recording reports
FreeSWITCH's `record_ms` for an untrimmed file. Failures of the store are
logged and never stop the call.
"""

from __future__ import annotations

import logging
import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import TypeVar

import gevent

from bridge.config import Settings
from bridge.cxml.models import RecordingEvent
from bridge.engine.errors import CommandRefused
from bridge.engine.recording_plan import (
    ABSENT_SILENT,
    ABSENT_TOO_SHORT,
    DURATION_IN_PROGRESS,
    RecordingFile,
    RecordingPlan,
    RecordingReport,
    RecordingSource,
    recording_callback_params,
    recording_file,
    recording_url,
    whole_seconds,
)
from bridge.engine.session import CallSession
from bridge.engine.wav_trim import UnsupportedWav, trim_silence, wav_info
from bridge.esl.errors import EslError
from bridge.esl.events import ChannelEvent
from bridge.store.records import NewRecording, RecordingStatus
from bridge.switch import RecordAction, uuid_record, uuid_setvar
from bridge.webhooks.callbacks import CallbackKind, StatusCallbackRequest

log = logging.getLogger(__name__)

T = TypeVar("T")

# RECORD_STOP's Record-Completion-Cause when FreeSWITCH removed the file.
DISCARDED_CAUSES = frozenset({"empty-file", "input-too-short"})

_EVENTS: dict[RecordingStatus, RecordingEvent] = {
    RecordingStatus.IN_PROGRESS: RecordingEvent.IN_PROGRESS,
    RecordingStatus.COMPLETED: RecordingEvent.COMPLETED,
    RecordingStatus.ABSENT: RecordingEvent.ABSENT,
}


class DurationCount(Enum):
    # The file's length (after trimming, when trimmed); FreeSWITCH's
    # record_ms only for a file the bridge cannot read (0 if it has none).
    FILE = "file"
    # FreeSWITCH's record_ms for an untrimmed file (the file's length when
    # it has none); an unreadable file counts at least 1 s.
    SWITCH = "switch"


@dataclass(frozen=True, slots=True)
class PlannedRecording:
    plan: RecordingPlan
    source: RecordingSource
    sid: str
    file: RecordingFile
    url: str
    start: tuple[str, ...]  # the uuid_setvar commands, then uuid_record start
    stop: str  # uuid_record stop


def plan_recording_run(
    settings: Settings,
    account_sid: str,
    uuid: str,
    plan: RecordingPlan,
    source: RecordingSource,
    sid: str,
) -> PlannedRecording:
    """Raises bridge.switch.UnsafeValue when recordings_dir cannot be given to FreeSWITCH."""
    file = recording_file(os.path.abspath(settings.recordings_dir), account_sid, sid)
    start = tuple(uuid_setvar(uuid, name, value) for name, value in plan.variables) + (
        uuid_record(uuid, RecordAction.START, file.absolute),
    )
    return PlannedRecording(
        plan=plan,
        source=source,
        sid=sid,
        file=file,
        url=recording_url(settings.http.base_url, account_sid, sid),
        start=start,
        stop=uuid_record(uuid, RecordAction.STOP, file.absolute),
    )


class Recorder:
    def __init__(self, call: CallSession, planned: PlannedRecording, count: DurationCount) -> None:
        self.call = call
        self.planned = planned
        self.count = count
        self.running = False  # uuid_record start was accepted
        self.started_at: datetime | None = None
        self.stop_event: ChannelEvent | None = None

    @property
    def sid(self) -> str:
        return self.planned.sid

    # -- start ----------------------------------------------------------------------

    def start(self) -> str | None:
        """None once running; otherwise why it did not start (logged). Never raises."""
        call = self.call
        try:
            for command in self.planned.start:
                call.api(command)
        except (EslError, CommandRefused) as error:
            # Not the call's failure: it goes on unrecorded, and reports absent.
            log.warning("call %s: recording %s not started: %s", call.call_sid, self.sid, error)
            return f"uuid_record refused: {error}"
        self.running = True
        self.started_at = call.services.clock()
        self._store_new(RecordingStatus.IN_PROGRESS, self.started_at, self.planned.file.relative)
        self._report(RecordingStatus.IN_PROGRESS, DURATION_IN_PROGRESS)
        return None

    # -- the stop -------------------------------------------------------------------

    def observe(self, item: object) -> None:
        if (
            self.running
            and isinstance(item, ChannelEvent)
            and item.name == "RECORD_STOP"
            and item.uuid is not None
            and item.uuid.lower() == self.call.uuid.lower()
            and item.header("Record-File-Path") == self.planned.file.absolute
        ):
            self.stop_event = item

    def await_stop(self, dispatch: Callable[[object], None]) -> None:
        """Wait for RECORD_STOP (`timings.settle` at most), handing every item to `dispatch`."""
        call = self.call
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
                return
            dispatch(item)

    # -- the end ------------------------------------------------------------------------

    def finalize(self) -> tuple[RecordingStatus, int]:
        """Make the file final, update the row, send the callback: (status, duration)."""
        status, duration, error_code, why = self._examine()
        if status is RecordingStatus.ABSENT:
            log.info("call %s: recording %s is absent: %s", self.call.call_sid, self.sid, why)
        self._store_update(status, duration)
        self._report(status, duration, error_code)
        return status, duration

    def report_absent(self, error_code: int, why: str) -> None:
        log.info("call %s: recording %s is absent: %s", self.call.call_sid, self.sid, why)
        self._store_new(RecordingStatus.ABSENT, None, None)
        self._store_update(None, 0)
        self._report(RecordingStatus.ABSENT, 0, error_code)

    def _examine(self) -> tuple[RecordingStatus, int, int | None, str]:
        """(status, duration, ErrorCode, why) of the file FreeSWITCH left."""
        absent = RecordingStatus.ABSENT
        stop = self.stop_event
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
        if (
            stop.variable("RECORD_DISCARDED") == "true"
            or stop.header("Record-Completion-Cause") in DISCARDED_CAUSES
        ):
            return absent, 0, ABSENT_TOO_SHORT, "FreeSWITCH wrote no audio and removed the file"
        path = self.planned.file.absolute
        trimmed = self.planned.plan.trim
        switch_count = self.count is DurationCount.SWITCH
        try:
            info = _off_loop(lambda: trim_silence(path).after if trimmed else wav_info(path))
        except FileNotFoundError:
            return absent, 0, ABSENT_TOO_SHORT, f"no file at {path}"
        except (UnsupportedWav, OSError) as error:
            # FreeSWITCH's file, which the bridge cannot read: keep it as it
            # is and trust FreeSWITCH's own count.
            seconds = _record_seconds(stop)
            if switch_count:
                seconds = seconds or 1
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
        seconds = whole_seconds(info.frames, info.rate)
        if switch_count and not trimmed:
            seconds = _record_seconds(stop) or seconds
        return RecordingStatus.COMPLETED, seconds, None, ""

    # -- store and callbacks ----------------------------------------------------------

    def _store_new(
        self, status: RecordingStatus, start_time: datetime | None, file_path: str | None
    ) -> None:
        store = self.call.services.recordings
        if store is None:
            log.warning("recording %s: no recording store configured; not kept", self.sid)
            return
        plan = self.planned.plan
        try:
            store.create_recording(
                NewRecording(
                    account_sid=self.call.party.account_sid,
                    call_sid=self.call.call_sid,
                    source=self.planned.source.value,
                    channels=plan.channels,
                    track=plan.track.value,
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
        plan = self.planned.plan
        if plan.callback is None or not plan.wants(_EVENTS[status]):
            return
        call = self.call
        report = RecordingReport(
            account_sid=call.party.account_sid,
            call_sid=call.call_sid,
            sid=self.sid,
            url=self.planned.url,
            status=status,
            duration=duration,
            channels=plan.channels,
            track=plan.track,
            start_time=self.started_at,
            error_code=error_code,
            source=self.planned.source,
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


def _record_seconds(stop: ChannelEvent) -> int:
    """FreeSWITCH's `record_ms` (set before RECORD_STOP), in whole seconds rounded up."""
    text = stop.variable("record_ms")
    if text is None or not text.isdigit():
        return 0
    return -(-int(text) // 1000)
