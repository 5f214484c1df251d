"""Strict reading of REST parameters (a form body or a query string).

Pure: works on a plain mapping of name -> list of values, so the rules are
tested without a server. Every refusal is an `ApiError` whose message names
the parameter and says what was wrong with it.

Rules shared by every endpoint:
- a parameter the endpoint does not take is refused (20001), all of them
  named at once, before anything else is read;
- a single-valued parameter given twice is refused, as is an empty value
  (a client that sends `Url=` surely meant something);
- URLs are absolute http(s) with a host, at most 2048 characters, without
  whitespace or control characters (the same rule as URLs in documents);
- methods are GET or POST in any case (stored upper-case), integers plain
  ASCII digits in a range, booleans `true`/`false` in any case (the Python
  helper library sends Python's `True`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from urllib.parse import urlsplit

from bridge.api.errors import UNKNOWN_PARAMETER, ApiError, bad_parameter
from bridge.cxml.models import HttpMethod
from bridge.cxml.reader import MAX_URL_CHARS

_SHOWN_CHARS = 80
MAX_INTEGER_DIGITS = 9


def shown(value: str) -> str:
    """A value quoted for an error message, cut short if long."""
    if len(value) > _SHOWN_CHARS:
        value = value[:_SHOWN_CHARS] + "..."
    return repr(value)


class Form:
    """The parameters of one request, refused if any is not in `allowed`."""

    def __init__(self, values: Mapping[str, Sequence[str]], allowed: Iterable[str]) -> None:
        self._values = {name: list(items) for name, items in values.items()}
        known = frozenset(allowed)
        unknown = sorted(name for name in self._values if name not in known)
        if unknown:
            names = ", ".join(shown(name) for name in unknown)
            accepted = ", ".join(sorted(known)) or "none"
            raise ApiError(
                400,
                UNKNOWN_PARAMETER,
                f"Unsupported parameter(s) {names}; this endpoint takes: {accepted}",
            )

    def __contains__(self, name: object) -> bool:
        return name in self._values

    def single(self, name: str, code: int) -> str | None:
        """The one value of `name`, or None when absent."""
        items = self._values.get(name)
        if items is None:
            return None
        if len(items) != 1:
            raise bad_parameter(code, f"{name} is given {len(items)} times; give it once")
        value = items[0]
        if value == "":
            raise bad_parameter(code, f"{name} is empty")
        return value

    def many(self, name: str, code: int) -> list[str]:
        """Every value of a repeatable parameter (empty values refused)."""
        items = self._values.get(name, [])
        if any(item == "" for item in items):
            raise bad_parameter(code, f"{name} is empty")
        return items

    # -- typed values ------------------------------------------------------

    def url(self, name: str, code: int) -> str | None:
        value = self.single(name, code)
        if value is None:
            return None
        return check_url(name, value, code)

    def method(self, name: str, code: int) -> HttpMethod | None:
        value = self.single(name, code)
        if value is None:
            return None
        try:
            return HttpMethod(value.upper())
        except ValueError:
            raise bad_parameter(code, f"{name} {shown(value)} is not GET or POST") from None

    def integer(self, name: str, code: int, low: int, high: int) -> int | None:
        value = self.single(name, code)
        if value is None:
            return None
        if not (value.isascii() and value.isdigit()) or len(value) > MAX_INTEGER_DIGITS:
            raise bad_parameter(code, f"{name} {shown(value)} is not a whole number {low}..{high}")
        number = int(value)
        if not low <= number <= high:
            raise bad_parameter(code, f"{name} {number} is outside {low}..{high}")
        return number

    def boolean(self, name: str, code: int) -> bool | None:
        value = self.single(name, code)
        if value is None:
            return None
        folded = value.lower()
        if folded not in ("true", "false"):
            raise bad_parameter(code, f"{name} {shown(value)} is not true or false")
        return folded == "true"

    def text(self, name: str, code: int, max_chars: int) -> str | None:
        """Free text: printable (no control characters), 1..max_chars."""
        value = self.single(name, code)
        if value is None:
            return None
        if len(value) > max_chars:
            raise bad_parameter(code, f"{name} is {len(value)} characters, at most {max_chars}")
        bad = next((c for c in value if not c.isprintable()), None)
        if bad is not None:
            raise bad_parameter(code, f"{name} holds the control character {bad!r}")
        return value


def check_url(name: str, value: str, code: int) -> str:
    if any(c.isspace() or not c.isprintable() for c in value):
        raise bad_parameter(code, f"{name} {shown(value)} holds whitespace or control characters")
    if len(value) > MAX_URL_CHARS:
        raise bad_parameter(code, f"{name} is {len(value)} characters, at most {MAX_URL_CHARS}")
    parts = urlsplit(value)
    try:
        parts.port  # noqa: B018 - urlsplit checks the port only when asked
    except ValueError:
        raise bad_parameter(code, f"{name} {shown(value)} has a bad port") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise bad_parameter(code, f"{name} {shown(value)} is not an absolute http or https URL")
    return value
