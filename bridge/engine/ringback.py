"""What the caller hears while a `<Dial>`'s legs ring: ring tones and 180s.

`RING_TONES` holds a FreeSWITCH tone_stream (teletone) script for every
`<Dial ringTone>` country code of the spec table. The cadences are facts,
not inventions:

- where FreeSWITCH 1.10.12's vanilla `conf/vanilla/vars.xml` defines
  `<code>-ring` (au be cn cz de dk es fi fr hu il in jp pl ru uk us), its
  value, character for character;
- the other codes are exactly the countries of Asterisk's
  `configs/samples/indications.conf.sample`, whose `ring =` lines give them:
  each `f1[+f2]/on,0/off` pair becomes `%(on,off,f1[,f2])`. Asterisk's
  amplitude-modulated tones (`f1*f2`: sg, us-old, za) become the two side
  bands f1+f2 and f1-f2, as vars.xml itself turned Asterisk's India `400*25`
  into `%(...,425,375)` (teletone has no modulation).

`tests/unit/engine/test_ringback.py` checks the table against those sources.

`Ringback` drives the caller's side of a dial (see `bridge.engine.dialing`):

- with `ringTone`: from the moment the legs are dialed, the country's tone
  is broadcast to the caller (`uuid_broadcast <caller>
  playback::tone_stream://<script>;loops=-1 aleg`; a negative `;loops=`
  makes mod_tone_stream repeat it until stopped). An unanswered caller
  (answerOnBridge) is pre-answered first (183 with media: a tone needs a
  media path, and trace s10 shows an unanswered caller must have media
  before the bridge anyway);
- without `ringTone`: the callee's progress drives it. At the first 180 or
  183 of any leg, an unanswered caller gets `uuid_ring_ready` (180: its own
  phone plays the carrier's ringback), and an answered caller (the default,
  answered before the dial) gets the `us` tone, since nothing else would
  reach it. A leg's early media is not passed through: the legs are dialed
  with `ignore_early_media=true` and only the winner is ever bridged;
- the tone stops (`uuid_break <caller> all`) before the caller is bridged
  and when the dial ends without a connection; the engine then waits for the
  broadcast's CHANNEL_EXECUTE_COMPLETE so that a later `<Play>` does not take
  it for its own.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from types import MappingProxyType

from bridge.cxml.models import Dial
from bridge.engine.session import CallSession
from bridge.esl.events import ChannelEvent
from bridge.switch import BroadcastLeg, uuid_break, uuid_broadcast, uuid_pre_answer

log = logging.getLogger(__name__)

_VARS_XML = {
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
# From Asterisk's indications.conf.sample `ring =` (the line is in the comment).
_INDICATIONS = {
    "at": "%(1000,5000,420)",  # 420/1000,0/5000
    "bg": "%(1000,4000,425)",  # 425/1000,0/4000
    "br": "%(1000,4000,425)",  # 425/1000,0/4000
    "ch": "%(1000,4000,425)",  # 425/1000,0/4000
    "cl": "%(1000,3000,400)",  # 400/1000,0/3000
    "ee": "%(1000,4000,425)",  # 425/1000,0/4000
    "gr": "%(1000,4000,425)",  # 425/1000,0/4000
    "it": "%(1000,4000,425)",  # 425/1000,0/4000
    "lt": "%(1000,4000,425)",  # 425/1000,0/4000
    "mx": "%(1000,4000,425)",  # 425/1000,0/4000
    "my": "%(400,200,425);%(400,2000,425)",  # 425/400,0/200,425/400,0/2000
    "nl": "%(1000,4000,425)",  # 425/1000,0/4000
    "no": "%(1000,4000,425)",  # 425/1000,0/4000
    "nz": "%(400,200,400,450);%(400,2000,400,450)",  # 400+450/400,0/200,400+450/400,0/2000
    "ph": "%(1000,4000,425,480)",  # 425+480/1000,0/4000
    "pt": "%(1000,5000,425)",  # 425/1000,0/5000
    "se": "%(1000,5000,425)",  # 425/1000,0/5000
    "sg": "%(400,200,449,401);%(400,2000,449,401)",  # 425*24/400,0/200,425*24/400,0/2000
    "th": "%(1000,5000,420)",  # 420/1000,0/5000
    "tw": "%(1000,2000,440,480)",  # 440+480/1000,0/2000
    "us-old": "%(2000,4000,460,380)",  # 420*40/2000,0/4000
    "ve": "%(1000,4000,425)",  # 425/1000,0/4000
    "za": "%(400,200,433,367);%(400,2000,433,367)",  # 400*33/400,0/200,400*33/400,0/2000
}
RING_TONES: Mapping[str, str] = MappingProxyType({**_VARS_XML, **_INDICATIONS})

# What an answered caller hears when the <Dial> names no ringTone.
DEFAULT_RING_TONE = "us"


def tone_stream(code: str) -> str:
    """The endless tone_stream for a ringTone country code (KeyError if unknown)."""
    return f"tone_stream://{RING_TONES[code]};loops=-1"


class Ringback:
    """The caller's ringback during one `<Dial>`. Sends commands only through the
    call's `try_api`: a tone that cannot be played never stops a dial."""

    def __init__(self, call: CallSession, dial: Dial) -> None:
        self.call = call
        self.ring_tone = dial.ring_tone
        self.playing: str | None = None  # the tone_stream being broadcast
        self._progressed = False
        self._stopping = False

    def dial_started(self) -> None:
        """The legs are dialed: with a ringTone, its tone starts now."""
        if self.ring_tone is not None:
            self._play(self.ring_tone)

    def progress(self) -> None:
        """A leg sent 180 or 183 (only the first one counts)."""
        if self._progressed or self.playing is not None:
            return
        self._progressed = True
        if self.call.answered:
            self._play(DEFAULT_RING_TONE)
        else:
            self.call.ring()

    def stop(self) -> None:
        """Stop the tone (once); `pending` stays true until FreeSWITCH says it stopped."""
        if self.playing is None or self._stopping or self.call.caller_gone:
            return
        self._stopping = True
        if not self.call.try_api(uuid_break(self.call.uuid)):
            self.playing = None

    def observe(self, event: ChannelEvent) -> None:
        if (
            self.playing is not None
            and event.name == "CHANNEL_EXECUTE_COMPLETE"
            and event.uuid is not None
            and event.uuid.lower() == self.call.uuid.lower()
            and event.header("Application") == "playback"
            and event.header("Application-Data") == self.playing
        ):
            self.playing = None

    @property
    def pending(self) -> bool:
        """A tone was started and its end has not been seen (and the caller is there)."""
        return self.playing is not None and not self.call.caller_gone

    def _play(self, code: str) -> None:
        call = self.call
        if call.caller_gone:
            return
        if not call.answered and not call.try_api(uuid_pre_answer(call.uuid)):
            return
        target = tone_stream(code)
        if call.try_api(uuid_broadcast(call.uuid, "playback", target, BroadcastLeg.ALEG)):
            self.playing = target
            log.debug("call %s: ringback %s (%s)", call.call_sid, code, target)
