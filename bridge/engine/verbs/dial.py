"""`<Dial>` with `<Sip>` nouns: race the legs, connect the winner, then the action.

The race and the connected call are `bridge.engine.dialing.DialRun`. When
the dial is over:

- with `action`: the action URL is requested (`method`) with the caller's
  standard parameters plus DialCallStatus, DialCallSid, DialCallDuration,
  DialSipCallId, DialSipResponseCode and DialSipHeader_X-* (see
  `bridge.engine.params`), and its document replaces the rest of this one;
- without `action`: the next verb runs.

When the caller hung up during the dial, the action is still requested (as
Twilio does, so the application learns how the dial ended, with CallStatus
completed and DialCallStatus canceled or completed), but its document is not
run: there is no call left to run it on.

Only `<Sip>` nouns are dialed by this bridge; a `<Dial>` with `<Number>`,
`<Conference>`, `<Queue>` or `<Verto>` is an error naming the line.
"""

from __future__ import annotations

import logging

from bridge.cxml.models import Dial
from bridge.engine.dialing import DialRun
from bridge.engine.errors import VerbFailed
from bridge.engine.fetching import fetch
from bridge.engine.params import dial_action_params
from bridge.engine.session import CallSession
from bridge.engine.steps import CONTINUE, FINISH, Replace, Step
from bridge.webhooks.documents import DocumentUnavailable

log = logging.getLogger(__name__)


def execute(verb: Dial, call: CallSession) -> Step:
    others = sorted({type(noun).__name__ for noun in verb.nouns} - {"Sip"})
    if others or not verb.nouns:
        listed = ", ".join(f"<{name}>" for name in others) or "nothing"
        raise VerbFailed(
            verb.line, "Dial", f"cxml-bridge dials only <Sip> nouns; this one holds {listed}"
        )
    result = DialRun(verb, call).run()
    call.last_dial_status = result.status
    log.info(
        "call %s: <Dial> on line %d ended: %s (leg %s, SIP %s)",
        call.call_sid,
        verb.line,
        result.status,
        result.call_sid,
        result.sip_response_code,
    )
    if verb.action is None:
        return FINISH if call.caller_gone else CONTINUE
    params = dial_action_params(call.party, call.request_status(), result)
    if call.caller_gone:
        try:
            fetch(call, verb.action, verb.method, params, interruptible=False)
        except DocumentUnavailable as error:
            log.warning("call %s: action after the caller hung up: %s", call.call_sid, error)
        else:
            log.info(
                "call %s: the caller hung up during <Dial>; the action's document is not run",
                call.call_sid,
            )
        return FINISH
    return Replace(fetch(call, verb.action, verb.method, params))
