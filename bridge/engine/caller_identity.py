"""The caller's own identity as the default of the `<Dial>` legs it places.

An inbound caller's name and number are the remote party's to choose. What
the switch cannot carry is withheld (the name left out, the number sent as
`anonymous`) rather than failing every `<Dial>` of the call; a `callerId` or
`callerName` written in the document is not a default and stays checked,
with its line, by the parser and the switch layer.
"""

from __future__ import annotations

import logging

from bridge.engine.params import ANONYMOUS
from bridge.switch import UnsafeValue, check_caller_id_number, check_caller_name

log = logging.getLogger(__name__)


def default_caller_name(call_sid: str, name: str | None) -> str | None:
    """The caller's own name as the legs' default, or None when it cannot travel.

    An inbound caller's display name is the remote party's to choose ("Desk
    [2]", "{x}"): one the switch cannot carry is left out, not a failed dial.
    """
    if name is None:
        return None
    try:
        return check_caller_name(name)
    except UnsafeValue as refusal:
        log.warning("call %s: its caller name is not passed to the legs: %s", call_sid, refusal)
        return None


def default_caller_id_number(call_sid: str, number: str) -> str:
    """The caller's own number as the legs' default, or `anonymous` when it cannot travel.

    An inbound caller's number is the remote party's to choose ("*67 5551234",
    "#31#", "<unknown>"): one outside the `<Sip>` callerId grammar is withheld,
    not a failed dial. (A `<Dial callerId>` of the document is not a default:
    a bad one stays an error naming its line.)
    """
    try:
        return check_caller_id_number(number)
    except UnsafeValue as refusal:
        log.warning(
            "call %s: its caller number %r cannot be passed to the legs (%s); "
            "they are dialed from %s",
            call_sid,
            number[:_LOGGED_NUMBER_CHARS],
            refusal,
            ANONYMOUS,
        )
        return ANONYMOUS


# A remote party's number may be of any length: the log shows its start.
_LOGGED_NUMBER_CHARS = 200
