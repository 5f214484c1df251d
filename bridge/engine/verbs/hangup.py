"""`<Hangup>`: end the call.

As on the hosted platforms, a `<Hangup>` that comes first still answers the
call before ending it (only `<Reject>` refuses a call unanswered).
"""

from __future__ import annotations

from bridge.cxml.models import Hangup
from bridge.engine.session import CallSession
from bridge.engine.steps import FINISH, Step
from bridge.switch import HangupCause


def execute(verb: Hangup, call: CallSession) -> Step:
    call.answer()
    call.hang_up(HangupCause.NORMAL_CLEARING)
    return FINISH
