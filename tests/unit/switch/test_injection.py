"""The injection property: for any text in any attribute, either the value is
refused, or FreeSWITCH (as modelled in tests/support/originate_grammar.py) reads
exactly one leg, exactly the intended endpoint and exactly the intended
variables with exactly the given values; and no command holds CR, LF or NUL."""

from __future__ import annotations

import string
from collections.abc import Callable
from dataclasses import replace
from urllib.parse import quote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bridge.cxml.models import SESSION_TIMEOUT_DEFAULT, Codec, Dial, Sip
from bridge.sip import SipHeader, SipUri, SipUriError, Transport, parse_sip_uri
from bridge.switch import DialContext, LegIdentity, OriginateCommand, UnsafeValue, build_originate
from tests.support.originate_grammar import ParseError, has_expansion, parse_originate

# Each attribute is its own test (own shrinking, own failure message); 150
# examples apiece keeps the ~25 of them (about 4,000 cases) at a few seconds.
SETTINGS = settings(max_examples=150, deadline=None)
HOSTILE = ",|}]{[&$ \r\n\0'\"\\^:_=<>%;?@/#~\t\x0b\u2028\u00a0"

hostile_text = st.text(st.sampled_from(HOSTILE) | st.sampled_from("aZ09-+."), max_size=24)
# Mostly accepted: exercises the encoding of quotes, commas, spaces, '&', '='.
tricky_text = st.text(
    st.sampled_from(string.ascii_letters + string.digits + " ',&=+-._:!?()/@%#~é中"),
    min_size=1,
    max_size=24,
)
any_text = st.text(max_size=24)  # every code point, control characters and surrogates too
texts = st.one_of(any_text, hostile_text, tricky_text)
# Parser input: hostile characters percent-encoded so that they survive decoding.
encoded_texts = texts.map(lambda t: quote(t, safe=""))

NAME_CHARS = string.ascii_letters + string.digits + "_.-"
BASE_URI = "sip:alice@example.com:5061;transport=tcp?h1=v1"
ACCOUNT = "AC" + "b" * 32
LEG = LegIdentity(call_sid="CA" + "c" * 32, uuid="0a0b0c0d-0000-4000-8000-00000000000e")
CTX = DialContext(account_sid=ACCOUNT, caller_id_number="+15550001111")


def _intended(dial: Dial, sip: Sip, leg: LegIdentity, ctx: DialContext) -> list[tuple[str, str]]:
    """The variables a reader of the spec expects, written out independently."""
    caller_name = dial.caller_name if dial.caller_name is not None else ctx.caller_id_name
    out = [
        ("origination_uuid", leg.uuid),
        ("cxml_leg", leg.call_sid),
        ("origination_caller_id_number", dial.caller_id or ctx.caller_id_number),
    ]
    if caller_name is not None:
        out.append(("origination_caller_id_name", caller_name))
    out += [
        ("sip_h_X-SignalWire-CallSid", leg.call_sid),
        ("sip_h_X-SignalWire-AccountSid", ctx.account_sid),
        ("sip_h_X-SignalWire-ApiVersion", ctx.api_version),
    ]
    out += [(f"sip_h_{h.name}", h.value) for h in sip.uri.headers]
    if sip.username is not None:
        out.append(("sip_auth_username", sip.username))
    if sip.password is not None:
        out.append(("sip_auth_password", sip.password))
    names = {Codec.OPUS: "opus"}
    if sip.codecs:
        codecs = ":".join(names.get(c, c.value) for c in sip.codecs)
        out.append(("absolute_codec_string", "^^:" + codecs))
    out.append(("sofia_session_timeout", str(sip.session_timeout or SESSION_TIMEOUT_DEFAULT)))
    out.append(("originate_timeout", str(dial.timeout)))
    out.append(("ignore_early_media", "true"))
    return out


def _intended_endpoint(uri: SipUri, profile: str) -> str:
    host = f"[{uri.host}]" if ":" in uri.host else uri.host
    user = f"{uri.user}@" if uri.user is not None else ""
    port = f":{uri.port}" if uri.port is not None else ""
    return f"sofia/{profile}/{uri.scheme}:{user}{host}{port};transport={uri.transport.value}"


def _check(dial: Dial, leg: LegIdentity = LEG, ctx: DialContext = CTX) -> OriginateCommand | None:
    """Build; a refusal is fine, anything built must read back exactly as intended."""
    sip = dial.sips[0]
    try:
        command = build_originate(dial, sip, leg, ctx)
    except (UnsafeValue, SipUriError):
        return None
    for bad in ("\r", "\n", "\0"):
        assert bad not in command.text
    try:
        parsed = parse_originate(command.text)
    except ParseError as err:  # pragma: no cover - the failure message is the point
        pytest.fail(f"FreeSWITCH would not parse {command.text!r}: {err}")
    assert not parsed.enterprise, command.text
    assert parsed.application == "&park()", command.text
    assert parsed.extra_arguments == (), command.text
    assert parsed.ultra_global_variables == (), command.text
    assert len(parsed.legs) == 1, command.text
    assert not parsed.legs[0].per_leg_variables, command.text
    assert parsed.legs[0].endpoint == command.endpoint == _intended_endpoint(sip.uri, ctx.profile)
    intended = _intended(dial, sip, leg, ctx)
    assert list(parsed.variables) == intended == list(command.variables), command.text
    for name, value in parsed.variables:
        assert "$" not in value and not has_expansion(value), (name, value)
    return command


def _dial_with(
    uri: SipUri | str = BASE_URI, dial: dict[str, object] | None = None, **sip: object
) -> Dial:
    parsed = parse_sip_uri(uri) if isinstance(uri, str) else uri
    noun = Sip(uri=parsed, line=3, **sip)  # type: ignore[arg-type]
    return Dial(line=2, nouns=(noun,), **(dial or {}))  # type: ignore[arg-type]


# --- every attribute, one at a time -------------------------------------------

DOCUMENT_ATTRIBUTES: dict[str, Callable[[str], Dial]] = {
    "callerId": lambda v: _dial_with(dial={"caller_id": v}),
    "callerName": lambda v: _dial_with(dial={"caller_name": v}),
    "username": lambda v: _dial_with(username=v),
    "password": lambda v: _dial_with(password=v),
}


@pytest.mark.parametrize("attribute", sorted(DOCUMENT_ATTRIBUTES))
@SETTINGS
@given(value=texts)
def test_document_attributes(attribute: str, value: str) -> None:
    _check(DOCUMENT_ATTRIBUTES[attribute](value))


CONTEXT_FIELDS = ("account_sid", "api_version", "caller_id_number", "caller_id_name", "profile")


@pytest.mark.parametrize("field", CONTEXT_FIELDS)
@SETTINGS
@given(value=texts)
def test_context_fields(field: str, value: str) -> None:
    _check(_dial_with(), ctx=replace(CTX, **{field: value}))


@pytest.mark.parametrize("field", ["call_sid", "uuid"])
@SETTINGS
@given(value=texts)
def test_leg_identity(field: str, value: str) -> None:
    _check(_dial_with(), leg=replace(LEG, **{field: value}))


# URI text as a document would hold it, one part replaced. Raw text tests the
# parser's refusals; percent-encoded text gets hostile values past decoding.
URI_PARTS: dict[str, Callable[[str], str]] = {
    "user": lambda v: f"sip:{v}@example.com:5061;transport=tcp?h1=v1",
    "host": lambda v: f"sip:alice@{v}:5061;transport=tcp?h1=v1",
    "port": lambda v: f"sip:alice@example.com:{v};transport=tcp?h1=v1",
    "transport": lambda v: f"sip:alice@example.com:5061;transport={v}?h1=v1",
    "header name": lambda v: f"sip:alice@example.com:5061;transport=tcp?{v}=v1",
    "header value": lambda v: f"sip:alice@example.com:5061;transport=tcp?h1={v}",
    "second header": lambda v: f"sip:alice@example.com?h1=v1&{v}",
}


@pytest.mark.parametrize("part", sorted(URI_PARTS))
@SETTINGS
@given(value=texts, encoded=encoded_texts, use_encoded=st.booleans())
def test_uri_parts_through_the_parser(
    part: str, value: str, encoded: str, use_encoded: bool
) -> None:
    text = URI_PARTS[part](encoded if use_encoded else value)
    try:
        dial = _dial_with(text)
    except SipUriError:
        return
    _check(dial)


# A SipUri built by hand: the switch layer must not rely on the parser.
HAND_BUILT: dict[str, Callable[[str], SipUri]] = {
    "user": lambda v: replace(parse_sip_uri(BASE_URI), user=v),
    "host": lambda v: replace(parse_sip_uri(BASE_URI), host=v),
    "scheme": lambda v: replace(parse_sip_uri(BASE_URI), scheme=v),
    "header name": lambda v: replace(parse_sip_uri(BASE_URI), headers=(SipHeader(v, "x"),)),
    "header value": lambda v: replace(parse_sip_uri(BASE_URI), headers=(SipHeader("X-h", v),)),
}


@pytest.mark.parametrize("part", sorted(HAND_BUILT))
@SETTINGS
@given(value=texts)
def test_hand_built_uri_parts(part: str, value: str) -> None:
    _check(_dial_with(HAND_BUILT[part](value)))


@SETTINGS
@given(port=st.integers(-(2**70), 2**70) | st.sampled_from([0, 1, 5060, 65535, 65536]))
def test_hand_built_port(port: int) -> None:
    _check(_dial_with(replace(parse_sip_uri(BASE_URI), port=port)))


@SETTINGS
@given(
    timeout=st.integers(-10, 1000),
    session_timeout=st.integers(-10, 10**6),
    codecs=st.lists(st.sampled_from(Codec), max_size=6),
    transport=st.sampled_from(Transport),
)
def test_numbers_and_closed_sets(
    timeout: int, session_timeout: int, codecs: list[Codec], transport: Transport
) -> None:
    uri = replace(parse_sip_uri(BASE_URI), transport=transport)
    command = _check(
        _dial_with(uri, {"timeout": timeout}, session_timeout=session_timeout, codecs=tuple(codecs))
    )
    if command is None:
        assert not 5 <= timeout <= 600 or session_timeout < 0


# --- everything at once, with text that is mostly accepted --------------------


@settings(max_examples=300, deadline=None)
@given(
    caller_id=st.text(string.ascii_letters + string.digits + "+-_.,", min_size=1, max_size=20),
    caller_name=tricky_text,
    username=tricky_text,
    password=tricky_text,
    headers=st.lists(
        st.tuples(st.text(NAME_CHARS, min_size=1, max_size=8), tricky_text), max_size=3
    ),
    profile=st.text(NAME_CHARS, min_size=1, max_size=12),
)
def test_all_attributes_together(
    caller_id: str,
    caller_name: str,
    username: str,
    password: str,
    headers: list[tuple[str, str]],
    profile: str,
) -> None:
    query = "&".join(f"{name}={quote(value, safe='')}" for name, value in headers)
    try:
        uri = parse_sip_uri("sip:+1555@example.com" + (f"?{query}" if query else ""))
    except SipUriError:
        return
    dial = _dial_with(
        uri,
        {"caller_id": caller_id, "caller_name": caller_name},
        username=username,
        password=password,
    )
    _check(dial, ctx=replace(CTX, profile=profile))


def test_the_accepting_branch_is_exercised() -> None:
    """Guard against a property that passes because everything is refused."""
    accepted = _check(_dial_with(dial={"caller_name": "O'Brien, Pat & co = 1:2"}, password="a'b,c"))
    assert accepted is not None
