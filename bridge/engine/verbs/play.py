"""`<Play>`: play an audio URL to the caller through FreeSWITCH's `playback`.

FreeSWITCH fetches the URL itself: with mod_httapi loaded, `playback` reads
http:// and https:// URLs directly; with mod_http_cache, set
`[media] playback_prefix = "http_cache://"`. `loop` repeats (0: until the
call ends, at most 1000 times). A file the switch cannot play is logged and
the document goes on. `digits` (sending DTMF) is not supported yet: an error.
"""

from __future__ import annotations

import logging

from bridge.cxml.models import Play
from bridge.engine.errors import VerbFailed
from bridge.engine.session import CallSession
from bridge.engine.steps import CONTINUE, Step
from bridge.engine.verbs.media import play_once, times

log = logging.getLogger(__name__)

PLAYED = "FILE PLAYED"


def execute(verb: Play, call: CallSession) -> Step:
    if verb.url is None:
        raise VerbFailed(verb.line, "Play", "digits are not supported by cxml-bridge yet")
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
