"""The `<Say voice language>` table: every mapped name, and every refusal naming
the attribute and the value."""

from __future__ import annotations

import pytest

from bridge.config import MediaSettings
from bridge.engine.tts_voices import (
    FLITE_VOICES,
    POLLY_US_ENGLISH,
    Speaker,
    VoiceRefused,
    speaker_for,
)

FLITE = MediaSettings(tts_engine="flite", tts_voice="rms")


@pytest.mark.parametrize(
    ("voice", "flite_voice"),
    [
        (None, "rms"),  # the configured tts_voice
        ("man", "kal"),
        ("woman", "slt"),
        ("alice", "slt"),
        ("WOMAN", "slt"),
        ("Polly.Joanna", "slt"),
        ("Polly.Joanna-Neural", "slt"),
        ("polly.matthew-generative", "kal"),
        ("Polly.Justin", "kal"),
        ("Polly.Salli", "slt"),
        ("awb", "awb"),
        ("Kal16", "kal16"),
    ],
)
def test_flite_voices(voice: str | None, flite_voice: str) -> None:
    assert speaker_for(FLITE, voice, None) == Speaker("flite", flite_voice)
    assert speaker_for(FLITE, voice, "en-US") == Speaker("flite", flite_voice)


def test_every_polly_voice_maps_to_a_flite_voice_of_its_gender() -> None:
    for name, gender in POLLY_US_ENGLISH.items():
        voice = speaker_for(FLITE, f"Polly.{name.title()}", "en").voice
        assert voice == ("slt" if gender == "female" else "kal"), name
    assert {"slt", "kal"} <= set(FLITE_VOICES)


@pytest.mark.parametrize("language", ["en", "en-US", "EN-us"])
def test_us_english_is_accepted(language: str) -> None:
    assert speaker_for(FLITE, "woman", language) == Speaker("flite", "slt")


@pytest.mark.parametrize(
    ("voice", "language", "attribute", "value", "reason"),
    [
        (None, "en-GB", "language", "en-GB", "speaks US English only"),
        ("woman", "fr-FR", "language", "fr-FR", "speaks US English only"),
        ("Polly.Amy", None, "voice", "Polly.Amy", "not an Amazon Polly US English voice"),
        ("Polly.Joanna-Bogus", None, "voice", "Polly.Joanna-Bogus", "Polly US English"),
        ("Google.en-US-Standard-C", None, "voice", "Google.en-US-Standard-C", "no such voice"),
        ("gcloud.en-US-Wavenet-A", None, "voice", "gcloud.en-US-Wavenet-A", "no such voice"),
        ("robot", None, "voice", "robot", "awb, kal, kal16, rms, slt"),
    ],
)
def test_flite_refusals_name_the_attribute_and_value(
    voice: str | None, language: str | None, attribute: str, value: str, reason: str
) -> None:
    with pytest.raises(VoiceRefused) as refused:
        speaker_for(FLITE, voice, language)
    assert (refused.value.attribute, refused.value.value) == (attribute, value)
    assert str(refused.value).startswith(f"{attribute} {value!r}: ")
    assert reason in str(refused.value)


def test_other_engines_take_no_voice_or_language() -> None:
    media = MediaSettings(tts_engine="unimrcp", tts_voice="Joanna")
    assert speaker_for(media, None, None) == Speaker("unimrcp", "Joanna")
    with pytest.raises(VoiceRefused, match="voice 'woman': .*tts_engine is 'unimrcp'"):
        speaker_for(media, "woman", None)
    with pytest.raises(VoiceRefused, match="language 'en-US': .*flite TTS engine only"):
        speaker_for(media, None, "en-US")
