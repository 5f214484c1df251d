"""Exact originate text for the seed examples, and the rules around each variable."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from bridge.cxml.models import Codec, Conference, Dial, Number, Sip
from bridge.sip import SipHeader, parse_sip_uri
from bridge.switch import (
    CORRELATION_VARIABLE,
    DialContext,
    LegIdentity,
    UnsafeValue,
    build_dial_originates,
    build_originate,
    check_context,
    originate_refusals,
)
from tests.support.originate_grammar import parse_originate

TRACES = Path("/work/shared/freeswitch-traces")
ACCOUNT = "AC" + "a" * 32
LEG = LegIdentity(call_sid="CA" + "0" * 31 + "1", uuid="00000000-0000-4000-8000-000000000001")
CTX = DialContext(account_sid=ACCOUNT, caller_id_number="+15550001111")
IDENTITY_VARS = (
    "origination_uuid=00000000-0000-4000-8000-000000000001,"
    "cxml_leg=CA00000000000000000000000000000001,"
)
SIGNALWIRE_VARS = (
    "sip_h_X-SignalWire-CallSid=CA00000000000000000000000000000001,"
    f"sip_h_X-SignalWire-AccountSid={ACCOUNT},"
    "sip_h_X-SignalWire-ApiVersion=2010-04-01,"
)
DEFAULT_TAIL = (
    "absolute_codec_string=^^:PCMU:PCMA,sofia_session_timeout=600,"
    "originate_timeout=30,ignore_early_media=true"
)


def _dial(uri: str, dial_attrs: dict[str, object] | None = None, **sip_attrs: object) -> Dial:
    sip = Sip(uri=parse_sip_uri(uri), line=3, **sip_attrs)  # type: ignore[arg-type]
    return Dial(line=2, nouns=(sip,), **(dial_attrs or {}))  # type: ignore[arg-type]


def _text(dial: Dial, ctx: DialContext = CTX) -> str:
    return build_originate(dial, dial.sips[0], LEG, ctx).text


def test_seed_dialing_a_sip_endpoint() -> None:
    assert _text(_dial("sip:alice@example.com")) == (
        "originate {"
        + IDENTITY_VARS
        + "origination_caller_id_number=+15550001111,"
        + SIGNALWIRE_VARS
        + DEFAULT_TAIL
        + "}sofia/external/sip:alice@example.com;transport=tls &park()"
    )


def test_seed_with_authentication() -> None:
    text = _text(_dial("sip:bob@example.com", username="admin", password="1234"))
    assert text == (
        "originate {"
        + IDENTITY_VARS
        + "origination_caller_id_number=+15550001111,"
        + SIGNALWIRE_VARS
        + "sip_auth_username=admin,sip_auth_password=1234,"
        + DEFAULT_TAIL
        + "}sofia/external/sip:bob@example.com;transport=tls &park()"
    )


def test_seed_passing_custom_headers() -> None:
    text = _text(_dial("sip:charlie@example.com?customheader=foo&othercustomheader=bar"))
    assert text == (
        "originate {"
        + IDENTITY_VARS
        + "origination_caller_id_number=+15550001111,"
        + SIGNALWIRE_VARS
        + "sip_h_X-customheader=foo,sip_h_X-othercustomheader=bar,"
        + DEFAULT_TAIL
        + "}sofia/external/sip:charlie@example.com;transport=tls &park()"
    )


def test_seed_with_dial_attributes() -> None:
    dial = _dial(
        "sip:dan@example.com?customheader=foo",
        {"caller_id": "alice", "action": "https://www.example.com/after_dial"},
        url="https://www.example.com/whisper_audio",
        status_callback="https://www.example.com/dial_events",
    )
    assert _text(dial) == (
        "originate {"
        + IDENTITY_VARS
        + "origination_caller_id_number=alice,"
        + SIGNALWIRE_VARS
        + "sip_h_X-customheader=foo,"
        + DEFAULT_TAIL
        + "}sofia/external/sip:dan@example.com;transport=tls &park()"
    )


def test_transport_port_and_profile_come_through() -> None:
    ctx = replace(CTX, profile="tls_out")
    text = _text(_dial("sip:alice@127.0.0.1:5090;transport=udp"), ctx)
    assert text.endswith("}sofia/tls_out/sip:alice@127.0.0.1:5090;transport=udp &park()")
    ipv6 = _text(_dial("sips:alice@[2001:db8::1]:5061"))
    assert ipv6.endswith("}sofia/external/sips:alice@[2001:db8::1]:5061;transport=tls &park()")


def test_codecs_in_the_given_order_with_opus_lower_case() -> None:
    dial = _dial("sip:a@example.com", codecs=(Codec.OPUS, Codec.G722, Codec.PCMA, Codec.G729))
    assert "absolute_codec_string=^^:opus:G722:PCMA:G729," in _text(dial)
    assert "absolute_codec_string" not in _text(_dial("sip:a@example.com", codecs=()))


@pytest.mark.parametrize(("given", "sent"), [(0, 600), (1, 1), (900, 900), (7200, 7200)])
def test_session_timeout_defaults_to_600(given: int, sent: int) -> None:
    assert f"sofia_session_timeout={sent}," in _text(
        _dial("sip:a@example.com", session_timeout=given)
    )


def test_ring_timeout_is_originate_timeout() -> None:
    assert ",originate_timeout=45," in _text(_dial("sip:a@example.com", {"timeout": 45}))


def test_caller_id_and_name_from_dial_over_context() -> None:
    ctx = replace(CTX, caller_id_name="Main Line")
    plain = _text(_dial("sip:a@example.com"), ctx)
    assert "origination_caller_id_number=+15550001111,origination_caller_id_name=Main\\sLine," in (
        plain
    )
    dial = _dial("sip:a@example.com", {"caller_id": "sales", "caller_name": "Sales Desk"})
    overridden = _text(dial, ctx)
    assert "origination_caller_id_number=sales,origination_caller_id_name=Sales\\sDesk," in (
        overridden
    )


def test_caller_name_omitted_when_nobody_sets_one() -> None:
    assert "origination_caller_id_name" not in _text(_dial("sip:a@example.com"))


def test_escaped_values_read_back_exactly() -> None:
    """Commas, quotes and spaces are encoded; the switch's parser gets the value back."""
    dial = _dial(
        "sip:a@example.com?ref=a%2Cb%20c%27d%26e%3Df",
        {"caller_id": "+1,555", "caller_name": "O'Brien, Pat & co"},
        password="p,a'ss=w&rd",
    )
    command = build_originate(dial, dial.sips[0], LEG, CTX)
    assert "origination_caller_id_number=+1\\\\,555," in command.text
    parsed = parse_originate(command.text)
    assert parsed.variables == command.variables
    values = dict(parsed.variables)
    assert values["origination_caller_id_number"] == "+1,555"
    assert values["origination_caller_id_name"] == "O'Brien, Pat & co"
    assert values["sip_h_X-ref"] == "a,b c'd&e=f"
    assert values["sip_auth_password"] == "p,a'ss=w&rd"
    assert [leg.endpoint for leg in parsed.legs] == [command.endpoint]


def test_command_exposes_endpoint_variables_and_leg() -> None:
    dial = _dial("sip:alice@example.com?x=1")
    command = build_originate(dial, dial.sips[0], LEG, CTX)
    assert command.leg == LEG
    assert command.endpoint == "sofia/external/sip:alice@example.com;transport=tls"
    names = [name for name, _ in command.variables]
    assert names[:3] == ["origination_uuid", CORRELATION_VARIABLE, "origination_caller_id_number"]
    assert ("sip_h_X-x", "1") in command.variables
    assert dict(command.variables)[CORRELATION_VARIABLE] == LEG.call_sid


def test_variables_are_those_seen_working_on_freeswitch() -> None:
    """Every variable name we send appears in a recorded originate (traces s1..s11),
    except sip_h_ headers beyond the one the traces use, which work the same way."""
    seen: set[str] = set()
    for trace in TRACES.glob("*.esl"):
        for line in trace.read_text().splitlines():
            if line.startswith("#> bgapi originate "):
                seen.update(name for name, _ in parse_originate(line[9:]).variables)
    dial = _dial("sip:a@example.com?x=1", {"caller_name": "A"}, username="u", password="p")
    sent = {name for name, _ in build_originate(dial, dial.sips[0], LEG, CTX).variables}
    unseen = {name for name in sent - seen if not name.startswith("sip_h_X-")}
    assert unseen == set()


def test_dial_originates_one_per_sip_in_document_order() -> None:
    sips = tuple(Sip(uri=parse_sip_uri(f"sip:u{i}@example.com"), line=3 + i) for i in range(3))
    dial = Dial(line=2, nouns=sips)
    legs = [
        LegIdentity(call_sid=f"CA{i:032x}", uuid=f"00000000-0000-4000-8000-{i:012x}")
        for i in range(1, 4)
    ]
    commands = build_dial_originates(dial, legs, CTX)
    assert [c.endpoint for c in commands] == [
        f"sofia/external/sip:u{i}@example.com;transport=tls" for i in range(3)
    ]
    assert [c.leg for c in commands] == legs
    with pytest.raises(ValueError, match="2 leg identities for 3"):
        build_dial_originates(dial, legs[:2], CTX)


def test_dial_originates_refuses_other_nouns() -> None:
    sip = Sip(uri=parse_sip_uri("sip:a@example.com"), line=3)
    for other in (Number(number="+15551234567", line=4), Conference(name="room", line=4)):
        with pytest.raises(ValueError, match="mixes <Sip>"):
            build_dial_originates(Dial(line=2, nouns=(sip, other)), [LEG, LEG], CTX)


@pytest.mark.parametrize(
    ("dial_attrs", "sip_attrs", "ctx_changes", "field", "reason"),
    [
        ({"caller_id": "a b"}, {}, {}, "callerId", "expected 1-128"),
        ({"caller_id": "${x}"}, {}, {}, "callerId", "expected"),
        ({"caller_name": "A${x}"}, {}, {}, "callerName", "variable expansion"),
        ({"caller_name": "A}B"}, {}, {}, "callerName", "braces"),
        ({"caller_name": "A\nB"}, {}, {}, "callerName", r"U\+000A"),
        ({"caller_name": " A"}, {}, {}, "callerName", "start or end with a space"),
        ({"caller_name": 'A "B"'}, {}, {}, "callerName", "not allowed here"),
        ({"caller_name": "a:_:b"}, {}, {}, "callerName", "enterprise"),
        ({"caller_name": ""}, {}, {}, "callerName", "empty"),
        ({"caller_name": "A" * 71}, {}, {}, "callerName", "at most 70"),
        ({}, {"username": "ad min"}, {}, "username", "spaces"),
        ({}, {"username": 'ad"min'}, {}, "username", "not allowed here"),
        ({}, {"password": "p|w"}, {}, "password", "failover"),
        ({}, {"password": "pässword"}, {}, "password", "ASCII only"),
        ({}, {"password": "p\\w"}, {}, "password", "backslash"),
        ({}, {"session_timeout": -1}, {}, "sessionTimeout", "non-negative"),
        ({"timeout": 4}, {}, {}, "timeout", "5..600"),
        ({}, {}, {"profile": "ext ernal"}, "profile", "letters, digits"),
        ({}, {}, {"profile": "gateway"}, "profile", "gateway"),
        ({}, {}, {"profile": "external\n"}, "profile", r"U\+000A"),
        ({}, {}, {"account_sid": "AC123"}, "AccountSid", "32 lowercase hex"),
        ({}, {}, {"api_version": "2010-04-01,x=y"}, "ApiVersion", "a date"),
        ({}, {}, {"caller_id_number": "+1 555"}, "callerId", "expected"),
    ],
)
def test_refusals_name_the_field_and_the_reason(
    dial_attrs: dict[str, object],
    sip_attrs: dict[str, object],
    ctx_changes: dict[str, object],
    field: str,
    reason: str,
) -> None:
    dial = _dial("sip:a@example.com", dial_attrs, **sip_attrs)
    with pytest.raises(UnsafeValue, match=reason) as caught:
        _text(dial, replace(CTX, **ctx_changes))  # type: ignore[arg-type]
    assert caught.value.field == field


@pytest.mark.parametrize(
    ("leg", "field"),
    [
        (replace(LEG, call_sid="CA" + "0" * 31 + "G"), "CallSid"),
        (replace(LEG, call_sid="CA" + "0" * 32 + ",x=y"), "CallSid"),
        (replace(LEG, uuid="00000000-0000-4000-8000-00000000000"), "uuid"),
        (replace(LEG, uuid="00000000-0000-4000-8000-000000000001 &bridge()"), "uuid"),
    ],
)
def test_leg_identities_must_match_their_grammar(leg: LegIdentity, field: str) -> None:
    dial = _dial("sip:a@example.com")
    with pytest.raises(UnsafeValue) as caught:
        build_originate(dial, dial.sips[0], leg, CTX)
    assert caught.value.field == field


def test_hand_built_headers_are_checked_too() -> None:
    """The switch layer does not trust that a SipUri came from the parser."""
    base = parse_sip_uri("sip:a@example.com")
    cases = [
        (SipHeader("X-a}b", "v"), "SIP header name"),
        (SipHeader("customheader", "v"), "SIP header name"),
        (SipHeader("X-SignalWire-CallSid", "CA1"), "SIP header name"),
        (SipHeader("X-ok", "a\r\nb"), "SIP header X-ok"),
        (SipHeader("X-ok", "${bad}"), "SIP header X-ok"),
    ]
    for header, field in cases:
        sip = Sip(uri=replace(base, headers=(header,)), line=3)
        with pytest.raises(UnsafeValue) as caught:
            build_originate(Dial(line=2, nouns=(sip,)), sip, LEG, CTX)
        assert caught.value.field == field
    twice = Sip(uri=replace(base, headers=(SipHeader("X-a", "1"), SipHeader("X-A", "2"))), line=3)
    with pytest.raises(UnsafeValue, match="given twice"):
        build_originate(Dial(line=2, nouns=(twice,)), twice, LEG, CTX)


def test_hand_built_uri_parts_are_checked_by_the_formatter() -> None:
    base = parse_sip_uri("sip:a@example.com")
    for bad in (
        replace(base, user="a,sofia/x/y"),
        replace(base, host="example.com &park()"),
        replace(base, port=0),
        replace(base, scheme="sip^x"),
    ):
        sip = Sip(uri=bad, line=3)
        with pytest.raises(UnsafeValue, match="SIP URI"):
            build_originate(Dial(line=2, nouns=(sip,)), sip, LEG, CTX)


def test_check_context_applies_the_same_rules() -> None:
    assert check_context(CTX) is CTX
    for changes, field in [
        ({"profile": "gateway"}, "profile"),
        ({"account_sid": "AC" + "A" * 32}, "AccountSid"),
        ({"caller_id_number": "+1 555"}, "callerId"),
        ({"caller_id_name": "a}"}, "callerName"),
        ({"api_version": "2010-04-01\n"}, "ApiVersion"),
    ]:
        with pytest.raises(UnsafeValue) as caught:
            check_context(replace(CTX, **changes))
        assert caught.value.field == field


def test_originate_refusals_lists_every_problem_of_a_leg() -> None:
    dial = _dial(
        "sip:a@example.com?x=%7B",
        {"caller_name": "a$b"},
        username="a b",
        password="p|w",
    )
    sip = dial.sips[0]
    fields = [r.field for r in originate_refusals(dial, sip, LEG, replace(CTX, profile="a/b"))]
    assert fields == ["callerName", "SIP header X-x", "username", "password", "profile"]
    good = _dial("sip:a@example.com")
    assert originate_refusals(good, good.sips[0], LEG, CTX) == ()


def test_the_sip_must_belong_to_the_dial() -> None:
    other = _dial("sip:b@example.com").sips[0]
    with pytest.raises(ValueError, match="not a noun of the <Dial>"):
        build_originate(_dial("sip:a@example.com"), other, LEG, CTX)
