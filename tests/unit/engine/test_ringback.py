"""The ringTone table against its sources, and the commands it becomes."""

from __future__ import annotations

import re

import pytest

from bridge.cxml.models import RING_TONES as SPEC_CODES
from bridge.engine.ringback import DEFAULT_RING_TONE, RING_TONES, tone_stream
from bridge.switch import BroadcastLeg, uuid_broadcast

CALLER = "0c6d1a2e-4b5f-4c3d-9e8f-7a6b5c4d3e2f"

# FreeSWITCH 1.10.12 conf/vanilla/vars.xml, `<code>-ring` (the spec's codes only).
VARS_XML = {
    "au": "%(400,200,383,417);%(400,2000,383,417)",
    "be": "%(1000,3000,425)",
    "cn": "%(1000,4000,450)",
    "cz": "%(1000,4000,425)",
    "de": "%(1000,4000,425)",
    "dk": "%(1000,4000,425)",
    "es": "%(1500,3000,425)",
    "fi": "%(1000,4000,425)",
    "fr": "%(1500,3500,440)",
    "hu": "%(1250,3750,425)",
    "il": "%(1000,3000,400)",
    "in": "%(400,200,425,375);%(400,2000,425,375)",
    "jp": "%(1000,2000,420,380)",
    "pl": "%(1000,4000,425)",
    "ru": "%(800,3200,425)",
    "uk": "%(400,200,400,450);%(400,2000,400,450)",
    "us": "%(2000,4000,440,480)",
}
# Asterisk configs/samples/indications.conf.sample, `ring =` of the other codes.
INDICATIONS = {
    "at": "420/1000,0/5000",
    "bg": "425/1000,0/4000",
    "br": "425/1000,0/4000",
    "ch": "425/1000,0/4000",
    "cl": "400/1000,0/3000",
    "ee": "425/1000,0/4000",
    "gr": "425/1000,0/4000",
    "it": "425/1000,0/4000",
    "lt": "425/1000,0/4000",
    "mx": "425/1000,0/4000",
    "my": "425/400,0/200,425/400,0/2000",
    "nl": "425/1000,0/4000",
    "no": "425/1000,0/4000",
    "nz": "400+450/400,0/200,400+450/400,0/2000",
    "ph": "425+480/1000,0/4000",
    "pt": "425/1000,0/5000",
    "se": "425/1000,0/5000",
    "sg": "425*24/400,0/200,425*24/400,0/2000",
    "th": "420/1000,0/5000",
    "tw": "440+480/1000,0/2000",
    "us-old": "420*40/2000,0/4000",
    "ve": "425/1000,0/4000",
    "za": "400*33/400,0/200,400*33/400,0/2000",
}
TELETONE = re.compile(r"%\(\d+,\d+(?:,\d+)+\)(?:;%\(\d+,\d+(?:,\d+)+\))*")


def from_indications(ring: str) -> str:
    """`f1[+f2|*f2]/on,0/off,...` as teletone `%(on,off,freqs);...`; f1*f2 (AM)
    becomes its side bands f1+f2, f1-f2, as vars.xml did for India."""
    elements = ring.split(",")
    parts = []
    for tone, silence in zip(elements[::2], elements[1::2], strict=True):
        frequencies, on = tone.split("/")
        zero, off = silence.split("/")
        assert zero == "0"
        if "*" in frequencies:
            carrier, modulation = (int(f) for f in frequencies.split("*"))
            freqs = [carrier + modulation, carrier - modulation]
        else:
            freqs = [int(f) for f in frequencies.split("+")]
        parts.append(f"%({on},{off},{','.join(str(f) for f in freqs)})")
    return ";".join(parts)


def test_every_spec_code_has_a_tone_and_nothing_else() -> None:
    assert set(RING_TONES) == set(SPEC_CODES) == set(VARS_XML) | set(INDICATIONS)
    assert DEFAULT_RING_TONE in RING_TONES


@pytest.mark.parametrize("code", sorted(VARS_XML))
def test_codes_freeswitch_defines_use_its_vars_xml(code: str) -> None:
    assert RING_TONES[code] == VARS_XML[code]


@pytest.mark.parametrize("code", sorted(INDICATIONS))
def test_other_codes_follow_asterisk_indications(code: str) -> None:
    assert RING_TONES[code] == from_indications(INDICATIONS[code])


def test_india_shows_the_modulation_rule_vars_xml_applied() -> None:
    # Asterisk's India ring is 400*25/400,0/200,400*25/400,0/2000.
    assert from_indications("400*25/400,0/200,400*25/400,0/2000") == VARS_XML["in"]


@pytest.mark.parametrize("code", sorted(SPEC_CODES))
def test_each_tone_is_a_teletone_script_that_loops_and_can_be_broadcast(code: str) -> None:
    assert TELETONE.fullmatch(RING_TONES[code])
    target = tone_stream(code)
    assert target == f"tone_stream://{RING_TONES[code]};loops=-1"
    command = uuid_broadcast(CALLER, "playback", target, BroadcastLeg.ALEG)
    assert command == f"uuid_broadcast {CALLER} playback::{target} aleg"
