"""What a finished `<Dial>` reports to its action: `DialResult` from its legs. Pure.

DialCallStatus is `completed` when a leg was connected (however the
connected call ended: either side hanging up, `timeLimit`, the caller's
`*`), `canceled` when the caller hung up before that, and otherwise the
first of no-answer, busy, failed, canceled that some leg has
(`statuses.dial_call_status`). For that count, a leg that answered but was
never connected (declined by its `<Sip url>` document, or gone while being
screened) is no-answer: nobody took the call, and the application's usual
"no-answer: voicemail" branch is what the caller needs. (Its own status,
in the store and its callbacks, stays `completed`: it was answered.)

`DialCallSid`, `DialSipCallId`, `DialSipResponseCode` and
`DialSipHeader_X-*` describe the connected leg, else the first leg with the
reported status (for a declined leg: 200 and the X- headers of its 200 OK);
`DialCallDuration` is the connected leg's billsec, else 0.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bridge.engine.legs import Leg
from bridge.engine.params import DialResult
from bridge.engine.statuses import EndedBy, dial_call_status
from bridge.store.records import CallStatus

# Legs that answered and were ended this way were never taken by the callee.
_NOT_TAKEN = (None, EndedBy.DECLINED)


def dial_view(leg: Leg, winner: Leg | None) -> CallStatus:
    """A leg's status as DialCallStatus counts it."""
    if leg.answered and not leg.bridged and leg is not winner and leg.ended_by in _NOT_TAKEN:
        return CallStatus.NO_ANSWER
    return leg.final_status()


def dial_result(
    legs: Sequence[Leg],
    *,
    winner: Leg | None,
    caller_hung_up_first: bool,
    durations: Mapping[str, int],
) -> DialResult:
    """`winner`: the connected leg, or None when none was connected."""
    statuses = [dial_view(leg, winner) for leg in legs]
    status = dial_call_status(
        statuses, connected=winner is not None, caller_hung_up_first=caller_hung_up_first
    )
    reported = winner
    if reported is None:
        reported = next(
            (leg for leg, s in zip(legs, statuses, strict=True) if s is status),
            legs[0] if legs else None,
        )
    if reported is None:
        return DialResult(status, None, 0, None, None, {})
    return DialResult(
        status=status,
        call_sid=reported.call_sid,
        duration=durations.get(reported.call_sid, 0) if winner is not None else 0,
        sip_call_id=reported.sip_call_id,
        sip_response_code=reported.sip_response_code(),
        sip_headers=reported.response_headers(),
    )
