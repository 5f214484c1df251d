"""How FreeSWITCH 1.10 reads an `originate` command: an independent model for tests.

Written from FreeSWITCH's C sources (v1.10.12), not from `bridge.switch`:

- mod_event_socket: a command ends at LF, CR is stripped, NUL ends the string;
  `api`/`bgapi` split the API name from its argument at the first space.
- `switch_api_execute`: trims CR, LF, TAB, VT and spaces around the argument.
- mod_commands `originate_function`: `switch_separate_string(arg, ' ', argv, 10)`,
  2..7 arguments, argv[0] the dial string, argv[1] `&app(args)` or an extension.
- src/switch_utils.c `switch_separate_string`, `separate_string_char_delim`,
  `separate_string_blank_delim`, `cleanup_separated_string`, `unescape_char`,
  `switch_find_end_paren`; src/include/switch_utils.h `switch_strchr_strict`,
  `switch_string_var_check_const`.
- src/switch_event.c `switch_event_create_brackets`.
- src/switch_ivr_originate.c `switch_ivr_originate`: `:_:` anywhere means an
  enterprise originate; `<...>` then `{...}` blocks; `|` then `,` split legs;
  `[...]` per-leg variables.

The model is deliberately literal (same states, same corner cases) so that a
test can ask: which legs, which endpoint, which variables would the switch see?
"""

from __future__ import annotations

from dataclasses import dataclass, field

ESCAPE = "\\"
_UNESCAPES = {"n": "\n", "r": "\r", "t": "\t", "s": " "}
_API_BLANKS = "\r\n\t\v "


def _unescape_char(char: str) -> str:
    return _UNESCAPES.get(char, char)


def cleanup(piece: str, delim: str | None, *, fast: bool = True) -> str:
    """`cleanup_separated_string`: drop paired single quotes, resolve escapes, trim spaces."""
    if fast and ESCAPE not in piece and "'" not in piece:
        return piece.strip(" ")  # what the loop below does without escapes or quotes
    i = 0
    while i < len(piece) and piece[i] == " ":
        i += 1
    out: list[str] = []
    end: int | None = None
    inside = False
    while i < len(piece):
        char = piece[i]
        escaped = False
        if char == ESCAPE and i + 1 < len(piece):
            nxt = piece[i + 1]
            resolved: str | None = None
            if nxt in "'\"" or nxt == delim or nxt == ESCAPE:
                resolved = nxt
            elif _unescape_char(nxt) != nxt:
                resolved = _unescape_char(nxt)
            if resolved is not None:
                i += 1
                out.append(resolved)
                end = len(out)
                escaped = True
        if not escaped:
            if char == "'" and (inside or "'" in piece[i + 1 :]):
                inside = not inside
                if inside:
                    end = len(out)
            else:
                out.append(char)
                if char != " " or inside:
                    end = len(out)
        i += 1
    return "".join(out[:end]) if end is not None else ""


def _split_char(buf: str, delim: str, arraylen: int, *, fast: bool = True) -> list[str]:
    """`separate_string_char_delim`. `fast=False` always runs the literal port."""
    if fast and ESCAPE not in buf and "'" not in buf:
        # Without escapes or quotes the tokenizer is a plain split that yields
        # no empty piece after a trailing delimiter (nor any piece for "").
        pieces = buf.split(delim, arraylen - 1) if buf else []
        if len(pieces) > 1 and pieces[-1] == "":
            pieces.pop()
        return [p.strip(" ") for p in pieces]
    starts: list[int] = []
    cuts: list[int] = []
    i = 0
    start_state = True
    inside = False
    while i < len(buf) and len(starts) < arraylen:
        if start_state:
            starts.append(i)
            start_state = False
            continue
        char = buf[i]
        if char == ESCAPE:
            i += 1
        elif char == "'" and (inside or "'" in buf[i + 1 :]):
            inside = not inside
        elif char == delim and not inside:
            cuts.append(i)
            start_state = True
        i += 1
    pieces = [buf[s : cuts[k] if k < len(cuts) else len(buf)] for k, s in enumerate(starts)]
    return [cleanup(p, delim, fast=fast) for p in pieces]


def _split_blank(buf: str, arraylen: int) -> list[str]:
    """`separate_string_blank_delim`."""
    starts: list[int] = []
    cuts: list[int] = []
    i = 0
    state = "start"
    inside = False
    while i < len(buf) and len(starts) < arraylen:
        char = buf[i]
        if state == "start":
            starts.append(i)
            state = "skip_initial"
        elif state == "skip_initial":
            if char == " ":
                i += 1
            else:
                state = "find"
        elif state == "find":
            if char == ESCAPE:
                i += 1
            elif char == "'":
                inside = not inside
            elif char == " " and not inside:
                cuts.append(i)
                state = "skip_ending"
            i += 1
        else:  # skip_ending
            if char == " ":
                i += 1
            else:
                state = "start"
    pieces = [buf[s : cuts[k] if k < len(cuts) else len(buf)] for k, s in enumerate(starts)]
    return [cleanup(p, None) for p in pieces]


def separate_string(buf: str, delim: str, arraylen: int) -> list[str]:
    """`switch_separate_string`, including its leading `^^X` custom separator."""
    if buf.startswith("^^") and len(buf) >= 4:
        delim = buf[2]
        buf = buf[3:]
    if delim == " ":
        return _split_blank(buf, arraylen)
    return _split_char(buf, delim, arraylen)


def find_end_paren(text: str, start: int, opening: str, closing: str) -> int | None:
    """`switch_find_end_paren`: plain depth counting, no escapes, no quotes."""
    i = start
    while i < len(text) and text[i] == " ":
        i += 1
    if i >= len(text) or text[i] != opening:
        return None
    depth = 1
    for j in range(i + 1, len(text)):
        if text[j] == opening and opening != closing:
            depth += 1
        elif text[j] == closing:
            depth -= 1
            if depth == 0:
                return j
    return None


def strchr_strict(text: str, start: int, find: str, allowed: str) -> int | None:
    """`switch_strchr_strict`: index of `find` if only `allowed` precede it; the end
    index if the rest is all `allowed`; None otherwise or for an empty rest."""
    if start >= len(text):
        return None
    i = start
    while i < len(text):
        if text[i] == find:
            return i
        if text[i] not in allowed:
            return None
        i += 1
    return i


class ParseError(Exception):
    """FreeSWITCH would refuse the command ("-USAGE", "Parse Error!")."""


def create_brackets(
    data: str, opening: str, closing: str, sep: str, into: list[tuple[str, str]]
) -> str:
    """`switch_event_create_brackets` on `data` (which starts with `opening`).

    Appends the variables to `into`; returns the text after the block."""
    end = find_end_paren(data, 0, opening, closing)
    if end is None:
        raise ParseError(f"no closing {closing!r}")
    check_a: int | None = end
    while check_a is not None:
        check_b = strchr_strict(data, check_a, opening, " ")
        if check_b is None:
            break
        found = find_end_paren(data, check_b, opening, closing)
        if found is None or found == check_a:
            # FreeSWITCH would loop forever here; no command of ours may get close.
            raise ParseError("nested block scan does not terminate")
        check_a = found
    end = check_a if check_a is not None else end
    vdata = data[data.index(opening) + 1 : end]
    rest = data[end + 1 :]
    # FreeSWITCH peeks for another opening after the block ("vnext"); the
    # caller's loop parses a following block itself. Anything stranger than
    # that is undefined behaviour in the C code: refuse to model it.
    after = strchr_strict(rest, 0, opening, " ")
    if after is not None:
        if after == len(rest):
            raise ParseError("only spaces after the block: FreeSWITCH reads past the string")
        if find_end_paren(rest, after + 1, opening, closing) is not None:
            raise ParseError("nested opening after the block")
    if vdata.startswith("^^") and len(vdata) >= 3:
        sep = vdata[2]
        vdata = vdata[3:]
    for item in separate_string(vdata, sep, 1024):
        pair = separate_string(item, "=", 2)
        if len(pair) == 2:
            into.append((pair[0], pair[1]))
    return rest


def has_expansion(value: str) -> bool:
    """`switch_string_var_check_const`: '$' then (backslashes) then '{'."""
    dollar = False
    for char in value:
        if char == "$":
            dollar = True
        elif dollar:
            if char == "{":
                return True
            if char != ESCAPE:
                dollar = False
    return False


@dataclass(frozen=True)
class Leg:
    endpoint: str
    per_leg_variables: bool


@dataclass(frozen=True)
class ParsedOriginate:
    """What FreeSWITCH would do with one `originate` command."""

    application: str  # argv[1], e.g. "&park()"
    extra_arguments: tuple[str, ...]  # argv[2:]: dialplan, context, cid, timeout
    enterprise: bool  # ':_:' seen: FreeSWITCH would split the dial string there
    ultra_global_variables: tuple[tuple[str, str], ...]
    variables: tuple[tuple[str, str], ...]
    legs: tuple[Leg, ...] = field(default_factory=tuple)
    nested_vars: bool = False  # "origination_nested_vars=true" seen: ${} checks off


# FreeSWITCH's QUOTED_ESC_COMMA / UNQUOTED_ESC_COMMA bytes (switch_types.h).
QUOTED_ESC_COMMA = "\x01"
UNQUOTED_ESC_COMMA = "\x02"


def _mark_bracketed_commas(alternative: str) -> str:
    """The pass in `switch_ivr_originate` that hides commas inside `[...]` from
    the leg split (they become marker bytes; a leading block later reads them)."""
    chars = list(alternative)
    end: int | None = None
    quoted = alt = False
    for i, char in enumerate(chars):
        if end is None and char == "[":
            end = find_end_paren(alternative, i, "[", "]")
            alt = alternative[i + 1 : i + 3] == "^^"
            quoted = False
        if char == "'":
            quoted = not quoted
        if end is not None and i < end and char == "," and (i == 0 or chars[i - 1] != "\\"):
            chars[i] = QUOTED_ESC_COMMA if quoted or alt else UNQUOTED_ESC_COMMA
        if i == end:
            end = None
    return "".join(chars)


def parse_api_command(line: str) -> tuple[str, str]:
    """The Event Socket view: one line, API name and argument (trimmed)."""
    for bad in ("\r", "\n", "\0"):
        if bad in line:
            raise ParseError(f"{bad!r} would end or cut the Event Socket command")
    name, _, arg = line.partition(" ")
    return name.strip(_API_BLANKS), arg.strip(_API_BLANKS)


def parse_originate(line: str) -> ParsedOriginate:
    name, arg = parse_api_command(line)
    if name != "originate":
        raise ParseError(f"not an originate: {name!r}")
    argv = separate_string(arg, " ", 10)
    if not 2 <= len(argv) <= 7:
        raise ParseError(f"{len(argv)} arguments: -USAGE")
    dial_string = argv[0]
    data = dial_string.lstrip(" ")
    nested = "origination_nested_vars=true" in dial_string.lower()
    if ":_:" in dial_string:
        return ParsedOriginate(argv[1], tuple(argv[2:]), True, (), (), (), nested)
    ultra: list[tuple[str, str]] = []
    while data.startswith("<"):
        data = create_brackets(data, "<", ">", ",", ultra)
    variables: list[tuple[str, str]] = []
    while data.startswith("{"):
        data = create_brackets(data, "{", "}", ",", variables)
    data = data.lstrip(" ")
    if not data:
        raise ParseError("No origination URL specified!")
    legs: list[Leg] = []
    for alternative in separate_string(data, "|", 128):
        for peer in separate_string(_mark_bracketed_commas(alternative), ",", 128):
            peer = peer.lstrip(" ")
            # A leading [..] block holds per-leg variables: reported, not parsed
            # (our commands never have one). A '[' later on (an IPv6 host) is text.
            legs.append(Leg(endpoint=peer, per_leg_variables=peer.startswith("[")))
    return ParsedOriginate(
        application=argv[1],
        extra_arguments=tuple(argv[2:]),
        enterprise=False,
        ultra_global_variables=tuple(ultra),
        variables=tuple(variables),
        legs=tuple(legs),
        nested_vars=nested,
    )


def parse_arguments(line: str, arraylen: int) -> tuple[str, list[str]]:
    """Any other API command: name and its space-separated arguments, as
    mod_commands splits them (`switch_separate_string(arg, ' ', argv, arraylen)`)."""
    name, arg = parse_api_command(line)
    return name, separate_string(arg, " ", arraylen)
