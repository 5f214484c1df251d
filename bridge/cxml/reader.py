"""Reading one element's attributes and text into typed values, collecting problems.

Each verb or noun reader opens an `ElementReader` on its element, asks it for
each attribute it knows (which marks the attribute as known) and calls
`finish()`, which reports every attribute nobody asked for. A value that breaks
its grammar is recorded as a `Problem` and replaced by the default, so that one
pass over the document finds every problem before `ValidationFailed` is raised.

Value grammars, shared by every element:

- booleans are exactly ``true`` or ``false``;
- integers are plain ASCII decimal digits (no sign, no spaces), within a range;
- HTTP methods are GET or POST in any case, stored upper-case (the set is
  closed, so folding the case lets nothing new through, and some helper
  libraries pass the method through as the caller wrote it);
- closed sets (record, trim, ringTone, reasons, events) match exactly,
  lower-case as the spec writes them; codecs are the exception: any case,
  stored as the `Codec` enum;
- lists (statusCallbackEvent, recordingStatusCallbackEvent, codecs) are
  separated by spaces and/or commas; the text the Python helper library writes
  for a Python list (``['ringing', 'answered']``) is read as that list;
- URLs are resolved against the document's own URL when relative and must end
  up absolute http(s) with a host, at most 2048 characters, without
  whitespace or control characters;
- free text (username, password, callerName, names) must be printable: no
  control characters, CR, LF or NUL.

This module does no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TypeVar
from urllib.parse import urljoin, urlsplit

from lxml import etree

from bridge.cxml.document import source_line
from bridge.cxml.errors import Problem
from bridge.cxml.models import HttpMethod

MAX_URL_CHARS = 2048
MAX_TEXT_CHARS = 4096

E = TypeVar("E", bound=StrEnum)

_DIGITS = re.compile(r"[0-9]+\Z")
_SDK_LIST = re.compile(r"\[\s*(?:(['\"])[^'\"]*\1\s*(?:,\s*(['\"])[^'\"]*\2\s*)*)?\]\Z")
_SDK_LIST_ITEM = re.compile(r"['\"]([^'\"]*)['\"]")
_LIST_SEPARATORS = re.compile(r"[\s,]+")


@dataclass
class ParseContext:
    """What every reader shares while one document is read."""

    source_url: str | None
    callee_leg: bool
    line_offset: int = 0
    problems: list[Problem] = field(default_factory=list)

    def line(self, element: etree._Element) -> int:
        return source_line(element) + self.line_offset


class ElementReader:
    """Typed access to one element's attributes; see the module docstring."""

    def __init__(self, element: etree._Element, context: ParseContext) -> None:
        self.element = element
        self.context = context
        self.name = str(element.tag)
        self.line = context.line(element)
        self._known: list[str] = []

    # --- reporting ----------------------------------------------------------

    def problem(self, message: str, attribute: str | None = None) -> None:
        self.context.problems.append(Problem(self.line, self.name, attribute, message))

    def finish(self) -> None:
        """Report every attribute no reader asked for."""
        for name in self.element.attrib:
            if name not in self._known:
                known = ", ".join(self._known) if self._known else "none"
                self.problem(f"unknown attribute (this element takes: {known})", str(name))

    # --- attributes -----------------------------------------------------------

    def raw(self, name: str) -> str | None:
        self._known.append(name)
        value = self.element.get(name)
        return None if value is None else str(value)

    def boolean(self, name: str, default: bool) -> bool:
        value = self.raw(name)
        if value is None:
            return default
        if value not in ("true", "false"):
            self.problem(f"{value!r} is not 'true' or 'false'", name)
            return default
        return value == "true"

    def integer(self, name: str, default: int, low: int, high: int) -> int:
        value = self.raw(name)
        if value is None:
            return default
        if not _DIGITS.match(value) or len(value) > 9:
            self.problem(f"{value!r} is not a whole number {low}..{high}", name)
            return default
        number = int(value)
        if not low <= number <= high:
            self.problem(f"{number} is outside {low}..{high}", name)
            return default
        return number

    def choice(self, name: str, enum: type[E], default: E) -> E:
        value = self.raw(name)
        if value is None:
            return default
        try:
            return enum(value)
        except ValueError:
            self.problem(f"{value!r} is not one of {_listed(m.value for m in enum)}", name)
            return default

    def one_of(self, name: str, allowed: frozenset[str]) -> str | None:
        value = self.raw(name)
        if value is not None and value not in allowed:
            self.problem(f"{value!r} is not one of {_listed(sorted(allowed))}", name)
            return None
        return value

    def method(self, name: str) -> HttpMethod:
        value = self.raw(name)
        if value is None:
            return HttpMethod.POST
        try:
            return HttpMethod(value.upper())
        except ValueError:
            self.problem(f"{value!r} is not GET or POST", name)
            return HttpMethod.POST

    def event_set(self, name: str, enum: type[E], default: frozenset[E]) -> frozenset[E]:
        items = self.items(name)
        if items is None:
            return default
        events: set[E] = set()
        for item in items:
            try:
                events.add(enum(item))
            except ValueError:
                allowed = _listed(m.value for m in enum)
                self.problem(f"{item!r} is not an event (events: {allowed})", name)
        return frozenset(events) if events else default

    def items(self, name: str) -> list[str] | None:
        """A list-valued attribute split into its items, or None when absent."""
        value = self.raw(name)
        if value is None:
            return None
        if _SDK_LIST.match(value.strip()):
            items = _SDK_LIST_ITEM.findall(value)
        else:
            items = [item for item in _LIST_SEPARATORS.split(value) if item]
        if not items:
            self.problem("empty list", name)
        return items

    def url(self, name: str) -> str | None:
        value = self.raw(name)
        return None if value is None else self.resolve_url(value, name)

    def text_value(
        self, name: str, max_chars: int, pattern: re.Pattern[str] | None = None, what: str = ""
    ) -> str | None:
        """Free text: printable, 1..max_chars, and matching `pattern` when given."""
        value = self.raw(name)
        if value is None:
            return None
        if self._check_text(value, max_chars, name, pattern, what):
            return value
        return None

    # --- text content ---------------------------------------------------------

    def text(self, *, allow_children: bool = False) -> str:
        """The element's own text, stripped; children are problems unless allowed."""
        if not allow_children:
            for child in self.element:
                self.problem(f"<{child.tag}> is not allowed inside <{self.name}>")
        parts = [self.element.text or ""]
        parts += [child.tail or "" for child in self.element]
        return "".join(parts).strip()

    def check_text(
        self,
        value: str,
        max_chars: int,
        pattern: re.Pattern[str] | None = None,
        what: str = "",
        *,
        attribute: str | None = None,
    ) -> bool:
        """Free-text rules on `value` (the element's text unless `attribute` is named)."""
        return self._check_text(value, max_chars, attribute, pattern, what)

    def resolve_url(self, value: str, attribute: str | None) -> str | None:
        """`value` made absolute against the document's URL, or None after a problem."""
        shown = _shorten(value)
        if any(c.isspace() or not c.isprintable() for c in value):
            self.problem(f"URL {shown} holds whitespace or control characters", attribute)
            return None
        if len(value) > MAX_URL_CHARS:
            self.problem(f"URL is {len(value)} characters, at most {MAX_URL_CHARS}", attribute)
            return None
        source = self.context.source_url
        parts = urlsplit(value)
        if not parts.scheme and source is None:
            self.problem(
                f"relative URL {shown} and the document has no URL to resolve it against",
                attribute,
            )
            return None
        # A URL with a scheme is taken as written: urljoin would quietly fill in
        # the document's host for "https:///path".
        resolved = value if parts.scheme or source is None else urljoin(source, value)
        parts = urlsplit(resolved)
        try:
            parts.port  # noqa: B018 - urlsplit checks the port only when asked
        except ValueError:
            self.problem(f"URL {shown} has a bad port", attribute)
            return None
        if parts.scheme not in ("http", "https") or not parts.hostname:
            self.problem(f"URL {shown} is not an absolute http or https URL", attribute)
            return None
        return resolved

    # --- helpers --------------------------------------------------------------

    def _check_text(
        self,
        value: str,
        max_chars: int,
        attribute: str | None,
        pattern: re.Pattern[str] | None,
        what: str,
    ) -> bool:
        if not value:
            self.problem("empty" if attribute else f"empty <{self.name}>: it needs text", attribute)
            return False
        if len(value) > max_chars:
            self.problem(f"{len(value)} characters, at most {max_chars}", attribute)
            return False
        bad = next((c for c in value if not c.isprintable()), None)
        if bad is not None:
            self.problem(f"holds the control character {bad!r}", attribute)
            return False
        if pattern is not None and not pattern.match(value):
            self.problem(f"{_shorten(value)} is not {what}", attribute)
            return False
        return True


def _listed(values: Iterable[str]) -> str:
    return ", ".join(values)


def _shorten(value: str, limit: int = 80) -> str:
    return repr(value if len(value) <= limit else value[:limit] + "...")
