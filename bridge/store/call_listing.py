"""The query side of `CallStore.list_calls`: filters, UTC day arithmetic for
the StartTime/EndTime filters, and keyset paging over (date_created, sid).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Column, ColumnElement, Connection, Select, and_, or_

from bridge.store.call_rows import CALLS, record_of
from bridge.store.paging import PageCursor, PageDirection, encode_page_token
from bridge.store.records import CallPage, CallRecord, CallStatus
from bridge.store.values import check_utc, enum_value


def call_filters(
    to: str | None,
    from_: str | None,
    status: CallStatus | str | None,
    parent_call_sid: str | None,
) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if to is not None:
        conditions.append(CALLS.c.to_address == to)
    if from_ is not None:
        conditions.append(CALLS.c.from_address == from_)
    if status is not None:
        conditions.append(CALLS.c.status == enum_value(CallStatus, status, "status").value)
    if parent_call_sid is not None:
        conditions.append(CALLS.c.parent_call_sid == parent_call_sid)
    return conditions


def time_filters(
    column: Column[datetime],
    name: str,
    *,
    before: date | None,
    after: date | None,
    on: date | None,
) -> list[ColumnElement[bool]]:
    """Inclusive bounds: a datetime is an instant, a date the whole UTC day."""
    # datetime is a subclass of date: test for it first.
    conditions: list[ColumnElement[bool]] = []
    if after is not None:
        if isinstance(after, datetime):
            conditions.append(column >= check_utc(after, f"{name}_after"))
        else:
            conditions.append(column >= _day_start(after))
    if before is not None:
        if isinstance(before, datetime):
            conditions.append(column <= check_utc(before, f"{name}_before"))
        else:
            conditions.append(column < _day_start(before + timedelta(days=1)))
    if on is not None:
        day = check_utc(on, f"{name}_on").date() if isinstance(on, datetime) else on
        conditions.append(column >= _day_start(day))
        conditions.append(column < _day_start(day + timedelta(days=1)))
    return conditions


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


_NEWEST_FIRST = (CALLS.c.date_created.desc(), CALLS.c.sid.desc())
_OLDEST_FIRST = (CALLS.c.date_created.asc(), CALLS.c.sid.asc())


def offset_page(
    connection: Connection,
    # Select[Any]: its type parameters differ between SQLAlchemy 2.0 and 2.1.
    query: Select[Any],
    page: int,
    page_size: int,
) -> CallPage:
    ordered = query.order_by(*_NEWEST_FIRST).offset(page * page_size).limit(page_size + 1)
    rows = connection.execute(ordered).all()
    items = tuple(record_of(row._mapping) for row in rows[:page_size])
    return _page(items, page, page_size, more_after=len(rows) > page_size, more_before=page > 0)


def cursor_page(
    connection: Connection,
    query: Select[Any],
    cursor: PageCursor,
    page_size: int,
) -> CallPage:
    created, sid = CALLS.c.date_created, CALLS.c.sid
    at, last_sid = cursor.date_created, cursor.sid
    if cursor.direction is PageDirection.NEXT:
        older = or_(created < at, and_(created == at, sid < last_sid))
        ordered = query.where(older).order_by(*_NEWEST_FIRST).limit(page_size + 1)
        rows = connection.execute(ordered).all()
        items = tuple(record_of(row._mapping) for row in rows[:page_size])
        more_after, more_before = len(rows) > page_size, True
    else:
        newer = or_(created > at, and_(created == at, sid > last_sid))
        ordered = query.where(newer).order_by(*_OLDEST_FIRST).limit(page_size + 1)
        rows = connection.execute(ordered).all()
        items = tuple(record_of(row._mapping) for row in reversed(rows[:page_size]))
        more_after, more_before = True, len(rows) > page_size
    return _page(items, cursor.page, page_size, more_after=more_after, more_before=more_before)


def _page(
    items: tuple[CallRecord, ...], page: int, page_size: int, *, more_after: bool, more_before: bool
) -> CallPage:
    next_token = previous_token = None
    if items and more_after:
        last = items[-1]
        next_token = encode_page_token(
            PageCursor(PageDirection.NEXT, last.date_created, last.sid, page + 1)
        )
    if items and more_before and page > 0:
        first = items[0]
        previous_token = encode_page_token(
            PageCursor(PageDirection.PREVIOUS, first.date_created, first.sid, page - 1)
        )
    return CallPage(
        items=items,
        page=page,
        page_size=page_size,
        next_page_token=next_token,
        previous_page_token=previous_token,
    )
