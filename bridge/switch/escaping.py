"""Values into FreeSWITCH command text: every value is checked, then encoded or refused.

What FreeSWITCH 1.10 does with the text we send (read in its source, not guessed):

1. mod_event_socket reads a command up to the first LF; a CR is stripped and a
   NUL ends the C string. So CR, LF and NUL can never be carried: refused.
2. `switch_api_execute` trims blanks around the argument; the `originate` API
   (like `uuid_broadcast`, `uuid_setvar`, ...) splits it on spaces with
   `switch_separate_string(.., ' ', ..)`. That tokenizer skips the character
   after a backslash and treats single quotes as grouping; its clean-up step
   drops the quotes, turns `\\'` `\\"` `\\\\` into the character and `\\s` `\\t`
   `\\n` `\\r` into a space, tab, LF, CR, and trims surrounding spaces. (Level 1.)
3. `switch_ivr_originate` sends the whole dial string to its enterprise branch
   when it contains ``:_:`` anywhere (a plain `strstr`), then takes the
   ``{...}`` block with `switch_find_end_paren`, which counts braces with no
   regard for escapes or quotes: a brace in a value cannot be escaped.
4. `switch_event_create_brackets` splits the block on ``,`` (or on the
   character X after a leading ``^^X``) with the same tokenizer and clean-up,
   where ``\\,`` is now an escaped comma. (Level 2.)
5. Each item is split once on ``=`` by the same code: the value gets a third
   clean-up (quotes dropped, ``\\'`` and ``\\\\`` unescaped, ends trimmed). A value
   that ends up empty makes FreeSWITCH drop the variable. (Level 3.)
6. Originate skips any variable whose value holds ``${`` (unless
   `origination_nested_vars` is set), and many values are expanded later at
   channel time (application arguments always are).

So a value is carried by escaping it for level 3, then 2, then 1 (see
`encode_variable_value`): a quote becomes ``\\\\\\\\\\\\\\'`` on the wire, a comma
``\\\\,``, a space ``\\s``. Everything that no escape can protect is refused with
`UnsafeValue`: CR/LF/NUL and every other control, format or separator
character, backslash, ``$`` (a bare one is allowed in a spoken text, see
`check_text`), braces, brackets, ``|``, ``^``, ``:_:``, and spaces at
either end (trimmed by levels 2 and 3). Brackets, ``|`` and ``^`` would be safe
inside the variable block; they are refused anyway because they mean "another
leg" or "another separator" everywhere else in a dial string, and no attribute
needs them.

This module does no I/O.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

# Characters no value may hold, with the reason given to the user.
_META_REASONS: dict[str, str] = {
    "\\": "a backslash is FreeSWITCH's escape character",
    "$": "'$' starts a FreeSWITCH variable expansion (${...})",
    "{": "braces delimit FreeSWITCH's originate variable block and cannot be escaped",
    "}": "braces delimit FreeSWITCH's originate variable block and cannot be escaped",
    "[": "brackets delimit per-leg variables in a FreeSWITCH dial string",
    "]": "brackets delimit per-leg variables in a FreeSWITCH dial string",
    "|": "'|' separates failover legs in a FreeSWITCH dial string",
    "^": "'^^' changes FreeSWITCH's separator character",
}
ENTERPRISE_SEPARATOR = ":_:"

UUID_PATTERN = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
)
CALL_SID_PATTERN = re.compile(r"CA[0-9a-f]{32}")
# Twilio account sids are AC + 32 hex; SignalWire project ids are UUIDs.
ACCOUNT_SID_PATTERN = re.compile(
    r"AC[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
)
API_VERSION_PATTERN = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# A sofia profile name: it follows `sofia/` and ends at the next '/'.
PROFILE_PATTERN = re.compile(r"[A-Za-z0-9_.-]{1,64}")
# A channel variable name (sip_h_X-... names need the hyphen).
VARIABLE_NAME_PATTERN = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,127}")


class UnsafeValue(ValueError):
    """A value cannot travel safely to FreeSWITCH. `field` names the attribute or
    variable it was meant for; `reason` says what is wrong with it."""

    def __init__(self, field: str, reason: str) -> None:
        self.field = field
        self.reason = reason
        super().__init__(f"{field}: {reason}")


def describe(char: str) -> str:
    """`'$'` or `U+000A LINE FEED` style, so that a message never carries the raw character."""
    if char.isprintable() and char != " ":
        return f"{char!r}"
    name = unicodedata.name(char, "")
    return f"U+{ord(char):04X}" + (f" {name}" if name else "")


def check_pattern(field: str, value: object, pattern: re.Pattern[str], expected: str) -> str:
    """`value` must be a str matching `pattern` entirely (no `$`-before-newline slack)."""
    if not isinstance(value, str):
        raise UnsafeValue(field, f"must be text, not {type(value).__name__}")
    if pattern.fullmatch(value) is None:
        bad = _first_unprintable(value)
        shown = f"holds {describe(bad)}" if bad is not None else f"{value[:40]!r}"
        raise UnsafeValue(field, f"{shown}: expected {expected}")
    return value


def check_text(
    field: str,
    value: object,
    *,
    max_chars: int,
    also_refuse: str = "",
    ascii_only: bool = False,
    allow_spaces: bool = True,
    allow_dollar: bool = False,
) -> str:
    """Free text that will be encoded by `encode_variable_value`/`encode_argument`.

    Refuses everything no escape can carry (see the module docstring), plus the
    characters in `also_refuse`, non-ASCII when `ascii_only`, and spaces unless
    `allow_spaces`. Quotes, commas and inner spaces are fine: they are encoded.

    `allow_dollar` lets a bare ``$`` through; only the spoken text of `speak`
    uses it (a dial string or an originate variable never needs one). It is
    safe there because braces and backslashes stay refused:
    `switch_channel_expand_variables_check` (switch_channel.c) returns its
    input untouched unless it holds ``$`` then ``{`` (with only backslashes
    between, `switch_string_var_check_const`) or a backslash escape
    (`switch_string_has_escaped_data`); and even when it does run, a ``$`` not
    followed by ``{`` starts no reference (``${x}`` and ``$${x}`` do).
    """
    if not isinstance(value, str):
        raise UnsafeValue(field, f"must be text, not {type(value).__name__}")
    if not value:
        raise UnsafeValue(field, "is empty")
    if len(value) > max_chars:
        raise UnsafeValue(field, f"is {len(value)} characters long, at most {max_chars}")
    for char in value:
        if char in _META_REASONS and not (char == "$" and allow_dollar):
            raise UnsafeValue(field, f"{describe(char)} is not allowed: {_META_REASONS[char]}")
        if not char.isprintable():
            raise UnsafeValue(
                field,
                f"{describe(char)} is not allowed: no control, format or separator characters "
                "(CR, LF and NUL would end or cut the Event Socket command)",
            )
        if char in also_refuse:
            raise UnsafeValue(field, f"{describe(char)} is not allowed here")
        if ascii_only and not char.isascii():
            raise UnsafeValue(field, f"{describe(char)} is not allowed: ASCII only")
        if char == " " and not allow_spaces:
            raise UnsafeValue(field, "spaces are not allowed")
    if value[0] == " " or value[-1] == " ":
        raise UnsafeValue(field, "must not start or end with a space (FreeSWITCH trims them)")
    if ENTERPRISE_SEPARATOR in value:
        raise UnsafeValue(
            field, f"{ENTERPRISE_SEPARATOR!r} is not allowed: it separates enterprise originates"
        )
    return value


def _escape(value: str, special: Iterable[str], replacements: dict[str, str]) -> str:
    specials = frozenset(special)
    out: list[str] = []
    for char in value:
        if char in replacements:
            out.append(replacements[char])
        elif char in specials:
            out.append("\\" + char)
        else:
            out.append(char)
    return "".join(out)


def encode_argument(value: str) -> str:
    """Escape for level 1: one space-separated API argument (the value was checked)."""
    return _escape(value, "\\'", {" ": "\\s"})


def encode_variable_value(value: str) -> str:
    """Escape a checked value for the `{name=value,...}` block: levels 3, 2, then 1."""
    level3 = _escape(value, "\\'", {})
    level2 = _escape(level3, "\\',", {})
    return encode_argument(level2)


def _first_unprintable(value: str) -> str | None:
    return next((c for c in value if not c.isprintable() or c == " "), None)
