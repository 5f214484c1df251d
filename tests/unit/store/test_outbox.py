"""The callback outbox: numbering, state changes, pending rows, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bridge.store.db import Database
from bridge.store.outbox import DeliveryState, Outbox

SID = "CA" + "1" * 32
OTHER = "CA" + "2" * 32
URL = "https://customer.example.com/status"
T0 = datetime(2024, 3, 1, 12, 0, 0, tzinfo=UTC)


def _add(
    outbox: Outbox,
    call_sid: str = SID,
    url: str = URL,
    kind: str = "status-callback",
    owner: str = "",
) -> int:
    entry = outbox.add(
        call_sid=call_sid,
        url=url,
        method="POST",
        params=(("CallStatus", "ringing"),),
        kind=kind,
        owner=owner,
        created_at=T0,
    )
    return entry.sequence_number


def test_sequence_numbers_count_from_zero_per_call_url_and_kind(database: Database) -> None:
    outbox = Outbox(database)
    assert [_add(outbox) for _ in range(3)] == [0, 1, 2]
    assert _add(outbox, call_sid=OTHER) == 0
    assert _add(outbox, url=URL + "?other") == 0
    assert _add(outbox, kind="recording-callback") == 0
    assert _add(outbox) == 3


def test_parameters_round_trip_in_order_with_repeats_and_unicode(database: Database) -> None:
    outbox = Outbox(database)
    params = (("Z", "1"), ("SipHeader_X-A", "é☎"), ("A", ""), ("SipHeader_X-A", "2"))
    entry = outbox.add(
        call_sid=SID, url=URL, method="GET", params=params, kind="status-callback", created_at=T0
    )
    stored = outbox.get(entry.id)
    assert stored is not None
    assert stored.params == params
    assert stored.method == "GET"
    assert stored.created_at == T0
    assert stored.state is DeliveryState.PENDING
    assert stored.attempts == 0


def test_delivered_and_abandoned_rows_leave_pending(database: Database) -> None:
    outbox = Outbox(database)
    first, second, third = (
        outbox.add(call_sid=SID, url=URL, method="POST", params=(), kind="status-callback")
        for _ in range(3)
    )
    outbox.mark_delivered(first.id, status=204, at=T0)
    retry_at = T0 + timedelta(seconds=5)
    outbox.mark_failed(second.id, error="HTTP status 503", status=503, retry_at=retry_at)
    outbox.mark_failed(third.id, error="HTTP status 404", status=404)

    pending = outbox.pending()
    assert [e.id for e in pending] == [second.id]
    assert pending[0].attempts == 1
    assert pending[0].next_attempt_at == retry_at
    assert pending[0].last_error == "HTTP status 503"

    delivered = outbox.get(first.id)
    abandoned = outbox.get(third.id)
    assert delivered is not None and abandoned is not None
    assert (delivered.state, delivered.last_status, delivered.delivered_at) == (
        DeliveryState.DELIVERED,
        204,
        T0,
    )
    assert (abandoned.state, abandoned.last_status) == (DeliveryState.ABANDONED, 404)


def test_pending_of_one_owner(database: Database) -> None:
    outbox = Outbox(database)
    _add(outbox, owner="bridge-a")
    _add(outbox, call_sid=OTHER, owner="bridge-b")
    assert [e.call_sid for e in outbox.pending(owner="bridge-b")] == [OTHER]
    assert len(outbox.pending()) == 2


def test_rows_of_a_call_in_order(database: Database) -> None:
    outbox = Outbox(database)
    _add(outbox)
    _add(outbox, call_sid=OTHER)
    _add(outbox, kind="recording-callback")
    assert [(e.kind, e.sequence_number) for e in outbox.for_call(SID)] == [
        ("status-callback", 0),
        ("recording-callback", 0),
    ]
