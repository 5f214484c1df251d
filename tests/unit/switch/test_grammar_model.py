"""The test-side model of FreeSWITCH's originate parsing must itself be right:
known behaviours of the C code, the recorded traces, and its fast paths."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support.originate_grammar import (
    ParseError,
    _split_char,
    cleanup,
    has_expansion,
    parse_arguments,
    parse_originate,
    separate_string,
)
from tests.support.variable_expansion import Expansion, expand_variables

TRACES = Path("/work/shared/freeswitch-traces")


def test_reads_every_recorded_originate() -> None:
    count = 0
    for trace in sorted(TRACES.glob("*.esl")):
        for line in trace.read_text().splitlines():
            if not line.startswith("#> bgapi originate "):
                continue
            parsed = parse_originate(line[len("#> bgapi ") :])
            count += 1
            assert parsed.application == "&park()"
            assert len(parsed.legs) == 1
            assert parsed.legs[0].endpoint.startswith("sofia/external/sip:")
            variables = dict(parsed.variables)
            assert variables["ignore_early_media"] == "true"
            assert variables["cxml_leg"]
    assert count >= 10


@pytest.mark.parametrize(
    ("line", "variables", "endpoints"),
    [
        # A comma splits variables; an escaped one (after level 1) does not.
        ("originate {a=1,b=2}x &park()", [("a", "1"), ("b", "2")], ["x"]),
        ("originate {a=1\\\\,b=2}x &park()", [("a", "1,b=2")], ["x"]),
        # Quotes group at level 1 and are dropped: the comma then splits.
        ("originate {a='1,b=2'}x &park()", [("a", "1"), ("b", "2")], ["x"]),
        # ^^X changes the separator of the block.
        ("originate {^^;a=1,2;b=3}x &park()", [("a", "1,2"), ("b", "3")], ["x"]),
        # An item without '=' or with an empty value is dropped.
        ("originate {a,b=,c=3}x &park()", [("c", "3")], ["x"]),
        # Legs: ',' and '|' after the block.
        ("originate {a=1}x,y|z &park()", [("a", "1")], ["x", "y", "z"]),
        # Braces are counted, not escaped: a '}' inside a value ends the block.
        ("originate {a=1\\}b=2}x &park()", [("a", "1\\")], ["b=2}x"]),
        # \s is a space after level 1; spaces at the ends of a value are trimmed.
        ("originate {a=\\sx\\sy\\s}x &park()", [("a", "x y")], ["x"]),
    ],
)
def test_known_freeswitch_behaviour(
    line: str, variables: list[tuple[str, str]], endpoints: list[str]
) -> None:
    parsed = parse_originate(line)
    assert list(parsed.variables) == variables
    assert [leg.endpoint for leg in parsed.legs] == endpoints


def test_a_space_starts_a_new_argument() -> None:
    parsed = parse_originate("originate {a=1}x &park() XML default")
    assert parsed.extra_arguments == ("XML", "default")
    assert parse_arguments("originate {a=b c}x &park()", 10)[1] == ["{a=b", "c}x", "&park()"]
    with pytest.raises(ParseError, match="no closing"):
        parse_originate("originate {a=b c}x &park()")


def test_brackets_start_per_leg_variables_only_at_the_start_of_a_leg() -> None:
    ipv6 = parse_originate("originate {a=1}sofia/x/sip:a@[::1]:5060 &park()")
    assert [(leg.endpoint, leg.per_leg_variables) for leg in ipv6.legs] == [
        ("sofia/x/sip:a@[::1]:5060", False)
    ]
    per_leg = parse_originate("originate {a=1}[b=2,c=3]sofia/x/y,z &park()")
    assert [leg.per_leg_variables for leg in per_leg.legs] == [True, False]


def test_enterprise_separator_anywhere() -> None:
    assert parse_originate("originate {a=x:_:y}x &park()").enterprise


def test_event_socket_line_breaks_are_errors() -> None:
    for bad in ("\r", "\n", "\0"):
        with pytest.raises(ParseError):
            parse_originate(f"originate {{a=1{bad}}}x &park()")


def test_expansion_check_matches_switch_string_var_check() -> None:
    assert has_expansion("${x}") and has_expansion("$\\{x}") and has_expansion("a$${b}")
    assert not has_expansion("$x{") and not has_expansion("{$}")


@pytest.mark.parametrize(
    ("text", "expanded"),
    [
        # No "${" and no escape: switch_channel_expand_variables_check returns early.
        ("Your balance is $5", Expansion("Your balance is $5", ())),
        ("$$5 and $", Expansion("$$5 and $", ())),
        # It runs: references are looked up (answering nothing), "$$" not before
        # "{" is copied as one '$', escapes are resolved.
        ("a ${x} b", Expansion("a  b", ("x",))),
        ("$${g}!", Expansion("!", ("g",))),
        ("$$5 ${x}", Expansion("$5 ", ("x",))),
        ("${a{b}c}d", Expansion("d", ("a{b}c",))),
        ("${x}${y}", Expansion("", ("x", "y"))),
        ("${open", Expansion("", ("open",))),
        ("${strftime(%Y)}", Expansion("", ("strftime(%Y)",))),
        ("\\\\${x}", Expansion("\\", ("x",))),  # \\ -> \, then a reference
        ("\\${x}", Expansion("${x}", ())),  # an escaped '$' is text
        ("it\\'s", Expansion("its", ())),  # \' is deleted outright
        ("it\\s", Expansion("it\\s", ())),  # other escapes stay as they are
        ("a\\\\'b", Expansion("a\\'b", ())),
    ],
)
def test_expansion_model_reads_like_switch_channel_expand_variables(
    text: str, expanded: Expansion
) -> None:
    assert expand_variables(text) == expanded


def test_other_commands_split_on_spaces() -> None:
    assert parse_arguments("uuid_setvar u v a\\sb c", 3) == ("uuid_setvar", ["u", "v", "a b c"])
    assert parse_arguments("uuid_kill u  LOSE_RACE", 4) == ("uuid_kill", ["u", "LOSE_RACE"])


def test_custom_separator_needs_two_more_characters() -> None:
    assert separate_string("^^:a:b", ",", 10) == ["a", "b"]
    assert separate_string("^^:", ",", 10) == ["^^:"]


plain = st.text(st.sampled_from("ab ,=|:^{}"), max_size=30)


@settings(max_examples=300, deadline=None)
@given(buf=plain, delim=st.sampled_from(",=|:"), arraylen=st.integers(1, 5))
def test_fast_paths_agree_with_the_literal_port(buf: str, delim: str, arraylen: int) -> None:
    assert _split_char(buf, delim, arraylen) == _split_char(buf, delim, arraylen, fast=False)
    assert cleanup(buf, delim) == cleanup(buf, delim, fast=False)
