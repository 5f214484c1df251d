"""Parsing `originate` arguments the way FreeSWITCH tokenizes them."""

from __future__ import annotations

import pytest

from tests.fakeswitch.dialstring import (
    OriginateRejected,
    parse_originate,
    parse_target,
    parse_variable_block,
    separate,
)

S1 = (
    "{origination_uuid=11111111-1111-4111-8111-111111111111,origination_caller_id_name=Alice,"
    "sip_h_X-SignalWire-CallSid=CA0001,absolute_codec_string=^^:PCMU:PCMA,"
    "sofia_session_timeout=900,cxml_leg=leg-1}"
    "sofia/external/sip:alice@127.0.0.1:5090;transport=udp &park()"
)


def test_the_trace_s1_originate() -> None:
    request = parse_originate(S1)
    assert request.variables == (
        ("origination_uuid", "11111111-1111-4111-8111-111111111111"),
        ("origination_caller_id_name", "Alice"),
        ("sip_h_X-SignalWire-CallSid", "CA0001"),
        ("absolute_codec_string", "^^:PCMU:PCMA"),
        ("sofia_session_timeout", "900"),
        ("cxml_leg", "leg-1"),
    )
    assert (request.endpoint, request.profile, request.application) == ("sofia", "external", "park")
    assert request.target is not None
    assert request.target.user_at_hostport == "alice@127.0.0.1:5090"
    assert request.target.request_uri == "alice@127.0.0.1:5090;transport=udp"
    assert request.target.transport == "udp"
    assert (request.dialplan, request.context, request.timeout) == ("XML", "default", 60)


def test_a_leading_caret_pair_changes_the_separator() -> None:
    assert parse_variable_block("^^;a=1,2;b=x=y;c") == [("a", "1,2"), ("b", "x=y")]


def test_quotes_and_escapes_keep_separators_inside_values() -> None:
    assert parse_variable_block(r"a=one\,two,b='x,y'") == [("a", "one,two"), ("b", "x,y")]
    assert separate(r"uuid_setvar u name a\sb", " ", 3) == ["uuid_setvar", "u", "name a b"]
    assert separate("a  b   c d", " ", 3) == ["a", "b", "c d"]


def test_per_leg_brackets_and_nested_braces() -> None:
    request = parse_originate("{a={x}}[b=2]sofia/internal/bob@example.com &park()")
    assert request.variables == (("a", "{x}"), ("b", "2"))
    assert request.profile == "internal"
    assert request.target is not None and request.target.hostport == "example.com"


def test_optional_arguments_and_undef() -> None:
    request = parse_originate("sofia/external/1000@h &echo() undef public Bob 2000 7")
    assert (request.application, request.dialplan, request.context) == ("echo", "XML", "public")
    assert (request.cid_name, request.cid_num, request.timeout) == ("Bob", "2000", 7)


@pytest.mark.parametrize(
    ("args", "reply"),
    [
        ("", "-USAGE: "),
        ("sofia/external/a@b", "-USAGE: "),
        ("a b c d e f g h", "-USAGE: "),
        ("{a=b sofia/external/a@b &park()", "-ERR DESTINATION_OUT_OF_ORDER\n"),
        ("{a=b,c=d sofia/external/a@b &park()", "-ERR DESTINATION_OUT_OF_ORDER\n"),
        ("sofia/external &park()", "-ERR DESTINATION_OUT_OF_ORDER\n"),
        ("sofia/external/a@b:port &park()", "-ERR INVALID_URL\n"),
        ("loopback/1000 &park()", "-ERR CHAN_NOT_IMPLEMENTED\n"),
    ],
)
def test_malformed_originates_get_freeswitchs_reply(args: str, reply: str) -> None:
    with pytest.raises(OriginateRejected) as raised:
        parse_originate(args)
    assert raised.value.reply.startswith(reply)


@pytest.mark.parametrize(
    ("uri", "key", "transport"),
    [
        ("sip:alice@127.0.0.1:5090;transport=udp", "alice@127.0.0.1:5090", "udp"),
        ("sip:alice@127.0.0.1:5091;transport=TLS", "alice@127.0.0.1:5091", "tls"),
        ("sips:bob@Example.COM", "bob@example.com", "tls"),
        ("carol@[::1]:5060?X-A=b", "carol@[::1]:5060", "udp"),
        ("example.com", "example.com", "udp"),
    ],
)
def test_dial_targets(uri: str, key: str, transport: str) -> None:
    target = parse_target(uri)
    assert target is not None
    assert (target.user_at_hostport, target.transport) == (key, transport)
