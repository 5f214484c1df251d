"""`<Say>`: text to speech through FreeSWITCH's `speak` application.

Needs a TTS module in FreeSWITCH (mod_flite, for one) and `[media] tts_engine`
in the configuration (with `tts_voice`). The `voice` and `language`
attributes go through the table in `bridge.engine.tts_voices` (flite's
voices); one it cannot honour is an error naming the attribute, its value and
the line, as is a `<Say>` without `tts_engine`, or a text FreeSWITCH cannot
be given safely (e.g. holding '$' or '|'): the call ends, never in silence.
Checks come first, so a refused `<Say>` never answers the call.

The caller's channel then gets `uuid_broadcast <uuid>
speak::<engine>|<voice>|<text> aleg`, `loop` times (0: until the call ends, at
most 1000), each waited for.
"""

from __future__ import annotations

from bridge.cxml.models import Say
from bridge.engine.errors import VerbFailed
from bridge.engine.session import CallSession
from bridge.engine.steps import CONTINUE, Step
from bridge.engine.tts_voices import VoiceRefused, speaker_for
from bridge.engine.verbs.media import broadcast_and_wait, times
from bridge.switch import UnsafeValue, uuid_speak

SPEAK = "speak"


def execute(verb: Say, call: CallSession) -> Step:
    media = call.services.settings.media
    if media.tts_engine is None:
        raise VerbFailed(
            verb.line,
            "Say",
            'text to speech is not configured: set [media] tts_engine (e.g. "flite" '
            "with mod_flite loaded in FreeSWITCH); see freeswitch-conf/README.md",
        )
    try:
        speaker = speaker_for(media, verb.voice, verb.language)
    except VoiceRefused as refused:
        raise VerbFailed(verb.line, "Say", str(refused)) from None
    try:
        command = uuid_speak(call.uuid, speaker.engine, speaker.voice, verb.text)
    except UnsafeValue as error:
        raise VerbFailed(verb.line, "Say", f"cannot be spoken: {error}") from None
    call.answer()
    for _ in range(times(verb.loop)):
        broadcast_and_wait(call, command, SPEAK)
    return CONTINUE
