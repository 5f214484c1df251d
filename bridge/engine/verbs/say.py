"""`<Say>`: text to speech through FreeSWITCH's `speak` application.

Needs a TTS module in FreeSWITCH (mod_flite, for one) and `[media] tts_engine`
in the configuration (with `tts_voice`); the engine sets `tts_engine` and
`tts_voice` on the caller's channel and broadcasts `speak::<text>`, then waits
for it to finish. Without `tts_engine` a `<Say>` is an error that ends the
call and names the setting: never a silent no-op. The `voice` and `language`
attributes are not mapped yet: the configured voice speaks.
"""

from __future__ import annotations

from bridge.cxml.models import Say
from bridge.engine.errors import VerbFailed
from bridge.engine.session import CallSession
from bridge.engine.steps import CONTINUE, Step
from bridge.engine.verbs.media import play_once, times
from bridge.switch import UnsafeValue, uuid_setvar


def execute(verb: Say, call: CallSession) -> Step:
    media = call.services.settings.media
    if media.tts_engine is None:
        raise VerbFailed(
            verb.line,
            "Say",
            'text to speech is not configured: set [media] tts_engine (e.g. "flite" '
            "with mod_flite loaded in FreeSWITCH); see freeswitch-conf/README.md",
        )
    call.answer()
    try:
        call.api(uuid_setvar(call.uuid, "tts_engine", media.tts_engine))
        call.api(uuid_setvar(call.uuid, "tts_voice", media.tts_voice))
    except UnsafeValue as error:
        raise VerbFailed(verb.line, "Say", f"TTS settings refused: {error}") from None
    for _ in range(times(verb.loop)):
        play_once(call, "Say", verb.line, "speak", verb.text)
    return CONTINUE
