"""`<Reject>`: refuse the call without answering it.

reason="busy" hangs up with USER_BUSY (mod_sofia sends 486 Busy Here) and
the call ends busy; reason="rejected" (the default) with CALL_REJECTED (603
Decline) and the call ends no-answer (SignalWire's `<Reject>` page;
`bridge.switch.causes.REJECTIONS`, `bridge.engine.statuses.REJECT_STATUSES`).
A call that an earlier verb already answered is simply hung up (completed).
"""

from __future__ import annotations

from bridge.cxml.models import Reject
from bridge.engine.session import CallSession
from bridge.engine.statuses import REJECT_STATUSES
from bridge.engine.steps import FINISH, Step
from bridge.switch import HangupCause, rejection_for


def execute(verb: Reject, call: CallSession) -> Step:
    if call.answered:
        call.hang_up(HangupCause.NORMAL_CLEARING)
        return FINISH
    call.unanswered_status = REJECT_STATUSES[verb.reason]
    call.hang_up(rejection_for(verb.reason).cause)
    return FINISH
