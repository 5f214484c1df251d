"""`CallRecorder`: a REST-created call's `Record=true`, the whole call from its answer.

Where, what and how are the `<Dial record>` pieces (`bridge.engine.
recording_plan`): the file is `<recordings_dir>/<AccountSid>/<RecordingSid>.wav`,
RecordingChannels and RecordingTrack become RECORD_STEREO, RECORD_READ_ONLY
and RECORD_WRITE_ONLY on the call's own channel, and the row and the
callbacks carry the same fields, with RecordingSource `OutboundAPI` (Twilio's
value for this source).

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

import logging
import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

import gevent

from bridge.config import Settings
from bridge.cxml.models import RecordingEvent
from bridge.engine.control import RecordingOptions
from bridge.engine.errors import CommandRefused
from bridge.engine.recording import DISCARDED_CAUSES
from bridge.engine.recording_plan import (
    ABSENT_SILENT,
    ABSENT_TOO_SHORT,
    DURATION_IN_PROGRESS,
    RecordingCallback,
    RecordingFile,
    RecordingPlan,
    RecordingReport,
    StartAt,
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
from bridge.switch import RecordAction, uuid_record, uuid_setvar
from bridge.webhooks.callbacks import CallbackKind, StatusCallbackRequest
from bridge.webhooks.parameters import Params

log = logging.getLogger(__name__)

T = TypeVar("T")

RECORDING_SOURCE = "OutboundAPI"

_EVENTS: dict[RecordingStatus, RecordingEvent] = {
    RecordingStatus.IN_PROGRESS: RecordingEvent.IN_PROGRESS,
    RecordingStatus.COMPLETED: RecordingEvent.COMPLETED,
    RecordingStatus.ABSENT: RecordingEvent.ABSENT,
}


@dataclass(frozen=True, slots=True)
class PlannedRecording:
    sid: str
    file: RecordingFile
    url: str
    plan: RecordingPlan
    start: tuple[str, ...]  # the uuid_setvar commands, then uuid_record start


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
    sid = new_recording_sid()
    file = recording_file(os.path.abspath(settings.recordings_dir), account_sid, sid)
    start = tuple(uuid_setvar(uuid, name, value) for name, value in plan.variables) + (
        uuid_record(uuid, RecordAction.START, file.absolute),
    )
    return PlannedRecording(
        sid, file, recording_url(settings.http.base_url, account_sid, sid), plan, start
    )


class CallRecorder:
    def __init__(self, call: CallSession, planned: PlannedRecording) -> None:
        self.call = call
        self.planned = planned
        self.started_at: datetime | None = None
        self.stop_event: ChannelEvent | None = None

    @property
    def sid(self) -> str:
        return self.planned.sid

    def start(self) -> None:
        """At the answer. Never raises: a refused start is reported absent."""
        call = self.call
        try:
            for command in self.planned.start:
                call.api(command)
        except (EslError, CommandRefused) as error:
            log.warning("call %s: recording %s not started: %s", call.call_sid, self.sid, error)
            self._store_new(RecordingStatus.ABSENT, None, None)
            self._store_update(None, 0)
            self._report(RecordingStatus.ABSENT, 0, ABSENT_TOO_SHORT)
            return
        self.started_at = call.services.clock()
        call.watch(self._observe)
        call.when_over(self._finish)
        self._store_new(RecordingStatus.IN_PROGRESS, self.started_at, self.planned.file.relative)
        self._report(RecordingStatus.IN_PROGRESS, DURATION_IN_PROGRESS)

    def _observe(self, event: ChannelEvent) -> None:
        if (
            event.name == "RECORD_STOP"
            and event.uuid is not None
            and event.uuid.lower() == self.call.uuid.lower()
            and event.header("Record-File-Path") == self.planned.file.absolute
        ):
            self.stop_event = event

    def _finish(self) -> None:
        call = self.call
        deadline = time.monotonic() + call.services.timings.settle
        while self.stop_event is None:
            if call.wait(deadline, interruptible=False) is None:
                break
        status, duration, error_code, why = self._examine()
        if status is RecordingStatus.ABSENT:
            log.info("call %s: recording %s is absent: %s", call.call_sid, self.sid, why)
        self._store_update(status, duration)
        self._report(status, duration, error_code)

    def _examine(self) -> tuple[RecordingStatus, int, int | None, str]:
        """(status, duration, ErrorCode, why) of the file FreeSWITCH left."""
        absent = RecordingStatus.ABSENT
        stop = self.stop_event
        path = self.planned.file.absolute
        if stop is None:
            # FreeSWITCH may still be writing it: leave it, count from the start.
            started = self.started_at or self.call.services.clock()
            elapsed = (self.call.services.clock() - started).total_seconds()
            log.warning(
                "call %s: recording %s: no RECORD_STOP; reported untrimmed, ~%d s",
                self.call.call_sid,
                self.sid,
                math.ceil(elapsed),
            )
            return RecordingStatus.COMPLETED, max(1, math.ceil(elapsed)), None, ""
        if (
            stop.variable("RECORD_DISCARDED") == "true"
            or stop.header("Record-Completion-Cause") in DISCARDED_CAUSES
        ):
            return absent, 0, ABSENT_TOO_SHORT, "FreeSWITCH wrote no audio and removed the file"
        trimmed = self.planned.plan.trim
        try:
            info = _off_loop(lambda: trim_silence(path).after if trimmed else wav_info(path))
        except FileNotFoundError:
            return absent, 0, ABSENT_TOO_SHORT, f"no file at {path}"
        except (UnsupportedWav, OSError) as error:
            log.error(
                "call %s: recording %s: %s; kept as it is", self.call.call_sid, self.sid, error
            )
            return RecordingStatus.COMPLETED, _record_seconds(stop) or 1, None, ""
        if info.frames == 0:
            try:
                os.unlink(path)
            except OSError as error:
                log.warning("recording %s: empty file %s not removed: %s", self.sid, path, error)
            if trimmed:
                return absent, 0, ABSENT_SILENT, "only silence, trimmed to nothing"
            return absent, 0, ABSENT_TOO_SHORT, "an empty file"
        seconds = whole_seconds(info.frames, info.rate)
        if not trimmed:
            seconds = _record_seconds(stop) or seconds  # FreeSWITCH's own count
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
                    source=RECORDING_SOURCE,
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
        )
        call.services.callbacks.enqueue(
            StatusCallbackRequest(
                call_sid=call.call_sid,
                url=plan.callback.url,
                method=plan.callback.method,
                params=_with_source(recording_callback_params(report)),
                kind=CallbackKind.RECORDING,
                timestamp=call.services.clock(),
            )
        )


def _with_source(params: Params) -> Params:
    """recording_callback_params names the <Dial> as the source; this one is the API."""
    return tuple(
        (name, RECORDING_SOURCE if name == "RecordingSource" else value) for name, value in params
    )


def _off_loop(function: Callable[[], T]) -> T:
    """File work in gevent's thread pool: the other calls go on meanwhile."""
    result: T = gevent.get_hub().threadpool.apply(function)
    return result


def _record_seconds(stop: ChannelEvent) -> int:
    """FreeSWITCH's `record_ms` (set before RECORD_STOP) in whole seconds, rounded up."""
    text = stop.variable("record_ms")
    if text is None or not text.isdigit():
        return 0
    return math.ceil(int(text) / 1000)
