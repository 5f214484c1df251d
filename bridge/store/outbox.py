"""The callback outbox: every request to a callback URL, written before it is sent.

A row is added when the engine reports an event, and stays `pending` until it
is delivered or given up (`abandoned`); a bridge that stops with rows pending
delivers them when it starts again. Rows also number callbacks:
`sequence_number` counts from 0 per (call, URL, kind), assigned in the same
transaction as the insert, so the numbering survives restarts.

`owner` names the bridge instance that delivers a row, so that instances
sharing one PostgreSQL each recover only their own rows after a restart.
Types are portable (no JSON column, no arrays): parameters are a JSON list of
[name, value] pairs in a text column, because names repeat and order matters.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, cast

from sqlalchemy import CursorResult, Index, Integer, String, Text, func, insert, select, update
from sqlalchemy.orm import Mapped, mapped_column

from bridge.store.db import Base, Database, UtcDateTime

Params = tuple[tuple[str, str], ...]

# Longer texts are cut, so that one odd error never makes a row unwritable.
_ERROR_LENGTH = 1000


class DeliveryState(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    ABANDONED = "abandoned"


class OutboxRow(Base):
    __tablename__ = "callback_outbox"
    __table_args__ = (
        Index("ix_callback_outbox_state_owner", "state", "owner"),
        Index("ix_callback_outbox_call_sid", "call_sid"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    call_sid: Mapped[str] = mapped_column(String(64))
    url: Mapped[str] = mapped_column(Text)
    method: Mapped[str] = mapped_column(String(8))
    params: Mapped[str] = mapped_column(Text)
    sequence_number: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(32))
    owner: Mapped[str] = mapped_column(String(64), default="")
    state: Mapped[str] = mapped_column(String(16), default=DeliveryState.PENDING.value)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    last_status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    """One outbox row, as the rest of the bridge sees it. Datetimes are UTC."""

    id: int
    call_sid: str
    url: str
    method: str
    params: Params
    sequence_number: int
    kind: str
    owner: str
    state: DeliveryState
    created_at: datetime
    attempts: int
    next_attempt_at: datetime | None
    delivered_at: datetime | None
    last_status: int | None
    last_error: str | None


class Outbox:
    """Repository of outbox rows. Every method is one short transaction."""

    def __init__(self, database: Database) -> None:
        self._database = database

    def add(
        self,
        *,
        call_sid: str,
        url: str,
        method: str,
        params: Sequence[tuple[str, str]],
        kind: str,
        owner: str = "",
        created_at: datetime | None = None,
    ) -> OutboxEntry:
        """Store a pending callback with the next sequence number of its (call, URL, kind)."""
        pairs = tuple((str(name), str(value)) for name, value in params)
        created = created_at or datetime.now(UTC)
        values: dict[str, Any] = {
            "call_sid": call_sid,
            "url": url,
            "method": method,
            "params": json.dumps([list(pair) for pair in pairs], ensure_ascii=False),
            "kind": kind,
            "owner": owner,
            "state": DeliveryState.PENDING.value,
            "created_at": created,
            "attempts": 0,
        }
        # Core statements, not the unit of work: this runs on the caller's
        # greenlet for every callback, so it is kept to two short statements.
        with self._database.writing() as session:
            last = session.scalar(
                select(func.max(OutboxRow.sequence_number)).where(
                    OutboxRow.call_sid == call_sid,
                    OutboxRow.url == url,
                    OutboxRow.kind == kind,
                )
            )
            sequence_number = 0 if last is None else last + 1
            values["sequence_number"] = sequence_number
            # inserted_primary_key rather than RETURNING: SQLite before 3.35 has none.
            result = cast(CursorResult[Any], session.execute(insert(OutboxRow).values(values)))
            key = result.inserted_primary_key
            if key is None:
                raise RuntimeError("the database gave no id for the new outbox row")
            entry_id = int(key[0])
        return OutboxEntry(
            id=entry_id,
            call_sid=call_sid,
            url=url,
            method=method,
            params=pairs,
            sequence_number=sequence_number,
            kind=kind,
            owner=owner,
            state=DeliveryState.PENDING,
            created_at=created,
            attempts=0,
            next_attempt_at=None,
            delivered_at=None,
            last_status=None,
            last_error=None,
        )

    def mark_delivered(self, entry_id: int, *, status: int, at: datetime | None = None) -> None:
        """The customer answered `status` (2xx): done."""
        self._update(
            entry_id,
            state=DeliveryState.DELIVERED.value,
            attempts=OutboxRow.attempts + 1,
            delivered_at=at or datetime.now(UTC),
            next_attempt_at=None,
            last_status=status,
            last_error=None,
        )

    def mark_failed(
        self,
        entry_id: int,
        *,
        error: str,
        status: int | None = None,
        retry_at: datetime | None = None,
        attempted: bool = True,
    ) -> None:
        """An attempt failed: retry at `retry_at`, or give up (abandoned) when it is None.

        `attempted=False` records a row given up without a new attempt (expired).
        """
        changes: dict[str, Any] = {
            "last_status": status,
            "last_error": error[:_ERROR_LENGTH],
            "next_attempt_at": retry_at,
        }
        if attempted:
            changes["attempts"] = OutboxRow.attempts + 1
        if retry_at is None:
            changes["state"] = DeliveryState.ABANDONED.value
        self._update(entry_id, **changes)

    def _update(self, entry_id: int, **changes: Any) -> None:
        with self._database.writing() as session:
            statement = update(OutboxRow).where(OutboxRow.id == entry_id).values(**changes)
            result = cast(CursorResult[Any], session.execute(statement))
            if result.rowcount == 0:
                raise LookupError(f"no callback outbox row {entry_id}")

    def pending(self, *, owner: str | None = None) -> list[OutboxEntry]:
        """Rows not yet delivered nor given up, oldest first (of `owner`, when given)."""
        query = select(OutboxRow).where(OutboxRow.state == DeliveryState.PENDING.value)
        if owner is not None:
            query = query.where(OutboxRow.owner == owner)
        with self._database.reading() as session:
            return [_entry(row) for row in session.scalars(query.order_by(OutboxRow.id))]

    def for_call(self, call_sid: str) -> list[OutboxEntry]:
        """Every row of a call, in the order they were added."""
        query = select(OutboxRow).where(OutboxRow.call_sid == call_sid).order_by(OutboxRow.id)
        with self._database.reading() as session:
            return [_entry(row) for row in session.scalars(query)]

    def get(self, entry_id: int) -> OutboxEntry | None:
        with self._database.reading() as session:
            row = session.get(OutboxRow, entry_id)
            return None if row is None else _entry(row)


def _entry(row: OutboxRow) -> OutboxEntry:
    pairs = json.loads(row.params)
    return OutboxEntry(
        id=row.id,
        call_sid=row.call_sid,
        url=row.url,
        method=row.method,
        params=tuple((str(name), str(value)) for name, value in pairs),
        sequence_number=row.sequence_number,
        kind=row.kind,
        owner=row.owner,
        state=DeliveryState(row.state),
        created_at=row.created_at,
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        delivered_at=row.delivered_at,
        last_status=row.last_status,
        last_error=row.last_error,
    )
