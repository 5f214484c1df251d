"""The pure parts of callbacks: retry delays and rules, timestamps, parameter spelling."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from bridge.webhooks.callbacks import RetryPolicy, callback_timestamp, is_retryable
from bridge.webhooks.errors import (
    BodyTooLarge,
    ConnectFailed,
    HttpStatusError,
    InvalidUrl,
    RedirectError,
    WebhookError,
    WebhookTimeout,
)
from bridge.webhooks.parameters import status_callback_params

URL = "http://customer.example.com/status"


def test_delays_double_up_to_the_cap() -> None:
    policy = RetryPolicy(base_delay=1.0, multiplier=2.0, max_delay=5.0, jitter=0.0)
    assert [policy.delay(n) for n in range(1, 6)] == [1.0, 2.0, 4.0, 5.0, 5.0]


def test_jitter_only_shortens_a_delay() -> None:
    policy = RetryPolicy(base_delay=2.0, jitter=0.25)
    delays = [policy.delay(1) for _ in range(200)]
    assert all(1.5 <= d <= 2.0 for d in delays)
    assert len(set(delays)) > 1


@pytest.mark.parametrize(
    ("error", "retried"),
    [
        (ConnectFailed(URL, "connection refused"), True),
        (WebhookTimeout(URL, "read", 15.0), True),
        (WebhookTimeout(URL, "connect", 5.0), True),
        (HttpStatusError(URL, 500), True),
        (HttpStatusError(URL, 503), True),
        (HttpStatusError(URL, 408), True),
        (HttpStatusError(URL, 429), True),
        (HttpStatusError(URL, 400), False),
        (HttpStatusError(URL, 401), False),
        (HttpStatusError(URL, 404), False),
        (HttpStatusError(URL, 410), False),
        (RedirectError(URL, "more than 10 redirects"), False),
        (InvalidUrl(URL, "no host in URL"), False),
        (BodyTooLarge(URL, 65536), False),
    ],
)
def test_what_is_retried(error: WebhookError, retried: bool) -> None:
    assert is_retryable(error) is retried


def test_timestamp_is_rfc_2822_in_utc() -> None:
    paris = timezone(timedelta(hours=1))
    assert callback_timestamp(datetime(2024, 3, 1, 13, 0, 5, 123456, tzinfo=paris)) == (
        "Fri, 01 Mar 2024 12:00:05 +0000"
    )
    assert callback_timestamp(datetime(2023, 11, 9, 17, 5, 4, tzinfo=UTC)) == (
        "Thu, 09 Nov 2023 17:05:04 +0000"
    )


def test_status_callback_params_leave_out_what_is_unknown() -> None:
    common = {
        "account_sid": "AC1",
        "call_sid": "CA2",
        "direction": "outbound-dial",
        "from_": "+1555",
        "to": "sip:bob@example.com",
    }
    ringing = status_callback_params(call_status="ringing", **common)
    assert [name for name, _ in ringing] == [
        "AccountSid",
        "ApiVersion",
        "CallSid",
        "CallStatus",
        "Direction",
        "From",
        "To",
        "CallbackSource",
    ]
    completed = status_callback_params(
        call_status="completed",
        parent_call_sid="CA1",
        call_duration=42,
        sip_response_code=200,
        extra=(("SipCallId", "abc@host"),),
        **common,
    )
    assert completed[-5:] == (
        ("ParentCallSid", "CA1"),
        ("CallbackSource", "call-progress-events"),
        ("CallDuration", "42"),
        ("SipResponseCode", "200"),
        ("SipCallId", "abc@host"),
    )
