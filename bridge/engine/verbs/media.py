"""Playing to the caller: one FreeSWITCH application through `uuid_broadcast`, waited for.

The application runs on the caller's channel and the call waits for its
CHANNEL_EXECUTE_COMPLETE (in `wait()`, so the caller hanging up, a REST
redirect or an end request cut the wait short; the last two also stop the
audio with `uuid_break`).
"""

from __future__ import annotations

import logging

from bridge.engine.errors import VerbFailed
from bridge.engine.interrupts import EndRequested, Redirected
from bridge.engine.session import CallSession
from bridge.esl.events import ChannelEvent
from bridge.switch import BroadcastLeg, UnsafeValue, uuid_break, uuid_broadcast

log = logging.getLogger(__name__)

# `loop="0"` means "until the call ends" on the hosted platforms; a bound keeps
# a forgotten loop from holding a channel for ever.
LOOP_FOREVER = 1000


def times(loop: int) -> int:
    return LOOP_FOREVER if loop == 0 else loop


def play_once(call: CallSession, verb: str, line: int, application: str, argument: str) -> str:
    """Broadcast `application::argument` to the caller and wait until it completed.

    Returns FreeSWITCH's Application-Response (e.g. "FILE PLAYED").
    """
    try:
        command = uuid_broadcast(call.uuid, application, argument, BroadcastLeg.ALEG)
    except UnsafeValue as error:
        raise VerbFailed(line, verb, f"cannot be played: {error}") from None
    return broadcast_and_wait(call, command, application)


def broadcast_and_wait(call: CallSession, command: str, application: str) -> str:
    """Send a built `uuid_broadcast` of `application` and wait until it completed."""
    call.api(command)
    while True:
        try:
            item = call.wait(None)
        except (Redirected, EndRequested):
            # What comes next must not be heard behind the rest of this.
            call.try_api(uuid_break(call.uuid))
            raise
        if (
            isinstance(item, ChannelEvent)
            and item.name == "CHANNEL_EXECUTE_COMPLETE"
            and item.uuid is not None
            and item.uuid.lower() == call.uuid.lower()
            and item.header("Application") == application
        ):
            response = item.header("Application-Response") or ""
            log.debug("call %s: %s finished: %s", call.call_sid, application, response)
            return response
