"""Properties of the SIP URI parser: rebuilt URIs read back the same, and nothing
else gets through in a form that could reach a dial string."""

from __future__ import annotations

import string
from dataclasses import replace
from ipaddress import IPv4Address, IPv6Address
from urllib.parse import quote

from hypothesis import given, settings
from hypothesis import strategies as st

from bridge.sip import SipUri, SipUriError, format_sip_uri, parse_sip_uri

USER_CHARS = string.ascii_letters + string.digits + "-_.!~*+"
NAME_CHARS = string.ascii_letters + string.digits + "-_."
SETTINGS = settings(max_examples=300, deadline=None)


def _cased(word: str) -> st.SearchStrategy[str]:
    # A bit mask picks which letters are upper-case: cheaper than a list of flips.
    return st.integers(0, 2 ** len(word) - 1).map(
        lambda mask: "".join(c.upper() if mask >> i & 1 else c for i, c in enumerate(word))
    )


def _escape_some(user: str, mask: int) -> str:
    # Bits of `mask`, two per character, choose: raw, %xx or %XX.
    forms = (lambda c: c, lambda c: f"%{ord(c):02x}", lambda c: f"%{ord(c):02X}", lambda c: c)
    return "".join(forms[mask >> 2 * i & 3](c) for i, c in enumerate(user))


users = st.builds(
    _escape_some, st.text(USER_CHARS, min_size=1, max_size=20), st.integers(0, 4**20 - 1)
)
labels = st.text(string.ascii_letters + string.digits + "-", min_size=1, max_size=12).map(
    lambda label: "a" + label.strip("-") + "z"
)
dns_names = st.builds(
    lambda inner, tld: ".".join([*inner, tld]),
    st.lists(labels, max_size=3),
    st.text(string.ascii_letters, min_size=1, max_size=6),
)
ipv4s = st.integers(0, 2**32 - 1).map(lambda n: str(IPv4Address(n)))
ipv6s = st.builds(
    lambda n, exploded: IPv6Address(n).exploded.upper() if exploded else IPv6Address(n).compressed,
    st.integers(0, 2**128 - 1) | st.integers(0, 2**20),
    st.booleans(),
).map(lambda a: f"[{a}]")
hosts = st.one_of(dns_names, ipv4s, ipv6s)
header_names = st.text(NAME_CHARS, min_size=1, max_size=12).filter(
    lambda n: n.lower() != "x-" and not n.lower().startswith(("x-signalwire-", "signalwire-"))
)
header_values = st.text(
    string.ascii_letters + string.digits + string.punctuation + " éß€中😀", min_size=1, max_size=20
)


def _bare_name(name: str) -> str:
    return name[2:].lower() if name.lower().startswith("x-") else name.lower()


@st.composite
def sip_uri_texts(draw: st.DrawFn) -> str:
    secure = draw(st.booleans())
    text = draw(_cased("sips" if secure else "sip")) + ":"
    user = draw(st.none() | users)
    if user is not None:
        text += user + "@"
    text += draw(hosts)
    port = draw(st.none() | st.integers(1, 65535))
    if port is not None:
        text += f":{port}"
    transports = ["tls"] if secure else ["udp", "tcp", "tls"]
    transport = draw(st.none() | st.sampled_from(transports))
    if transport is not None:
        text += ";" + draw(_cased("transport")) + "=" + draw(_cased(transport))
    names = draw(st.lists(header_names, max_size=3, unique_by=_bare_name))
    pairs = [(name, draw(header_values)) for name in names]
    if pairs:
        text += "?" + "&".join(f"{n}={quote(v, safe='')}" for n, v in pairs)
    return text


@SETTINGS
@given(sip_uri_texts())
def test_format_then_parse_gives_the_same_uri(text: str) -> None:
    try:
        parsed = parse_sip_uri(text)
    except SipUriError as error:
        # The only thing the generator does not keep within is the length limit.
        assert error.part == "length"
        return
    assert parse_sip_uri(format_sip_uri(parsed, with_headers=True)) == parsed
    assert parse_sip_uri(format_sip_uri(parsed)) == replace(parsed, headers=())


# What may never appear in the dial-string form (see bridge/sip/parse.py).
DIAL_STRING_FORBIDDEN = set("%^,|&'\"{}$ \t\r\n\0\\<>()`") | {"${", ":_:"}


def _assert_dial_safe(parsed: SipUri) -> None:
    text = format_sip_uri(parsed)
    for bad in DIAL_STRING_FORBIDDEN:
        assert bad not in text
    if ":" not in parsed.host:
        assert "[" not in text and "]" not in text
    assert text.isascii() and text.isprintable()
    assert parse_sip_uri(text) == replace(parsed, headers=())


@SETTINGS
@given(st.text(max_size=300))
def test_arbitrary_text_is_refused_or_dial_safe(text: str) -> None:
    try:
        parsed = parse_sip_uri(text)
    except SipUriError:
        return
    _assert_dial_safe(parsed)


@SETTINGS
@given(sip_uri_texts(), st.integers(0, 400), st.characters(codec="utf-8"))
def test_a_mutated_good_uri_is_refused_or_dial_safe(text: str, at: int, char: str) -> None:
    mutated = text[:at] + char + text[at:]
    try:
        parsed = parse_sip_uri(mutated)
    except SipUriError:
        return
    _assert_dial_safe(parsed)
    for header in parsed.headers:
        assert header.name.startswith("X-") and header.value.isprintable()
