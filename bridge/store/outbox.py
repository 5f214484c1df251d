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

from sqlalchemy import Index, Integer, String, Text, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

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
        with self._database.writing() as session:
            last = session.scalar(
                select(func.max(OutboxRow.sequence_number)).where(
                    OutboxRow.call_sid == call_sid,
                    OutboxRow.url == url,
                    OutboxRow.kind == kind,
                )
            )
            row = OutboxRow(
                call_sid=call_sid,
                url=url,
                method=method,
                params=json.dumps([[str(n), str(v)] for n, v in params], ensure_ascii=False),
                sequence_number=0 if last is None else last + 1,
                kind=kind,
                owner=owner,
                state=DeliveryState.PENDING.value,
                created_at=created_at or datetime.now(UTC),
                attempts=0,
            )
            session.add(row)
            session.flush()
            return _entry(row)

    def mark_delivered(self, entry_id: int, *, status: int, at: datetime | None = None) -> None:
        """The customer answered `status` (2xx): done."""
        with self._database.writing() as session:
            row = _row(session, entry_id)
            row.state = DeliveryState.DELIVERED.value
            row.attempts += 1
            row.delivered_at = at or datetime.now(UTC)
            row.next_attempt_at = None
            row.last_status = status
            row.last_error = None

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
        with self._database.writing() as session:
            row = _row(session, entry_id)
            if attempted:
                row.attempts += 1
            row.last_status = status
            row.last_error = error[:_ERROR_LENGTH]
            row.next_attempt_at = retry_at
            if retry_at is None:
                row.state = DeliveryState.ABANDONED.value

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


def _row(session: Session, entry_id: int) -> OutboxRow:
    row = session.get(OutboxRow, entry_id)
    if row is None:
        raise LookupError(f"no callback outbox row {entry_id}")
    return row


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
