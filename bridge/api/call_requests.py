"""`POST /Calls.json` and `POST /Calls/{Sid}.json` bodies into validated requests.

Pure: a mapping of parameters in, a `PlaceCall` or `CallUpdate` out, or an
`ApiError` naming the parameter at fault. Nothing reaches the engine unless
all of it passed; the engine then sees only parsed values (a `SipUri`, a
parsed `Response`), never a raw parameter. The grammars are those of the
`<Sip>` noun (bridge/cxml/dial.py), so a REST-created call obeys the same
injection rules as a dialed one.

Choices where the hosted APIs are vague:
- To: a `sip:`/`sips:` URI, parsed strictly, or a number (`+` and 1..15
  digits), sent as `sip:<number>@<gateway>` through the configured
  `outbound_number_gateway`; without one a number is refused (21214).
  `client:` and other addresses are refused.
- From is required; CallerId is accepted as another name for it (both given
  must agree). 1..128 of ``A-Z a-z 0-9 + - _ . ,``, as `<Dial callerId>` for
  SIP.
- Method, FallbackMethod and StatusCallbackMethod/StatusCallbackEvent are
  refused without the URL they apply to (a sure sign of a mistake).
- StatusCallbackEvent: repeated and/or separated by spaces or commas; values
  initiated, ringing, answered, completed; default completed.
- Timeout 5..600 seconds (default 60), the range of `<Dial timeout>`;
  SendDigits 1..32 of ``0-9 * # w W`` (sent once the call answers, before
  its document runs); SipAuthUsername and SipAuthPassword 1..128 printable
  characters, both or neither.
- Record true/false records the whole call from its answer, with Twilio's
  RecordingChannels (mono, dual; default mono), RecordingTrack (inbound,
  outbound, both; default both), Trim (trim-silence, do-not-trim; default
  trim-silence, as Twilio's calls), RecordingStatusCallback,
  RecordingStatusCallbackMethod and RecordingStatusCallbackEvent (in-progress,
  completed, absent; repeated and/or separated by spaces or commas; default
  completed). Any of these without Record=true is refused.
- An update takes Url (with Method) or Twiml to redirect, or Status
  (completed or canceled) to end the call, not both. Twilio's FallbackUrl,
  FallbackMethod, StatusCallback and StatusCallbackMethod on update are not
  supported yet and are refused as unknown parameters.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Literal, TypeVar

from bridge.api import errors as codes
from bridge.api.errors import bad_parameter
from bridge.api.form import Form, shown
from bridge.cxml import DocumentRejected, ValidationFailed, parse_document
from bridge.cxml.dial import MAX_CREDENTIAL_CHARS, SIP_CALLER_ID
from bridge.cxml.models import (
    DIAL_TIMEOUT_RANGE,
    CallProgressEvent,
    HttpMethod,
    RecordingEvent,
    RecordingTrack,
    Response,
)
from bridge.engine.control import (
    DocumentSource,
    DocumentUrl,
    InlineDocument,
    PlaceCall,
    RecordingOptions,
)
from bridge.sip import SipUri, SipUriError, parse_sip_uri

TIMEOUT_DEFAULT = 60
# The range of <Dial timeout>: the engine dials a REST call as a <Sip> leg.
TIMEOUT_RANGE = DIAL_TIMEOUT_RANGE
MAX_SEND_DIGITS = 32

_NUMBER = re.compile(r"\+?[0-9]{1,15}")
_SEND_DIGITS = re.compile(rf"[0-9#*wW]{{1,{MAX_SEND_DIGITS}}}")
_EVENT_SEPARATORS = re.compile(r"[\s,]+")
_EVENTS_DEFAULT = frozenset({CallProgressEvent.COMPLETED})
_RECORDING_EVENTS_DEFAULT = frozenset({RecordingEvent.COMPLETED})
RECORDING_CHANNELS = {"mono": 1, "dual": 2}
TRIMS = {"trim-silence": True, "do-not-trim": False}
RECORDING_PARAMETERS = (
    "RecordingChannels",
    "RecordingStatusCallback",
    "RecordingStatusCallbackEvent",
    "RecordingStatusCallbackMethod",
    "RecordingTrack",
    "Trim",
)

CREATE_PARAMETERS = frozenset(
    {
        "To",
        "From",
        "CallerId",
        "Url",
        "Twiml",
        "Method",
        "FallbackUrl",
        "FallbackMethod",
        "StatusCallback",
        "StatusCallbackMethod",
        "StatusCallbackEvent",
        "Timeout",
        "SipAuthUsername",
        "SipAuthPassword",
        "Record",
        *RECORDING_PARAMETERS,
        "SendDigits",
    }
)
UPDATE_PARAMETERS = frozenset({"Url", "Method", "Twiml", "Status"})

EndStatus = Literal["completed", "canceled"]
T = TypeVar("T")


@dataclass(frozen=True)
class CallUpdate:
    """`POST /Calls/{Sid}.json`, validated: exactly one of the two is set."""

    document: DocumentSource | None = None
    end_status: EndStatus | None = None


def read_place_call(
    values: Mapping[str, Sequence[str]],
    *,
    account_sid: str,
    number_gateway: SipUri | None,
) -> PlaceCall:
    form = Form(values, CREATE_PARAMETERS)
    to, to_text = _to(form, number_gateway)
    from_ = _from(form)
    document = _document(form)
    fallback_url = form.url("FallbackUrl", codes.URL_INVALID)
    fallback_method = _method_for(form, "FallbackMethod", "FallbackUrl", fallback_url)
    status_callback = form.url("StatusCallback", codes.STATUS_CALLBACK_INVALID)
    status_callback_method = _method_for(
        form, "StatusCallbackMethod", "StatusCallback", status_callback
    )
    events = _events(form, status_callback)
    timeout = form.integer("Timeout", codes.TIMEOUT_INVALID, *TIMEOUT_RANGE)
    username, password = _credentials(form)
    record = bool(form.boolean("Record", codes.CALLS_PARAMETER))
    recording = _recording(form, record)
    return PlaceCall(
        account_sid=account_sid,
        to=to,
        to_text=to_text,
        from_=from_,
        document=document,
        fallback_url=fallback_url,
        fallback_method=fallback_method or HttpMethod.POST,
        status_callback=status_callback,
        status_callback_method=status_callback_method or HttpMethod.POST,
        status_callback_events=events,
        timeout=TIMEOUT_DEFAULT if timeout is None else timeout,
        sip_auth_username=username,
        sip_auth_password=password,
        record=record,
        recording=recording,
        send_digits=_send_digits(form),
    )


def read_call_update(values: Mapping[str, Sequence[str]]) -> CallUpdate:
    form = Form(values, UPDATE_PARAMETERS)
    status = form.single("Status", codes.CALLS_PARAMETER)
    if status is not None:
        if "Url" in form or "Twiml" in form or "Method" in form:
            raise bad_parameter(
                codes.CALLS_PARAMETER,
                "Status ends the call; give either Status or a new document (Url or Twiml)",
            )
        if status == "completed":
            return CallUpdate(end_status="completed")
        if status == "canceled":
            return CallUpdate(end_status="canceled")
        raise bad_parameter(
            codes.CALLS_PARAMETER, f"Status {shown(status)} is not completed or canceled"
        )
    if "Url" not in form and "Twiml" not in form:
        raise bad_parameter(
            codes.CALLS_PARAMETER,
            "Nothing to do: give Url (and Method) or Twiml to redirect the call, "
            "or Status=completed|canceled to end it",
        )
    return CallUpdate(document=_document(form))


# -- the parts ----------------------------------------------------------------


def _to(form: Form, gateway: SipUri | None) -> tuple[SipUri, str]:
    value = form.single("To", codes.TO_INVALID)
    if value is None:
        raise bad_parameter(
            codes.TO_MISSING, "To is required: a SIP URI (sip:user@host) or a phone number"
        )
    if value[:4].lower() == "sip:" or value[:5].lower() == "sips:":
        try:
            return parse_sip_uri(value), value
        except SipUriError as error:
            raise bad_parameter(
                codes.TO_INVALID,
                f"To {shown(value)} is not a valid SIP URI: {error.part}: {error.reason}",
            ) from None
    if _NUMBER.fullmatch(value):
        if gateway is None:
            raise bad_parameter(
                codes.TO_UNREACHABLE,
                f"To {shown(value)} is a phone number, and no outbound number gateway is "
                "configured (setting outbound_number_gateway); give a SIP URI instead",
            )
        return replace(gateway, user=value), value
    raise bad_parameter(
        codes.TO_INVALID,
        f"To {shown(value)} is neither a SIP URI (sip:user@host) "
        "nor a phone number (+ and 1..15 digits, no spaces or punctuation)",
    )


def _from(form: Form) -> str:
    from_ = _caller_id(form, "From")
    caller_id = _caller_id(form, "CallerId")
    if from_ is not None and caller_id is not None and from_ != caller_id:
        raise bad_parameter(
            codes.FROM_INVALID,
            f"From {shown(from_)} and CallerId {shown(caller_id)} differ; "
            "CallerId is another name for From here: give one",
        )
    chosen = from_ or caller_id
    if chosen is None:
        raise bad_parameter(
            codes.FROM_MISSING, "From is required: the caller ID the called party sees"
        )
    return chosen


def _caller_id(form: Form, name: str) -> str | None:
    value = form.single(name, codes.FROM_INVALID)
    if value is not None and not SIP_CALLER_ID.match(value):
        raise bad_parameter(
            codes.FROM_INVALID,
            f"{name} {shown(value)} must be 1..128 letters, digits and + - _ . , "
            "(no spaces, no SIP URI)",
        )
    return value


def _document(form: Form) -> DocumentSource:
    url = form.url("Url", codes.URL_INVALID)
    twiml = form.single("Twiml", codes.DOCUMENT_REJECTED)
    if url is not None and twiml is not None:
        raise bad_parameter(codes.URL_INVALID, "give either Url or Twiml, not both")
    method = _method_for(form, "Method", "Url", url)
    if url is not None:
        return DocumentUrl(url=url, method=method or HttpMethod.POST)
    if twiml is None:
        raise bad_parameter(
            codes.URL_INVALID,
            "Url or Twiml is required: the cXML document that runs when the call answers",
        )
    return InlineDocument(response=_parse_twiml(twiml))


def _parse_twiml(twiml: str) -> Response:
    try:
        return parse_document(twiml)
    except DocumentRejected as error:
        raise bad_parameter(
            codes.DOCUMENT_REJECTED, f"Twiml is not a document we can read: {error}"
        ) from None
    except ValidationFailed as error:
        count = len(error.problems)
        raise bad_parameter(
            codes.DOCUMENT_INVALID,
            f"Twiml has {count} problem{'s' if count > 1 else ''}: {error}",
        ) from None


def _method_for(form: Form, name: str, url_name: str, url: str | None) -> HttpMethod | None:
    method = form.method(name, codes.METHOD_INVALID)
    if method is not None and url is None:
        raise bad_parameter(codes.METHOD_INVALID, f"{name} is given without {url_name}")
    return method


def _events(form: Form, status_callback: str | None) -> frozenset[CallProgressEvent]:
    raw = form.many("StatusCallbackEvent", codes.STATUS_CALLBACK_EVENT_INVALID)
    if not raw:
        return _EVENTS_DEFAULT
    if status_callback is None:
        raise bad_parameter(
            codes.STATUS_CALLBACK_EVENT_INVALID,
            "StatusCallbackEvent is given without StatusCallback",
        )
    events: set[CallProgressEvent] = set()
    for value in raw:
        items = [item for item in _EVENT_SEPARATORS.split(value) if item]
        if not items:
            raise bad_parameter(codes.STATUS_CALLBACK_EVENT_INVALID, "StatusCallbackEvent is empty")
        for item in items:
            try:
                events.add(CallProgressEvent(item))
            except ValueError:
                allowed = ", ".join(event.value for event in CallProgressEvent)
                raise bad_parameter(
                    codes.STATUS_CALLBACK_EVENT_INVALID,
                    f"StatusCallbackEvent {shown(item)} is not one of: {allowed}",
                ) from None
    return frozenset(events)


def _credentials(form: Form) -> tuple[str | None, str | None]:
    username = form.text("SipAuthUsername", codes.CALLS_PARAMETER, MAX_CREDENTIAL_CHARS)
    password = form.text("SipAuthPassword", codes.CALLS_PARAMETER, MAX_CREDENTIAL_CHARS)
    if (username is None) != (password is None):
        missing = "SipAuthPassword" if password is None else "SipAuthUsername"
        raise bad_parameter(
            codes.CALLS_PARAMETER,
            f"{missing} is missing: give SipAuthUsername and SipAuthPassword together",
        )
    return username, password


def _recording(form: Form, record: bool) -> RecordingOptions:
    given = [name for name in RECORDING_PARAMETERS if name in form]
    if given and not record:
        raise bad_parameter(
            codes.CALLS_PARAMETER,
            f"{', '.join(given)} {'is' if len(given) == 1 else 'are'} given without "
            "Record=true: they say how to record the call",
        )
    channels = _choice(form, "RecordingChannels", RECORDING_CHANNELS, 1)
    track = _choice(form, "RecordingTrack", {t.value: t for t in RecordingTrack}, None)
    trim = _choice(form, "Trim", TRIMS, True)
    callback = form.url("RecordingStatusCallback", codes.CALLS_PARAMETER)
    method = _method_for(form, "RecordingStatusCallbackMethod", "RecordingStatusCallback", callback)
    return RecordingOptions(
        channels=channels,
        track=track or RecordingTrack.BOTH,
        trim=trim,
        status_callback=callback,
        status_callback_method=method or HttpMethod.POST,
        status_callback_events=_recording_events(form, callback),
    )


def _choice(form: Form, name: str, choices: Mapping[str, T], default: T) -> T:
    value = form.single(name, codes.CALLS_PARAMETER)
    if value is None:
        return default
    if value not in choices:
        raise bad_parameter(
            codes.CALLS_PARAMETER, f"{name} {shown(value)} is not one of: {', '.join(choices)}"
        )
    return choices[value]


def _recording_events(form: Form, callback: str | None) -> frozenset[RecordingEvent]:
    name = "RecordingStatusCallbackEvent"
    raw = form.many(name, codes.CALLS_PARAMETER)
    if not raw:
        return _RECORDING_EVENTS_DEFAULT
    if callback is None:
        raise bad_parameter(
            codes.CALLS_PARAMETER, f"{name} is given without RecordingStatusCallback"
        )
    events: set[RecordingEvent] = set()
    for value in raw:
        items = [item for item in _EVENT_SEPARATORS.split(value) if item]
        if not items:
            raise bad_parameter(codes.CALLS_PARAMETER, f"{name} is empty")
        for item in items:
            try:
                events.add(RecordingEvent(item))
            except ValueError:
                allowed = ", ".join(event.value for event in RecordingEvent)
                raise bad_parameter(
                    codes.CALLS_PARAMETER, f"{name} {shown(item)} is not one of: {allowed}"
                ) from None
    return frozenset(events)


def _send_digits(form: Form) -> str | None:
    value = form.single("SendDigits", codes.SEND_DIGITS_INVALID)
    if value is not None and not _SEND_DIGITS.fullmatch(value):
        raise bad_parameter(
            codes.SEND_DIGITS_INVALID,
            f"SendDigits {shown(value)} must be 1..{MAX_SEND_DIGITS} of 0-9 * # w W",
        )
    return value
