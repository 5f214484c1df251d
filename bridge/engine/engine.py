"""`Engine`: the switchboard, the live calls, and `CallControl` for the REST API.

Life: `start()`; calls come in (CHANNEL_PARK of tagged channels) and go out
(`place_call`); `shutdown(grace)` stops taking new calls (new inbound
calls are refused with 503 so the calling PBX can go elsewhere; `place_call`
raises SwitchUnavailable), lets calls in progress finish for up to `grace`
seconds, then ends the rest deliberately (an end request each: legs
cancelled, callers hung up, statuses recorded) and stops the switchboard.
"""

from __future__ import annotations

import logging
import time
import uuid as uuidlib
from typing import Literal

import gevent
from gevent.queue import Queue

from bridge.cxml.models import DIAL_TIMEOUT_RANGE, CallProgressEvent, Dial, Sip
from bridge.engine.call_recording import plan_call_recording
from bridge.engine.control import (
    CallNotFound,
    CallNotLive,
    CallStateConflict,
    DocumentSource,
    DocumentUrl,
    InvalidRequest,
    PlaceCall,
    SwitchUnavailable,
)
from bridge.engine.digits import DigitsToSend
from bridge.engine.inbound import inbound_session, run_inbound
from bridge.engine.interrupts import EndCall, RedirectCall
from bridge.engine.outbound import document_getter, run_outbound
from bridge.engine.params import CallParty, sip_address
from bridge.engine.presence import still_on_switch
from bridge.engine.progress import CallbackTarget, ProgressReporter
from bridge.engine.services import CallServices
from bridge.engine.session import CallSession
from bridge.engine.statuses import FAILURE_CAUSE
from bridge.engine.switchboard import Switchboard
from bridge.esl.errors import EslError
from bridge.esl.events import ChannelEvent, Resynced
from bridge.ids import new_call_sid
from bridge.store.records import CallDirection, CallRecord, CallStatus, NewCall
from bridge.switch import (
    DialContext,
    HangupCause,
    LegIdentity,
    UnsafeValue,
    build_originate,
    uuid_kill,
)

log = logging.getLogger(__name__)

SHUTDOWN_REASON = "the bridge is shutting down"
LEFTOVER_DETAIL = "the bridge stopped while the call was live"


class Engine:
    def __init__(self, services: CallServices, events: Queue) -> None:
        self.services = services
        self.switchboard = Switchboard(events, self._on_inbound, self._on_resync)
        self._calls: dict[str, CallSession] = {}
        # Channels of finished calls that could not be ended (the switch was
        # away): ended as soon as it is back, so none stays parked for ever.
        self._orphans: set[str] = set()
        self.accepting = True

    # -- life -------------------------------------------------------------------

    def start(self) -> None:
        self.switchboard.start()

    @property
    def live_calls(self) -> tuple[CallSession, ...]:
        return tuple(self._calls.values())

    def stop_accepting(self) -> None:
        self.accepting = False

    def wait_idle(self, timeout: float) -> bool:
        """True once every call is over; False if some are left after `timeout` s."""
        deadline = time.monotonic() + timeout
        for call in list(self._calls.values()):
            if not call.finished.wait(max(0.0, deadline - time.monotonic())):
                return False
        return True

    def end_all(self, reason: str) -> None:
        for call in list(self._calls.values()):
            call.deliver(EndCall("completed", reason))

    def shutdown(self, grace: float) -> None:
        self.stop_accepting()
        if self._calls:
            log.info("waiting up to %s s for %d call(s) to finish", grace, len(self._calls))
        if not self.wait_idle(grace):
            log.warning(
                "ending %d call(s) still in progress: %s", len(self._calls), SHUTDOWN_REASON
            )
            self.end_all(SHUTDOWN_REASON)
            timings = self.services.timings
            if not self.wait_idle(timings.settle * 2 + timings.command_timeout):
                log.error("%d call(s) did not end in time", len(self._calls))
        self.switchboard.stop()

    def close_leftovers(self) -> int:
        """End the calls an earlier run of the bridge left live (it crashed or was killed).

        Nobody runs them any more: their channels, if FreeSWITCH still has
        them, are hung up, and they are recorded as over (completed if they
        were answered, else failed) with a detail saying why. Only for a
        database this bridge has to itself (SQLite): with a shared
        PostgreSQL, another instance may be running them.
        """
        closed = 0
        for record in self.services.calls.live_calls():
            if record.sid in self._calls:
                continue
            answered = record.status is CallStatus.IN_PROGRESS
            if record.fs_uuid:
                cause = HangupCause.NORMAL_CLEARING if answered else FAILURE_CAUSE
                self._quietly(uuid_kill(record.fs_uuid, cause))
            status = CallStatus.COMPLETED if answered else CallStatus.FAILED
            try:
                self.services.calls.update_status(
                    record.sid,
                    status,
                    at=self.services.clock(),
                    detail=LEFTOVER_DETAIL,
                )
            except Exception:
                log.exception("call %s left live by the last run: not closed", record.sid)
                continue
            closed += 1
        if closed:
            log.warning("%d call(s) left live by the last run closed: %s", closed, LEFTOVER_DETAIL)
        return closed

    def _start(self, call: CallSession, greenlet: gevent.Greenlet) -> None:
        self._calls[call.call_sid] = call

        def forget(_: object) -> None:
            self._calls.pop(call.call_sid, None)
            if not call.finished.is_set():  # the program never got to release it
                call.release()
            leftovers = call.leftovers()
            if leftovers:
                self._orphans |= leftovers
                gevent.spawn(self._end_orphans, None)

        greenlet.link(forget)
        greenlet.start()

    # -- inbound ------------------------------------------------------------------

    def _on_inbound(self, event: ChannelEvent) -> None:
        assert event.uuid is not None
        if not self.accepting:
            log.warning("inbound call on %s refused: %s", event.uuid, SHUTDOWN_REASON)
            command = uuid_kill(event.uuid, FAILURE_CAUSE)
            gevent.spawn(self._quietly, command)
            return
        call, route = inbound_session(self.services, self.switchboard, event, new_call_sid())
        self._start(call, gevent.Greenlet(run_inbound, call, route))

    def _on_resync(self, resynced: Resynced) -> None:
        if self._orphans:
            gevent.spawn(self._end_orphans, resynced.uuids)

    def _end_orphans(self, present: frozenset[str] | None) -> None:
        """End channels of finished calls; `present`: what the switch has (None: unknown)."""
        for uuid in sorted(self._orphans):
            if present is not None and uuid not in present and uuid.lower() not in present:
                timeout = self.services.timings.command_timeout
                if not still_on_switch(self.services.switch, uuid, timeout):
                    self._orphans.discard(uuid)
                    continue
            try:
                reply = self.services.switch.api(
                    uuid_kill(uuid, FAILURE_CAUSE), timeout=self.services.timings.command_timeout
                )
            except EslError as error:
                log.warning("channel %s of a finished call not ended yet: %s", uuid, error)
                continue
            self._orphans.discard(uuid)
            if reply.startswith("+OK"):
                log.warning("channel %s of a finished call was still up: ended", uuid)

    def _quietly(self, command: str) -> None:
        try:
            self.services.switch.api(command, timeout=self.services.timings.command_timeout)
        except Exception as error:  # noqa: BLE001 (logged)
            log.warning("%r failed: %s", command, error)

    # -- CallControl ------------------------------------------------------------------

    def place_call(self, request: PlaceCall) -> CallRecord:
        if not self.accepting:
            raise SwitchUnavailable(SHUTDOWN_REASON)
        if not self.services.switch.connected:
            raise SwitchUnavailable("FreeSWITCH's Event Socket is not connected")
        settings = self.services.settings
        low, high = DIAL_TIMEOUT_RANGE
        timeout = min(max(request.timeout, low), high)
        sid = new_call_sid()
        channel = str(uuidlib.uuid4())
        sip = Sip(
            uri=request.to,
            line=0,
            username=request.sip_auth_username,
            password=request.sip_auth_password,
        )
        dial = Dial(
            line=0,
            nouns=(sip,),
            timeout=timeout,
            caller_id=request.from_,
            caller_name=request.caller_name,
        )
        context = DialContext(
            account_sid=request.account_sid,
            caller_id_number=request.from_,
            caller_id_name=request.caller_name,
            profile=settings.sofia_profile,
        )
        try:
            command = build_originate(dial, sip, LegIdentity(sid, channel), context)
        except UnsafeValue as error:
            raise InvalidRequest(f"the call cannot be placed: {error}") from None
        recording = None
        if request.record:
            try:
                recording = plan_call_recording(
                    settings, request.account_sid, channel, request.recording
                )
            except UnsafeValue as error:
                raise InvalidRequest(
                    f"the call cannot be recorded (check recordings_dir): {error}"
                ) from None
        digits = None
        if request.send_digits is not None:
            try:
                digits = DigitsToSend.on(channel, request.send_digits)
            except UnsafeValue as error:
                raise InvalidRequest(f"SendDigits cannot be sent: {error}") from None
        document = request.document
        record = self.services.calls.create_call(
            NewCall(
                account_sid=request.account_sid,
                direction=CallDirection.OUTBOUND_API,
                from_=request.from_,
                to=request.to_text,
                status=CallStatus.QUEUED,
                sid=sid,
                caller_name=request.caller_name,
                fs_uuid=channel,
                document_url=document.url if isinstance(document, DocumentUrl) else None,
                document_method=(
                    document.method.value if isinstance(document, DocumentUrl) else "POST"
                ),
                fallback_url=request.fallback_url,
                fallback_method=request.fallback_method.value,
                status_callback=request.status_callback,
                status_callback_method=request.status_callback_method.value,
                status_callback_events=tuple(sorted(request.status_callback_events)),
            )
        )
        party = CallParty(
            account_sid=request.account_sid,
            call_sid=sid,
            direction=CallDirection.OUTBOUND_API,
            from_=request.from_,
            to=request.to_text or sip_address(request.to),
            caller_name=request.caller_name,
        )
        target = None
        if request.status_callback is not None:
            target = CallbackTarget(
                request.status_callback,
                request.status_callback_method,
                frozenset(CallProgressEvent(e) for e in request.status_callback_events),
            )
        reporter = ProgressReporter(self.services, party, target)
        call = CallSession(self.services, self.switchboard, party, channel, reporter=reporter)
        first = document_getter(call, document, request.fallback_url, request.fallback_method)
        run = gevent.Greenlet(
            run_outbound, call, command, timeout, first, recording=recording, digits=digits
        )
        self._start(call, run)
        return record

    def redirect(self, account_sid: str, call_sid: str, document: DocumentSource) -> CallRecord:
        record = self._live(account_sid, call_sid)
        call = self._calls.get(call_sid)
        if call is None:
            raise CallStateConflict(
                f"call {call_sid} is not run by this bridge instance "
                "(a dialed leg cannot be redirected; redirect its parent call)"
            )
        if isinstance(document, DocumentUrl):
            record = self.services.calls.update_call(
                call_sid, document_url=document.url, document_method=document.method.value
            )
        call.deliver(RedirectCall(document))
        return record

    def end_call(
        self, account_sid: str, call_sid: str, status: Literal["completed", "canceled"]
    ) -> CallRecord:
        record = self._live(account_sid, call_sid)
        if status == "canceled" and record.status is CallStatus.IN_PROGRESS:
            raise CallStateConflict(
                f"call {call_sid} is answered: only a call not yet answered can be canceled "
                "(end it with Status=completed)"
            )
        call = self._calls.get(call_sid)
        if call is not None:
            call.deliver(EndCall(status, "requested through the REST API"))
            call.finished.wait(self.services.timings.end_wait)
        elif record.direction is CallDirection.OUTBOUND_DIAL and record.fs_uuid:
            # A leg of some call's <Dial>: ending its channel is enough, the
            # call that dialed it reports it.
            cause = (
                HangupCause.NORMAL_CLEARING
                if record.status is CallStatus.IN_PROGRESS
                else HangupCause.ORIGINATOR_CANCEL
            )
            try:
                self.services.switch.api(
                    uuid_kill(record.fs_uuid, cause), timeout=self.services.timings.command_timeout
                )
            except Exception as error:
                raise SwitchUnavailable(f"the leg could not be ended: {error}") from error
        else:
            raise CallStateConflict(f"call {call_sid} is not run by this bridge instance")
        return self.services.calls.get(call_sid)

    def _live(self, account_sid: str, call_sid: str) -> CallRecord:
        record = self.services.calls.find(call_sid)
        if record is None or record.account_sid != account_sid:
            raise CallNotFound(call_sid)
        if record.is_final:
            raise CallNotLive(f"call {call_sid} is already {record.status}")
        return record
