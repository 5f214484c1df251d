"""Sending DTMF on a call's own channel: `<Play digits>` and the REST API's SendDigits.

`uuid_send_dtmf <uuid> <digits>` queues the digits as RFC 2833 events to the
channel's far end and returns at once, so the call then waits (in `wait()`:
the caller hanging up, a redirect or an end request cut it short) for as long
as sending takes, lest the next verb (a `<Hangup/>`, say) cut the digits off.
The time is FreeSWITCH's own account (switch_core_session_send_dtmf_string's
`last_dtmf_duration`): 250 ms of tone and 250 ms of gap per digit, with 'w'
a 0.5 s pause (Twilio's) and 'W' 1 s (switch_rtp.c).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from bridge.engine.errors import CommandRefused
from bridge.engine.session import CallSession
from bridge.esl.errors import EslError
from bridge.switch import uuid_send_dtmf

DIGIT_SECONDS = 0.5
PAUSE_SECONDS = {"w": 0.5, "W": 1.0}


def sending_seconds(digits: str) -> float:
    return sum(PAUSE_SECONDS.get(digit, DIGIT_SECONDS) for digit in digits)


@dataclass(frozen=True, slots=True)
class DigitsToSend:
    """Digits and the `uuid_send_dtmf` that sends them, built (and checked) ahead."""

    digits: str
    command: str

    @classmethod
    def on(cls, uuid: str, digits: str) -> DigitsToSend:
        """Raises bridge.switch.UnsafeValue for digits outside 0-9 * # A-D w W."""
        return cls(digits, uuid_send_dtmf(uuid, digits))


def send_digits(call: CallSession, send: DigitsToSend) -> None:
    """Send the digits on the call's channel and wait while they go out.

    Raises CallerHungUp when the command failed because the call just ended.
    """
    try:
        call.api(send.command)
    except (EslError, CommandRefused):
        if call.caller_left():
            raise call.hung_up() from None
        raise
    until = time.monotonic() + sending_seconds(send.digits)
    while call.wait(until) is not None:
        pass  # nothing else is in flight while digits go out
