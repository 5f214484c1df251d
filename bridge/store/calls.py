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

from sqlalchemy import Connection, Row, bindparam, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from bridge.store.call_listing import call_filters, cursor_page, offset_page, time_filters
from bridge.store.call_rows import CALLS, STATUS_HISTORY, new_values, record_of
from bridge.store.db import Database
from bridge.store.errors import CallNotFinished, CallNotFound, DuplicateRecord, IllegalTransition
from bridge.store.paging import PAGE_SIZE_DEFAULT, check_page_size, decode_page_token
from bridge.store.records import (
    FINAL_CALL_STATUSES,
    CallPage,
    CallRecord,
    CallStatus,
    NewCall,
    StatusChange,
    transition_refusal,
)
from bridge.store.values import (
    check_method,
    check_utc,
    check_utc_or_none,
    enum_value,
    utc_now,
)

_STARTED = frozenset({CallStatus.INITIATED, CallStatus.RINGING, CallStatus.IN_PROGRESS})

# Statements built once (SQLAlchemy caches their compiled form); `match_sid`
# is not a column name, so the UPDATE's SET clause is the parameters given.
_BY_SID = select(CALLS).where(CALLS.c.sid == bindparam("match_sid"))
_BY_SID_FOR_UPDATE = _BY_SID.with_for_update()
_BY_FS_UUID = select(CALLS).where(CALLS.c.fs_uuid == bindparam("match_fs_uuid"))
_SID_EXISTS = select(func.count()).where(CALLS.c.sid == bindparam("match_sid"))
_UPDATE_BY_SID = update(CALLS).where(CALLS.c.sid == bindparam("match_sid"))
_INSERT_CALL = insert(CALLS)
_INSERT_HISTORY = insert(STATUS_HISTORY)


class CallStore:
    def __init__(self, database: Database, *, clock: Callable[[], datetime] = utc_now) -> None:
        self._db = database
        self._clock = clock

    def _now(self) -> datetime:
        return check_utc(self._clock(), "the store's clock")

    # -- writes ---------------------------------------------------------

    def create_call(self, call: NewCall) -> CallRecord:
        """Record a new leg and the first line of its history.

        Raises ValueError for a malformed field, CallNotFound for an unknown
        parent, DuplicateRecord for a sid or FreeSWITCH uuid already used.
        """
        values = new_values(call, self._now())
        try:
            with self._db.writing() as session:
                connection = session.connection()
                if call.parent_call_sid is not None:
                    if not _exists(connection, call.parent_call_sid):
                        raise CallNotFound(call.parent_call_sid)
                connection.execute(_INSERT_CALL, values)
                connection.execute(
                    _INSERT_HISTORY,
                    {
                        "call_sid": call.sid,
                        "status": values["status"],
                        "at": values["start_time"] or values["date_created"],
                    },
                )
        except IntegrityError as error:
            # Unique sid or uuid; checked after the fact rather than before,
            # which would cost every creation two more queries.
            raise self._duplicate(call) from error
        return record_of(values)

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
            connection = session.connection()
            row = _locked(connection, sid)
            current = CallStatus(row.status)
            refusal = transition_refusal(current, requested)
            if refusal is not None:
                raise IllegalTransition(sid, current, requested, refusal)
            if requested is current:
                return record_of(row._mapping)
            changes: dict[str, Any] = {"status": requested.value, "date_updated": self._now()}
            if sip_result_code is not None:
                changes["sip_result_code"] = sip_result_code
            if start_time is not None:
                changes["start_time"] = start_time
            elif row.start_time is None and requested in _STARTED:
                changes["start_time"] = at
            if answer_time is not None:
                changes["answer_time"] = answer_time
            elif requested is CallStatus.IN_PROGRESS:
                changes["answer_time"] = at
            if requested.is_final:
                ended = changes["end_time"] = end_time or at
                answered = changes.get("answer_time", row.answer_time)
                changes["duration"] = (
                    duration if duration is not None else _seconds(answered, ended)
                )
            connection.execute(_UPDATE_BY_SID, {"match_sid": sid, **changes})
            connection.execute(
                _INSERT_HISTORY,
                {
                    "call_sid": sid,
                    "status": requested.value,
                    "at": at,
                    "sip_response_code": sip_result_code,
                    "detail": detail,
                },
            )
            return record_of({**row._mapping, **changes})

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
        DuplicateRecord if `fs_uuid` belongs to another call.
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
        changes["date_updated"] = self._now()
        try:
            with self._db.writing() as session:
                connection = session.connection()
                row = _locked(connection, sid)
                connection.execute(_UPDATE_BY_SID, {"match_sid": sid, **changes})
        except IntegrityError as error:
            raise DuplicateRecord(f"FreeSWITCH uuid {fs_uuid} already has a call") from error
        return record_of({**row._mapping, **changes})

    def set_fs_uuid(self, sid: str, fs_uuid: str) -> CallRecord:
        return self.update_call(sid, fs_uuid=fs_uuid)

    def delete(self, sid: str) -> None:
        """Remove a finished call and its history (else CallNotFinished).

        Its child legs stay, with parent_call_sid cleared; its recordings stay
        (resources of their own, removed through RecordingStore).
        """
        with self._db.writing() as session:
            connection = session.connection()
            row = _locked(connection, sid)
            if not CallStatus(row.status).is_final:
                raise CallNotFinished(sid, row.status)
            connection.execute(
                update(CALLS).where(CALLS.c.parent_call_sid == sid).values(parent_call_sid=None)
            )
            connection.execute(delete(STATUS_HISTORY).where(STATUS_HISTORY.c.call_sid == sid))
            connection.execute(delete(CALLS).where(CALLS.c.sid == sid))

    # -- reads ----------------------------------------------------------

    def get(self, sid: str) -> CallRecord:
        found = self.find(sid)
        if found is None:
            raise CallNotFound(sid)
        return found

    def find(self, sid: str) -> CallRecord | None:
        with self._db.reading() as session:
            row = session.connection().execute(_BY_SID, {"match_sid": sid}).first()
        return None if row is None else record_of(row._mapping)

    def by_fs_uuid(self, fs_uuid: str) -> CallRecord | None:
        with self._db.reading() as session:
            row = session.connection().execute(_BY_FS_UUID, {"match_fs_uuid": fs_uuid}).first()
        return None if row is None else record_of(row._mapping)

    def history(self, sid: str) -> tuple[StatusChange, ...]:
        """The call's status changes, oldest first (the first is its creation)."""
        with self._db.reading() as session:
            connection = session.connection()
            if not _exists(connection, sid):
                raise CallNotFound(sid)
            rows = connection.execute(
                select(STATUS_HISTORY)
                .where(STATUS_HISTORY.c.call_sid == sid)
                .order_by(STATUS_HISTORY.c.at, STATUS_HISTORY.c.id)
            ).all()
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
            rows = session.connection().execute(
                select(CALLS)
                .where(CALLS.c.status.not_in(final))
                .order_by(CALLS.c.date_created, CALLS.c.sid)
            )
            return tuple(record_of(row._mapping) for row in rows)

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
                CALLS.c.start_time,
                "start_time",
                before=start_time_before,
                after=start_time_after,
                on=start_time_on,
            ),
            *time_filters(
                CALLS.c.end_time,
                "end_time",
                before=end_time_before,
                after=end_time_after,
                on=end_time_on,
            ),
        ]
        query = select(CALLS).where(CALLS.c.account_sid == account_sid, *conditions)
        with self._db.reading() as session:
            connection = session.connection()
            if cursor is None:
                return offset_page(connection, query, page, page_size)
            return cursor_page(connection, query, cursor, page_size)

    def _duplicate(self, call: NewCall) -> DuplicateRecord:
        with self._db.reading() as session:
            connection = session.connection()
            if _exists(connection, call.sid):
                return DuplicateRecord(f"call sid {call.sid} is already in use")
        return DuplicateRecord(f"FreeSWITCH uuid {call.fs_uuid} already has a call")


def _locked(connection: Connection, sid: str) -> Row[Any]:
    # FOR UPDATE on PostgreSQL (the API and the engine, maybe of another
    # instance, may change the same call); SQLite holds the write lock already.
    row = connection.execute(_BY_SID_FOR_UPDATE, {"match_sid": sid}).first()
    if row is None:
        raise CallNotFound(sid)
    return row


def _exists(connection: Connection, sid: str) -> bool:
    return bool(connection.execute(_SID_EXISTS, {"match_sid": sid}).scalar())


def _seconds(answered: datetime | None, ended: datetime) -> int:
    if answered is None:
        return 0
    return max(0, (ended - answered) // timedelta(seconds=1))
