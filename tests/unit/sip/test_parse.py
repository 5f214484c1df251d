"""Table-driven tests of the SIP URI grammar: what parses, into what, and what is refused."""

from __future__ import annotations

import pytest

from bridge.sip import (
    SipHeader,
    SipUri,
    SipUriError,
    Transport,
    format_sip_uri,
    parse_sip_uri,
)


def uri(
    host: str,
    user: str | None = None,
    *,
    scheme: str = "sip",
    port: int | None = None,
    transport: Transport = Transport.TLS,
    headers: tuple[tuple[str, str], ...] = (),
) -> SipUri:
    return SipUri(
        scheme=scheme,
        user=user,
        host=host,
        port=port,
        transport=transport,
        headers=tuple(SipHeader(n, v) for n, v in headers),
    )


GOOD = [
    ("sip:alice@example.com", uri("example.com", "alice")),
    ("SIP:alice@example.com", uri("example.com", "alice")),
    ("sips:alice@example.com", uri("example.com", "alice", scheme="sips")),
    ("sip:example.com", uri("example.com")),
    ("sip:alice@Example.COM", uri("example.com", "alice")),
    ("sip:+14155551234@10.0.0.1", uri("10.0.0.1", "+14155551234")),
    ("sip:%2B1415@h.example", uri("h.example", "+1415")),
    ("sip:a.b-c_d!e~f*g@host", uri("host", "a.b-c_d!e~f*g")),
    ("sip:bob@127.0.0.1:5060", uri("127.0.0.1", "bob", port=5060)),
    ("sip:bob@0.0.0.0", uri("0.0.0.0", "bob")),
    ("sip:bob@255.255.255.255:65535", uri("255.255.255.255", "bob", port=65535)),
    ("sip:bob@[::1]", uri("::1", "bob")),
    ("sip:bob@[2001:DB8:0:0::1]:5061", uri("2001:db8::1", "bob", port=5061)),
    ("sip:bob@a-b.c-d.example", uri("a-b.c-d.example", "bob")),
    ("sip:bob@" + "a" * 63 + ".com", uri("a" * 63 + ".com", "bob")),
    ("sip:alice@example.com;transport=udp", uri("example.com", "alice", transport=Transport.UDP)),
    ("sip:alice@example.com;transport=TCP", uri("example.com", "alice", transport=Transport.TCP)),
    ("sip:alice@example.com;Transport=tls", uri("example.com", "alice")),
    ("sips:alice@example.com;transport=tls", uri("example.com", "alice", scheme="sips")),
    (
        "sip:charlie@example.com?customheader=foo&othercustomheader=bar",
        uri(
            "example.com",
            "charlie",
            headers=(("X-customheader", "foo"), ("X-othercustomheader", "bar")),
        ),
    ),
    ("sip:a@h?x-Foo=1", uri("h", "a", headers=(("X-Foo", "1"),))),
    ("sip:a@h?X-Foo=1", uri("h", "a", headers=(("X-Foo", "1"),))),
    ("sip:a@h?User-to-User=56a390", uri("h", "a", headers=(("X-User-to-User", "56a390"),))),
    (
        "sip:+14158675309@your.domain?X-customName=Bob%2CShield%2BTitle%2DManager&X-otherHeader=true",
        uri(
            "your.domain",
            "+14158675309",
            headers=(("X-customName", "Bob,Shield+Title-Manager"), ("X-otherHeader", "true")),
        ),
    ),
    ("sip:a@h?X-v=a%20b%C3%A9", uri("h", "a", headers=(("X-v", "a bé"),))),
    ("sip:a@h?X-v=[x]/y?z:1+$", uri("h", "a", headers=(("X-v", "[x]/y?z:1+$"),))),
    ("sip:a@h?X-a%2Db=1", uri("h", "a", headers=(("X-a-b", "1"),))),
    (
        "sip:a@h:5080;transport=udp?X-a=1",
        uri("h", "a", port=5080, transport=Transport.UDP, headers=(("X-a", "1"),)),
    ),
]


@pytest.mark.parametrize(("text", "expected"), GOOD, ids=[t for t, _ in GOOD])
def test_good_uris_parse_into_the_model(text: str, expected: SipUri) -> None:
    assert parse_sip_uri(text) == expected


@pytest.mark.parametrize(("text", "expected"), GOOD, ids=[t for t, _ in GOOD])
def test_good_uris_round_trip(text: str, expected: SipUri) -> None:
    assert parse_sip_uri(format_sip_uri(expected, with_headers=True)) == expected


BAD = [
    # (text, part, words the message must contain)
    ("alice@example.com", "scheme", "'sip:' or 'sips:'"),
    ("tel:+14155551234", "scheme", "'tel'"),
    ("http://example.com", "scheme", "'http'"),
    ("sip:", "host", "missing"),
    ("sip:@example.com", "user", "empty"),
    ("sip:alice:secret@example.com", "user", "password"),
    ("sip:al ice@example.com", "user", "' '"),
    ("sip:a,b@example.com", "user", "','"),
    ("sip:a&b@example.com", "user", "'&'"),
    ("sip:a$b@example.com", "user", "'$'"),
    ("sip:o'neil@example.com", "user", '"\'"'),
    ("sip:a(b)@example.com", "user", "'('"),
    ("sip:a=b@example.com", "user", "'='"),
    ("sip:a/b@example.com", "user", "'/'"),
    ("sip:a%@example.com", "user", "two hex digits"),
    ("sip:a%4@example.com", "user", "two hex digits"),
    ("sip:a%zz@example.com", "user", "two hex digits"),
    ("sip:a%20b@example.com", "user", "' '"),
    ("sip:a%25b@example.com", "user", "'%'"),
    ("sip:a%2Cb@example.com", "user", "','"),
    ("sip:a%00@example.com", "user", "'\\x00'"),
    ("sip:a%0D%0A@example.com", "user", "'\\r'"),
    ("sip:a@b@example.com", "user", "'@'"),
    ("sip:ä@example.com", "user", "'ä'"),
    ("sip:a@", "host", "missing"),
    ("sip:a@-example.com", "host", "'-example'"),
    ("sip:a@example-.com", "host", "'example-'"),
    ("sip:a@exa_mple.com", "host", "'exa_mple'"),
    ("sip:a@example..com", "host", "empty label"),
    ("sip:a@example.com.", "host", "empty label"),
    ("sip:a@" + "a" * 64 + ".com", "host", "over 63"),
    # A 254-character host cannot fit in 255 characters of URI: the length rule fires.
    ("sip:a@" + ".".join(["abcdefgh"] * 28) + ".abc", "length", "at most 255"),
    ("sip:a@1.2.3.256", "host", "0..255"),
    ("sip:a@01.2.3.4", "host", "IPv4"),
    ("sip:a@1.2.3", "host", "neither"),
    ("sip:a@1.2.3.4.5", "host", "neither"),
    ("sip:a@exämple.com", "host", "letters, digits"),
    ("sip:a@[::1", "host", "closing"),
    ("sip:a@[::g]", "host", "not an IPv6"),
    ("sip:a@[1.2.3.4]", "host", "not an IPv6"),
    ("sip:a@[fe80::1%25eth0]", "host", "zone"),
    ("sip:a@[::1]x", "host", "after the IPv6"),
    ("sip:a@h:", "port", "1..65535"),
    ("sip:a@h:0", "port", "1..65535"),
    ("sip:a@h:65536", "port", "1..65535"),
    ("sip:a@h:05060", "port", "leading zeros"),
    ("sip:a@h:50a", "port", "'50a'"),
    ("sip:a@h:-1", "port", "'-1'"),
    ("sip:a@h;", "parameter", "(empty)"),
    ("sip:a@h;user=phone", "parameter", "'user'"),
    ("sip:a@h;lr", "parameter", "'lr'"),
    ("sip:a@h;transport=udp;maddr=1.2.3.4", "parameter", "'maddr'"),
    ("sip:a@h;transport", "transport", "udp, tcp, tls"),
    ("sip:a@h;transport=", "transport", "udp, tcp, tls"),
    ("sip:a@h;transport=sctp", "transport", "'sctp'"),
    ("sip:a@h;transport=ws", "transport", "'ws'"),
    ("sip:a@h;transport=udp;transport=tcp", "transport", "twice"),
    ("sips:a@h;transport=udp", "transport", "sips: needs tls"),
    ("sips:a@h;transport=tcp", "transport", "sips: needs tls"),
    ("sip:a@h?", "headers", "empty"),
    ("sip:a@h?a=1&", "headers", "empty"),
    ("sip:a@h?a=1&&b=2", "headers", "empty"),
    ("sip:a@h?=1", "header name", "missing"),
    ("sip:a@h?X-=1", "header name", "after it"),
    ("sip:a@h?foo", "header value", "no '=value'"),
    ("sip:a@h?foo=", "header value", "empty value"),
    ("sip:a@h?fo o=1", "header name", "' '"),
    ("sip:a@h?fo:o=1", "header name", "':'"),
    ("sip:a@h?fo%3Ao=1", "header name", "':'"),
    ("sip:a@h?fo%0Ao=1", "header name", "'\\n'"),
    ("sip:a@h?a=1&A=2", "header name", "twice"),
    ("sip:a@h?a=1&x-a=2", "header name", "twice"),
    ("sip:a@h?X-SignalWire-CallSid=CA1", "header name", "reserved"),
    ("sip:a@h?x-signalwire-accountsid=AC1", "header name", "reserved"),
    ("sip:a@h?a=b c", "header value", "' '"),
    ("sip:a@h?a=b,c", "header value", "','"),
    ("sip:a@h?a=b=c", "header value", "'='"),
    ("sip:a@h?a=b%0D%0AVia:x", "header value", "'\\r'"),
    ("sip:a@h?a=b%00", "header value", "'\\x00'"),
    ("sip:a@h?a=b%09", "header value", "'\\t'"),
    ("sip:a@h?a=b%7F", "header value", "'\\x7f'"),
    ("sip:a@h?a=%E2%80%A8", "header value", "'\\u2028'"),
    ("sip:a@h?a=%FF", "header value", "UTF-8"),
    ("sip:a@h?a=%G1", "header value", "two hex digits"),
    ("sip:" + "a" * 250 + "@h.com", "length", "at most 255"),
    ("sip:a@h?X-a=" + "b" * 1030, "length", "at most 1024"),
    (" sip:a@h", "scheme", "' sip'"),
    ("sip:a@h ", "host", "'h '"),
    ("sip:a@h\r\n", "host", "'h\\r\\n'"),
]


@pytest.mark.parametrize(("text", "part", "words"), BAD, ids=[t[:60] for t, _, _ in BAD])
def test_bad_uris_name_the_wrong_part(text: str, part: str, words: str) -> None:
    with pytest.raises(SipUriError) as caught:
        parse_sip_uri(text)
    assert caught.value.part == part
    assert str(caught.value).startswith(f"bad SIP URI {part}: ")
    assert words in str(caught.value)


def test_error_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="bad SIP URI scheme"):
        parse_sip_uri("mailto:x@y")


def test_limits_are_exact() -> None:
    user = "a" * (255 - len("sip:@h.com"))
    assert parse_sip_uri(f"sip:{user}@h.com").user == user
    value = "b" * (1024 - len("X-a="))
    assert parse_sip_uri(f"sip:a@h?X-a={value}").headers == (SipHeader("X-a", value),)
    with pytest.raises(SipUriError, match="256 characters"):
        parse_sip_uri(f"sip:{user}a@h.com")


FORMATTED = [
    ("sip:alice@example.com", "sip:alice@example.com;transport=tls"),
    ("SIPS:alice@EXAMPLE.com", "sips:alice@example.com;transport=tls"),
    ("sip:%2b1555@10.0.0.1:5060;transport=UDP", "sip:+1555@10.0.0.1:5060;transport=udp"),
    ("sip:bob@[2001:db8:0::1]:5061;transport=tcp", "sip:bob@[2001:db8::1]:5061;transport=tcp"),
    ("sip:example.com?X-a=1", "sip:example.com;transport=tls"),
]


@pytest.mark.parametrize(("text", "expected"), FORMATTED)
def test_format_gives_the_dial_string_form(text: str, expected: str) -> None:
    assert format_sip_uri(parse_sip_uri(text)) == expected


def test_format_with_headers_re_encodes_values() -> None:
    parsed = parse_sip_uri("sip:a@h?foo=a%20b%2C%26c%C3%A9&X-bar=x/y")
    assert format_sip_uri(parsed, with_headers=True) == (
        "sip:a@h;transport=tls?X-foo=a%20b%2C%26c%C3%A9&X-bar=x%2Fy"
    )


HAND_BUILT_BAD = [
    (uri("example.com", "a,b"), "user"),
    (uri("example.com", "a%b"), "user"),
    (uri("example.com", "a b"), "user"),
    (uri("example.com", ""), "user"),
    (uri("evil.com,sofia/x/sip:b@c"), "host"),
    (uri("evil.com;transport=udp"), "host"),
    (uri("Example.com"), "host"),
    (uri("0:0::1"), "host"),
    (uri("h", scheme="SIP"), "scheme"),
    (uri("h", scheme="tel"), "scheme"),
    (uri("h", port=0), "port"),
    (uri("h", scheme="sips", transport=Transport.UDP), "transport"),
    (uri("h", headers=(("Foo", "1"),)), "header name"),
    (uri("h", headers=(("X-a", "1"), ("x-A", "2"))), "header name"),
    (uri("h", headers=(("X-SignalWire-CallSid", "CA1"),)), "header name"),
    (uri("h", headers=(("X-a", ""),)), "header value"),
    (uri("h", headers=(("X-a", "\r\n"),)), "header value"),
    (uri("h", headers=(("X-a b", "1"),)), "header name"),
]


@pytest.mark.parametrize(("bad", "part"), HAND_BUILT_BAD)
def test_format_refuses_hand_built_uris_outside_the_grammar(bad: SipUri, part: str) -> None:
    with pytest.raises(SipUriError) as caught:
        format_sip_uri(bad, with_headers=True)
    assert caught.value.part == part
