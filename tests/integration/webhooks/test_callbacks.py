"""Callback delivery against a real customer app, with the outbox on a SQLite file."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import gevent
import pytest
from sqlalchemy import text

from bridge.cxml.models import HttpMethod
from bridge.store.db import Database, open_database
from bridge.store.outbox import DeliveryState, Outbox
from bridge.webhooks.callbacks import (
    CallbackDispatcher,
    CallbackKind,
    RetryPolicy,
    StatusCallbackRequest,
)
from bridge.webhooks.client import WebhookClient
from bridge.webhooks.http import RequestsTransport
from bridge.webhooks.parameters import status_callback_params
from tests.support.customer_app import (
    CustomerApp,
    Gate,
    ReceivedRequest,
    Reply,
    closed_port_url,
    signature_ok,
)

KEY = "PSK_callback_tests"
SID = "CA" + "b" * 32
PARENT = "CA" + "c" * 32
FAST = RetryPolicy(max_attempts=4, base_delay=0.01, multiplier=2.0, max_delay=1.0, jitter=0.0)


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    database = open_database(str(tmp_path / "bridge.db"))
    yield database
    database.close()


@pytest.fixture
def client() -> Iterator[WebhookClient]:
    transport = RequestsTransport(connect_timeout=0.5, read_timeout=2.0)
    yield WebhookClient(transport, KEY)
    transport.close()


@pytest.fixture
def dispatcher(client: WebhookClient, database: Database) -> Iterator[CallbackDispatcher]:
    dispatcher = CallbackDispatcher(client, Outbox(database), concurrency=4, retry=FAST)
    dispatcher.start()
    yield dispatcher
    dispatcher.stop()


def _callback(
    url: str, status: str = "ringing", call_sid: str = SID, **extra: str
) -> StatusCallbackRequest:
    params = status_callback_params(
        account_sid="AC" + "0" * 32,
        call_sid=call_sid,
        call_status=status,
        direction="outbound-dial",
        from_="+15551230000",
        to="sip:alice@example.com",
        parent_call_sid=PARENT,
        extra=tuple(extra.items()),
    )
    return StatusCallbackRequest(call_sid, url, HttpMethod.POST, params)


def _sequence(requests: tuple[ReceivedRequest, ...]) -> list[int]:
    return [int(r.param("SequenceNumber") or -1) for r in requests]


def test_a_status_callback_carries_numbering_timestamp_and_signature(
    dispatcher: CallbackDispatcher, customer_app: CustomerApp
) -> None:
    customer_app.reply("/status", Reply.empty(204))
    at = datetime(2024, 3, 1, 12, 0, 5, tzinfo=UTC)
    base = _callback(customer_app.url("/status"), "completed")
    dispatcher.enqueue(
        StatusCallbackRequest(base.call_sid, base.url, base.method, base.params, timestamp=at)
    )

    (received,) = customer_app.wait_for("/status")
    assert received.form == (
        ("AccountSid", "AC" + "0" * 32),
        ("ApiVersion", "2010-04-01"),
        ("CallSid", SID),
        ("CallStatus", "completed"),
        ("Direction", "outbound-dial"),
        ("From", "+15551230000"),
        ("To", "sip:alice@example.com"),
        ("ParentCallSid", PARENT),
        ("CallbackSource", "call-progress-events"),
        ("SequenceNumber", "0"),
        ("Timestamp", "Fri, 01 Mar 2024 12:00:05 +0000"),
    )
    assert signature_ok(received, KEY)
    assert dispatcher.flush(5.0)


def test_get_callbacks_and_recording_callbacks(
    dispatcher: CallbackDispatcher, customer_app: CustomerApp
) -> None:
    customer_app.reply("/recording", Reply.empty(200))
    params = (("RecordingSid", "RE" + "1" * 32), ("RecordingStatus", "completed"))
    dispatcher.enqueue(
        StatusCallbackRequest(
            SID, customer_app.url("/recording"), HttpMethod.GET, params, CallbackKind.RECORDING
        )
    )
    (received,) = customer_app.wait_for("/recording")
    assert received.method == "GET"
    # Recording callbacks are not numbered, as on the hosted platforms.
    assert received.query == params
    assert signature_ok(received, KEY)


def test_callbacks_arrive_in_order_per_call_and_url_under_concurrent_enqueue(
    client: WebhookClient, database: Database, customer_app: CustomerApp
) -> None:
    # SequenceNumber 1, 4, 7 of every lane fail once: their retry must come
    # before the next callback of that lane, never after.
    failed_once: set[tuple[str | None, str, str | None]] = set()

    def flaky(request: ReceivedRequest) -> Reply:
        key = (request.param("CallSid"), request.path, request.param("SequenceNumber"))
        if int(key[2] or 0) % 3 == 1 and key not in failed_once:
            failed_once.add(key)
            return Reply.empty(500)
        return Reply.empty(204)

    paths = ("/a", "/b")
    for path in paths:
        customer_app.reply(path, flaky)
    calls = ["CA" + str(n) * 32 for n in range(1, 4)]
    dispatcher = CallbackDispatcher(client, Outbox(database), concurrency=2, retry=FAST)
    dispatcher.start()
    try:

        def report(call_sid: str, path: str) -> None:
            for n in range(8):
                dispatcher.enqueue(
                    _callback(customer_app.url(path), call_sid=call_sid, Step=str(n))
                )
                gevent.idle()  # let the other reporters interleave

        reporters = [gevent.spawn(report, c, p) for c in calls for p in paths]
        gevent.joinall(reporters, raise_error=True)
        assert dispatcher.flush(10.0)
    finally:
        dispatcher.stop()

    expected = [n for n in range(8) for _ in range(2 if n % 3 == 1 else 1)]
    for call_sid in calls:
        for path in paths:
            lane = [r for r in customer_app.requests_to(path) if r.param("CallSid") == call_sid]
            assert _sequence(tuple(lane)) == expected
            assert all(r.param("Step") == r.param("SequenceNumber") for r in lane)
    assert customer_app.max_in_flight <= 2


def test_a_later_callback_waits_while_an_earlier_one_is_held(
    dispatcher: CallbackDispatcher, customer_app: CustomerApp
) -> None:
    gate = Gate()
    customer_app.reply("/slow", Reply.empty(204, gate=gate), Reply.empty(204))
    customer_app.reply("/other", Reply.empty(204))
    dispatcher.enqueue(_callback(customer_app.url("/slow"), "initiated"))
    customer_app.wait_for("/slow")  # the first one is in the server's hands

    dispatcher.enqueue(_callback(customer_app.url("/slow"), "ringing"))
    dispatcher.enqueue(_callback(customer_app.url("/other"), "ringing", call_sid=PARENT))
    # Another lane went all the way through while the first lane's head is held.
    customer_app.wait_for("/other")
    assert len(customer_app.requests_to("/slow")) == 1

    gate.release()
    second = customer_app.wait_for("/slow", count=2)[1]
    assert (second.param("CallStatus"), second.param("SequenceNumber")) == ("ringing", "1")


def test_a_slow_callback_server_does_not_delay_enqueue(
    dispatcher: CallbackDispatcher, customer_app: CustomerApp, database: Database
) -> None:
    gate = Gate()
    customer_app.reply("/status", Reply.empty(204, gate=gate))
    url = customer_app.url("/status")
    dispatcher.enqueue(_callback(url, "initiated"))
    customer_app.wait_for("/status")

    # The server holds the request; enqueue still returns, and stores, at once.
    for status in ("ringing", "in-progress", "completed"):
        dispatcher.enqueue(_callback(url, status))
    assert not gate.released
    assert [e.sequence_number for e in Outbox(database).pending()] == [0, 1, 2, 3]
    assert not dispatcher.flush(0.05)

    gate.release()
    received = customer_app.wait_for("/status", count=4)
    assert [r.param("CallStatus") for r in received] == [
        "initiated",
        "ringing",
        "in-progress",
        "completed",
    ]
    assert dispatcher.flush(5.0)
    assert Outbox(database).pending() == []


def test_5xx_is_retried_with_growing_delays_then_delivered(
    dispatcher: CallbackDispatcher,
    customer_app: CustomerApp,
    database: Database,
    caplog: pytest.LogCaptureFixture,
) -> None:
    customer_app.reply("/status", Reply.empty(500), Reply.empty(503), Reply.empty(204))
    with caplog.at_level(logging.WARNING, logger="bridge.webhooks.callbacks"):
        dispatcher.enqueue(_callback(customer_app.url("/status"), "completed"))
        received = customer_app.wait_for("/status", count=3)
        assert dispatcher.flush(5.0)

    assert _sequence(received) == [0, 0, 0]
    gaps = [b.received_at - a.received_at for a, b in zip(received, received[1:], strict=False)]
    assert gaps[0] >= 0.01 and gaps[1] >= 0.02  # base_delay, then doubled
    (entry,) = Outbox(database).for_call(SID)
    assert (entry.state, entry.attempts, entry.last_status) == (DeliveryState.DELIVERED, 3, 204)
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 2
    assert "HTTP status 500" in warnings[0] and customer_app.url("/status") in warnings[0]
    assert "attempt 1 of 4" in warnings[0]


@pytest.mark.parametrize("status", [408, 429])
def test_408_and_429_are_retried(
    dispatcher: CallbackDispatcher, customer_app: CustomerApp, status: int
) -> None:
    customer_app.reply("/status", Reply.empty(status), Reply.empty(200))
    dispatcher.enqueue(_callback(customer_app.url("/status")))
    customer_app.wait_for("/status", count=2)
    assert dispatcher.flush(5.0)


def test_other_4xx_is_given_up_at_once_and_the_next_callback_goes(
    dispatcher: CallbackDispatcher,
    customer_app: CustomerApp,
    database: Database,
    caplog: pytest.LogCaptureFixture,
) -> None:
    customer_app.reply("/status", Reply.empty(404), Reply.empty(204))
    with caplog.at_level(logging.ERROR, logger="bridge.webhooks.callbacks"):
        dispatcher.enqueue(_callback(customer_app.url("/status"), "ringing"))
        dispatcher.enqueue(_callback(customer_app.url("/status"), "completed"))
        assert dispatcher.flush(5.0)

    assert _sequence(customer_app.requests_to("/status")) == [0, 1]
    first, second = Outbox(database).for_call(SID)
    assert (first.state, first.attempts, first.last_status) == (DeliveryState.ABANDONED, 1, 404)
    assert second.state is DeliveryState.DELIVERED
    (message,) = [r.getMessage() for r in caplog.records]
    assert "given up after 1 attempt(s): HTTP status 404 (not retried)" in message


def test_failures_are_logged_never_raised_and_attempts_are_bounded(
    dispatcher: CallbackDispatcher, database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    refused = closed_port_url("/status")
    with caplog.at_level(logging.WARNING, logger="bridge.webhooks.callbacks"):
        dispatcher.enqueue(_callback(refused))
        dispatcher.enqueue(_callback("ftp://customer.example.com/status", call_sid=PARENT))
        assert dispatcher.flush(5.0)

    outbox = Outbox(database)
    entries = {e.call_sid: e for e in outbox.for_call(SID) + outbox.for_call(PARENT)}
    assert entries[SID].state is DeliveryState.ABANDONED and entries[SID].attempts == 4
    assert entries[PARENT].state is DeliveryState.ABANDONED and entries[PARENT].attempts == 1
    messages = [r.getMessage() for r in caplog.records]
    assert sum(refused in m and "connection refused" in m for m in messages) == 4
    assert any("'ftp': only absolute http and https URLs" in m for m in messages)


def test_a_broken_outbox_does_not_stop_delivery(
    dispatcher: CallbackDispatcher,
    customer_app: CustomerApp,
    database: Database,
    caplog: pytest.LogCaptureFixture,
) -> None:
    customer_app.reply("/status", Reply.empty(204))
    with database.engine.begin() as connection:
        connection.execute(text("DROP TABLE callback_outbox"))
    with caplog.at_level(logging.ERROR, logger="bridge.webhooks.callbacks"):
        dispatcher.enqueue(_callback(customer_app.url("/status"), "ringing"))
        dispatcher.enqueue(_callback(customer_app.url("/status"), "completed"))
        received = customer_app.wait_for("/status", count=2)
        assert dispatcher.flush(5.0)
    assert _sequence(received) == [0, 1]
    assert any("outbox write failed" in r.getMessage() for r in caplog.records)


def test_pending_callbacks_are_delivered_after_a_restart(
    client: WebhookClient, customer_app: CustomerApp, tmp_path: Path
) -> None:
    location = str(tmp_path / "restart.db")
    gate = Gate()
    customer_app.reply("/status", Reply.empty(204, gate=gate))
    url = customer_app.url("/status")

    first_life = open_database(location)
    before = CallbackDispatcher(client, Outbox(first_life), retry=FAST)
    before.start()
    for status in ("initiated", "ringing", "completed"):
        before.enqueue(_callback(url, status))
    customer_app.wait_for("/status")  # the first is in flight when the process "dies"
    before.stop()
    first_life.close()

    customer_app.reply("/status", Reply.empty(204))
    gate.release()
    second_life = open_database(location)
    after = CallbackDispatcher(client, Outbox(second_life), retry=FAST)
    try:
        assert after.recover() == 3
        after.start()
        assert after.flush(5.0)
        after.enqueue(_callback(url, "completed", Note="after restart"))
        assert after.flush(5.0)
    finally:
        after.stop()

    redelivered = customer_app.requests_to("/status")[1:]
    assert [(r.param("CallStatus"), r.param("SequenceNumber")) for r in redelivered] == [
        ("initiated", "0"),
        ("ringing", "1"),
        ("completed", "2"),
        ("completed", "3"),
    ]
    assert all(signature_ok(r, KEY) for r in redelivered)
    assert Outbox(second_life).pending() == []
    second_life.close()


def test_callbacks_too_old_are_given_up_on_recovery(
    client: WebhookClient, database: Database, customer_app: CustomerApp
) -> None:
    outbox = Outbox(database)
    CallbackDispatcher(client, outbox).enqueue(_callback(customer_app.url("/status")))

    later = datetime.now(UTC) + timedelta(hours=2)
    policy = RetryPolicy(max_age=3600.0)
    recovering = CallbackDispatcher(client, outbox, retry=policy, now=lambda: later)
    assert recovering.recover() == 0
    (entry,) = outbox.for_call(SID)
    assert entry.state is DeliveryState.ABANDONED
    assert entry.last_error == "expired before delivery"
    assert customer_app.requests == ()
