"""Checks on values handed to the store, each naming the field at fault."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import TypeVar

from bridge.store.records import HTTP_METHODS, STATUS_CALLBACK_EVENTS

E = TypeVar("E", bound=StrEnum)

# Spec order, so that stored event lists read the same whatever the input order.
EVENT_ORDER = ("initiated", "ringing", "answered", "completed")


def enum_value(kind: type[E], value: E | str, name: str) -> E:
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(member.value for member in kind)
        raise ValueError(f"{name} {value!r} is not one of: {allowed}") from None


def utc_now() -> datetime:
    return datetime.now(UTC)


def check_utc(value: datetime, name: str) -> datetime:
    """The same instant in UTC; a naive datetime is refused."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} {value.isoformat()} is naive: give a timezone-aware datetime")
    return value.astimezone(UTC)


def check_utc_or_none(value: datetime | None, name: str) -> datetime | None:
    return None if value is None else check_utc(value, name)


def check_method(value: str, name: str) -> str:
    method = value.upper()
    if method not in HTTP_METHODS:
        raise ValueError(f"{name} {value!r} is not GET or POST")
    return method


def check_events(events: tuple[str, ...] | list[str], name: str) -> list[str]:
    unknown = [event for event in events if event not in STATUS_CALLBACK_EVENTS]
    if unknown:
        raise ValueError(f"{name} {unknown!r}: allowed are {', '.join(EVENT_ORDER)}")
    return [event for event in EVENT_ORDER if event in events]


def check_length(value: str, name: str, limit: int) -> str:
    if not value or len(value) > limit:
        raise ValueError(f"{name} {value[:80]!r} must be 1 to {limit} characters")
    return value
