"""Calls: every leg (inbound, REST-created, dialed), its status history, and
how it is steered. The source of truth for the REST API.

`CallStore` is the repository. It returns frozen records (bridge.store.records),
never ORM rows, and keeps every transaction short: one call, one write, no I/O
between BEGIN and COMMIT. Tables: bridge.store.call_rows.

Status rules (`records.transition_refusal`): a call moves forward only, queued
→ initiated → ringing → in-progress → a final status (completed, busy, failed,
no-answer, canceled), and an answered call ends as completed or failed.
`update_status` with the status the call already has returns the record
unchanged and writes no history (engines re-report after an Event Socket
resync); any other refused move raises `IllegalTransition`, so a late or
duplicate event never rewrites a finished call and the caller learns that it
tried.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bridge.ids import is_call_sid
from bridge.store.call_listing import call_filters, cursor_page, offset_page, time_filters
from bridge.store.call_rows import CallRow, StatusChangeRow
from bridge.store.db import Database
from bridge.store.errors import CallNotFinished, CallNotFound, DuplicateRecord, IllegalTransition
from bridge.store.paging import PAGE_SIZE_DEFAULT, check_page_size, decode_page_token
from bridge.store.records import (
    FINAL_CALL_STATUSES,
    CallDirection,
    CallPage,
    CallRecord,
    CallStatus,
    NewCall,
    StatusChange,
    transition_refusal,
)
from bridge.store.values import (
    check_events,
    check_length,
    check_method,
    check_utc,
    check_utc_or_none,
    enum_value,
    utc_now,
)

_STARTED = frozenset({CallStatus.INITIATED, CallStatus.RINGING, CallStatus.IN_PROGRESS})


class CallStore:
    def __init__(self, database: Database, *, clock: Callable[[], datetime] = utc_now) -> None:
        self._db = database
        self._clock = clock

    # -- writes ---------------------------------------------------------

    def create_call(self, call: NewCall) -> CallRecord:
        """Record a new leg and the first line of its history.

        Raises ValueError for a malformed field, CallNotFound for an unknown
        parent, DuplicateRecord for a sid or FreeSWITCH uuid already used.
        """
        row = _new_row(call, self._clock())
        try:
            with self._db.writing() as session:
                if call.parent_call_sid is not None:
                    if session.get(CallRow, call.parent_call_sid) is None:
                        raise CallNotFound(call.parent_call_sid)
                if session.get(CallRow, call.sid) is not None:
                    raise DuplicateRecord(f"call sid {call.sid} is already in use")
                if call.fs_uuid is not None and _by_fs_uuid(session, call.fs_uuid) is not None:
                    raise DuplicateRecord(f"FreeSWITCH uuid {call.fs_uuid} already has a call")
                session.add(row)
                at = row.start_time or row.date_created
                session.add(StatusChangeRow(call_sid=row.sid, status=row.status, at=at))
                session.flush()
                return _record(row)
        except IntegrityError as error:
            # Another instance won a race on the same sid or uuid (PostgreSQL).
            raise DuplicateRecord(f"call {call.sid}: {error.orig}") from error

    def update_status(
        self,
        sid: str,
        status: CallStatus | str,
        *,
        at: datetime,
        sip_result_code: int | None = None,
        start_time: datetime | None = None,
        answer_time: datetime | None = None,
        end_time: datetime | None = None,
        duration: int | None = None,
        detail: str | None = None,
    ) -> CallRecord:
        """Move a call to `status` as of `at`, and append that to its history.

        Filled in unless given: start_time (`at`) when the call first reaches
        initiated, ringing or in-progress; answer_time (`at`) on in-progress;
        end_time (`at`) and duration (whole seconds from answer to end,
        floored like FreeSWITCH's billsec; 0 if never answered) on a final
        status. The same status again returns the record unchanged; other
        refused moves raise IllegalTransition.
        """
        requested = enum_value(CallStatus, status, "status")
        at = check_utc(at, "at")
        start_time = check_utc_or_none(start_time, "start_time")
        answer_time = check_utc_or_none(answer_time, "answer_time")
        end_time = check_utc_or_none(end_time, "end_time")
        if duration is not None and duration < 0:
            raise ValueError(f"duration {duration} is negative")
        with self._db.writing() as session:
            row = _locked(session, sid)
            current = CallStatus(row.status)
            refusal = transition_refusal(current, requested)
            if refusal is not None:
                raise IllegalTransition(sid, current, requested, refusal)
            if requested is current:
                return _record(row)
            row.status = requested.value
            if sip_result_code is not None:
                row.sip_result_code = sip_result_code
            if start_time is not None:
                row.start_time = start_time
            elif row.start_time is None and requested in _STARTED:
                row.start_time = at
            if answer_time is not None:
                row.answer_time = answer_time
            elif requested is CallStatus.IN_PROGRESS:
                row.answer_time = at
            if requested.is_final:
                row.end_time = end_time or at
                row.duration = duration if duration is not None else _duration(row)
            row.date_updated = self._clock()
            session.add(
                StatusChangeRow(
                    call_sid=sid,
                    status=requested.value,
                    at=at,
                    sip_response_code=sip_result_code,
                    detail=detail,
                )
            )
            session.flush()
            return _record(row)

    def update_call(
        self,
        sid: str,
        *,
        fs_uuid: str | None = None,
        sip_call_id: str | None = None,
        sip_result_code: int | None = None,
        answered_by: str | None = None,
        caller_name: str | None = None,
        document_url: str | None = None,
        document_method: str | None = None,
    ) -> CallRecord:
        """Set the given fields (None leaves a field as it is), in any status.

        A redirect (REST update with Url, or <Redirect>) sets document_url and
        document_method; the engine fills in what it learns from FreeSWITCH.
        """
        changes: dict[str, Any] = {
            "fs_uuid": fs_uuid,
            "sip_call_id": sip_call_id,
            "sip_result_code": sip_result_code,
            "answered_by": answered_by,
            "caller_name": caller_name,
            "document_url": document_url,
        }
        changes = {name: value for name, value in changes.items() if value is not None}
        if document_method is not None:
            changes["document_method"] = check_method(document_method, "document_method")
        try:
            with self._db.writing() as session:
                row = _locked(session, sid)
                if fs_uuid is not None and fs_uuid != row.fs_uuid:
                    if _by_fs_uuid(session, fs_uuid) is not None:
                        raise DuplicateRecord(f"FreeSWITCH uuid {fs_uuid} already has a call")
                for name, value in changes.items():
                    setattr(row, name, value)
                row.date_updated = self._clock()
                session.flush()
                return _record(row)
        except IntegrityError as error:
            raise DuplicateRecord(f"call {sid}: {error.orig}") from error

    def set_fs_uuid(self, sid: str, fs_uuid: str) -> CallRecord:
        return self.update_call(sid, fs_uuid=fs_uuid)

    def delete(self, sid: str) -> None:
        """Remove a finished call and its history (else CallNotFinished).

        Its child legs stay, with parent_call_sid cleared; its recordings stay
        (resources of their own, removed through RecordingStore).
        """
        with self._db.writing() as session:
            row = _locked(session, sid)
            if not CallStatus(row.status).is_final:
                raise CallNotFinished(sid, row.status)
            session.execute(
                update(CallRow).where(CallRow.parent_call_sid == sid).values(parent_call_sid=None)
            )
            session.execute(delete(StatusChangeRow).where(StatusChangeRow.call_sid == sid))
            session.delete(row)

    # -- reads ----------------------------------------------------------

    def get(self, sid: str) -> CallRecord:
        found = self.find(sid)
        if found is None:
            raise CallNotFound(sid)
        return found

    def find(self, sid: str) -> CallRecord | None:
        with self._db.reading() as session:
            row = session.get(CallRow, sid)
            return None if row is None else _record(row)

    def by_fs_uuid(self, fs_uuid: str) -> CallRecord | None:
        with self._db.reading() as session:
            row = _by_fs_uuid(session, fs_uuid)
            return None if row is None else _record(row)

    def history(self, sid: str) -> tuple[StatusChange, ...]:
        """The call's status changes, oldest first (the first is its creation)."""
        with self._db.reading() as session:
            if session.get(CallRow, sid) is None:
                raise CallNotFound(sid)
            rows = session.scalars(
                select(StatusChangeRow)
                .where(StatusChangeRow.call_sid == sid)
                .order_by(StatusChangeRow.at, StatusChangeRow.id)
            )
            return tuple(
                StatusChange(
                    call_sid=row.call_sid,
                    status=CallStatus(row.status),
                    at=row.at,
                    sip_response_code=row.sip_response_code,
                    detail=row.detail,
                )
                for row in rows
            )

    def live_calls(self) -> tuple[CallRecord, ...]:
        """Every call not in a final status, oldest first: what the engine
        checks against FreeSWITCH after an Event Socket resync."""
        final = [status.value for status in FINAL_CALL_STATUSES]
        with self._db.reading() as session:
            rows = session.scalars(
                select(CallRow)
                .where(CallRow.status.not_in(final))
                .order_by(CallRow.date_created, CallRow.sid)
            )
            return tuple(_record(row) for row in rows)

    def list_calls(
        self,
        account_sid: str,
        *,
        to: str | None = None,
        from_: str | None = None,
        status: CallStatus | str | None = None,
        parent_call_sid: str | None = None,
        start_time_before: date | None = None,
        start_time_after: date | None = None,
        start_time_on: date | None = None,
        end_time_before: date | None = None,
        end_time_after: date | None = None,
        end_time_on: date | None = None,
        page_size: int = PAGE_SIZE_DEFAULT,
        page: int = 0,
        page_token: str | None = None,
    ) -> CallPage:
        """One page of an account's calls, newest first (date_created, sid).

        Time filters are inclusive and in UTC. `*_after`: at or after a
        datetime, or on or after a date (from its midnight). `*_before`: at or
        before a datetime, or on or before a date (the whole day). `*_on`: that
        date's day. They are the REST API's StartTime>=, StartTime<= and
        StartTime= (and EndTime). A call without that time (not started, not
        ended) never matches a time filter.

        `page_token` (from a previous CallPage) wins over `page`; `page` alone
        skips page * page_size rows. page_size is 1..1000.
        """
        check_page_size(page_size)
        if page < 0:
            raise ValueError(f"page {page} is negative")
        cursor = decode_page_token(page_token) if page_token is not None else None
        conditions = [
            *call_filters(to, from_, status, parent_call_sid),
            *time_filters(
                CallRow.start_time,
                "start_time",
                before=start_time_before,
                after=start_time_after,
                on=start_time_on,
            ),
            *time_filters(
                CallRow.end_time,
                "end_time",
                before=end_time_before,
                after=end_time_after,
                on=end_time_on,
            ),
        ]
        query = select(CallRow).where(CallRow.account_sid == account_sid, *conditions)
        with self._db.reading() as session:
            if cursor is None:
                return offset_page(session, query, page, page_size, _record)
            return cursor_page(session, query, cursor, page_size, _record)


# -- row <-> record ---------------------------------------------------------


def _new_row(call: NewCall, now: datetime) -> CallRow:
    if not is_call_sid(call.sid):
        raise ValueError(f"sid {call.sid!r} is not CA followed by 32 lowercase hex digits")
    if call.parent_call_sid is not None and not is_call_sid(call.parent_call_sid):
        raise ValueError(f"parent_call_sid {call.parent_call_sid!r} is not a call sid")
    check_length(call.account_sid, "account_sid", 64)
    return CallRow(
        sid=call.sid,
        account_sid=call.account_sid,
        parent_call_sid=call.parent_call_sid,
        direction=enum_value(CallDirection, call.direction, "direction").value,
        from_=call.from_,
        to=call.to,
        caller_name=call.caller_name,
        status=enum_value(CallStatus, call.status, "status").value,
        fs_uuid=call.fs_uuid,
        sip_call_id=call.sip_call_id,
        forwarded_from=call.forwarded_from,
        api_version=call.api_version,
        date_created=now,
        date_updated=now,
        start_time=check_utc_or_none(call.start_time, "start_time"),
        document_url=call.document_url,
        document_method=check_method(call.document_method, "document_method"),
        fallback_url=call.fallback_url,
        fallback_method=check_method(call.fallback_method, "fallback_method"),
        status_callback=call.status_callback,
        status_callback_method=check_method(call.status_callback_method, "status_callback_method"),
        status_callback_events=" ".join(
            check_events(call.status_callback_events, "status_callback_events")
        ),
    )


def _record(row: CallRow) -> CallRecord:
    return CallRecord(
        sid=row.sid,
        account_sid=row.account_sid,
        parent_call_sid=row.parent_call_sid,
        direction=CallDirection(row.direction),
        from_=row.from_,
        to=row.to,
        caller_name=row.caller_name,
        status=CallStatus(row.status),
        fs_uuid=row.fs_uuid,
        sip_call_id=row.sip_call_id,
        sip_result_code=row.sip_result_code,
        answered_by=row.answered_by,
        forwarded_from=row.forwarded_from,
        api_version=row.api_version,
        date_created=row.date_created,
        date_updated=row.date_updated,
        start_time=row.start_time,
        answer_time=row.answer_time,
        end_time=row.end_time,
        duration=row.duration,
        document_url=row.document_url,
        document_method=row.document_method,
        fallback_url=row.fallback_url,
        fallback_method=row.fallback_method,
        status_callback=row.status_callback,
        status_callback_method=row.status_callback_method,
        status_callback_events=tuple(row.status_callback_events.split()),
    )


def _locked(session: Session, sid: str) -> CallRow:
    # FOR UPDATE on PostgreSQL (the API and the engine, maybe of another
    # instance, may change the same call); SQLite holds the write lock already.
    row = session.scalars(select(CallRow).where(CallRow.sid == sid).with_for_update()).first()
    if row is None:
        raise CallNotFound(sid)
    return row


def _by_fs_uuid(session: Session, fs_uuid: str) -> CallRow | None:
    return session.scalars(select(CallRow).where(CallRow.fs_uuid == fs_uuid)).first()


def _duration(row: CallRow) -> int:
    if row.answer_time is None or row.end_time is None:
        return 0
    return max(0, (row.end_time - row.answer_time) // timedelta(seconds=1))
