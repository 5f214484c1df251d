"""`cxml-bridge lint`: check a cXML document as the bridge would before running it.

Two layers judge a document: `bridge.cxml` (the spec's rules) and then
`bridge.switch` (can every `<Dial><Sip>` become FreeSWITCH command text?). A
value can pass the first and still be refused by the second (a callerName with
``$`` or ``{``, say), so lint runs both and reports each refusal as a problem on
the line of the element it came from. With `explain`, the originate commands
are returned too, built with example identities (`example_leg`).

No I/O: the CLI reads the file and prints.
"""

from __future__ import annotations

from dataclasses import dataclass

from bridge.cxml import CxmlError, Problem, parse_document
from bridge.cxml.models import Dial, Response
from bridge.switch import (
    DialContext,
    LegIdentity,
    UnsafeValue,
    build_originate,
    originate_refusals,
)

# UnsafeValue fields that come from <Dial> attributes; all others are the <Sip>'s.
_DIAL_FIELDS = {"callerId": "callerId", "callerName": "callerName", "timeout": "timeout"}
_SIP_FIELDS = {
    "username": "username",
    "password": "password",
    "sessionTimeout": "sessionTimeout",
    "codecs": "codecs",
}


@dataclass(frozen=True, slots=True)
class ExplainedDial:
    """The originate commands one `<Dial>` would send, one per `<Sip>`."""

    line: int
    commands: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class LintReport:
    problems: tuple[Problem, ...]
    dials: tuple[ExplainedDial, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def example_leg(number: int) -> LegIdentity:
    """Deterministic identities for the n-th leg of a document (1-based)."""
    return LegIdentity(call_sid=f"CA{number:032x}", uuid=f"00000000-0000-4000-8000-{number:012x}")


def lint_document(data: bytes, ctx: DialContext, *, base_url: str | None = None) -> LintReport:
    """Every problem with `data`, and the originates of each `<Dial>` of `<Sip>`."""
    try:
        response = parse_document(data, source_url=base_url)
    except CxmlError as error:
        return LintReport(problems=error.problems, dials=())
    return _switch_check(response, ctx)


def _switch_check(response: Response, ctx: DialContext) -> LintReport:
    problems: list[Problem] = []
    dials: list[ExplainedDial] = []
    legs = 0
    for verb in response.verbs:
        if not isinstance(verb, Dial) or not verb.sips:
            continue
        commands: list[str] = []
        for sip in verb.sips:
            legs += 1
            refusals = originate_refusals(verb, sip, example_leg(legs), ctx)
            problems += (_problem(verb, sip.line, refusal) for refusal in refusals)
            if not refusals:
                commands.append(build_originate(verb, sip, example_leg(legs), ctx).text)
        dials.append(ExplainedDial(line=verb.line, commands=tuple(commands)))
    # One <Dial> attribute breaks every leg alike: say it once.
    unique = tuple(sorted(dict.fromkeys(problems), key=lambda p: p.line))
    return LintReport(problems=unique, dials=tuple(dials) if not unique else ())


def _problem(dial: Dial, sip_line: int, refusal: UnsafeValue) -> Problem:
    message = f"{refusal.reason} (refused for the FreeSWITCH command)"
    if refusal.field in _DIAL_FIELDS:
        return Problem(dial.line, "Dial", _DIAL_FIELDS[refusal.field], message)
    if refusal.field in _SIP_FIELDS:
        return Problem(sip_line, "Sip", _SIP_FIELDS[refusal.field], message)
    return Problem(sip_line, "Sip", None, f"{refusal.field}: {message}")
