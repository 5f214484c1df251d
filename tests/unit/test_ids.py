from __future__ import annotations

import pytest

from bridge.ids import is_call_sid, is_recording_sid, new_call_sid, new_recording_sid


def test_new_sids_have_the_documented_shape_and_do_not_repeat() -> None:
    calls = {new_call_sid() for _ in range(1000)}
    recordings = {new_recording_sid() for _ in range(1000)}
    assert len(calls) == len(recordings) == 1000
    assert all(is_call_sid(sid) and len(sid) == 34 for sid in calls)
    assert all(is_recording_sid(sid) and not is_call_sid(sid) for sid in recordings)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "CA",
        "CA" + "0" * 31,
        "CA" + "0" * 33,
        "CA" + "A" * 32,
        "ca" + "0" * 32,
        "CA" + "g" * 32,
        "CA" + "0" * 32 + "\n",
        " CA" + "0" * 32,
        "RE" + "0" * 32,
    ],
)
def test_other_text_is_not_a_call_sid(text: str) -> None:
    assert not is_call_sid(text)


def test_a_recording_sid_is_re_and_32_lowercase_hex() -> None:
    assert is_recording_sid("RE" + "0123456789abcdef" * 2)
    assert not is_recording_sid("RE" + "0123456789ABCDEF" * 2)
