"""Which status a call leg, a `<Dial>` or a caller ends with: constant tables. Pure.

The mappings follow ../shared/spec/cxml-voice-reference.md ("Callback status
mapping of a failed leg": 486/600/603 -> busy, timeout or 487 -> no-answer,
other 4xx/5xx/6xx -> failed, cancelled by the caller or by the REST API ->
canceled, losers of a simultaneous ring -> canceled), SignalWire's `<Reject>`
page (busy -> busy, rejected -> no-answer) and FreeSWITCH 1.10's cause names
(`switch_channel_cause2str`) and SIP mapping (mod_sofia `hangup_cause_to_sip`:
USER_BUSY 486, CALL_REJECTED 603, NORMAL_TEMPORARY_FAILURE 503,
ORIGINATOR_CANCEL 487, NO_ANSWER 480).

The order in which a failed leg is judged (`leg_status`):
1. what the engine itself did to it (`EndedBy`): it knows best;
2. causes that mean "cancelled" (LOSE_RACE, ORIGINATOR_CANCEL), whatever SIP
   status came with them (a CANCEL always produces 487);
3. the SIP status of the final response (`sip_term_status`, else
   `sip_invite_failure_status`);
4. the FreeSWITCH cause;
5. failed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from types import MappingProxyType

from bridge.cxml.models import RejectReason
from bridge.store.records import CallStatus
from bridge.switch.causes import HangupCause


class EndedBy(StrEnum):
    """Why the engine ended a leg that had not been answered."""

    LOST_RACE = "lost-race"  # another leg answered first (uuid_kill LOSE_RACE)
    CALLER_GONE = "caller-gone"  # the caller hung up while the leg rang
    CANCELED = "canceled"  # the REST API or a redirect stopped the dial
    RING_TIMEOUT = "ring-timeout"  # the engine's guard after <Dial timeout>
    SHUTDOWN = "shutdown"  # the bridge is stopping
    DECLINED = "declined"  # answered, then declined by its <Sip url> document


ENDED_BY_STATUS: Mapping[EndedBy, CallStatus] = MappingProxyType(
    {
        EndedBy.LOST_RACE: CallStatus.CANCELED,
        EndedBy.CALLER_GONE: CallStatus.CANCELED,
        EndedBy.CANCELED: CallStatus.CANCELED,
        EndedBy.RING_TIMEOUT: CallStatus.NO_ANSWER,
        EndedBy.SHUTDOWN: CallStatus.CANCELED,
        # Only reached for a leg that was not answered, which a declined one was.
        EndedBy.DECLINED: CallStatus.COMPLETED,
    }
)

# The cause each kind of engine-ended leg is killed with.
ENDED_BY_CAUSE: Mapping[EndedBy, HangupCause] = MappingProxyType(
    {
        EndedBy.LOST_RACE: HangupCause.LOSE_RACE,
        EndedBy.CALLER_GONE: HangupCause.ORIGINATOR_CANCEL,
        EndedBy.CANCELED: HangupCause.ORIGINATOR_CANCEL,
        EndedBy.RING_TIMEOUT: HangupCause.NO_ANSWER,
        EndedBy.SHUTDOWN: HangupCause.SYSTEM_SHUTDOWN,
        EndedBy.DECLINED: HangupCause.NORMAL_CLEARING,
    }
)

CANCEL_CAUSES: frozenset[str] = frozenset(
    {HangupCause.LOSE_RACE.value, HangupCause.ORIGINATOR_CANCEL.value}
)

# Final SIP status of the INVITE -> status of the dialed leg.
DIAL_STATUS_BY_SIP: Mapping[int, CallStatus] = MappingProxyType(
    {
        486: CallStatus.BUSY,  # Busy Here
        600: CallStatus.BUSY,  # Busy Everywhere
        603: CallStatus.BUSY,  # Decline
        408: CallStatus.NO_ANSWER,  # Request Timeout
        480: CallStatus.NO_ANSWER,  # Temporarily Unavailable
        487: CallStatus.NO_ANSWER,  # Request Terminated (our CANCEL after originate_timeout)
    }
)

# FreeSWITCH cause -> status of the dialed leg, when no SIP status says more.
DIAL_STATUS_BY_CAUSE: Mapping[str, CallStatus] = MappingProxyType(
    {
        HangupCause.USER_BUSY.value: CallStatus.BUSY,
        HangupCause.BUSY_EVERYWHERE.value: CallStatus.BUSY,
        HangupCause.DECLINE.value: CallStatus.BUSY,
        HangupCause.NO_ANSWER.value: CallStatus.NO_ANSWER,
        HangupCause.NO_USER_RESPONSE.value: CallStatus.NO_ANSWER,
        HangupCause.PROGRESS_TIMEOUT.value: CallStatus.NO_ANSWER,
        HangupCause.LOSE_RACE.value: CallStatus.CANCELED,
        HangupCause.ORIGINATOR_CANCEL.value: CallStatus.CANCELED,
    }
)

# When every leg of a <Dial> failed, the dial's status is the first of these
# that some leg has: "no-answer" first (the ring timeout ended the dial, and
# the person might answer next time), then "busy", "failed", "canceled".
DIAL_STATUS_PRECEDENCE: tuple[CallStatus, ...] = (
    CallStatus.NO_ANSWER,
    CallStatus.BUSY,
    CallStatus.FAILED,
    CallStatus.CANCELED,
)

# <Reject reason> -> the caller's final status (SignalWire's <Reject> page).
REJECT_STATUSES: Mapping[RejectReason, CallStatus] = MappingProxyType(
    {
        RejectReason.BUSY: CallStatus.BUSY,
        RejectReason.REJECTED: CallStatus.NO_ANSWER,
    }
)

# A caller still unanswered when its document ends after an answerOnBridge
# <Dial> that failed: it is refused with the dial's outcome, so the calling
# PBX sees busy as busy (486), not a generic error.
UNANSWERED_END_CAUSES: Mapping[CallStatus, HangupCause] = MappingProxyType(
    {
        CallStatus.BUSY: HangupCause.USER_BUSY,  # 486
        CallStatus.NO_ANSWER: HangupCause.NO_ANSWER,  # 480
        CallStatus.FAILED: HangupCause.NORMAL_TEMPORARY_FAILURE,  # 503
        CallStatus.CANCELED: HangupCause.NORMAL_CLEARING,
    }
)

# No document could be had for the call (or the engine failed): a 500-class
# answer, so that the calling PBX may try elsewhere. FreeSWITCH has no cause
# that mod_sofia turns into 500 itself; NORMAL_TEMPORARY_FAILURE gives 503.
FAILURE_CAUSE = HangupCause.NORMAL_TEMPORARY_FAILURE


def sip_status_of(term_status: int | None, invite_failure_status: int | None) -> int | None:
    """The SIP status that ended the INVITE: the final response, else the failure status."""
    return term_status if term_status is not None else invite_failure_status


def leg_status(
    *,
    answered: bool,
    cause: str | None,
    sip_status: int | None,
    ended_by: EndedBy | None = None,
) -> CallStatus:
    """The final status of one dialed (or REST-placed) leg."""
    if answered:
        return CallStatus.COMPLETED
    if ended_by is not None:
        return ENDED_BY_STATUS[ended_by]
    if cause in CANCEL_CAUSES:
        return CallStatus.CANCELED
    if sip_status is not None and sip_status in DIAL_STATUS_BY_SIP:
        return DIAL_STATUS_BY_SIP[sip_status]
    if cause is not None and cause in DIAL_STATUS_BY_CAUSE:
        return DIAL_STATUS_BY_CAUSE[cause]
    return CallStatus.FAILED


def dial_call_status(
    leg_statuses: Iterable[CallStatus], *, connected: bool, caller_hung_up_first: bool
) -> CallStatus:
    """DialCallStatus for the action request.

    Connected -> completed (whoever hung up); the caller gone before any leg
    answered -> canceled; else the legs' statuses by DIAL_STATUS_PRECEDENCE.
    """
    if connected:
        return CallStatus.COMPLETED
    if caller_hung_up_first:
        return CallStatus.CANCELED
    seen = set(leg_statuses)
    for status in DIAL_STATUS_PRECEDENCE:
        if status in seen:
            return status
    return CallStatus.FAILED
