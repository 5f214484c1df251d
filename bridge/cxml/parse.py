"""`parse_document`: a cXML voice document into a validated `Response`, or every problem.

The steps: `document.load_root` refuses hostile or malformed bytes
(`DocumentRejected`); the root must be `<Response>`; each child is read by the
reader the `VERB_READERS` table names for its tag (an unknown tag is a problem
naming it, never a lookup by name); every problem found on the way is
collected, sorted by line, and raised together as `ValidationFailed`, so
nothing of a document runs unless all of it is valid.

Lines are lxml's: the line where an element's start tag ends, which for a
start tag spread over several lines is its last line.

This module does no I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from lxml import etree

from bridge.cxml.dial import read_dial
from bridge.cxml.document import load_root
from bridge.cxml.errors import DocumentRejected, Problem, ValidationFailed
from bridge.cxml.models import Response, Verb
from bridge.cxml.reader import ElementReader, ParseContext
from bridge.cxml.verbs import (
    read_hangup,
    read_pause,
    read_play,
    read_redirect,
    read_reject,
    read_say,
)

VerbReader = Callable[[etree._Element, ParseContext], Verb | None]

# The verbs a <Response> may hold. Anything else is reported by name.
VERB_READERS: Mapping[str, VerbReader] = {
    "Dial": read_dial,
    "Hangup": read_hangup,
    "Reject": read_reject,
    "Pause": read_pause,
    "Redirect": read_redirect,
    "Say": read_say,
    "Play": read_play,
}


def parse_document(
    data: bytes | str, *, source_url: str | None = None, callee_leg: bool = False
) -> Response:
    """Read and validate a whole cXML document.

    `source_url` is the URL the document came from: relative URLs in it are
    resolved against it, and without it they are problems. `callee_leg` marks
    a document fetched for a `<Sip url>` (run on the callee's leg), where
    `<Dial>` is not allowed.

    Raises `DocumentRejected` for bytes that are not a document we will read,
    `ValidationFailed` (with every `Problem`) for a document that breaks rules.
    """
    root, offset = load_root(data)
    context = ParseContext(source_url=source_url, callee_leg=callee_leg, line_offset=offset)
    if root.tag != "Response":
        problem = Problem(context.line(root), str(root.tag), None, "the root must be <Response>")
        raise DocumentRejected((problem,))
    response = ElementReader(root, context)
    if (root.text or "").strip() or any((child.tail or "").strip() for child in root):
        response.problem("<Response> holds text outside any verb")
    verbs: list[Verb] = []
    for child in root:
        reader = VERB_READERS.get(str(child.tag))
        if reader is None:
            known = ", ".join(f"<{name}>" for name in VERB_READERS)
            ElementReader(child, context).problem(f"unknown verb <{child.tag}> (verbs: {known})")
            continue
        verb = reader(child, context)
        if verb is not None:
            verbs.append(verb)
    response.finish()
    if context.problems:
        raise ValidationFailed(tuple(sorted(context.problems, key=lambda p: p.line)))
    return Response(verbs=tuple(verbs), source_url=source_url)
