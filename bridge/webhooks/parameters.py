"""The standard webhook parameters, named as the hosted platforms name them. Pure.

The engine decides the values (statuses, durations: call semantics); this
only spells the request, in a stable order, leaving out what is unknown.
"""

from __future__ import annotations

from collections.abc import Sequence

API_VERSION = "2010-04-01"
CALLBACK_SOURCE = "call-progress-events"

Params = tuple[tuple[str, str], ...]


def standard_params(
    *,
    account_sid: str,
    call_sid: str,
    call_status: str,
    direction: str,
    from_: str,
    to: str,
    parent_call_sid: str | None = None,
    api_version: str = API_VERSION,
) -> Params:
    """AccountSid, ApiVersion, CallSid, CallStatus, Direction, From, To[, ParentCallSid]."""
    params: list[tuple[str, str]] = [
        ("AccountSid", account_sid),
        ("ApiVersion", api_version),
        ("CallSid", call_sid),
        ("CallStatus", call_status),
        ("Direction", direction),
        ("From", from_),
        ("To", to),
    ]
    if parent_call_sid is not None:
        params.append(("ParentCallSid", parent_call_sid))
    return tuple(params)


def status_callback_params(
    *,
    account_sid: str,
    call_sid: str,
    call_status: str,
    direction: str,
    from_: str,
    to: str,
    parent_call_sid: str | None = None,
    call_duration: int | None = None,
    sip_response_code: int | None = None,
    api_version: str = API_VERSION,
    extra: Sequence[tuple[str, str]] = (),
) -> Params:
    """A status callback's parameters, without SequenceNumber and Timestamp.

    Those two are added by `CallbackDispatcher` when it sends the callback:
    the number comes from the outbox, the time from the event.
    """
    params = list(
        standard_params(
            account_sid=account_sid,
            call_sid=call_sid,
            call_status=call_status,
            direction=direction,
            from_=from_,
            to=to,
            parent_call_sid=parent_call_sid,
            api_version=api_version,
        )
    )
    params.append(("CallbackSource", CALLBACK_SOURCE))
    if call_duration is not None:
        params.append(("CallDuration", str(call_duration)))
    if sip_response_code is not None:
        params.append(("SipResponseCode", str(sip_response_code)))
    params.extend(extra)
    return tuple(params)
