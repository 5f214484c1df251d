"""How FreeSWITCH 1.10 expands an application's argument: an independent model for tests.

Written from `switch_channel_expand_variables_check` (src/switch_channel.c,
v1.10.12) and the two checks it starts with (src/include/switch_utils.h
`switch_string_var_check_const`, `switch_string_has_escaped_data`), as if
every variable and API lookup answered nothing. Literal on purpose: the same
early return, the same escapes, the same brace counting, so that a test can
ask what text the application would really get and which references the
switch would have looked up.

- Nothing happens unless the text holds '$' then '{' (only backslashes
  between) or a backslash before one of `\\ n s t '`.
- Then: `\\\\` -> `\\`; `\\'` -> nothing; `\\$` (or `\\$$`) -> `$`; `${name}`
  and `$${name}` are references (with a space or '(' inside: an API call);
  a '$' or '$$' followed by anything but '{' is text, but `$$` is then
  copied as one '$'.
"""

from __future__ import annotations

from dataclasses import dataclass

from tests.support.originate_grammar import ESCAPE, has_expansion


@dataclass(frozen=True)
class Expansion:
    text: str  # what the application gets
    references: tuple[str, ...]  # ${...} / $${...} bodies the switch would look up


def has_escaped_data(value: str) -> bool:
    """`switch_string_has_escaped_data`: a backslash before one of `\\ n s t '`."""
    i = value.find(ESCAPE)
    while i != -1 and i + 1 < len(value):
        if value[i + 1] in "\\nst'":
            return True
        i = value.find(ESCAPE, i + 1)
    return False


def expand_variables(value: str) -> Expansion:
    if not value or not (has_expansion(value) or has_escaped_data(value)):
        return Expansion(value, ())
    out: list[str] = []
    references: list[str] = []
    n = len(value)
    p = 0
    while p < n:
        literal = False
        reference = False
        char = value[p]
        if char == ESCAPE and p + 1 < n:
            following = value[p + 1]
            if following == "$":
                literal = True
                p += 1
                if p + 1 < n and value[p + 1] == "$":
                    p += 1
            elif following == "'":
                p += 2
                continue
            elif following == ESCAPE:
                out.append(ESCAPE)
                p += 2
                continue
        if value[p] == "$" and not literal:
            if p + 1 < n and value[p + 1] == "$":
                p += 1
            if p + 1 < n and value[p + 1] == "{":
                reference = True
            else:
                literal = True
        if literal:
            out.append(value[p])
            p += 1
            continue
        if reference:
            start = p + 2  # past "${"
            end = n
            depth = 1
            e = start
            while e < n:
                if depth == 1 and value[e] == "}":
                    end = e
                    e += 1
                    break
                if e != start and value[e] == "{":
                    depth += 1
                elif depth > 1 and value[e] == "}":
                    depth -= 1
                e += 1
            references.append(value[start:end])  # looked up: answers nothing
            p = e
            if p >= n:
                break
            if value[p] == "$":
                continue  # read again as the start of a reference or text
        out.append(value[p])
        p += 1
    return Expansion("".join(out), tuple(references))
