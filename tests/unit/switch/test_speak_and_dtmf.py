"""`uuid_speak` and `uuid_send_dtmf`: exact text, and the refuse-or-read-back
property judged by FreeSWITCH's own reading of the command (mod_commands'
argument split, switch_ivr_broadcast's `app::arg`, variable expansion at
execution, and mod_dptools' `speak` split on '|')."""

from __future__ import annotations

import string
from xml.sax.saxutils import escape

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bridge.cxml import DocumentRejected, ValidationFailed, parse_document
from bridge.cxml.models import Say
from bridge.switch import UnsafeValue, uuid_send_dtmf, uuid_speak
from tests.support.originate_grammar import has_expansion, parse_arguments, separate_string
from tests.support.variable_expansion import Expansion, expand_variables

A = "88bbb3ba-67a6-4ef4-8e38-6fffa7276b62"
HOSTILE = " ,|}]{[&$\r\n\0'\"\\^:_=/.!~+@%;\t\u2028\u00a0"
texts = st.one_of(
    st.text(max_size=300),  # every code point
    st.text(st.sampled_from(HOSTILE) | st.sampled_from("aZ09-"), max_size=60),
    st.text(st.sampled_from(string.ascii_letters + " ',.?!:;-&%$é中"), min_size=1, max_size=200),
)


def spoken(command: str) -> tuple[str, str, str]:
    """What FreeSWITCH would speak: (engine, voice, text), or a failed assertion."""
    for bad in ("\r", "\n", "\0"):
        assert bad not in command
    name, argv = parse_arguments(command, 4)
    assert name == "uuid_broadcast"
    assert len(argv) == 3 and argv[0] == A and argv[2] == "aleg", argv
    # switch_ivr_broadcast: the application is what comes before the first "::".
    application, sep, argument = argv[1].partition("::")
    assert (application, sep) == ("speak", "::"), argv[1]
    # Executing it expands variables: nothing may start or escape an expansion,
    # and the expansion must hand the application the argument unchanged (a
    # bare '$', as in "$5", is text to FreeSWITCH).
    assert not has_expansion(argument) and "\\" not in argument
    assert expand_variables(argument) == Expansion(argument, ())
    # speak_function: three '|' parts; the text is the raw rest after the second.
    engine, voice, _ = separate_string(argument, "|", 3)
    text = argument[len(engine) + len(voice) + 2 :]
    return engine, voice, text


def test_exact_texts() -> None:
    assert uuid_speak(A, "flite", "slt", "Hello there, it's me") == (
        f"uuid_broadcast {A} speak::flite|slt|Hello\\sthere,\\sit\\'s\\sme aleg"
    )
    assert uuid_send_dtmf(A, "1234w#W*ABCD") == f"uuid_send_dtmf {A} 1234w#W*ABCD"


@pytest.mark.parametrize(
    ("engine", "voice", "text", "field"),
    [
        ("flite", "slt", "a | b", "text"),
        ("flite", "slt", "${hangup}", "text"),
        ("flite", "slt", "", "text"),
        ("flite", "slt", "line\nbreak", "text"),
        ("flite|kal", "slt", "hi", "TTS engine"),
        ("flite", "slt|x", "hi", "TTS voice"),
        ("flite", "", "hi", "TTS voice"),
        ("flite", "s l t", "hi", "TTS voice"),
    ],
)
def test_speak_refusals_name_the_field(engine: str, voice: str, text: str, field: str) -> None:
    with pytest.raises(UnsafeValue) as refused:
        uuid_speak(A, engine, voice, text)
    assert refused.value.field == field


@pytest.mark.parametrize(
    "digits", ["", "12+34", "1@500", "~123", "abcd", "F", "1 2", "1\n", "0" * 100, "١٢"]
)
def test_dtmf_refusals(digits: str) -> None:
    with pytest.raises(UnsafeValue, match="digits"):
        uuid_send_dtmf(A, digits)


@settings(max_examples=400, deadline=None)
@given(text=texts)
def test_any_say_text_is_refused_or_spoken_exactly(text: str) -> None:
    try:
        command = uuid_speak(A, "flite", "kal", text)
    except UnsafeValue as refused:
        assert refused.field == "text"
        return
    assert spoken(command) == ("flite", "kal", text)


@settings(max_examples=300, deadline=None)
@given(text=texts)
def test_say_text_from_a_document_is_refused_or_spoken_exactly(text: str) -> None:
    """The whole way: the cXML parser's <Say> text, then the speak command."""
    try:
        response = parse_document(f"<Response><Say>{escape(text)}</Say></Response>")
    except (DocumentRejected, ValidationFailed):
        return
    (say,) = response.verbs
    assert isinstance(say, Say)
    try:
        command = uuid_speak(A, "flite", "slt", say.text)
    except UnsafeValue:
        return
    assert spoken(command) == ("flite", "slt", say.text)


def test_the_accepting_branch_is_exercised() -> None:
    text = "It's 5 o'clock: press 1, or 2 & wait; 100% sure? Ça va, 中文."
    assert spoken(uuid_speak(A, "flite", "slt", text)) == ("flite", "slt", text)


def test_a_bare_dollar_is_spoken_as_it_is() -> None:
    for text in ("Your balance is $5", "$$5 or $", "US$ 5, $x and $(y)"):
        assert spoken(uuid_speak(A, "flite", "slt", text)) == ("flite", "slt", text)
    assert uuid_speak(A, "flite", "slt", "Your balance is $5") == (
        f"uuid_broadcast {A} speak::flite|slt|Your\\sbalance\\sis\\s$5 aleg"
    )


@settings(max_examples=300, deadline=None)
@given(digits=st.text(st.sampled_from("0123456789*#ABCDwWabcdF+@~ $x\n"), max_size=110))
def test_any_digits_are_refused_or_sent_exactly(digits: str) -> None:
    try:
        command = uuid_send_dtmf(A, digits)
    except UnsafeValue:
        assert not digits or len(digits) > 99 or set(digits) - set("0123456789*#ABCDwW")
        return
    name, argv = parse_arguments(command, 2)
    assert (name, argv) == ("uuid_send_dtmf", [A, digits])
