"""FreeSWITCH command text: `originate` per `<Sip>` leg and the `uuid_*` commands.

The only place in the project that escapes values for FreeSWITCH. No I/O.
"""

from bridge.switch.causes import REJECTIONS, HangupCause, Rejection, rejection_for
from bridge.switch.commands import (
    BroadcastLeg,
    RecordAction,
    check_uuid,
    sched_hangup,
    uuid_answer,
    uuid_break,
    uuid_bridge,
    uuid_broadcast,
    uuid_getvar,
    uuid_kill,
    uuid_pre_answer,
    uuid_record,
    uuid_ring_ready,
    uuid_send_dtmf,
    uuid_setvar,
    uuid_speak,
)
from bridge.switch.escaping import UnsafeValue
from bridge.switch.originate import (
    CORRELATION_VARIABLE,
    DEFAULT_API_VERSION,
    DEFAULT_PROFILE,
    DialContext,
    LegIdentity,
    OriginateCommand,
    build_dial_originates,
    build_originate,
    check_context,
    check_profile,
    originate_refusals,
)

__all__ = [
    "CORRELATION_VARIABLE",
    "DEFAULT_API_VERSION",
    "DEFAULT_PROFILE",
    "REJECTIONS",
    "BroadcastLeg",
    "DialContext",
    "HangupCause",
    "LegIdentity",
    "OriginateCommand",
    "RecordAction",
    "Rejection",
    "UnsafeValue",
    "build_dial_originates",
    "build_originate",
    "check_context",
    "check_profile",
    "check_uuid",
    "originate_refusals",
    "rejection_for",
    "sched_hangup",
    "uuid_answer",
    "uuid_break",
    "uuid_bridge",
    "uuid_broadcast",
    "uuid_getvar",
    "uuid_kill",
    "uuid_pre_answer",
    "uuid_record",
    "uuid_ring_ready",
    "uuid_send_dtmf",
    "uuid_setvar",
    "uuid_speak",
]
