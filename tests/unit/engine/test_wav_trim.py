"""Trimming silence from generated WAV files: what is kept, what is cut, what is refused."""

from __future__ import annotations

import sys
import wave
from array import array
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bridge.engine import wav_trim
from bridge.engine.wav_trim import (
    UnsupportedWav,
    WavInfo,
    loud_windows,
    trim_silence,
    wav_info,
)

RATE = 8000
WINDOW = RATE * 20 // 1000  # 160 frames


def pcm(values: list[int]) -> bytes:
    samples = array("h", values)
    if sys.byteorder == "big":
        samples.byteswap()
    return samples.tobytes()


def write(path: Path, channels: list[list[int]], rate: int = RATE) -> Path:
    """A 16-bit WAV whose channel k holds channels[k] (all the same length)."""
    frames = len(channels[0])
    interleaved = [channels[c][i] for i in range(frames) for c in range(len(channels))]
    with wave.open(str(path), "wb") as out:
        out.setnchannels(len(channels))
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(pcm(interleaved))
    return path


def read(path: Path) -> tuple[int, list[int]]:
    with wave.open(str(path), "rb") as recorded:
        data = array("h", recorded.readframes(recorded.getnframes()))
        if sys.byteorder == "big":
            data.byteswap()
        return recorded.getnchannels(), list(data)


def tone(frames: int, amplitude: int = 4000) -> list[int]:
    return [amplitude if (i // 10) % 2 == 0 else -amplitude for i in range(frames)]


def silence(frames: int, noise: int = 0) -> list[int]:
    return [noise if i % 2 == 0 else -noise for i in range(frames)]


def test_leading_and_trailing_silence_are_cut(tmp_path: Path) -> None:
    sound = tone(RATE)  # one second
    path = write(tmp_path / "a.wav", [silence(2 * RATE) + sound + silence(3 * RATE)])
    result = trim_silence(path)
    assert result.before == WavInfo(6 * RATE, RATE, 1)
    assert result.after == WavInfo(RATE, RATE, 1)
    assert (result.first, result.end) == (2 * RATE, 3 * RATE)
    assert read(path) == (1, sound)
    assert wav_info(path) == WavInfo(RATE, RATE, 1)
    assert not list(tmp_path.glob(".*"))  # no temporary file left behind


def test_silence_inside_the_sound_is_kept(tmp_path: Path) -> None:
    middle = tone(800) + silence(4 * RATE) + tone(800)
    path = write(tmp_path / "gap.wav", [silence(RATE) + middle + silence(RATE)])
    trim_silence(path)
    assert read(path) == (1, middle)


def test_noise_under_the_threshold_is_silence(tmp_path: Path) -> None:
    path = write(tmp_path / "n.wav", [silence(RATE, noise=150) + tone(1600) + silence(RATE, 199)])
    result = trim_silence(path)
    assert result.after.frames == 1600


def test_a_file_without_sound_is_left_empty(tmp_path: Path) -> None:
    path = write(tmp_path / "quiet.wav", [silence(3 * RATE, noise=20)])
    result = trim_silence(path)
    assert result.after == WavInfo(0, RATE, 1)
    assert (result.first, result.end) == (0, 0)
    assert read(path) == (1, [])


def test_a_file_that_is_all_sound_is_not_rewritten(tmp_path: Path) -> None:
    path = write(tmp_path / "full.wav", [tone(RATE)])
    modified = path.stat().st_mtime_ns
    result = trim_silence(path)
    assert result.after == result.before == WavInfo(RATE, RATE, 1)
    assert path.stat().st_mtime_ns == modified


def test_stereo_keeps_sound_from_either_channel(tmp_path: Path) -> None:
    # The caller speaks first (left), the callee last (right).
    left = silence(RATE) + tone(RATE) + silence(3 * RATE)
    right = silence(3 * RATE) + tone(RATE) + silence(RATE)
    path = write(tmp_path / "dual.wav", [left, right])
    result = trim_silence(path)
    assert result.after == WavInfo(3 * RATE, RATE, 2)
    channels, data = read(path)
    assert channels == 2
    assert data[0::2] == left[RATE : 4 * RATE]
    assert data[1::2] == right[RATE : 4 * RATE]


def test_cuts_fall_on_20_ms_windows(tmp_path: Path) -> None:
    # Sound from frame 250 to 410: windows 1 (160..320) and 2 (320..480) hold it.
    path = write(tmp_path / "w.wav", [silence(250) + tone(160) + silence(1000)])
    result = trim_silence(path)
    assert (result.first, result.end) == (WINDOW, 3 * WINDOW)


def test_long_files_are_scanned_in_chunks_from_both_ends(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Chunks of 3 windows: the sound sits several chunks from each end.
    monkeypatch.setattr(wav_trim, "CHUNK_WINDOWS", 3)
    sound = tone(5 * WINDOW)
    path = write(tmp_path / "long.wav", [silence(11 * WINDOW + 40) + sound + silence(20 * WINDOW)])
    result = trim_silence(path)
    assert result.after.frames == 6 * WINDOW  # 11*W+40 .. 16*W+40 spans windows 11..16
    assert result.first == 11 * WINDOW


def test_other_sample_rates(tmp_path: Path) -> None:
    rate = 16000
    path = write(tmp_path / "wide.wav", [silence(rate) + tone(rate) + silence(rate)], rate=rate)
    assert trim_silence(path).after == WavInfo(rate, rate, 1)


def test_refuses_what_is_not_16_bit_pcm_wav(tmp_path: Path) -> None:
    junk = tmp_path / "junk.wav"
    junk.write_bytes(b"RIFF\x00\x00\x00\x00WAVEnope")
    with pytest.raises(UnsupportedWav, match="junk.wav"):
        trim_silence(junk)
    with pytest.raises(UnsupportedWav, match="junk.wav"):
        wav_info(junk)
    eight_bit = tmp_path / "u8.wav"
    with wave.open(str(eight_bit), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(1)
        out.setframerate(RATE)
        out.writeframes(b"\x80" * 100)
    with pytest.raises(UnsupportedWav, match="8-bit"):
        trim_silence(eight_bit)
    with pytest.raises(FileNotFoundError):
        trim_silence(tmp_path / "missing.wav")


def test_loud_windows_is_pure() -> None:
    data = pcm(silence(320) + tone(160) + silence(100))
    assert list(loud_windows(data, 1, WINDOW)) == [2]
    assert list(loud_windows(data, 1, WINDOW, threshold=5000)) == []
    assert list(loud_windows(b"", 1, WINDOW)) == []
    with pytest.raises(ValueError, match="positive"):
        list(loud_windows(data, 0, WINDOW))


def reference_span(signal: list[int], threshold: int = 200) -> tuple[int, int]:
    """The windows with sound, found the slow and obvious way."""
    loud = [
        start
        for start in range(0, len(signal), WINDOW)
        if sum(abs(v) for v in signal[start : start + WINDOW])
        >= threshold * len(signal[start : start + WINDOW])
    ]
    if not loud:
        return (0, 0)
    return (loud[0], min(len(signal), loud[-1] + WINDOW))


@settings(max_examples=300, deadline=None)
@given(
    lead=st.integers(0, 2000),
    sound=st.integers(0, 1500),
    tail=st.integers(0, 2000),
    channels=st.integers(1, 2),
    chunk_windows=st.sampled_from([1, 2, 7, 500]),
)
def test_trimming_keeps_exactly_the_windows_with_sound(
    tmp_path_factory: pytest.TempPathFactory,
    lead: int,
    sound: int,
    tail: int,
    channels: int,
    chunk_windows: int,
) -> None:
    signal = silence(lead) + tone(sound) + silence(tail)
    path = write(tmp_path_factory.mktemp("h") / "x.wav", [signal] * channels)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(wav_trim, "CHUNK_WINDOWS", chunk_windows)
        result = trim_silence(path)
    first, end = reference_span(signal)
    assert (result.first, result.end) == (first, end)
    assert result.after.frames == end - first
    assert read(path) == (channels, [v for v in signal[first:end] for _ in range(channels)])
