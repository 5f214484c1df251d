"""`<Say voice language>` to a FreeSWITCH TTS engine and voice: a constant table. Pure.

Only mod_flite is mapped (the TTS module FreeSWITCH ships and builds by
default). Its voices (mod_flite.c) are awb, kal, kal16, rms and slt, all CMU
US English databases (awb's speaker has a Scottish accent); flite speaks no
other language. So, with `[media] tts_engine = "flite"`:

| voice | flite voice |
|---|---|
| (none) | `[media] tts_voice` (default kal) |
| man | kal |
| woman, alice | slt |
| Polly.<US English voice>[-Neural or -Generative]: a female voice | slt |
| ... a male voice | kal |
| awb, kal, kal16, rms, slt (flite's own names) | the same |

`language` may be left out, `en` or `en-US` (any case; Twilio's `en` is US
English). Everything else is refused, naming the attribute and the value:
another language, a Polly voice of another language, a Google voice, an
unknown name. With any TTS engine other than flite there is no table: a
`<Say>` without voice and language speaks with `tts_voice`, and one with
either is refused. Nothing is passed through unchecked and nothing is
silently replaced by a voice of another language.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bridge.config import MediaSettings

FLITE = "flite"
FLITE_VOICES = ("awb", "kal", "kal16", "rms", "slt")
FEMALE = "slt"
MALE = "kal"
GENERIC_VOICES: dict[str, str] = {"man": MALE, "woman": FEMALE, "alice": FEMALE}

Gender = Literal["female", "male"]
# Amazon Polly's US English (en-US) voices, as Twilio and SignalWire name them
# after "Polly.".
POLLY_US_ENGLISH: dict[str, Gender] = {
    "danielle": "female",
    "gregory": "male",
    "ivy": "female",
    "joanna": "female",
    "joey": "male",
    "justin": "male",
    "kendra": "female",
    "kevin": "male",
    "kimberly": "female",
    "matthew": "male",
    "patrick": "male",
    "ruth": "female",
    "salli": "female",
    "stephen": "male",
}
POLLY_MODELS = ("-neural", "-generative")  # Polly.Joanna-Neural ...
FLITE_LANGUAGES = ("en", "en-us")


@dataclass(frozen=True, slots=True)
class Speaker:
    """What `speak` gets: FreeSWITCH's TTS module and one of its voices."""

    engine: str
    voice: str


class VoiceRefused(ValueError):
    """A `<Say>` attribute that has no mapping: `attribute`, its `value`, why."""

    def __init__(self, attribute: str, value: str, reason: str) -> None:
        self.attribute = attribute
        self.value = value
        self.reason = reason
        super().__init__(f"{attribute} {value!r}: {reason}")


def speaker_for(media: MediaSettings, voice: str | None, language: str | None) -> Speaker:
    """The engine and voice for a `<Say>`; VoiceRefused when either attribute
    cannot be honoured. `media.tts_engine` must be set (the caller checks)."""
    engine = media.tts_engine
    assert engine is not None
    if engine.lower() != FLITE:
        for attribute, value in (("voice", voice), ("language", language)):
            if value is not None:
                raise VoiceRefused(
                    attribute,
                    value,
                    f"cxml-bridge maps <Say> voices and languages for the flite TTS engine "
                    f"only, and [media] tts_engine is {engine!r}; leave {attribute} out to "
                    f"speak with tts_voice {media.tts_voice!r}",
                )
        return Speaker(engine, media.tts_voice)
    if language is not None and language.lower() not in FLITE_LANGUAGES:
        raise VoiceRefused(
            "language",
            language,
            "the flite TTS engine speaks US English only: use en-US (or leave language out)",
        )
    if voice is None:
        return Speaker(engine, media.tts_voice)
    return Speaker(engine, _flite_voice(voice))


def _flite_voice(voice: str) -> str:
    folded = voice.lower()
    if folded in GENERIC_VOICES:
        return GENERIC_VOICES[folded]
    if folded in FLITE_VOICES:
        return folded
    if folded.startswith("polly."):
        name = folded.removeprefix("polly.")
        model = next((m for m in POLLY_MODELS if name.endswith(m)), "")
        gender = POLLY_US_ENGLISH.get(name.removesuffix(model) if model else name)
        if gender is not None:
            return FEMALE if gender == "female" else MALE
        raise VoiceRefused(
            "voice",
            voice,
            "not an Amazon Polly US English voice, and flite speaks US English only; " + _choices(),
        )
    raise VoiceRefused("voice", voice, "no such voice for the flite TTS engine; " + _choices())


def _choices() -> str:
    return (
        "use man, woman, alice, a Polly US English voice (e.g. Polly.Joanna, Polly.Matthew) "
        f"or one of flite's voices: {', '.join(FLITE_VOICES)}"
    )
