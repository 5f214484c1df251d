"""Putting events back into Event-Sequence order (the traces show swapped pairs)."""

from __future__ import annotations

import logging

import pytest
from gevent.queue import Empty, Queue

from bridge.esl.ordering import Reorderer

WAIT = 5.0


def drain(out: Queue[int], count: int) -> list[int]:
    return [out.get(timeout=WAIT) for _ in range(count)]


def test_swapped_events_come_out_in_order_after_the_window() -> None:
    out: Queue[int] = Queue()
    reorderer: Reorderer[int] = Reorderer(out.put, window=0.01)
    for sequence in (1156, 1155, 1157):
        reorderer.push(sequence, sequence)
    assert out.empty()  # held, not yet released
    assert drain(out, 3) == [1155, 1156, 1157]
    reorderer.stop()


def test_window_zero_delivers_at_once_in_arrival_order() -> None:
    out: Queue[int] = Queue()
    reorderer: Reorderer[int] = Reorderer(out.put, window=0)
    for sequence in (3, 1, 2):
        reorderer.push(sequence, sequence)
    assert [out.get_nowait() for _ in range(3)] == [3, 1, 2]


def test_flush_releases_everything_held_in_order() -> None:
    out: Queue[int] = Queue()
    reorderer: Reorderer[int] = Reorderer(out.put, window=60)
    for sequence in (9, 7, 8):
        reorderer.push(sequence, sequence)
    reorderer.flush()
    assert [out.get_nowait() for _ in range(3)] == [7, 8, 9]
    reorderer.stop()


def test_a_straggler_is_delivered_late_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    out: Queue[int] = Queue()
    reorderer: Reorderer[int] = Reorderer(out.put, window=0.01)
    reorderer.push(10, 10)
    assert out.get(timeout=WAIT) == 10
    with caplog.at_level(logging.WARNING, logger="bridge.esl.ordering"):
        reorderer.push(9, 9)
        assert out.get(timeout=WAIT) == 9
    assert "event 9 arrived after event 10" in caplog.text
    reorderer.stop()


def test_events_without_a_sequence_are_not_held() -> None:
    out: Queue[int] = Queue()
    reorderer: Reorderer[int] = Reorderer(out.put, window=60)
    reorderer.push(-1, 0)
    assert out.get_nowait() == 0
    reorderer.stop()


def test_stop_flushes_and_later_pushes_are_dropped() -> None:
    out: Queue[int] = Queue()
    reorderer: Reorderer[int] = Reorderer(out.put, window=60)
    reorderer.push(2, 2)
    reorderer.stop()
    reorderer.push(3, 3)
    assert out.get_nowait() == 2
    with pytest.raises(Empty):
        out.get_nowait()


def test_a_failing_consumer_does_not_stop_delivery(caplog: pytest.LogCaptureFixture) -> None:
    out: Queue[int] = Queue()

    def emit(item: int) -> None:
        if item == 1:
            raise RuntimeError("consumer bug")
        out.put(item)

    reorderer: Reorderer[int] = Reorderer(emit, window=0)
    with caplog.at_level(logging.ERROR, logger="bridge.esl.ordering"):
        reorderer.push(1, 1)
        reorderer.push(2, 2)
    assert out.get_nowait() == 2
    assert "delivering event 1 failed" in caplog.text


def test_negative_window_is_refused() -> None:
    with pytest.raises(ValueError, match="reorder window"):
        Reorderer(print, window=-1)
