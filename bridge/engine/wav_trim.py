"""Trim leading and trailing silence from a 16-bit PCM WAV file (`<Dial trim="trim-silence">`).

FreeSWITCH cannot do this while it records: `uuid_record`'s silence settings
(RECORD_SILENCE_THRESHOLD, RECORD_INITIAL_TIMEOUT_MS, RECORD_FINAL_TIMEOUT_MS
in switch_ivr_async.c) only *stop* a recording after a stretch of silence;
they never cut it. So the bridge trims the finished file after RECORD_STOP.

Silence is judged as FreeSWITCH judges it (`is_silence_frame`): a window of
audio is silent when, in every channel, its mean absolute sample value is
under a threshold (FreeSWITCH's default for recordings is 200). Windows are
20 ms, counted from the first frame; the file keeps everything from the
first window with sound to the end of the last one. The scan reads from both
ends and stops at the first sound, so a long call costs little; the kept
part is copied in chunks to a temporary file in the same directory, which
then replaces the original (a reader never sees half a file).

`loud_windows` is pure (bytes in, window indexes out); `trim_silence` and
`wav_info` do file I/O and are meant to run off the event loop
(gevent's thread pool). No `audioop` (deprecated): `array` and `sum`.
"""

from __future__ import annotations

import os
import sys
import wave
from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

SILENCE_THRESHOLD = 200
WINDOW_MS = 20
CHUNK_WINDOWS = 500  # 10 s of audio per read


class UnsupportedWav(ValueError):
    """The file is not a 16-bit PCM WAV that this module can read."""


@dataclass(frozen=True, slots=True)
class WavInfo:
    """What the final file holds. `frames` are per channel (samples of one channel)."""

    frames: int
    rate: int
    channels: int

    @property
    def seconds(self) -> float:
        return self.frames / self.rate if self.rate else 0.0


@dataclass(frozen=True, slots=True)
class TrimResult:
    before: WavInfo
    after: WavInfo
    # Frames kept: [first, end) of the original file; (0, 0) when all silent.
    first: int
    end: int


def loud_windows(
    data: bytes, channels: int, window: int, threshold: int = SILENCE_THRESHOLD
) -> Iterator[int]:
    """Indexes (from 0, in order) of the `window`-frame windows of `data` that
    hold sound. `data` is little-endian 16-bit PCM, `channels` interleaved;
    the last window may be short."""
    if channels < 1 or window < 1:
        raise ValueError(f"channels {channels} and window {window} must be positive")
    samples = array("h")
    samples.frombytes(data[: len(data) - len(data) % (2 * channels)])
    if sys.byteorder == "big":
        samples.byteswap()
    step = window * channels
    for index, start in enumerate(range(0, len(samples), step)):
        chunk = samples[start : start + step]
        count = len(chunk) // channels
        for channel in range(channels):
            # sum(map(abs, ...)) runs in C: an hour of audio scans in about a second.
            if sum(map(abs, chunk[channel::channels])) >= threshold * count:
                yield index
                break


def wav_info(path: str | os.PathLike[str]) -> WavInfo:
    """The frame count, rate and channels of a PCM WAV file (UnsupportedWav if not one)."""
    try:
        with wave.open(os.fspath(path), "rb") as reader:
            return WavInfo(reader.getnframes(), reader.getframerate(), reader.getnchannels())
    except (wave.Error, EOFError) as error:
        raise UnsupportedWav(f"{path}: not a PCM WAV file ({error})") from None


def trim_silence(
    path: str | os.PathLike[str],
    *,
    threshold: int = SILENCE_THRESHOLD,
    window_ms: int = WINDOW_MS,
) -> TrimResult:
    """Cut the silence at both ends of the WAV file at `path`, in place.

    A file with no sound at all is left with no frames (the caller decides
    what an empty recording is). Raises UnsupportedWav for anything but
    16-bit PCM, and OSError when the file cannot be read or replaced.
    """
    target = Path(path)
    try:
        reader = wave.open(os.fspath(target), "rb")
    except (wave.Error, EOFError) as error:
        raise UnsupportedWav(f"{target}: not a PCM WAV file ({error})") from None
    with reader:
        channels, width, rate = reader.getnchannels(), reader.getsampwidth(), reader.getframerate()
        frames = reader.getnframes()
        if width != 2:
            raise UnsupportedWav(f"{target}: {8 * width}-bit samples; only 16-bit PCM is trimmed")
        before = WavInfo(frames, rate, channels)
        window = max(1, rate * window_ms // 1000)
        first = _first_loud(reader, frames, channels, window, threshold)
        if first is None:
            first = end = 0
        else:
            end = _end_of_last_loud(reader, frames, channels, window, threshold, first)
        if (first, end) == (0, frames):
            return TrimResult(before, before, 0, frames)
        _rewrite(reader, target, first, end, channels, rate)
    return TrimResult(before, WavInfo(end - first, rate, channels), first, end)


def _first_loud(
    reader: wave.Wave_read, frames: int, channels: int, window: int, threshold: int
) -> int | None:
    chunk_frames = window * CHUNK_WINDOWS
    for start in range(0, frames, chunk_frames):
        reader.setpos(start)
        data = reader.readframes(min(chunk_frames, frames - start))
        for index in loud_windows(data, channels, window, threshold):
            return start + index * window
    return None


def _end_of_last_loud(
    reader: wave.Wave_read, frames: int, channels: int, window: int, threshold: int, first: int
) -> int:
    """The end of the last window with sound, scanning chunks from the end
    (chunk starts stay on window boundaries, so windows match the forward scan)."""
    chunk_frames = window * CHUNK_WINDOWS
    last_window_start = ((frames - 1) // window) * window
    start = (last_window_start // chunk_frames) * chunk_frames
    while start >= first - first % chunk_frames:
        reader.setpos(start)
        data = reader.readframes(min(chunk_frames, frames - start))
        loud = list(loud_windows(data, channels, window, threshold))
        if loud:
            return min(frames, start + (loud[-1] + 1) * window)
        start -= chunk_frames
    # Not reached: the window at `first` has sound.
    return min(frames, first + window)


def _rewrite(
    reader: wave.Wave_read, target: Path, first: int, end: int, channels: int, rate: int
) -> None:
    temporary = target.with_name(f".{target.name}.trim")
    try:
        with wave.open(os.fspath(temporary), "wb") as writer:
            writer.setnchannels(channels)
            writer.setsampwidth(2)
            writer.setframerate(rate)
            chunk = max(1, rate * 10)
            reader.setpos(first)
            position = first
            while position < end:
                count = min(chunk, end - position)
                writer.writeframes(reader.readframes(count))
                position += count
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
