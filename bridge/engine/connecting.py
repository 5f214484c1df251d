"""Connecting a `<Dial>`'s winning leg to the caller, and the connected call.

- `connect(call, winner, dial)`: `park_after_bridge=true` on the caller (so
  that when the callee hangs up, FreeSWITCH parks the caller instead of
  hanging it up, and the document can go on: switch_ivr_multi_threaded_bridge
  in 1.10), answer the caller if it is not (trace s10: an unanswered caller is
  torn down by uuid_bridge with 502), then `sched_hangup +<timeLimit> <winner>
  ALLOTTED_TIMEOUT` (FreeSWITCH does the timing; its scheduler drops the task
  when the leg ends first) and `uuid_bridge caller winner`.
- `stay_connected(...)`: wait for the connected call to end (the callee's
  CHANNEL_HANGUP_COMPLETE). With hangupOnStar, a DTMF `*` on the caller's
  channel (FreeSWITCH fires DTMF as the bridge passes the caller's digits on)
  hangs the callee up; the caller is parked and the document goes on.
- `hang_up_connected(call, leg)`: the callee hung up with NORMAL_CLEARING, once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from bridge.cxml.models import Dial
from bridge.engine.errors import CommandRefused
from bridge.engine.legs import Leg
from bridge.engine.session import CallSession
from bridge.esl.errors import EslError
from bridge.esl.events import ChannelEvent
from bridge.switch import HangupCause, sched_hangup, uuid_bridge, uuid_kill, uuid_setvar

log = logging.getLogger(__name__)


def connect(call: CallSession, winner: Leg, dial: Dial) -> bool:
    """Bridge the caller to `winner`: True once bridged. A failure is logged and
    the winner hung up (False); raises CallerHungUp when the caller left meanwhile."""
    try:
        call.api(uuid_setvar(call.uuid, "park_after_bridge", "true"))
        if not call.answered:
            call.answer()
        # Scheduled as the bridge is made: FreeSWITCH counts the timeLimit.
        limit = sched_hangup(dial.time_limit, winner.uuid, HangupCause.ALLOTTED_TIMEOUT)
        call.try_api(limit)
        call.api(uuid_bridge(call.uuid, winner.uuid))
    except (EslError, CommandRefused) as error:
        if call.caller_left():
            hang_up_connected(call, winner)
            raise call.hung_up() from None
        log.error(
            "call %s: <Dial> on line %d: connecting leg %s failed: %s",
            call.call_sid,
            dial.line,
            winner.call_sid,
            error,
        )
        hang_up_connected(call, winner)
        return False
    winner.bridged = True
    return True


def stay_connected(
    call: CallSession, winner: Leg, dial: Dial, dispatch: Callable[[object], None]
) -> None:
    """Until the winner's leg is over, handing every item to `dispatch` (interruptible)."""
    while not winner.over:
        item = call.wait(None)
        if dial.hangup_on_star and _star_from_caller(call, item):
            log.info("call %s: the caller pressed *: hanging up the callee", call.call_sid)
            hang_up_connected(call, winner)
        dispatch(item)


def hang_up_connected(call: CallSession, leg: Leg) -> None:
    if not leg.over and not leg.kill_sent:
        leg.kill_sent = call.try_api(uuid_kill(leg.uuid, HangupCause.NORMAL_CLEARING))


def _star_from_caller(call: CallSession, item: object) -> bool:
    return (
        isinstance(item, ChannelEvent)
        and item.name == "DTMF"
        and item.dtmf_digit == "*"
        and item.uuid is not None
        and item.uuid.lower() == call.uuid.lower()
    )
