"""FreeSWITCH hangup causes, and what a `<Reject reason>` becomes on the switch.

The names are FreeSWITCH's own (`switch_channel_cause2str`, the CAUSE_CHART in
src/switch_channel.c of 1.10); only these may follow `uuid_kill` or
`sched_hangup`, so no other text can ride along with a cause. No I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bridge.cxml.models import RejectReason


class HangupCause(StrEnum):
    UNALLOCATED_NUMBER = "UNALLOCATED_NUMBER"
    NO_ROUTE_DESTINATION = "NO_ROUTE_DESTINATION"
    NORMAL_CLEARING = "NORMAL_CLEARING"
    USER_BUSY = "USER_BUSY"
    NO_USER_RESPONSE = "NO_USER_RESPONSE"
    NO_ANSWER = "NO_ANSWER"
    SUBSCRIBER_ABSENT = "SUBSCRIBER_ABSENT"
    CALL_REJECTED = "CALL_REJECTED"
    NUMBER_CHANGED = "NUMBER_CHANGED"
    DESTINATION_OUT_OF_ORDER = "DESTINATION_OUT_OF_ORDER"
    INVALID_NUMBER_FORMAT = "INVALID_NUMBER_FORMAT"
    FACILITY_REJECTED = "FACILITY_REJECTED"
    NORMAL_UNSPECIFIED = "NORMAL_UNSPECIFIED"
    NORMAL_CIRCUIT_CONGESTION = "NORMAL_CIRCUIT_CONGESTION"
    NETWORK_OUT_OF_ORDER = "NETWORK_OUT_OF_ORDER"
    NORMAL_TEMPORARY_FAILURE = "NORMAL_TEMPORARY_FAILURE"
    SWITCH_CONGESTION = "SWITCH_CONGESTION"
    SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"
    INCOMPATIBLE_DESTINATION = "INCOMPATIBLE_DESTINATION"
    RECOVERY_ON_TIMER_EXPIRE = "RECOVERY_ON_TIMER_EXPIRE"
    ORIGINATOR_CANCEL = "ORIGINATOR_CANCEL"
    SYSTEM_SHUTDOWN = "SYSTEM_SHUTDOWN"
    LOSE_RACE = "LOSE_RACE"
    MANAGER_REQUEST = "MANAGER_REQUEST"
    BLIND_TRANSFER = "BLIND_TRANSFER"
    ATTENDED_TRANSFER = "ATTENDED_TRANSFER"
    ALLOTTED_TIMEOUT = "ALLOTTED_TIMEOUT"
    MEDIA_TIMEOUT = "MEDIA_TIMEOUT"
    USER_NOT_REGISTERED = "USER_NOT_REGISTERED"
    PROGRESS_TIMEOUT = "PROGRESS_TIMEOUT"
    INVALID_URL = "INVALID_URL"
    INVALID_PROFILE = "INVALID_PROFILE"
    BUSY_EVERYWHERE = "BUSY_EVERYWHERE"
    DECLINE = "DECLINE"
    DOES_NOT_EXIST_ANYWHERE = "DOES_NOT_EXIST_ANYWHERE"
    NOT_ACCEPTABLE = "NOT_ACCEPTABLE"


@dataclass(frozen=True, slots=True)
class Rejection:
    """How to refuse a call: the cause to hang up with and the SIP status it sends."""

    cause: HangupCause
    sip_status: int


# FreeSWITCH's cause-to-SIP table (mod_sofia hangup_cause_to_sip) sends 486 for
# USER_BUSY and 603 for CALL_REJECTED, which is what Twilio/SignalWire send for
# `<Reject reason="busy">` and `<Reject reason="rejected">`.
REJECTIONS: dict[RejectReason, Rejection] = {
    RejectReason.BUSY: Rejection(HangupCause.USER_BUSY, 486),
    RejectReason.REJECTED: Rejection(HangupCause.CALL_REJECTED, 603),
}


def rejection_for(reason: RejectReason) -> Rejection:
    return REJECTIONS[reason]
