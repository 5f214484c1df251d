from __future__ import annotations

from datetime import timedelta

import gevent.event
import pytest

from bridge.store.calls import CallStore
from bridge.store.errors import IllegalTransition
from bridge.store.records import CallStatus
from bridge.store.write_behind import WriteBehind, WriteBehindClosed
from tests.unit.store.support import T0, new_call


def test_operations_land_in_the_order_they_were_submitted(calls: CallStore) -> None:
    behind = WriteBehind()
    call = new_call(status="queued")
    behind.submit(calls.create_call, call)
    for step, status in enumerate(["initiated", "ringing", "in-progress", "completed"], 1):
        behind.submit(calls.update_status, call.sid, status, at=T0 + timedelta(seconds=step))
    # Queued, not yet applied: submitting never waited for the database.
    assert behind.pending == 5
    assert calls.find(call.sid) is None
    assert behind.flush(timeout=10)
    assert behind.pending == 0
    assert [change.status for change in calls.history(call.sid)] == [
        "queued",
        "initiated",
        "ringing",
        "in-progress",
        "completed",
    ]
    assert calls.get(call.sid).duration == 1
    assert (behind.applied, behind.failures) == (5, 0)
    assert behind.close(timeout=10)


def test_a_failed_operation_is_reported_and_the_next_ones_still_run(
    calls: CallStore, caplog: pytest.LogCaptureFixture
) -> None:
    errors: list[BaseException] = []
    behind = WriteBehind(on_error=errors.append)
    call = calls.create_call(new_call())
    behind.submit(calls.update_status, call.sid, "busy", at=T0)
    behind.submit(calls.update_status, call.sid, "in-progress", at=T0)
    behind.submit(calls.update_call, call.sid, sip_result_code=486)
    assert behind.flush(timeout=10)
    assert [type(error) for error in errors] == [IllegalTransition]
    assert behind.failures == 1
    assert "write-behind operation" in caplog.text
    finished = calls.get(call.sid)
    assert (finished.status, finished.sip_result_code) == (CallStatus.BUSY, 486)
    behind.close()


def test_flush_waits_for_a_slow_operation_and_close_refuses_new_ones() -> None:
    released = gevent.event.Event()
    behind = WriteBehind()
    behind.submit(released.wait)
    assert not behind.flush(timeout=0.01)
    released.set()
    assert behind.flush(timeout=10)
    assert behind.close(timeout=10)
    with pytest.raises(WriteBehindClosed):
        behind.submit(released.wait)
