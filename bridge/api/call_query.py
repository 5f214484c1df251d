"""`GET /Calls.json` parameters into a validated `CallQuery`. Pure: no I/O.

Filters: To, From (exact match, as stored), Status (one call status),
ParentCallSid, and the time filters on StartTime and EndTime:

    StartTime=D         the call started on that UTC day
    StartTime<=D        started on or before D   (`StartTime<` is the same key:
    StartTime>=D        started on or after D     `StartTime<=D` in a query
                                                  string parses as `StartTime<`)

D is a date (YYYY-MM-DD, the whole UTC day) or a datetime with its zone:
ISO 8601 (`2024-03-01T12:00:00Z`, `+01:00`, which is what the helper library
sends) or RFC 2822 (`Fri, 01 Mar 2024 12:00:00 +0000`, the format the API
writes). A datetime bound is an instant; `StartTime=<datetime>` means the day
of that instant (UTC). A naive datetime is refused: local time or UTC?
Bounds are inclusive. A call without that time (not started, not ended)
never matches a time filter. EndTime works the same way.

Paging: PageSize 1..1000 (default 50), Page (0-based, default 0), PageToken
(from a previous page's next/previous_page_uri; it wins over Page).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from bridge.api import errors as codes
from bridge.api.errors import bad_parameter
from bridge.api.form import Form, shown
from bridge.ids import is_call_sid
from bridge.store.paging import PAGE_SIZE_DEFAULT, PAGE_SIZE_MAX
from bridge.store.records import CallStatus

MAX_PAGE = 1_000_000
MAX_FILTER_CHARS = 512

_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_ISO_DATETIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?)?"
    r"(?:Z|[+-][0-9]{2}:?[0-9]{2})"
)
_RFC2822 = re.compile(
    r"(?:[A-Z][a-z]{2}, )?[0-9]{1,2} [A-Z][a-z]{2} [0-9]{4} [0-9]{2}:[0-9]{2}(?::[0-9]{2})? "
    r"(?:[+-][0-9]{4}|GMT|UT|UTC)"
)

# Parameter name -> (store argument, bound kind). `X<` and `X<=` are one bound.
_TIME_FILTERS: Mapping[str, str] = {
    "StartTime": "start_time_on",
    "StartTime<": "start_time_before",
    "StartTime<=": "start_time_before",
    "StartTime>": "start_time_after",
    "StartTime>=": "start_time_after",
    "EndTime": "end_time_on",
    "EndTime<": "end_time_before",
    "EndTime<=": "end_time_before",
    "EndTime>": "end_time_after",
    "EndTime>=": "end_time_after",
}
_TEXT_FILTERS = ("To", "From")
PAGING_PARAMETERS = frozenset({"Page", "PageSize", "PageToken"})
LIST_PARAMETERS = frozenset(
    {*_TEXT_FILTERS, "Status", "ParentCallSid", *_TIME_FILTERS, *PAGING_PARAMETERS}
)


@dataclass(frozen=True)
class CallQuery:
    """A validated listing request.

    `filters` keeps the filter parameters as the client gave them (in a fixed
    order), to be repeated in the page URIs; `store_filters` holds them parsed,
    as keyword arguments of `CallStore.list_calls`.
    """

    filters: tuple[tuple[str, str], ...]
    store_filters: Mapping[str, Any]
    page: int = 0
    page_size: int = PAGE_SIZE_DEFAULT
    page_token: str | None = None


@dataclass(frozen=True)
class Paging:
    page: int
    page_size: int
    page_token: str | None


def read_paging(form: Form) -> Paging:
    page_size = form.integer("PageSize", codes.CALLS_PARAMETER, 1, PAGE_SIZE_MAX)
    page = form.integer("Page", codes.CALLS_PARAMETER, 0, MAX_PAGE)
    token = form.single("PageToken", codes.CALLS_PARAMETER)
    return Paging(
        page=page or 0,
        page_size=PAGE_SIZE_DEFAULT if page_size is None else page_size,
        page_token=token,
    )


def read_call_query(values: Mapping[str, Sequence[str]]) -> CallQuery:
    form = Form(values, LIST_PARAMETERS)
    filters: list[tuple[str, str]] = []
    store: dict[str, Any] = {}
    for name in _TEXT_FILTERS:
        value = form.text(name, codes.CALLS_PARAMETER, MAX_FILTER_CHARS)
        if value is not None:
            filters.append((name, value))
            store["from_" if name == "From" else "to"] = value
    status = form.single("Status", codes.CALLS_PARAMETER)
    if status is not None:
        try:
            store["status"] = CallStatus(status)
        except ValueError:
            allowed = ", ".join(member.value for member in CallStatus)
            raise bad_parameter(
                codes.CALLS_PARAMETER, f"Status {shown(status)} is not one of: {allowed}"
            ) from None
        filters.append(("Status", status))
    parent = form.single("ParentCallSid", codes.CALLS_PARAMETER)
    if parent is not None:
        if not is_call_sid(parent):
            raise bad_parameter(
                codes.CALLS_PARAMETER,
                f"ParentCallSid {shown(parent)} is not a call sid (CA and 32 lowercase hex digits)",
            )
        filters.append(("ParentCallSid", parent))
        store["parent_call_sid"] = parent
    for name, argument in _TIME_FILTERS.items():
        value = form.single(name, codes.CALLS_PARAMETER)
        if value is None:
            continue
        if argument in store:
            raise bad_parameter(
                codes.CALLS_PARAMETER,
                f"{name} repeats a bound already given (X< and X<= are the same bound)",
            )
        store[argument] = parse_time_filter(name, value)
        filters.append((name, value))
    paging = read_paging(form)
    return CallQuery(
        filters=tuple(filters),
        store_filters=store,
        page=paging.page,
        page_size=paging.page_size,
        page_token=paging.page_token,
    )


def parse_time_filter(name: str, value: str) -> date:
    """A date (the whole UTC day) or a timezone-aware datetime (an instant)."""
    try:
        if _DATE.fullmatch(value):
            return date.fromisoformat(value)
        if _ISO_DATETIME.fullmatch(value):
            return datetime.fromisoformat(value).astimezone(UTC)
        if _RFC2822.fullmatch(value):
            parsed = parsedate_to_datetime(value)
            # "-0000" (RFC 2822's "UTC, local zone unknown") parses naive.
            if parsed.tzinfo is None:
                parsed = parsed.replace(tzinfo=UTC)
            return parsed.astimezone(UTC)
    except (ValueError, OverflowError) as error:
        raise bad_parameter(
            codes.CALLS_PARAMETER, f"{name} {shown(value)} is not a valid date: {error}"
        ) from None
    raise bad_parameter(
        codes.CALLS_PARAMETER,
        f"{name} {shown(value)} is not a date (YYYY-MM-DD) or a datetime with a zone "
        "(ISO 8601 like 2024-03-01T12:00:00Z, or RFC 2822)",
    )
