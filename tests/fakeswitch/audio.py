"""What a recorded channel "carries": tones on each direction, rendered as 16-bit PCM.

Nothing is heard in the emulator, so by default a recording is silence. A
test that needs sound (to check trimming, or which side a track records)
gives the channel `ChannelAudio`: tones on its *read* side (what the
channel's far end sends: on a caller's channel, the caller's voice) and on
its *write* side (what is sent to it: on a bridged caller, the callee's
voice). Times are emulated seconds from the start of each recording.

How FreeSWITCH lays the sides out (switch_core_media_bug.c,
switch_core_media_bug_read): mono mixes read and write (sum, clipped);
`RECORD_STEREO` puts read on the left channel and write on the right;
`RECORD_READ_ONLY` / `RECORD_WRITE_ONLY` drop the other side.
"""

from __future__ import annotations

import sys
from array import array
from dataclasses import dataclass

SAMPLE_MAX = 32767
SAMPLE_MIN = -32768


@dataclass(frozen=True, slots=True)
class Tone:
    """A square wave from `start` to `end` emulated seconds into a recording."""

    start: float
    end: float
    amplitude: int = 8000
    frequency: float = 400.0

    def __post_init__(self) -> None:
        if not 0 <= self.start <= self.end:
            raise ValueError(f"Tone: need 0 <= start <= end, got {self.start}..{self.end}")
        if not 0 < self.amplitude <= SAMPLE_MAX:
            raise ValueError(f"Tone: amplitude {self.amplitude} is not 1..{SAMPLE_MAX}")
        if not self.frequency > 0:
            raise ValueError(f"Tone: frequency {self.frequency} is not positive")


@dataclass(frozen=True, slots=True)
class ChannelAudio:
    read: tuple[Tone, ...] = ()
    write: tuple[Tone, ...] = ()


SILENCE = ChannelAudio()


@dataclass(frozen=True, slots=True)
class Layout:
    """How one recording takes the sides: FreeSWITCH's media bug flags."""

    channels: int = 1
    read: bool = True
    write: bool = True


def render(audio: ChannelAudio, layout: Layout, frames: int, rate: int) -> bytes:
    """`frames` frames of little-endian 16-bit PCM, interleaved as `layout` says."""
    read = _side(audio.read if layout.read else (), frames, rate)
    write = _side(audio.write if layout.write else (), frames, rate)
    if layout.channels == 2:
        out = array("h", bytes(4 * frames))
        out[0::2] = read
        out[1::2] = write
    else:
        out = array("h", (_clip(a + b) for a, b in zip(read, write, strict=True)))
    if sys.byteorder == "big":
        out.byteswap()
    return out.tobytes()


def _side(tones: tuple[Tone, ...], frames: int, rate: int) -> array[int]:
    samples = array("h", bytes(2 * frames))
    for tone in tones:
        first = min(frames, round(tone.start * rate))
        last = min(frames, round(tone.end * rate))
        half_period = max(1, round(rate / tone.frequency / 2))
        for index in range(first, last):
            high = ((index - first) // half_period) % 2 == 0
            samples[index] = _clip(samples[index] + (tone.amplitude if high else -tone.amplitude))
    return samples


def _clip(value: int) -> int:
    return max(SAMPLE_MIN, min(SAMPLE_MAX, value))
