"""Errors raised while reading a cXML document.

CxmlError                 anything wrong with a document
  DocumentRejected        not parseable or hostile: size, depth, DTD/entities, bad XML
  ValidationFailed        parsed, but breaks one or more rules; carries every Problem
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Problem:
    """One rule broken at one place. `attribute` is None for element-level problems."""

    line: int
    element: str
    attribute: str | None
    message: str

    def __str__(self) -> str:
        where = f"<{self.element}>"
        if self.attribute is not None:
            where = f"<{self.element} {self.attribute}>"
        return f"line {self.line}: {where}: {self.message}"


class CxmlError(Exception):
    """Base of every document error."""

    def __init__(self, problems: tuple[Problem, ...]) -> None:
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))


class DocumentRejected(CxmlError):
    """The bytes are not a document we will read (too large, hostile, malformed)."""


class ValidationFailed(CxmlError):
    """The document parsed but breaks the spec's rules; `problems` lists them all."""
