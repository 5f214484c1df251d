"""The SIP URI model. Parsing lives in `bridge.sip.parse`; this module is data only."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Transport(StrEnum):
    UDP = "udp"
    TCP = "tcp"
    TLS = "tls"


@dataclass(frozen=True, slots=True)
class SipHeader:
    """One custom header for the INVITE. `name` always carries the `X-` prefix."""

    name: str
    value: str


@dataclass(frozen=True, slots=True)
class SipUri:
    """A validated `sip:`/`sips:` URI.

    `user` and header values are stored decoded; `host` is a DNS name, an IPv4
    address, or an IPv6 address *without* brackets. `transport` is always set:
    the spec makes TLS the default, and `sips:` forces it.
    """

    scheme: str  # "sip" or "sips"
    user: str | None
    host: str
    port: int | None
    transport: Transport
    headers: tuple[SipHeader, ...] = ()
