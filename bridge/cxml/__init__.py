"""cXML voice documents into frozen, typed verbs and nouns. No I/O (see README.md).

    parse_document(data, *, source_url=None, callee_leg=False) -> Response

Errors (from `errors`): CxmlError > DocumentRejected, ValidationFailed; each
carries `problems`, a tuple of `Problem(line, element, attribute, message)`.
"""

from bridge.cxml.document import MAX_DEPTH, MAX_ELEMENTS
from bridge.cxml.errors import CxmlError, DocumentRejected, Problem, ValidationFailed
from bridge.cxml.parse import parse_document

__all__ = [
    "MAX_DEPTH",
    "MAX_ELEMENTS",
    "CxmlError",
    "DocumentRejected",
    "Problem",
    "ValidationFailed",
    "parse_document",
]
