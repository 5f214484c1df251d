"""`<Play>`: play an audio URL to the caller through FreeSWITCH's `playback`, or send digits.

FreeSWITCH fetches the URL itself: with mod_httapi loaded, `playback` reads
http:// and https:// URLs directly; with mod_http_cache, set
`[media] playback_prefix = "http_cache://"`. `loop` repeats (0: until the
call ends, at most 1000 times). A file the switch cannot play is logged and
the document goes on.

`<Play digits="...">` sends DTMF to the caller's far end with
`uuid_send_dtmf` (0-9, *, #, 'w' a 0.5 s pause, 'W' 1 s) and waits while
they go out (`bridge.engine.digits`), `loop` times.
"""

from __future__ import annotations

import logging

from bridge.cxml.models import Play
from bridge.engine.digits import DigitsToSend, send_digits
from bridge.engine.errors import VerbFailed
from bridge.engine.session import CallSession
from bridge.engine.steps import CONTINUE, Step
from bridge.engine.verbs.media import play_once, times
from bridge.switch import UnsafeValue

log = logging.getLogger(__name__)

PLAYED = "FILE PLAYED"


def execute(verb: Play, call: CallSession) -> Step:
    if verb.url is None:
        return _digits(verb, call)
    call.answer()
    target = call.services.settings.media.playback_prefix + verb.url
    for _ in range(times(verb.loop)):
        response = play_once(call, "Play", verb.line, "playback", target)
        if response and response != PLAYED:
            log.warning(
                "call %s: line %d: <Play> of %s: FreeSWITCH says %r",
                call.call_sid,
                verb.line,
                verb.url,
                response,
            )
            break
    return CONTINUE


def _digits(verb: Play, call: CallSession) -> Step:
    try:
        send = DigitsToSend.on(call.uuid, verb.digits or "")
    except UnsafeValue as error:
        raise VerbFailed(verb.line, "Play", f"cannot send the digits: {error}") from None
    call.answer()
    for _ in range(times(verb.loop)):
        send_digits(call, send)
    return CONTINUE
