"""The tables behind `CallStore`: `calls` (one row per leg) and
`call_status_history` (one row per status change), and the mapping between a
`calls` row and a CallRecord. The rules live in bridge.store.calls.

The steering fields (document URL and method, fallback, status callback URL,
method and events) are plain columns rather than one JSON column: they are few
and fixed by the spec, each one is typed and checked by the database, they read
the same on SQLite and PostgreSQL, and a redirect updates one of them alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, cast

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column

from bridge.ids import is_call_sid
from bridge.store.db import Base, UtcDateTime
from bridge.store.records import CallDirection, CallRecord, CallStatus, NewCall
from bridge.store.values import (
    check_events,
    check_length,
    check_method,
    check_utc_or_none,
    enum_value,
)

_STATUS_VALUES = ", ".join(f"'{status.value}'" for status in CallStatus)
_DIRECTION_VALUES = ", ".join(f"'{direction.value}'" for direction in CallDirection)
# SQLite only autoincrements an INTEGER PRIMARY KEY; PostgreSQL gets a bigint.
_AUTOINCREMENT_ID = BigInteger().with_variant(Integer(), "sqlite")


class CallRow(Base):
    __tablename__ = "calls"

    sid: Mapped[str] = mapped_column(String(34), primary_key=True)
    account_sid: Mapped[str] = mapped_column(String(64))
    parent_call_sid: Mapped[str | None] = mapped_column(
        String(34), ForeignKey("calls.sid", ondelete="SET NULL"), index=True
    )
    direction: Mapped[str] = mapped_column(String(16))
    # `from` and `to` are SQL keywords; the columns say what they hold.
    from_: Mapped[str] = mapped_column("from_address", Text)
    to: Mapped[str] = mapped_column("to_address", Text)
    caller_name: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    fs_uuid: Mapped[str | None] = mapped_column(String(64), unique=True)
    sip_call_id: Mapped[str | None] = mapped_column(Text)
    sip_result_code: Mapped[int | None] = mapped_column(Integer)
    answered_by: Mapped[str | None] = mapped_column(String(32))
    forwarded_from: Mapped[str | None] = mapped_column(Text)
    api_version: Mapped[str] = mapped_column(String(16))
    date_created: Mapped[datetime] = mapped_column(UtcDateTime())
    date_updated: Mapped[datetime] = mapped_column(UtcDateTime())
    start_time: Mapped[datetime | None] = mapped_column(UtcDateTime())
    answer_time: Mapped[datetime | None] = mapped_column(UtcDateTime())
    end_time: Mapped[datetime | None] = mapped_column(UtcDateTime())
    duration: Mapped[int | None] = mapped_column(Integer)
    document_url: Mapped[str | None] = mapped_column(Text)
    document_method: Mapped[str] = mapped_column(String(4))
    fallback_url: Mapped[str | None] = mapped_column(Text)
    fallback_method: Mapped[str] = mapped_column(String(4))
    status_callback: Mapped[str | None] = mapped_column(Text)
    status_callback_method: Mapped[str] = mapped_column(String(4))
    # Space-separated, in spec order: "initiated ringing answered completed".
    status_callback_events: Mapped[str] = mapped_column(String(64))

    __table_args__ = (
        CheckConstraint(f"status IN ({_STATUS_VALUES})", name="status"),
        CheckConstraint(f"direction IN ({_DIRECTION_VALUES})", name="direction"),
        # The REST listing: one account, newest first.
        Index(None, "account_sid", "date_created", "sid"),
        Index(None, "status"),
    )


class StatusChangeRow(Base):
    __tablename__ = "call_status_history"

    id: Mapped[int] = mapped_column(_AUTOINCREMENT_ID, primary_key=True, autoincrement=True)
    call_sid: Mapped[str] = mapped_column(
        String(34), ForeignKey("calls.sid", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    sip_response_code: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[str | None] = mapped_column(Text)


# The same tables for Core statements: the store's hot paths (one status
# change of one call) run as a few plain statements, without the ORM's unit of
# work, which costs several times the SQLite work itself (bench/store_writes.py).
CALLS = cast(Table, CallRow.__table__)
STATUS_HISTORY = cast(Table, StatusChangeRow.__table__)


def new_values(call: NewCall, now: datetime) -> dict[str, Any]:
    if not is_call_sid(call.sid):
        raise ValueError(f"sid {call.sid!r} is not CA followed by 32 lowercase hex digits")
    if call.parent_call_sid is not None and not is_call_sid(call.parent_call_sid):
        raise ValueError(f"parent_call_sid {call.parent_call_sid!r} is not a call sid")
    check_length(call.account_sid, "account_sid", 64)
    return {
        "sid": call.sid,
        "account_sid": call.account_sid,
        "parent_call_sid": call.parent_call_sid,
        "direction": enum_value(CallDirection, call.direction, "direction").value,
        "from_address": call.from_,
        "to_address": call.to,
        "caller_name": call.caller_name,
        "status": enum_value(CallStatus, call.status, "status").value,
        "fs_uuid": call.fs_uuid,
        "sip_call_id": call.sip_call_id,
        "sip_result_code": None,
        "answered_by": None,
        "forwarded_from": call.forwarded_from,
        "api_version": call.api_version,
        "date_created": now,
        "date_updated": now,
        "start_time": check_utc_or_none(call.start_time, "start_time"),
        "answer_time": None,
        "end_time": None,
        "duration": None,
        "document_url": call.document_url,
        "document_method": check_method(call.document_method, "document_method"),
        "fallback_url": call.fallback_url,
        "fallback_method": check_method(call.fallback_method, "fallback_method"),
        "status_callback": call.status_callback,
        "status_callback_method": check_method(
            call.status_callback_method, "status_callback_method"
        ),
        "status_callback_events": " ".join(
            check_events(call.status_callback_events, "status_callback_events")
        ),
    }


def record_of(row: Mapping[Any, Any]) -> CallRecord:
    """A record from a row's columns (or from the values just written)."""
    return CallRecord(
        sid=row["sid"],
        account_sid=row["account_sid"],
        parent_call_sid=row["parent_call_sid"],
        direction=CallDirection(row["direction"]),
        from_=row["from_address"],
        to=row["to_address"],
        caller_name=row["caller_name"],
        status=CallStatus(row["status"]),
        fs_uuid=row["fs_uuid"],
        sip_call_id=row["sip_call_id"],
        sip_result_code=row["sip_result_code"],
        answered_by=row["answered_by"],
        forwarded_from=row["forwarded_from"],
        api_version=row["api_version"],
        date_created=row["date_created"],
        date_updated=row["date_updated"],
        start_time=row["start_time"],
        answer_time=row["answer_time"],
        end_time=row["end_time"],
        duration=row["duration"],
        document_url=row["document_url"],
        document_method=row["document_method"],
        fallback_url=row["fallback_url"],
        fallback_method=row["fallback_method"],
        status_callback=row["status_callback"],
        status_callback_method=row["status_callback_method"],
        status_callback_events=tuple(row["status_callback_events"].split()),
    )
