"""`<Dial><Sip>` into `originate` command text, one command per leg.

The variables are the ones `../shared/freeswitch-traces/s1..s8` show working on
FreeSWITCH 1.10.12:

    originate {origination_uuid=...,cxml_leg=CA...,origination_caller_id_number=...,
               sip_h_X-SignalWire-CallSid=...,...,ignore_early_media=true}
              sofia/<profile>/sip:user@host:port;transport=tls &park()

(one line, no `api`/`bgapi`: the Event Socket adapter adds that). How each value
is checked and escaped is in `bridge.switch.escaping`. No I/O.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from bridge.cxml.models import (
    CALLER_NAME_MAX,
    DIAL_TIMEOUT_RANGE,
    SESSION_TIMEOUT_DEFAULT,
    Codec,
    Dial,
    Sip,
)
from bridge.sip import SipUriError, format_sip_uri
from bridge.switch.escaping import (
    ACCOUNT_SID_PATTERN,
    API_VERSION_PATTERN,
    CALL_SID_PATTERN,
    PROFILE_PATTERN,
    UUID_PATTERN,
    UnsafeValue,
    check_pattern,
    check_text,
    encode_variable_value,
)

# The engine follows each leg's events by this variable (`variable_cxml_leg`).
CORRELATION_VARIABLE = "cxml_leg"
DEFAULT_PROFILE = "external"
DEFAULT_API_VERSION = "2010-04-01"
PARK = "&park()"

# The spec's set for <Sip> dials; 128 as bridge.cxml allows.
CALLER_ID_NUMBER_PATTERN = re.compile(r"[A-Za-z0-9+\-_.,]{1,128}")
HEADER_NAME_PATTERN = re.compile(r"X-[A-Za-z0-9_.-]{1,64}")
# Channel variables that must not be set twice by a custom header.
_RESERVED_HEADERS = frozenset(
    name.lower()
    for name in ("X-SignalWire-CallSid", "X-SignalWire-AccountSid", "X-SignalWire-ApiVersion")
)
MAX_HEADER_VALUE_CHARS = 1024
# What may follow `sofia/<profile>/`: mod_sofia reads '^' (To-URI), '%' (a
# registered user%domain), `fs_path=` and `transport=ws` inside it, and the dial
# string parser ',' '|' ':_:' '[' '{' quotes and spaces; none can occur here.
_ENDPOINT_URI = re.compile(
    r"sips?:(?:[A-Za-z0-9_.!~*+-]+@)?(?:[a-z0-9.-]+|\[[0-9a-f:.]+\])(?::[0-9]{1,5})?"
    r";transport=(?:udp|tcp|tls)"
)
MAX_CREDENTIAL_CHARS = 128
# sofia puts the digest username between double quotes; the display name too.
_CREDENTIAL_REFUSED = '"'
_DISPLAY_NAME_REFUSED = '"<>'
_CALLER_ID_EXPECTED = "1-128 of letters, digits and + - _ . ,"

# FreeSWITCH's codec names; OPUS is registered lower-case.
_CODEC_NAMES: dict[Codec, str] = {
    Codec.PCMU: "PCMU",
    Codec.PCMA: "PCMA",
    Codec.G722: "G722",
    Codec.G729: "G729",
    Codec.OPUS: "opus",
}


@dataclass(frozen=True, slots=True)
class DialContext:
    """What a call brings to each of its dials: who pays and who is calling.

    `caller_id_number`/`caller_id_name` are used when `<Dial>` sets no callerId
    or callerName (normally the caller's own). `profile` is the sofia profile
    from configuration.
    """

    account_sid: str
    caller_id_number: str
    caller_id_name: str | None = None
    api_version: str = DEFAULT_API_VERSION
    profile: str = DEFAULT_PROFILE


@dataclass(frozen=True, slots=True)
class LegIdentity:
    """The identities of one new leg, chosen by the engine before it dials."""

    call_sid: str  # "CA" + 32 hex: the leg's CallSid and its correlation tag
    uuid: str  # FreeSWITCH origination_uuid


@dataclass(frozen=True, slots=True)
class OriginateCommand:
    """One leg's originate. `variables` and `endpoint` hold the values FreeSWITCH
    will see once it has parsed `text` (which carries them escaped)."""

    leg: LegIdentity
    endpoint: str
    variables: tuple[tuple[str, str], ...]
    text: str


def build_originate(dial: Dial, sip: Sip, leg: LegIdentity, ctx: DialContext) -> OriginateCommand:
    """The originate for `sip` (one noun of `dial`), or `UnsafeValue`."""
    if sip not in dial.nouns:
        raise ValueError(f"the <Sip> of line {sip.line} is not a noun of the <Dial> given")
    variables = _variables(dial, sip, leg, ctx)
    endpoint = _endpoint(sip, ctx.profile)
    block = ",".join(f"{name}={encode_variable_value(value)}" for name, value in variables)
    text = f"originate {{{block}}}{endpoint} {PARK}"
    return OriginateCommand(leg=leg, endpoint=endpoint, variables=variables, text=text)


def build_dial_originates(
    dial: Dial, legs: Sequence[LegIdentity], ctx: DialContext
) -> tuple[OriginateCommand, ...]:
    """One originate per `<Sip>` of `dial`, in document order, with `legs[i]` for the i-th."""
    sips = dial.sips
    if len(sips) != len(dial.nouns):
        raise ValueError(f"<Dial> on line {dial.line} mixes <Sip> with other nouns")
    if len(legs) != len(sips):
        raise ValueError(f"{len(legs)} leg identities for {len(sips)} <Sip> nouns")
    return tuple(build_originate(dial, sip, leg, ctx) for sip, leg in zip(sips, legs, strict=True))


def originate_refusals(
    dial: Dial, sip: Sip, leg: LegIdentity, ctx: DialContext
) -> tuple[UnsafeValue, ...]:
    """Every refusal `build_originate` could raise for this leg, not just the first
    (for `cxml-bridge lint`); empty when the leg builds."""
    refusals: dict[str, UnsafeValue] = {}
    for step in _STEPS:
        try:
            step(dial, sip, leg, ctx)
        except UnsafeValue as refusal:
            refusals.setdefault(str(refusal), refusal)
    try:
        _endpoint(sip, ctx.profile)
    except UnsafeValue as refusal:
        refusals.setdefault(str(refusal), refusal)
    return tuple(refusals.values())


# Each step checks its values and returns its variables, in the order sent.
_Variables = list[tuple[str, str]]
_Step = Callable[[Dial, Sip, LegIdentity, DialContext], _Variables]


def _variables(
    dial: Dial, sip: Sip, leg: LegIdentity, ctx: DialContext
) -> tuple[tuple[str, str], ...]:
    return tuple(pair for step in _STEPS for pair in step(dial, sip, leg, ctx))


def _call_sid(leg: LegIdentity) -> str:
    return check_pattern("CallSid", leg.call_sid, CALL_SID_PATTERN, "CA + 32 lowercase hex")


def _identity(dial: Dial, sip: Sip, leg: LegIdentity, ctx: DialContext) -> _Variables:
    uuid = check_pattern("uuid", leg.uuid, UUID_PATTERN, "a UUID (8-4-4-4-12 hex)")
    return [("origination_uuid", uuid), (CORRELATION_VARIABLE, _call_sid(leg))]


def _caller_id(dial: Dial, sip: Sip, leg: LegIdentity, ctx: DialContext) -> _Variables:
    number = dial.caller_id if dial.caller_id is not None else ctx.caller_id_number
    return [("origination_caller_id_number", check_caller_id_number(number))]


def _caller_name(dial: Dial, sip: Sip, leg: LegIdentity, ctx: DialContext) -> _Variables:
    name = dial.caller_name if dial.caller_name is not None else ctx.caller_id_name
    if name is None:
        return []
    return [("origination_caller_id_name", check_caller_name(name))]


def _signalwire_headers(dial: Dial, sip: Sip, leg: LegIdentity, ctx: DialContext) -> _Variables:
    account_sid = check_pattern(
        "AccountSid", ctx.account_sid, ACCOUNT_SID_PATTERN, "AC + 32 lowercase hex, or a UUID"
    )
    api_version = check_pattern(
        "ApiVersion", ctx.api_version, API_VERSION_PATTERN, "a date like 2010-04-01"
    )
    return [
        ("sip_h_X-SignalWire-CallSid", _call_sid(leg)),
        ("sip_h_X-SignalWire-AccountSid", account_sid),
        ("sip_h_X-SignalWire-ApiVersion", api_version),
    ]


def _username(dial: Dial, sip: Sip, leg: LegIdentity, ctx: DialContext) -> _Variables:
    if sip.username is None:
        return []
    username = check_text(
        "username",
        sip.username,
        max_chars=MAX_CREDENTIAL_CHARS,
        also_refuse=_CREDENTIAL_REFUSED,
        ascii_only=True,
        allow_spaces=False,
    )
    return [("sip_auth_username", username)]


def _password(dial: Dial, sip: Sip, leg: LegIdentity, ctx: DialContext) -> _Variables:
    if sip.password is None:
        return []
    password = check_text(
        "password",
        sip.password,
        max_chars=MAX_CREDENTIAL_CHARS,
        ascii_only=True,
        allow_spaces=False,
    )
    return [("sip_auth_password", password)]


def _media(dial: Dial, sip: Sip, leg: LegIdentity, ctx: DialContext) -> _Variables:
    if not sip.codecs:
        return []
    return [("absolute_codec_string", _codec_string(sip.codecs))]


def _timers(dial: Dial, sip: Sip, leg: LegIdentity, ctx: DialContext) -> _Variables:
    return [("sofia_session_timeout", str(_session_timeout(sip.session_timeout)))]


def _ringing(dial: Dial, sip: Sip, leg: LegIdentity, ctx: DialContext) -> _Variables:
    return [
        ("originate_timeout", str(_ring_timeout(dial.timeout))),
        # The job answers +OK only once the leg is up (traces s1..s8).
        ("ignore_early_media", "true"),
    ]


def _custom_header_step(dial: Dial, sip: Sip, leg: LegIdentity, ctx: DialContext) -> _Variables:
    return _custom_headers(sip)


_STEPS: tuple[_Step, ...] = (
    _identity,
    _caller_id,
    _caller_name,
    _signalwire_headers,
    _custom_header_step,
    _username,
    _password,
    _media,
    _timers,
    _ringing,
)


def check_context(ctx: DialContext) -> DialContext:
    """Check a context on its own (at start-up, say) with the rules `build_originate`
    applies to it; returns it unchanged or raises `UnsafeValue`."""
    check_pattern(
        "AccountSid", ctx.account_sid, ACCOUNT_SID_PATTERN, "AC + 32 lowercase hex, or a UUID"
    )
    check_pattern("ApiVersion", ctx.api_version, API_VERSION_PATTERN, "a date like 2010-04-01")
    check_caller_id_number(ctx.caller_id_number)
    if ctx.caller_id_name is not None:
        check_caller_name(ctx.caller_id_name)
    check_profile(ctx.profile)
    return ctx


def check_caller_id_number(number: object) -> str:
    """A number for `origination_caller_id_number` (the `<Sip>` callerId grammar),
    or `UnsafeValue`.

    The engine checks a caller's own number (a remote party's: "*67 5551234",
    "<unknown>") with it before using it as a `<Dial>`'s default, so that a
    number the grammar refuses goes out as `anonymous` rather than failing the
    dial.
    """
    return check_pattern("callerId", number, CALLER_ID_NUMBER_PATTERN, _CALLER_ID_EXPECTED)


def check_caller_name(name: str) -> str:
    """A display name for `origination_caller_id_name`, or `UnsafeValue`.

    The engine checks a caller's own name (a remote party's) with it before
    using it as a `<Dial>`'s default, so that a name no escape can carry is
    left out rather than failing the dial.
    """
    return check_text(
        "callerName", name, max_chars=CALLER_NAME_MAX, also_refuse=_DISPLAY_NAME_REFUSED
    )


def _custom_headers(sip: Sip) -> _Variables:
    out: _Variables = []
    seen: set[str] = set()
    for header in sip.uri.headers:
        name = check_pattern(
            "SIP header name",
            header.name,
            HEADER_NAME_PATTERN,
            "X- and 1-64 of letters, digits, '-', '_', '.'",
        )
        if name.lower() in _RESERVED_HEADERS:
            raise UnsafeValue("SIP header name", f"{name} is set by the bridge itself")
        if name.lower() in seen:
            raise UnsafeValue("SIP header name", f"{name} is given twice")
        seen.add(name.lower())
        value = check_text(f"SIP header {name}", header.value, max_chars=MAX_HEADER_VALUE_CHARS)
        out.append((f"sip_h_{name}", value))
    return out


def _codec_string(codecs: tuple[Codec, ...]) -> str:
    names: list[str] = []
    for codec in codecs:
        if not isinstance(codec, Codec):
            raise UnsafeValue("codecs", f"{codec!r} is not one of {', '.join(Codec)}")
        names.append(_CODEC_NAMES[codec])
    # `^^:` makes ':' the list separator, so the value needs no comma (trace s1).
    return "^^:" + ":".join(names)


def _session_timeout(seconds: int) -> int:
    # Models are typed, but a hand-built one may hold anything: check at run time.
    if not _is_int(seconds) or seconds < 0:
        raise UnsafeValue("sessionTimeout", f"{seconds!r} is not a non-negative whole number")
    return seconds or SESSION_TIMEOUT_DEFAULT


def _ring_timeout(seconds: int) -> int:
    low, high = DIAL_TIMEOUT_RANGE
    if not _is_int(seconds) or not low <= seconds <= high:
        raise UnsafeValue("timeout", f"{seconds!r} is not a whole number {low}..{high}")
    return seconds


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _endpoint(sip: Sip, profile: str) -> str:
    profile = check_profile(profile)
    try:
        # Headers travel as sip_h_ variables, never in the dial string.
        uri = format_sip_uri(replace(sip.uri, headers=()))
    except SipUriError as err:
        raise UnsafeValue(f"SIP URI {err.part}", err.reason) from None
    # Belt and braces: this layer answers for what reaches the switch, so the
    # formatter's output must also pass our own grammar (no %, ^, quotes, ...).
    if _ENDPOINT_URI.fullmatch(uri) is None:
        raise UnsafeValue("SIP URI", f"{uri[:60]!r} is not a plain sip:user@host:port;transport=")
    return f"sofia/{profile}/{uri}"


def check_profile(profile: object) -> str:
    """A sofia profile name, which must not be `gateway` (mod_sofia reads
    `sofia/gateway/<name>/...` as a gateway dial)."""
    name = check_pattern(
        "profile", profile, PROFILE_PATTERN, "1-64 of letters, digits, '_', '-', '.'"
    )
    if name.lower() == "gateway":
        raise UnsafeValue("profile", "'gateway' is not a profile: mod_sofia reads it as a gateway")
    return name
