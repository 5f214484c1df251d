"""The parameters of the requests a call makes, named as the hosted platforms name them. Pure.

Standard parameters (every document request, action and callback of a call):
AccountSid, ApiVersion, CallSid, CallStatus, Direction, From, To, then
ParentCallSid for a dialed leg. We add, where known, what Twilio also sends
for SIP calls and what a customer needs to tell callers apart:

- `CallerName`: the caller's display name (inbound calls with one);
- `SipCallId`: the Call-ID of the call's own SIP dialog (inbound calls).

`<Dial action>` adds DialCallStatus, DialCallSid, DialCallDuration,
DialSipCallId, DialSipResponseCode and one `DialSipHeader_X-Name` per X-
header of the final response (the 200 OK when connected, else the failure
response, e.g. the X-Reason of a 486), in header-name order; then, for a
completed recording, RecordingUrl, RecordingSid and RecordingDuration.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bridge.sip.uri import SipUri
from bridge.store.records import CallDirection, CallStatus
from bridge.webhooks.parameters import Params, standard_params

# The usual SIP stand-in for a withheld number (FreeSWITCH's own for privacy):
# an inbound caller without one, or a caller's number the legs cannot carry.
ANONYMOUS = "anonymous"


@dataclass(frozen=True)
class CallParty:
    """Who a call is, as its requests describe it."""

    account_sid: str
    call_sid: str
    direction: CallDirection
    from_: str
    to: str
    parent_call_sid: str | None = None
    caller_name: str | None = None
    sip_call_id: str | None = None


def call_params(party: CallParty, status: CallStatus) -> Params:
    params = standard_params(
        account_sid=party.account_sid,
        call_sid=party.call_sid,
        call_status=status.value,
        direction=party.direction.value,
        from_=party.from_,
        to=party.to,
        parent_call_sid=party.parent_call_sid,
    )
    extra: list[tuple[str, str]] = []
    if party.caller_name:
        extra.append(("CallerName", party.caller_name))
    if party.sip_call_id:
        extra.append(("SipCallId", party.sip_call_id))
    return (*params, *extra)


@dataclass(frozen=True)
class DialResult:
    """What the action request reports about a finished `<Dial>`."""

    status: CallStatus
    call_sid: str | None
    duration: int
    sip_call_id: str | None
    sip_response_code: int | None
    sip_headers: Mapping[str, str]
    # RecordingUrl, RecordingSid, RecordingDuration of a completed <Dial record>
    # (bridge.engine.recording_plan.recording_action_params).
    recording: Params = ()


def dial_action_params(party: CallParty, status: CallStatus, result: DialResult) -> Params:
    params: list[tuple[str, str]] = list(call_params(party, status))
    params.append(("DialCallStatus", result.status.value))
    if result.call_sid is not None:
        params.append(("DialCallSid", result.call_sid))
    params.append(("DialCallDuration", str(result.duration)))
    if result.sip_call_id is not None:
        params.append(("DialSipCallId", result.sip_call_id))
    if result.sip_response_code is not None:
        params.append(("DialSipResponseCode", str(result.sip_response_code)))
    for name in sorted(result.sip_headers):
        params.append((f"DialSipHeader_{name}", result.sip_headers[name]))
    params.extend(result.recording)
    return tuple(params)


def sip_address(uri: SipUri) -> str:
    """How a dialed SIP URI appears as `To`: `sip:user@host[:port]`, no parameters."""
    host = f"[{uri.host}]" if ":" in uri.host else uri.host
    user = f"{uri.user}@" if uri.user else ""
    port = f":{uri.port}" if uri.port is not None else ""
    return f"{uri.scheme}:{user}{host}{port}"
