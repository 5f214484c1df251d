"""Strict parsing and rebuilding of the `sip:`/`sips:` URIs found in `<Sip>` nouns.

The grammar is RFC 3261's SIP-URI, narrowed to what a `<Dial><Sip>` needs and to
what can travel safely into a FreeSWITCH dial string:

    sip:[user@]host[:port][;transport=udp|tcp|tls][?name=value&name2=value2]

scheme
    `sip` or `sips`, any case, stored lower-case.
user
    Optional. Letters, digits, ``- _ . ! ~ * +`` (RFC 3261's marks without the
    quote and parentheses, plus ``+`` for E.164 users) and ``%XX`` escapes that
    decode to one of those same characters (``%2B`` is ``+``). Stored decoded and
    rebuilt without escapes. Why so narrow: the rebuilt URI goes into a
    FreeSWITCH dial string after ``sofia/<profile>/``, where mod_sofia reads a
    ``%`` as "look up the registered user%domain" and a ``^`` as a To-URI split,
    and the originate parser gives ``, | & ' { } [ ] $`` and spaces their own
    meanings; so a user that would need an escape on the way out is refused on
    the way in. RFC 3261's other user-unreserved characters (``& = $ , ; ? /``)
    are refused for the same reason (and ``;``/``?`` would end the user anyway).
    A password (``user:password@``) is refused: credentials belong in the
    `username`/`password` attributes.
host
    A DNS name (labels of letters, digits and hyphens, no hyphen at either end
    of a label, 63 per label, 253 in all, no trailing dot, last label not all
    digits), a dotted-quad IPv4 address (0..255, no leading zeros), or an IPv6
    address in brackets (checked with `ipaddress`; zone ids refused). Names are
    stored lower-case, IPv6 addresses in their compressed form without brackets.
port
    Optional, decimal 1..65535 without leading zeros.
URI parameters
    Only `transport` (udp, tcp or tls, any case; the name is case-insensitive too),
    at most once. Any other parameter is refused by name. The transport defaults
    to tls (SignalWire dials TLS unless told otherwise); `sips:` means tls and
    refuses transport=udp/tcp.
headers
    ``?name=value`` pairs joined by ``&``, both percent-decoded. Names are
    stricter than RFC 3261's token: letters, digits, ``-``, ``_`` and ``.``. A name
    without the ``X-`` prefix (any case) gets it; the prefix is stored as ``X-``.
    Raw values may hold RFC 3261's hvalue characters (unreserved, ``[ ] / ? : + $``
    and escapes); decoded values must be valid UTF-8, printable (no CR, LF, NUL
    or other control or separator characters), and not empty. Also refused: an
    empty pair (``&&``, a trailing ``&`` or a bare ``?``), a pair without ``=``, a
    name given twice (case-insensitive: the INVITE variable carries one value),
    and names starting with ``X-SignalWire-``, which the bridge itself sends
    (CallSid, AccountSid, ApiVersion) and a document must not spoof.
limits
    The URI without its headers: 255 characters; the headers (the text after
    ``?``): 1024 characters (Twilio's published limits, which SignalWire mirrors).
    Longer text is refused before any other work.

Whitespace, non-ASCII and control characters are refused everywhere in the raw
text (the cXML layer strips the whitespace around a `<Sip>`'s text first).
Every refusal is a `SipUriError` whose `part` names the part that is wrong.

This module does no I/O.
"""

from __future__ import annotations

import ipaddress
import re
import string
from collections.abc import Callable, Iterable
from dataclasses import replace

from bridge.sip.uri import SipHeader, SipUri, Transport

MAX_URI_CHARS = 255
MAX_HEADERS_CHARS = 1024
MAX_HOSTNAME_CHARS = 253
MAX_LABEL_CHARS = 63

_ALNUM = frozenset(string.ascii_letters + string.digits)
# The user's characters, raw or escaped: the formatter writes them literally, so
# they must all be harmless in a FreeSWITCH dial string (see the docstring).
_USER_CHARS = _ALNUM | frozenset("-_.!~*+")
_HEADER_NAME = _ALNUM | frozenset("-_.")
_HEADER_VALUE_RAW = _ALNUM | frozenset("-_.!~*'()[]/?:+$")
_HEADER_VALUE_LITERAL = _ALNUM | frozenset("-_.!~*")
_HEX = frozenset(string.hexdigits)
_RESERVED_HEADER_PREFIX = "x-signalwire-"

_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\Z")
_PORT = re.compile(r"[1-9][0-9]{0,4}\Z")
_DIGITS = re.compile(r"[0-9]+\Z")
_OCTET = re.compile(r"(?:0|[1-9][0-9]{0,2})\Z")


class SipUriError(ValueError):
    """A SIP URI broke the grammar. `part` names where: scheme, user, host, port,
    transport, parameter, header name, header value, headers or length (and
    "uri" if `format_sip_uri` ever failed to read its own output back)."""

    def __init__(self, part: str, reason: str) -> None:
        self.part = part
        self.reason = reason
        super().__init__(f"bad SIP URI {part}: {reason}")


def parse_sip_uri(text: str) -> SipUri:
    """Parse `text` strictly into a `SipUri`, or raise `SipUriError`."""
    address, sep, raw_headers = text.partition("?")
    if len(address) > MAX_URI_CHARS:
        raise SipUriError(
            "length", f"{len(address)} characters before the headers, at most {MAX_URI_CHARS}"
        )
    if len(raw_headers) > MAX_HEADERS_CHARS:
        raise SipUriError(
            "length", f"headers are {len(raw_headers)} characters, at most {MAX_HEADERS_CHARS}"
        )
    scheme, rest = _split_scheme(address)
    userinfo, at, hostpart = rest.rpartition("@")
    user = _parse_user(userinfo) if at else None
    hostport, semicolon, params = hostpart.partition(";")
    host, port = _parse_hostport(hostport)
    transport = _parse_params(params, scheme) if semicolon else None
    headers = _parse_headers(raw_headers) if sep else ()
    if transport is None:
        transport = Transport.TLS
    return SipUri(
        scheme=scheme, user=user, host=host, port=port, transport=transport, headers=headers
    )


def format_sip_uri(uri: SipUri, *, with_headers: bool = False) -> str:
    """Rebuild `sip:user@host:port;transport=x` (headers too when asked).

    Without headers the text holds no ``%``, ``^``, ``,``, quotes, braces or
    whitespace, so it can follow ``sofia/<profile>/`` in a dial string as is.
    With headers (values percent-encoded) it is for display and logs only: the
    switch layer sends headers as channel variables instead.

    The transport is always written, since FreeSWITCH would otherwise pick UDP
    where the spec means TLS. Every part of `uri` is checked against the same
    grammar as `parse_sip_uri` (in canonical form: lower-case scheme and host,
    compressed IPv6), so a hand-built `SipUri` holding anything else raises
    `SipUriError` here rather than reaching a dial string.
    """
    _check_canonical(uri, with_headers)
    parts = [uri.scheme, ":"]
    if uri.user is not None:
        parts += [uri.user, "@"]
    parts.append(f"[{uri.host}]" if ":" in uri.host else uri.host)
    if uri.port is not None:
        parts.append(f":{uri.port}")
    parts.append(f";transport={uri.transport.value}")
    if with_headers and uri.headers:
        pairs = (f"{h.name}={_escape(h.value, _HEADER_VALUE_LITERAL)}" for h in uri.headers)
        parts += ["?", "&".join(pairs)]
    text = "".join(parts)
    # Belt and braces: what we emit must read back as exactly what we were given.
    expected = uri if with_headers else replace(uri, headers=())
    if parse_sip_uri(text) != expected:
        raise SipUriError("uri", f"{text!r} does not read back as {expected!r}")
    return text


def _check_canonical(uri: SipUri, with_headers: bool) -> None:
    if uri.scheme not in ("sip", "sips"):
        raise SipUriError("scheme", f"{uri.scheme!r} is not 'sip' or 'sips'")
    if uri.user is not None:
        if not uri.user:
            raise SipUriError("user", "empty (use None for no user)")
        for char in uri.user:
            _check_user_char(char)
    canonical = _parse_ipv6(uri.host) if ":" in uri.host else _parse_name_or_ipv4(uri.host)
    if canonical != uri.host:
        raise SipUriError("host", f"{uri.host!r} is not in canonical form {canonical!r}")
    if uri.port is not None and not (
        isinstance(uri.port, int) and not isinstance(uri.port, bool) and 1 <= uri.port <= 65535
    ):
        raise SipUriError("port", f"{uri.port!r} is not a number 1..65535")
    if not isinstance(uri.transport, Transport):
        raise SipUriError("transport", f"{uri.transport!r} is not a Transport")
    if uri.scheme == "sips" and uri.transport is not Transport.TLS:
        raise SipUriError("transport", f"sips: needs tls, not {uri.transport.value}")
    if with_headers:
        seen: set[str] = set()
        for header in uri.headers:
            if not header.name.startswith("X-"):
                raise SipUriError("header name", f"{header.name!r} lacks the 'X-' prefix")
            for char in header.name:
                _check_header_name_char(char)
            _check_header(header.name, header.value, seen)


# --- parts ------------------------------------------------------------------


def _split_scheme(address: str) -> tuple[str, str]:
    scheme, colon, rest = address.partition(":")
    lowered = scheme.lower()
    if not colon or lowered not in ("sip", "sips"):
        shown = scheme if colon else address[:10]
        raise SipUriError("scheme", f"must start with 'sip:' or 'sips:', not {shown!r}")
    return lowered, rest


def _parse_user(userinfo: str) -> str:
    if not userinfo:
        raise SipUriError("user", "empty before '@' (leave out the '@' for no user)")
    if ":" in userinfo:
        raise SipUriError(
            "user", "a password in the URI is not accepted; use the username/password attributes"
        )
    return _unescape(userinfo, "user", _USER_CHARS, _check_user_char)


def _check_user_char(char: str) -> None:
    if char not in _USER_CHARS:
        raise SipUriError(
            "user", f"escape decodes to {char!r}; users are letters, digits and - _ . ! ~ * +"
        )


def _parse_hostport(hostport: str) -> tuple[str, int | None]:
    if hostport.startswith("["):
        close = hostport.find("]")
        if close < 0:
            raise SipUriError("host", "IPv6 address has no closing ']'")
        host = _parse_ipv6(hostport[1:close])
        after = hostport[close + 1 :]
        if after and not after.startswith(":"):
            raise SipUriError("host", f"unexpected {after[:10]!r} after the IPv6 address")
        raw_port = after[1:] if after else None
    else:
        name, colon, port_text = hostport.partition(":")
        host = _parse_name_or_ipv4(name)
        raw_port = port_text if colon else None
    return host, None if raw_port is None else _parse_port(raw_port)


def _parse_ipv6(text: str) -> str:
    if not text.isascii() or "%" in text:
        raise SipUriError("host", "IPv6 zone ids are not accepted")
    try:
        return str(ipaddress.IPv6Address(text))
    except ValueError:
        raise SipUriError("host", f"{text!r} is not an IPv6 address") from None


def _parse_name_or_ipv4(text: str) -> str:
    if not text:
        raise SipUriError("host", "missing")
    if len(text) > MAX_HOSTNAME_CHARS:
        raise SipUriError("host", f"{len(text)} characters, at most {MAX_HOSTNAME_CHARS}")
    labels = text.lower().split(".")
    if len(labels) == 4 and all(_DIGITS.match(label) for label in labels):
        for label in labels:
            if not _OCTET.match(label) or int(label) > 255:
                raise SipUriError("host", f"{text!r} is not an IPv4 address (octets 0..255)")
        return text
    for label in labels:
        if not label:
            raise SipUriError("host", f"{text!r} has an empty label")
        if len(label) > MAX_LABEL_CHARS:
            raise SipUriError("host", f"label {label[:20]!r}... is over {MAX_LABEL_CHARS} chars")
        if not _LABEL.match(label):
            raise SipUriError(
                "host",
                f"label {label!r}: letters, digits and inner hyphens only",
            )
    if _DIGITS.match(labels[-1]):
        raise SipUriError("host", f"{text!r} is neither an IPv4 address nor a DNS name")
    return ".".join(labels)


def _parse_port(text: str) -> int:
    if not _PORT.match(text) or int(text) > 65535:
        raise SipUriError("port", f"{text[:10]!r} is not a number 1..65535 (no leading zeros)")
    return int(text)


def _parse_params(params: str, scheme: str) -> Transport:
    transport: Transport | None = None
    for param in params.split(";"):
        name, eq, value = param.partition("=")
        if name.lower() != "transport":
            shown = name[:20] if name else "(empty)"
            raise SipUriError("parameter", f"{shown!r} is not accepted; only 'transport' is")
        if transport is not None:
            raise SipUriError("transport", "given twice")
        try:
            transport = Transport(value.lower()) if eq else None
        except ValueError:
            transport = None
        if transport is None:
            raise SipUriError("transport", f"{value[:10]!r} is not one of udp, tcp, tls")
        if scheme == "sips" and transport is not Transport.TLS:
            raise SipUriError("transport", f"sips: needs tls, not {transport.value}")
    assert transport is not None  # params is non-empty, so the loop ran once
    return transport


def _parse_headers(raw: str) -> tuple[SipHeader, ...]:
    headers: list[SipHeader] = []
    seen: set[str] = set()
    for pair in raw.split("&"):
        if not pair:
            raise SipUriError("headers", "empty name=value pair ('?' or '&' with nothing after)")
        raw_name, eq, raw_value = pair.partition("=")
        name = _unescape(raw_name, "header name", _HEADER_NAME, _check_header_name_char)
        if not name:
            raise SipUriError("header name", f"missing in {pair[:20]!r}")
        if not eq:
            raise SipUriError("header value", f"header {name!r} has no '=value'")
        name = "X-" + (name[2:] if name[:2].lower() == "x-" else name)
        value = _unescape(raw_value, "header value", _HEADER_VALUE_RAW, None)
        _check_header(name, value, seen)
        headers.append(SipHeader(name=name, value=value))
    return tuple(headers)


def _check_header(name: str, value: str, seen: set[str]) -> None:
    """Rules on a decoded, prefixed header; `seen` collects lower-case names."""
    if len(name) == 2:
        raise SipUriError("header name", "'X-' needs a name after it")
    if name.lower().startswith(_RESERVED_HEADER_PREFIX):
        raise SipUriError("header name", f"{name!r} is reserved for the bridge's own headers")
    if name.lower() in seen:
        raise SipUriError("header name", f"{name!r} is given twice")
    seen.add(name.lower())
    if not value:
        raise SipUriError("header value", f"header {name!r} has an empty value")
    if not value.isprintable():
        bad = next(c for c in value if not c.isprintable())
        raise SipUriError("header value", f"header {name!r} holds {bad!r}")


def _check_header_name_char(char: str) -> None:
    if char not in _HEADER_NAME:
        raise SipUriError(
            "header name", f"escape decodes to {char!r}; names are letters, digits, '-', '_', '.'"
        )


# --- escapes ----------------------------------------------------------------


def _unescape(
    raw: str,
    part: str,
    allowed: frozenset[str],
    check_decoded: Callable[[str], None] | None,
) -> str:
    """Decode %XX escapes (as UTF-8), refusing raw characters outside `allowed`."""
    out = bytearray()
    i = 0
    while i < len(raw):
        char = raw[i]
        if char == "%":
            digits = raw[i + 1 : i + 3]
            if len(digits) != 2 or not set(digits) <= _HEX:
                raise SipUriError(part, f"'%' must be followed by two hex digits, not {digits!r}")
            out.append(int(digits, 16))
            i += 3
            continue
        if char not in allowed:
            raise SipUriError(part, f"character {char!r} is not allowed here; percent-encode it")
        out.append(ord(char))
        i += 1
    try:
        decoded = out.decode("utf-8")
    except UnicodeDecodeError:
        raise SipUriError(part, "escapes do not decode as UTF-8") from None
    if check_decoded is not None:
        for char in decoded:
            check_decoded(char)
    return decoded


def _escape(text: str, literal: Iterable[str]) -> str:
    keep = frozenset(literal)
    out: list[str] = []
    for char in text:
        if char in keep:
            out.append(char)
        else:
            out.extend(f"%{byte:02X}" for byte in char.encode("utf-8"))
    return "".join(out)
