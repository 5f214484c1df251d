"""A call placed through the REST API: originate to the SIP URI, and run the document when answered.

The call's channel is the leg itself (direction outbound-api). Statuses
follow the leg: queued (recorded), initiated (originate accepted), ringing,
in-progress (answered); then the document runs on it as on any call. A leg
that never answers ends busy, no-answer, failed or canceled by the same
tables as a dialed leg (`bridge.engine.statuses`). The call's
StatusCallback gets the events asked for in StatusCallbackEvent.

Before the answer: an end request cancels the leg (ORIGINATOR_CANCEL, status
canceled); a redirect replaces the document that will run once answered.

Once answered, before the document runs: `Record=true` starts the whole-call
recording (`bridge.engine.call_recording`), then `SendDigits` are sent
(`uuid_send_dtmf`, waited for as `<Play digits>` is), then the document is
fetched. A redirect during the digits replaces the document; the digits
are not sent again.

The engine's own ring guard: a leg FreeSWITCH lets ring `timings.ring_guard`
seconds past the Timeout (its originate_timeout should have ended it) is
killed (NO_ANSWER) and the call ends no-answer.
"""

from __future__ import annotations

import logging
import time

from bridge.cxml.models import CallProgressEvent, HttpMethod, Response
from bridge.engine.call_recording import CallRecorder, PlannedRecording
from bridge.engine.control import DocumentSource, DocumentUrl, InlineDocument
from bridge.engine.digits import DigitsToSend, send_digits
from bridge.engine.fetching import fetch
from bridge.engine.interrupts import CallerHungUp, ChannelVanished, EndRequested, Redirected
from bridge.engine.legs import Change, Leg
from bridge.engine.program import DocumentGetter, run_call
from bridge.engine.session import CallSession
from bridge.engine.statuses import ENDED_BY_CAUSE, EndedBy
from bridge.esl.errors import EslError
from bridge.esl.events import ChannelEvent, JobResult
from bridge.store.records import CallStatus
from bridge.switch import OriginateCommand, uuid_kill

log = logging.getLogger(__name__)

# A cancel whose uuid_kill failed (the Event Socket was away, or FreeSWITCH
# had not created the channel yet: a bgapi originate answers before it does)
# is sent again after this many seconds, and at each event of the leg.
KILL_RETRY = 1.0


def document_getter(
    call: CallSession,
    source: DocumentSource,
    fallback_url: str | None = None,
    fallback_method: HttpMethod = HttpMethod.POST,
) -> DocumentGetter:
    if isinstance(source, InlineDocument):
        inline = source.response
        return lambda: inline
    assert isinstance(source, DocumentUrl)
    return lambda: fetch(
        call,
        source.url,
        source.method,
        call.params(),
        fallback_url=fallback_url,
        fallback_method=fallback_method,
    )


def run_outbound(
    call: CallSession,
    command: OriginateCommand,
    ring_timeout: int,
    first: DocumentGetter,
    *,
    recording: PlannedRecording | None = None,
    digits: DigitsToSend | None = None,
) -> None:
    services = call.services
    reporter = call.reporter
    leg = Leg(call_sid=call.call_sid, uuid=call.uuid)
    try:
        job = services.switch.bgapi_start(command.text, timeout=services.timings.command_timeout)
    except EslError as error:
        log.error("call %s: originate not sent: %s", call.call_sid, error)
        reporter.completed(
            CallStatus.FAILED,
            duration=0,
            sip_response_code=None,
            detail=f"originate not sent: {error}",
        )
        call.release()
        return
    call.own_job(job.job_uuid)
    reporter.step(CallProgressEvent.INITIATED)
    log.info("call %s: originated to %s", call.call_sid, call.party.to)

    deadline = time.monotonic() + ring_timeout + services.timings.ring_guard
    while not leg.answered and not leg.over:
        until = deadline
        if _kill_owed(leg):
            until = min(deadline, time.monotonic() + KILL_RETRY)
        try:
            item = call.wait(until)
        except CallerHungUp:
            continue  # the leg's own hang-up: its events follow in the backlog
        except EndRequested as request:
            log.info("call %s: canceled before answer: %s", call.call_sid, request.reason)
            _cancel(call, leg, EndedBy.CANCELED)
            continue
        except Redirected as redirect:
            first = document_getter(call, redirect.source)
            continue
        if item is None and time.monotonic() < deadline:
            _kill_again(call, leg)  # the retry's own timer, not the ring guard
            continue
        if item is None:
            log.warning(
                "call %s: still ringing after %d s; the bridge ends it", call.call_sid, ring_timeout
            )
            _cancel(call, leg, EndedBy.RING_TIMEOUT)
            break
        _follow(call, leg, item)
        _kill_again(call, leg)

    if leg.answered and not leg.over and leg.ended_by is None:
        reporter.step(CallProgressEvent.ANSWERED)
        if recording is not None:
            CallRecorder(call, recording).start()
        if digits is not None:
            first = _after_digits(call, digits, first)
        run_call(call, first)
        return

    settle_until = time.monotonic() + services.timings.settle
    while not leg.over:
        item = call.wait(settle_until, interruptible=False)
        if item is None:
            call.try_api(uuid_kill(leg.uuid))
            leg.give_up_waiting("no final event from the switch")
            break
        _follow(call, leg, item)
    reporter.completed(
        leg.final_status(),
        duration=0,
        sip_response_code=leg.sip_response_code(),
        detail=leg.detail(),
    )
    call.release()


def _after_digits(call: CallSession, digits: DigitsToSend, then: DocumentGetter) -> DocumentGetter:
    def get() -> Response:
        send_digits(call, digits)
        return then()

    return get


def _follow(call: CallSession, leg: Leg, item: object) -> None:
    changes: list[Change] = []
    if isinstance(item, ChannelEvent) and item.uuid is not None:
        if item.uuid.lower() == leg.uuid.lower():
            changes = leg.on_event(item)
    elif isinstance(item, JobResult):
        changes = leg.on_job(item)
    elif isinstance(item, ChannelVanished) and item.uuid.lower() == leg.uuid.lower():
        changes = leg.on_vanished(item)
    if Change.RINGING in changes:
        call.reporter.step(CallProgressEvent.RINGING)


def _cancel(call: CallSession, leg: Leg, why: EndedBy) -> None:
    if leg.over or leg.ended_by is not None:
        return
    leg.ended_by = why
    leg.kill_sent = call.try_api(uuid_kill(leg.uuid, ENDED_BY_CAUSE[why]))


def _kill_owed(leg: Leg) -> bool:
    return leg.ended_by is not None and not leg.kill_sent and not leg.hung_up and not leg.over


def _kill_again(call: CallSession, leg: Leg) -> None:
    if _kill_owed(leg):
        assert leg.ended_by is not None
        leg.kill_sent = call.try_api(uuid_kill(leg.uuid, ENDED_BY_CAUSE[leg.ended_by]))
