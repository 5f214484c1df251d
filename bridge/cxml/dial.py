"""`<Dial>` and its nouns: `<Sip>`, `<Number>`, `<Conference>`, `<Queue>`, `<Verto>`.

Choices beyond the spec tables (../shared/spec/cxml-voice-reference.md):

- A `<Dial>` must dial something: an empty one is a problem.
- A `<Dial>` holding `<Sip>` holds only `<Sip>` nouns (no other noun, no text),
  at most `MAX_SIP_PER_DIAL` of them.
- callerId: for a `<Dial>` of `<Sip>` nouns, 1..128 of ``A-Z a-z 0-9 + - _ . ,``
  (the spec's set, no whitespace). For any other `<Dial>`: a phone number
  (``+`` and 1..15 digits) or 1..32 letters and digits (an alphanumeric
  sender id); nothing else.
- callerName: 1..70 printable characters (no control characters).
- Numbers (text of `<Number>` or of `<Dial>` itself) may be written with the
  usual punctuation (``+1 (415) 123-4567``) and are stored as ``+`` and digits,
  1..15 of them; sendDigits is 1..32 of ``0-9 # * w W``.
- `<Sip>`: username and password are 1..128 printable characters; codecs must
  not repeat; sessionTimeout is 0..86400 (0 stays 0 in the model and means
  the default, `SESSION_TIMEOUT_DEFAULT`).
- `<Conference>` keeps the common Twilio attributes as (name, value) pairs,
  values printable and at most 1024 characters; its name, a `<Queue>` name and
  a `<Verto>` target are 1..128 printable characters.

This module does no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from lxml import etree

from bridge.cxml.models import (
    CALLER_NAME_MAX,
    DIAL_TIME_LIMIT_DEFAULT,
    DIAL_TIME_LIMIT_RANGE,
    DIAL_TIMEOUT_DEFAULT,
    DIAL_TIMEOUT_RANGE,
    MAX_SIP_PER_DIAL,
    RING_TONES,
    CallProgressEvent,
    Codec,
    Conference,
    Dial,
    DialNoun,
    Number,
    Queue,
    RecordingEvent,
    RecordingTrack,
    RecordMode,
    Sip,
    Trim,
    Verto,
)
from bridge.cxml.reader import ElementReader, ParseContext
from bridge.sip import SipUriError, parse_sip_uri

SESSION_TIMEOUT_MAX = 86400
MAX_NAME_CHARS = 128
MAX_CREDENTIAL_CHARS = 128

SIP_CALLER_ID = re.compile(r"[A-Za-z0-9+\-_.,]{1,128}\Z")
CALLER_ID = re.compile(r"(?:\+[0-9]{1,15}|[A-Za-z0-9]{1,32})\Z")
_PHONE_NUMBER = re.compile(r"\+?[0-9 ().\-]{1,40}\Z")
_SEND_DIGITS = re.compile(r"[0-9#*wW]{1,32}\Z")

_PROGRESS_DEFAULT = frozenset({CallProgressEvent.COMPLETED})
_RECORDING_DEFAULT = frozenset({RecordingEvent.COMPLETED})

# The Twilio <Conference> attributes we carry through, unvalidated for now.
CONFERENCE_ATTRIBUTES = (
    "muted",
    "beep",
    "startConferenceOnEnter",
    "endConferenceOnExit",
    "waitUrl",
    "waitMethod",
    "maxParticipants",
    "record",
    "region",
    "trim",
    "coach",
    "participantLabel",
    "jitterBufferSize",
    "statusCallbackEvent",
    "statusCallback",
    "statusCallbackMethod",
    "recordingStatusCallback",
    "recordingStatusCallbackMethod",
    "recordingStatusCallbackEvent",
    "eventCallbackUrl",
)


def read_dial(element: etree._Element, context: ParseContext) -> Dial:
    r = ElementReader(element, context)
    if context.callee_leg:
        r.problem("<Dial> is not allowed in a document run on the callee's leg (<Sip url>)")
    nouns = [noun for noun in (_read_noun(child, context) for child in element) if noun]
    text = r.text(allow_children=True)
    children = [str(child.tag) for child in element]
    if text:
        number = _phone_number(r, text, None)
        if number is not None:
            nouns.insert(0, Number(number=number, line=r.line))
    if not children and not text:
        r.problem("empty <Dial>: give a number or a noun to dial")
    sip_count = children.count("Sip")
    if sip_count:
        others = sorted({tag for tag in children if tag != "Sip" and tag in NOUN_READERS})
        if others or text:
            mixed = ", ".join([f"<{tag}>" for tag in others] + (["text"] if text else []))
            r.problem(f"a <Dial> holding <Sip> cannot also hold {mixed}")
        if sip_count > MAX_SIP_PER_DIAL:
            r.problem(f"{sip_count} <Sip> nouns, at most {MAX_SIP_PER_DIAL}")
    dial = Dial(
        line=r.line,
        nouns=tuple(nouns),
        action=r.url("action"),
        method=r.method("method"),
        timeout=r.integer("timeout", DIAL_TIMEOUT_DEFAULT, *DIAL_TIMEOUT_RANGE),
        time_limit=r.integer("timeLimit", DIAL_TIME_LIMIT_DEFAULT, *DIAL_TIME_LIMIT_RANGE),
        caller_id=_caller_id(r, sip=bool(sip_count)),
        caller_name=r.text_value("callerName", CALLER_NAME_MAX),
        hangup_on_star=r.boolean("hangupOnStar", False),
        answer_on_bridge=r.boolean("answerOnBridge", False),
        ring_tone=r.one_of("ringTone", RING_TONES),
        record=r.choice("record", RecordMode, RecordMode.DO_NOT_RECORD),
        trim=r.choice("trim", Trim, Trim.DO_NOT_TRIM),
        recording_status_callback=r.url("recordingStatusCallback"),
        recording_status_callback_method=r.method("recordingStatusCallbackMethod"),
        recording_status_callback_event=r.event_set(
            "recordingStatusCallbackEvent", RecordingEvent, _RECORDING_DEFAULT
        ),
        recording_track=r.choice("recordingTrack", RecordingTrack, RecordingTrack.BOTH),
    )
    r.finish()
    return dial


def _caller_id(r: ElementReader, *, sip: bool) -> str | None:
    if sip:
        what = "1..128 of letters, digits and + - _ . , (no whitespace)"
        return r.text_value("callerId", 128, SIP_CALLER_ID, what)
    what = "a phone number (+ and up to 15 digits) or up to 32 letters and digits"
    return r.text_value("callerId", 32, CALLER_ID, what)


def _read_noun(element: etree._Element, context: ParseContext) -> DialNoun | None:
    reader = NOUN_READERS.get(str(element.tag))
    if reader is None:
        known = ", ".join(f"<{name}>" for name in NOUN_READERS)
        ElementReader(element, context).problem(
            f"<{element.tag}> is not a noun of <Dial> (nouns: {known})"
        )
        return None
    return reader(element, context)


def read_sip(element: etree._Element, context: ParseContext) -> Sip | None:
    r = ElementReader(element, context)
    text = r.text()
    uri = None
    if not text:
        r.problem("empty <Sip>: it needs a SIP URI")
    else:
        try:
            uri = parse_sip_uri(text)
        except SipUriError as error:
            r.problem(str(error))
    username = r.text_value("username", MAX_CREDENTIAL_CHARS)
    password = r.text_value("password", MAX_CREDENTIAL_CHARS)
    codecs = _codecs(r)
    session_timeout = r.integer("sessionTimeout", 0, 0, SESSION_TIMEOUT_MAX)
    url = r.url("url")
    method = r.method("method")
    status_callback = r.url("statusCallback")
    events = r.event_set("statusCallbackEvent", CallProgressEvent, _PROGRESS_DEFAULT)
    status_callback_method = r.method("statusCallbackMethod")
    r.finish()
    if uri is None:
        return None
    return Sip(
        uri=uri,
        line=r.line,
        username=username,
        password=password,
        codecs=codecs,
        session_timeout=session_timeout,
        url=url,
        method=method,
        status_callback=status_callback,
        status_callback_event=events,
        status_callback_method=status_callback_method,
    )


def _codecs(r: ElementReader) -> tuple[Codec, ...]:
    default = (Codec.PCMU, Codec.PCMA)
    items = r.items("codecs")
    if items is None:
        return default
    codecs: list[Codec] = []
    for item in items:
        try:
            codec = Codec(item.upper())
        except ValueError:
            allowed = ", ".join(c.value for c in Codec)
            r.problem(f"unknown codec {item!r} (codecs: {allowed})", "codecs")
            continue
        if codec in codecs:
            r.problem(f"codec {codec.value} is listed twice", "codecs")
            continue
        codecs.append(codec)
    return tuple(codecs) if codecs else default


def read_number(element: etree._Element, context: ParseContext) -> Number | None:
    r = ElementReader(element, context)
    number = _phone_number(r, r.text(), None)
    send_digits = r.text_value(
        "sendDigits", 32, _SEND_DIGITS, "1..32 of the digits 0-9, #, * and w/W (pauses)"
    )
    noun = Number(
        number=number or "",
        line=r.line,
        send_digits=send_digits,
        url=r.url("url"),
        method=r.method("method"),
        status_callback=r.url("statusCallback"),
        status_callback_event=r.event_set(
            "statusCallbackEvent", CallProgressEvent, _PROGRESS_DEFAULT
        ),
        status_callback_method=r.method("statusCallbackMethod"),
    )
    r.finish()
    return noun if number is not None else None


def _phone_number(r: ElementReader, text: str, attribute: str | None) -> str | None:
    digits = re.sub(r"[^0-9]", "", text)
    if not _PHONE_NUMBER.match(text) or not 1 <= len(digits) <= 15:
        r.problem(f"{text[:40]!r} is not a phone number (+ and 1..15 digits)", attribute)
        return None
    return ("+" if text.startswith("+") else "") + digits


def read_conference(element: etree._Element, context: ParseContext) -> Conference | None:
    r = ElementReader(element, context)
    name = r.text()
    pairs: list[tuple[str, str]] = []
    for attribute in CONFERENCE_ATTRIBUTES:
        value = r.raw(attribute)
        # Empty is meaningful here (waitUrl="" means silence), so only the
        # printable-text rule applies.
        if value is not None and (not value or r.check_text(value, 1024, attribute=attribute)):
            pairs.append((attribute, value))
    r.finish()
    if not r.check_text(name, MAX_NAME_CHARS):
        return None
    return Conference(name=name, line=r.line, attributes=tuple(pairs))


def read_queue(element: etree._Element, context: ParseContext) -> Queue | None:
    r = ElementReader(element, context)
    name = r.text()
    queue = Queue(name=name, line=r.line, url=r.url("url"), method=r.method("method"))
    r.finish()
    return queue if r.check_text(name, MAX_NAME_CHARS) else None


def read_verto(element: etree._Element, context: ParseContext) -> Verto | None:
    r = ElementReader(element, context)
    target = r.text()
    r.finish()
    return Verto(target=target, line=r.line) if r.check_text(target, MAX_NAME_CHARS) else None


NounReader = Callable[[etree._Element, ParseContext], DialNoun | None]

# The nouns a <Dial> may hold. Anything else is reported by name, never looked up.
NOUN_READERS: Mapping[str, NounReader] = {
    "Sip": read_sip,
    "Number": read_number,
    "Conference": read_conference,
    "Queue": read_queue,
    "Verto": read_verto,
}
