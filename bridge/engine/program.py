"""Running a call's documents, verb after verb, until the call is over.

`run_call(call, first)` gets the first document (`first()`, usually a fetch
with the FallbackUrl), runs its verbs in order through the executor table,
follows Replace (action, `<Redirect>`) and REST redirects, and always leaves
the call ended and reported, whatever happened:

- the document ran out: the call is hung up (NORMAL_CLEARING), completed;
  an unanswered call is answered first (as the hosted platforms do: only
  `<Reject>` refuses a call), except after an answerOnBridge `<Dial>` that
  failed, where the caller is refused with the dial's outcome (busy -> 486,
  no-answer -> 480, failed -> 503) and the call ends with that status;
- the caller hung up: completed if it was answered, canceled if not;
- an end request: the call is hung up (canceled if never answered);
- no document (`DocumentUnavailable`: HTTP error, timeout, invalid cXML, and
  the fallback failed too), or a verb that cannot run (`VerbFailed`), or a
  bug: logged with the reason, then an unanswered caller is refused with a
  500-class response (NORMAL_TEMPORARY_FAILURE: 503) and the call fails; an
  answered one is hung up.

A watchdog in the same `finally`: however the program stops (a bug, the
greenlet killed), the caller's channel is hung up and the call gets a final
status, so no channel stays parked for ever. Then the call's closers run
(`CallSession.when_over`: a whole-call recording is made final), and the
call is released.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime

from bridge.cxml.models import Redirect, Response
from bridge.engine.control import DocumentSource, DocumentUrl, InlineDocument
from bridge.engine.errors import CommandRefused, VerbFailed
from bridge.engine.fetching import fetch
from bridge.engine.interrupts import CallerHungUp, EndRequested, Redirected
from bridge.engine.session import CallSession
from bridge.engine.statuses import FAILURE_CAUSE, UNANSWERED_END_CAUSES
from bridge.engine.steps import CONTINUE, Replace, Step
from bridge.engine.verbs import execute
from bridge.esl.errors import EslError
from bridge.store.records import CallStatus
from bridge.switch import HangupCause
from bridge.webhooks.documents import DocumentUnavailable

log = logging.getLogger(__name__)

DocumentGetter = Callable[[], Response]


def run_call(call: CallSession, first: DocumentGetter) -> None:
    try:
        _run(call, first)
    except CallerHungUp as hung_up:
        log.info("call %s: %s", call.call_sid, hung_up)
    except EndRequested as request:
        log.info(
            "call %s: ended on request (%s): %s", call.call_sid, request.status, request.reason
        )
        call.hang_up(HangupCause.NORMAL_CLEARING)
    except DocumentUnavailable as error:
        log.error("call %s: ended: %s", call.call_sid, error)
        call.fail(f"no cXML document: {error}")
    except VerbFailed as error:
        log.error("call %s: ended: %s", call.call_sid, error)
        call.fail(str(error))
    except (EslError, CommandRefused) as error:
        log.error(
            "call %s: ended: FreeSWITCH did not do what the call needed: %s", call.call_sid, error
        )
        call.fail(f"FreeSWITCH: {error}")
    except BaseException as error:
        log.exception("call %s: the engine failed; ending the call", call.call_sid)
        call.crashed = True
        call.fail(f"engine error: {error!r}")
        if not isinstance(error, Exception):
            raise
    finally:
        end_call(call)


def _run(call: CallSession, first: DocumentGetter) -> None:
    get: DocumentGetter = first
    while True:
        try:
            response = get()
            step = run_document(call, response)
        except Redirected as redirect:
            log.info("call %s: redirected to %s", call.call_sid, _describe(redirect.source))
            get = _getter(call, redirect.source)
            continue
        if isinstance(step, Replace):
            get = _constant(step.response)
            continue
        if not isinstance(step, type(CONTINUE)):
            return
        if call.caller_gone:
            return
        _end_of_document(call)
        return


def run_document(call: CallSession, response: Response) -> Step:
    for verb in response.verbs:
        if call.caller_gone:
            raise call.hung_up()
        if not isinstance(verb, Redirect):
            call.redirects_in_a_row = 0
        step = execute(verb, call)
        if not isinstance(step, type(CONTINUE)):
            return step
    return CONTINUE


def _end_of_document(call: CallSession) -> None:
    if call.answered:
        call.hang_up(HangupCause.NORMAL_CLEARING)
        return
    status = call.last_dial_status
    if status is not None and status in UNANSWERED_END_CAUSES:
        call.unanswered_status = status
        call.hang_up(UNANSWERED_END_CAUSES[status])
        return
    call.answer()
    call.hang_up(HangupCause.NORMAL_CLEARING)


def _constant(response: Response) -> DocumentGetter:
    return lambda: response


def _getter(call: CallSession, source: DocumentSource) -> DocumentGetter:
    if isinstance(source, InlineDocument):
        return _constant(source.response)
    assert isinstance(source, DocumentUrl)
    return lambda: fetch(call, source.url, source.method, call.params())


def _describe(source: DocumentSource) -> str:
    if isinstance(source, DocumentUrl):
        return f"{source.method.value} {source.url}"
    return "an inline document"


def end_call(call: CallSession) -> None:
    """Hang up if still up, wait for the channel's last events, record the end. Never raises."""
    try:
        if not call.caller_gone and not call.hangup_sent:
            # Only reached when the program stopped without ending the call
            # (a bug, the greenlet killed): the watchdog's hang-up.
            if not call.answered and call.unanswered_status is None:
                call.unanswered_status = CallStatus.FAILED
            call.hang_up(HangupCause.NORMAL_CLEARING if call.answered else FAILURE_CAUSE)
        deadline = time.monotonic() + call.services.timings.settle
        while call.caller_billsec is None and not call.caller_vanished:
            if call.wait(deadline, interruptible=False) is None:
                break
        status = final_status(call)
        at = None
        if call.vanished_at is not None:
            at = datetime.fromtimestamp(call.vanished_at, UTC)
        call.reporter.completed(
            status,
            duration=call.caller_billsec if call.answered else 0,
            sip_response_code=None,
            detail=call.failure or ("vanished while the Event Socket was down" if at else None),
            at=at,
        )
    except Exception:
        log.exception("call %s: recording the end failed", call.call_sid)
    finally:
        call.close()
        call.release()


def final_status(call: CallSession) -> CallStatus:
    if call.answered:
        return CallStatus.FAILED if call.crashed else CallStatus.COMPLETED
    if call.unanswered_status is not None:
        return call.unanswered_status
    return CallStatus.CANCELED
