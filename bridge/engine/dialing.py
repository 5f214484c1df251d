"""`DialRun`: one `<Dial>` of `<Sip>` legs, from the originates to the end of the connected call.

1. Build every originate first (`bridge.switch.build_dial_originates`); a
   value the switch layer refuses fails the verb before anything is sent.
2. Answer the caller, unless answerOnBridge: then it stays unanswered
   until a leg is connected. What it hears meanwhile is
   `bridge.engine.ringback` (a ringTone's tone from the start; without one,
   180 or a tone at the first leg's 180/183).
3. Record each leg (its own CallSid, ParentCallSid the caller, direction
   outbound-dial), route its channel uuid to this call, and send every
   `bgapi originate` at once; `initiated` is reported as each is accepted.
4. Race: follow each leg's events; the first to ACCEPT wins: a leg accepts
   as it answers, or, with `<Sip url>`, when its screening document ran to
   its end (`bridge.engine.screening`; a declining leg is hung up and the
   race goes on). The others are killed with LOSE_RACE (right after the
   bridge, so that the caller is connected first) and complete as canceled.
   `<Dial timeout>` bounds the ringing at the switch (originate_timeout);
   the engine's own guard kills what still rings `ring_guard` seconds
   later (answered legs being screened are left to finish).
5. Connect and 6. stay connected: `bridge.engine.connecting` (park_after_bridge,
   answer, sched_hangup for timeLimit, uuid_bridge; then wait for the callee's
   hang-up, with hangupOnStar).
7. `<Dial record>`: `bridge.engine.recording.DialRecorder` starts at the
   first ringing leg or at the bridge, as `record` asks, and is stopped,
   made final and reported once the legs settled, before the action.

Interrupts: the caller hanging up cancels the legs still ringing (their
status: canceled) and the dial reports DialCallStatus canceled (or completed
if it was connected); a REST redirect or end request cancels the legs, waits
for them to settle, and goes on up. Every leg is always reported to the end.

What the action then reports is `bridge.engine.dial_result`.
"""

from __future__ import annotations

import logging
import time
import uuid as uuidlib
from dataclasses import replace
from datetime import UTC, datetime

from bridge.cxml.models import CallProgressEvent, Dial, Sip
from bridge.engine.caller_identity import default_caller_id_number, default_caller_name
from bridge.engine.connecting import connect, hang_up_connected, stay_connected
from bridge.engine.dial_result import dial_result
from bridge.engine.errors import VerbFailed
from bridge.engine.interrupts import CallerHungUp, ChannelVanished, Interrupt
from bridge.engine.legs import Change, Leg
from bridge.engine.params import CallParty, DialResult, sip_address
from bridge.engine.progress import CallbackTarget, ProgressReporter
from bridge.engine.recording import DialRecorder
from bridge.engine.ringback import Ringback
from bridge.engine.screening import Screenings, Verdict, verdict_of
from bridge.engine.session import CallSession
from bridge.engine.statuses import ENDED_BY_CAUSE, EndedBy
from bridge.esl.errors import EslError
from bridge.esl.events import ChannelEvent, JobResult
from bridge.ids import new_call_sid
from bridge.store.records import CallDirection, CallStatus, NewCall
from bridge.switch import (
    DialContext,
    HangupCause,
    LegIdentity,
    OriginateCommand,
    UnsafeValue,
    build_dial_originates,
    uuid_kill,
)

log = logging.getLogger(__name__)


class DialRun:
    def __init__(self, dial: Dial, call: CallSession) -> None:
        self.dial = dial
        self.call = call
        self.legs: list[Leg] = []
        self.reporters: dict[str, ProgressReporter] = {}
        self.durations: dict[str, int] = {}
        self._by_uuid: dict[str, Leg] = {}
        self._by_job: dict[str, Leg] = {}
        self.winner: Leg | None = None
        self.connected = False
        self.caller_hung_up = False
        self.recorder = DialRecorder(dial, call)  # <Dial record>: its hooks below
        self._sips: dict[str, Sip] = {}
        self.screenings = Screenings(call)
        self.ringback = Ringback(call, dial)

    # -- the whole dial ---------------------------------------------------------

    def run(self) -> DialResult:
        commands = self._prepare()
        if not self.dial.answer_on_bridge:
            self.call.answer()
        try:
            self._originate(commands)
            self.ringback.dial_started()
            winner = self._race()
            self.screenings.stop_all()
            if winner is None:
                self.ringback.stop()
            else:
                self._connect(winner)
                # Connected first, then the losers: the caller hears the callee
                # without waiting for nine kills.
                self._kill_losers()
                if self.connected:
                    stay_connected(self.call, winner, self.dial, self._dispatch)
        except CallerHungUp:
            self.caller_hung_up = True
            self._kill_losers()
            self._stop(EndedBy.CALLER_GONE)
        except Interrupt:
            self._stop(EndedBy.CANCELED)
            self._settle()
            self.recorder.finish(self._dispatch)
            raise
        except BaseException:
            self._stop(EndedBy.CANCELED)
            raise
        finally:
            self.screenings.stop_all()
        self._settle()
        self.recorder.finish(self._dispatch)
        return self.recorder.annotate(self._result())

    # -- 1. commands --------------------------------------------------------------

    def _prepare(self) -> tuple[OriginateCommand, ...]:
        services = self.call.services
        party = self.call.party
        identities = [LegIdentity(new_call_sid(), str(uuidlib.uuid4())) for _ in self.dial.sips]
        context = DialContext(
            account_sid=party.account_sid,
            caller_id_number=default_caller_id_number(self.call.call_sid, party.from_),
            caller_id_name=default_caller_name(self.call.call_sid, party.caller_name),
            profile=services.settings.sofia_profile,
        )
        try:
            return build_dial_originates(self.dial, identities, context)
        except UnsafeValue as error:
            raise VerbFailed(self.dial.line, "Dial", f"cannot be dialed: {error}") from None
        except ValueError as error:
            raise VerbFailed(self.dial.line, "Dial", str(error)) from None

    # -- 3. originate -------------------------------------------------------------

    def _originate(self, commands: tuple[OriginateCommand, ...]) -> None:
        call = self.call
        services = call.services
        for sip, command in zip(self.dial.sips, commands, strict=True):
            leg = Leg(call_sid=command.leg.call_sid, uuid=command.leg.uuid)
            variables = dict(command.variables)
            party = CallParty(
                account_sid=call.party.account_sid,
                call_sid=leg.call_sid,
                direction=CallDirection.OUTBOUND_DIAL,
                from_=variables["origination_caller_id_number"],
                to=sip_address(sip.uri),
                parent_call_sid=call.call_sid,
            )
            target = None
            if sip.status_callback is not None:
                target = CallbackTarget(
                    sip.status_callback, sip.status_callback_method, sip.status_callback_event
                )
            services.calls.create_call(
                NewCall(
                    account_sid=party.account_sid,
                    direction=CallDirection.OUTBOUND_DIAL,
                    from_=party.from_,
                    to=party.to,
                    status=CallStatus.QUEUED,
                    sid=leg.call_sid,
                    parent_call_sid=call.call_sid,
                    caller_name=variables.get("origination_caller_id_name"),
                    fs_uuid=leg.uuid,
                    status_callback=sip.status_callback,
                    status_callback_method=sip.status_callback_method.value,
                    status_callback_events=tuple(sorted(sip.status_callback_event)),
                )
            )
            self.legs.append(leg)
            self._sips[leg.call_sid] = sip
            self.reporters[leg.call_sid] = ProgressReporter(services, party, target)
            self._by_uuid[leg.uuid.lower()] = leg
            call.own(leg.uuid)
        for leg, command in zip(self.legs, commands, strict=True):
            try:
                job = services.switch.bgapi_start(
                    command.text, timeout=services.timings.command_timeout
                )
            except EslError as error:
                log.error(
                    "call %s: originate of leg %s not sent: %s", call.call_sid, leg.call_sid, error
                )
                self._apply(leg, leg.give_up_waiting(f"originate not sent: {error}"))
                continue
            leg.job_uuid = job.job_uuid
            self._by_job[job.job_uuid] = leg
            call.own_job(job.job_uuid)
            self.reporters[leg.call_sid].step(CallProgressEvent.INITIATED)

    # -- 4. race --------------------------------------------------------------------

    def _race(self) -> Leg | None:
        timings = self.call.services.timings
        deadline: float | None = time.monotonic() + self.dial.timeout + timings.ring_guard
        while self.winner is None:
            if all(leg.over for leg in self.legs):
                return None
            item = self.call.wait(deadline)
            if item is None:
                ringing = [leg.call_sid for leg in self.legs if not leg.over and not leg.answered]
                log.warning(
                    "call %s: <Dial> on line %d: legs %s still ringing %s s after its "
                    "timeout of %d s; the bridge ends them",
                    self.call.call_sid,
                    self.dial.line,
                    ", ".join(ringing),
                    timings.ring_guard,
                    self.dial.timeout,
                )
                for leg in self.legs:
                    if not leg.answered:
                        self._kill(leg, EndedBy.RING_TIMEOUT)
                if not self.screenings.active:
                    return None
                deadline = None  # the screenings end by themselves (or with their legs)
                continue
            self._dispatch(item)
        return self.winner

    def _kill_losers(self) -> None:
        if self.winner is None:
            return
        for leg in self.legs:
            if leg is not self.winner:
                self._kill(leg, EndedBy.LOST_RACE)

    def _dispatch(self, item: object) -> None:
        leg: Leg | None = None
        self.recorder.observe(item)
        verdict = verdict_of(item)
        if verdict is not None:
            self._judge(verdict)
        elif isinstance(item, ChannelEvent) and item.uuid is not None:
            self.ringback.observe(item)
            self.screenings.feed(item)
            leg = self._by_uuid.get(item.uuid.lower())
            if leg is not None:
                self._apply(leg, leg.on_event(item))
        elif isinstance(item, JobResult):
            leg = self._by_job.get(item.job_uuid)
            if leg is not None:
                self._apply(leg, leg.on_job(item))
        elif isinstance(item, ChannelVanished):
            leg = self._by_uuid.get(item.uuid.lower())
            if leg is not None:
                log.warning(
                    "call %s: leg %s %s; reported with what was known before",
                    self.call.call_sid,
                    leg.call_sid,
                    item.detail,
                )
                self._apply(leg, leg.on_vanished(item))
        if leg is not None and leg.ended_by is not None and not leg.kill_sent and not leg.hung_up:
            self._send_kill(leg)  # the first kill found no channel yet: try again

    def _apply(self, leg: Leg, changes: list[Change]) -> None:
        reporter = self.reporters[leg.call_sid]
        for change in changes:
            if change is Change.RINGING:
                reporter.step(CallProgressEvent.RINGING)
                self.recorder.on_ringing()
                if self.winner is None:
                    self.ringback.progress()
            elif change is Change.ANSWERED:
                if self.winner is None and leg.ended_by is None:
                    reporter.step(CallProgressEvent.ANSWERED)
                    sip = self._sips[leg.call_sid]
                    if sip.url is None:
                        self.winner = leg
                    else:
                        party = replace(reporter.party, sip_call_id=leg.sip_call_id)
                        self.screenings.start(leg.uuid, sip, party, leg.answer_headers)
                else:
                    self._kill(leg, EndedBy.LOST_RACE)
            elif change is Change.HUNG_UP:
                self.screenings.stop(leg.uuid)
            elif change is Change.OVER:
                self._report_end(leg, reporter)

    def _judge(self, verdict: Verdict) -> None:
        """A screening ended: the first leg to accept wins; a declining one is hung up."""
        self.screenings.done(verdict)
        leg = self._by_uuid.get(verdict.leg_uuid.lower())
        if leg is None or leg.hung_up or leg.ended_by is not None:
            return
        log.info(
            "call %s: leg %s %s: %s",
            self.call.call_sid,
            leg.call_sid,
            "accepted" if verdict.accepted else "declined",
            verdict.reason,
        )
        if not verdict.accepted:
            self._kill(leg, EndedBy.DECLINED)
        elif self.winner is None:
            self.winner = leg
        else:
            self._kill(leg, EndedBy.LOST_RACE)

    def _report_end(self, leg: Leg, reporter: ProgressReporter) -> None:
        at = None
        if leg.vanished is not None:
            at = datetime.fromtimestamp(leg.vanished.disconnected_at, UTC)
        self.durations[leg.call_sid] = reporter.completed(
            leg.final_status(),
            duration=leg.duration(),
            sip_response_code=leg.sip_response_code(),
            detail=leg.detail(),
            at=at,
        )

    # -- killing ---------------------------------------------------------------------

    def _kill(self, leg: Leg, why: EndedBy) -> None:
        """End an unanswered leg (or a late answerer, or one being screened) for `why`, once."""
        self.screenings.stop(leg.uuid)
        if leg.over or leg.ended_by is not None or leg is self.winner:
            return
        leg.ended_by = why
        self._send_kill(leg)

    def _send_kill(self, leg: Leg) -> None:
        assert leg.ended_by is not None
        cause = ENDED_BY_CAUSE[leg.ended_by]
        leg.kill_sent = self.call.try_api(uuid_kill(leg.uuid, cause))

    def _stop(self, why: EndedBy) -> None:
        """Stop everything in flight: ringing legs for `why`; a connected callee is
        hung up (when the caller hung up, FreeSWITCH does that itself, but only
        once they are bridged: a winner the caller left while being connected
        is ours to end)."""
        if why is not EndedBy.CALLER_GONE:
            self.ringback.stop()
        for leg in self.legs:
            if leg is self.winner:
                if why is not EndedBy.CALLER_GONE or not leg.bridged:
                    hang_up_connected(self.call, leg)
            else:
                self._kill(leg, why)

    def _settle(self) -> None:
        """Wait (uninterrupted) for every leg's final events, then report what is known."""
        deadline = time.monotonic() + self.call.services.timings.settle
        while not all(leg.over for leg in self.legs) or self.ringback.pending:
            item = self.call.wait(deadline, interruptible=False)
            if item is None:
                break
            self._dispatch(item)
        for leg in self.legs:
            if not leg.over:
                log.warning(
                    "call %s: leg %s gave no final event within %s s; ending it and "
                    "reporting what is known",
                    self.call.call_sid,
                    leg.call_sid,
                    self.call.services.timings.settle,
                )
                self.call.try_api(uuid_kill(leg.uuid, HangupCause.NORMAL_CLEARING))
                self._apply(leg, leg.give_up_waiting("no final event from the switch"))

    # -- 5. and 6. connected (bridge.engine.connecting) -------------------------------

    def _connect(self, winner: Leg) -> None:
        self.ringback.stop()
        if connect(self.call, winner, self.dial):
            self.connected = True
            self.recorder.on_connected()

    # -- the result --------------------------------------------------------------------

    def _result(self) -> DialResult:
        return dial_result(
            self.legs,
            winner=self.winner if self.connected else None,
            caller_hung_up_first=self.caller_hung_up and not self.connected,
            durations=self.durations,
        )
