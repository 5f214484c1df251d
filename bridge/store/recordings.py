"""Recordings of calls: metadata rows (the media is a file; its path is kept).

A recording belongs to a call but is a resource of its own, as in the REST
API: `recordings.call_sid` is not a foreign key, so deleting a call's record
leaves its recordings (and their files) to be listed and deleted on their own.
A recording is created when it starts (in-progress) and ends completed (a
file with sound) or absent (nothing was recorded); both are final.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import CheckConstraint, Index, Integer, String, Text, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from bridge.ids import is_call_sid, is_recording_sid
from bridge.store.call_rows import CallRow
from bridge.store.db import Base, Database, UtcDateTime
from bridge.store.errors import (
    CallNotFound,
    DuplicateRecord,
    IllegalTransition,
    RecordingNotFinished,
    RecordingNotFound,
)
from bridge.store.records import NewRecording, RecordingRecord, RecordingStatus
from bridge.store.values import check_length, check_utc, check_utc_or_none, enum_value, utc_now

_STATUS_VALUES = ", ".join(f"'{status.value}'" for status in RecordingStatus)
RECORDING_TRACKS = frozenset({"inbound", "outbound", "both"})


class RecordingRow(Base):
    __tablename__ = "recordings"

    sid: Mapped[str] = mapped_column(String(34), primary_key=True)
    account_sid: Mapped[str] = mapped_column(String(64))
    call_sid: Mapped[str] = mapped_column(String(34))
    status: Mapped[str] = mapped_column(String(16))
    channels: Mapped[int] = mapped_column(Integer)
    # DialVerb, RecordVerb, StartCallRecording, OutboundAPI ...: the value of
    # RecordingSource in the recording status callback.
    source: Mapped[str] = mapped_column(String(32))
    track: Mapped[str] = mapped_column(String(16))
    start_time: Mapped[datetime | None] = mapped_column(UtcDateTime())
    duration: Mapped[int | None] = mapped_column(Integer)
    file_path: Mapped[str | None] = mapped_column(Text)
    date_created: Mapped[datetime] = mapped_column(UtcDateTime())
    date_updated: Mapped[datetime] = mapped_column(UtcDateTime())

    __table_args__ = (
        CheckConstraint(f"status IN ({_STATUS_VALUES})", name="status"),
        CheckConstraint("channels IN (1, 2)", name="channels"),
        Index(None, "call_sid", "date_created"),
    )


class RecordingStore:
    def __init__(self, database: Database, *, clock: Callable[[], datetime] = utc_now) -> None:
        self._db = database
        self._clock = clock

    def create_recording(self, recording: NewRecording) -> RecordingRecord:
        """Record a recording that starts. CallNotFound if its call is unknown."""
        row = _new_row(recording, check_utc(self._clock(), "the store's clock"))
        try:
            with self._db.writing() as session:
                if session.get(CallRow, recording.call_sid) is None:
                    raise CallNotFound(recording.call_sid)
                if session.get(RecordingRow, recording.sid) is not None:
                    raise DuplicateRecord(f"recording sid {recording.sid} is already in use")
                session.add(row)
                session.flush()
                return _record(row)
        except IntegrityError as error:
            raise DuplicateRecord(f"recording {recording.sid}: {error.orig}") from error

    def update_recording(
        self,
        sid: str,
        *,
        status: RecordingStatus | str | None = None,
        duration: int | None = None,
        file_path: str | None = None,
        start_time: datetime | None = None,
    ) -> RecordingRecord:
        """Set the given fields (None leaves one as it is). A finished
        recording (completed, absent) keeps its status: changing it raises
        IllegalTransition; the same status again is no change."""
        requested = None if status is None else enum_value(RecordingStatus, status, "status")
        start_time = check_utc_or_none(start_time, "start_time")
        if duration is not None and duration < 0:
            raise ValueError(f"duration {duration} is negative")
        with self._db.writing() as session:
            row = _locked(session, sid)
            current = RecordingStatus(row.status)
            if requested is not None and requested is not current:
                if current.is_final:
                    raise IllegalTransition(sid, current, requested, f"{current} is final")
                row.status = requested.value
            if duration is not None:
                row.duration = duration
            if file_path is not None:
                row.file_path = file_path
            if start_time is not None:
                row.start_time = start_time
            row.date_updated = check_utc(self._clock(), "the store's clock")
            session.flush()
            return _record(row)

    def get_recording(self, sid: str) -> RecordingRecord:
        with self._db.reading() as session:
            row = session.get(RecordingRow, sid)
            if row is None:
                raise RecordingNotFound(sid)
            return _record(row)

    def list_recordings(self, call_sid: str) -> tuple[RecordingRecord, ...]:
        """A call's recordings, newest first (empty for an unknown call)."""
        with self._db.reading() as session:
            rows = session.scalars(
                select(RecordingRow)
                .where(RecordingRow.call_sid == call_sid)
                .order_by(RecordingRow.date_created.desc(), RecordingRow.sid.desc())
            )
            return tuple(_record(row) for row in rows)

    def delete_recording(self, sid: str) -> RecordingRecord:
        """Remove a finished recording's row and return it (the caller removes
        the file at `file_path`). RecordingNotFinished while in progress."""
        with self._db.writing() as session:
            row = _locked(session, sid)
            if not RecordingStatus(row.status).is_final:
                raise RecordingNotFinished(sid)
            record = _record(row)
            session.delete(row)
            return record


def _new_row(recording: NewRecording, now: datetime) -> RecordingRow:
    if not is_recording_sid(recording.sid):
        raise ValueError(f"sid {recording.sid!r} is not RE followed by 32 lowercase hex digits")
    if not is_call_sid(recording.call_sid):
        raise ValueError(f"call_sid {recording.call_sid!r} is not a call sid")
    check_length(recording.account_sid, "account_sid", 64)
    check_length(recording.source, "source", 32)
    if recording.channels not in (1, 2):
        raise ValueError(f"channels {recording.channels} is not 1 or 2")
    if recording.track not in RECORDING_TRACKS:
        raise ValueError(f"track {recording.track!r} is not inbound, outbound or both")
    return RecordingRow(
        sid=recording.sid,
        account_sid=recording.account_sid,
        call_sid=recording.call_sid,
        status=enum_value(RecordingStatus, recording.status, "status").value,
        channels=recording.channels,
        source=recording.source,
        track=recording.track,
        start_time=check_utc_or_none(recording.start_time, "start_time"),
        duration=None,
        file_path=recording.file_path,
        date_created=now,
        date_updated=now,
    )


def _record(row: RecordingRow) -> RecordingRecord:
    return RecordingRecord(
        sid=row.sid,
        account_sid=row.account_sid,
        call_sid=row.call_sid,
        status=RecordingStatus(row.status),
        channels=row.channels,
        source=row.source,
        track=row.track,
        start_time=row.start_time,
        duration=row.duration,
        file_path=row.file_path,
        date_created=row.date_created,
        date_updated=row.date_updated,
    )


def _locked(session: Session, sid: str) -> RecordingRow:
    # FOR UPDATE on PostgreSQL (the API and the engine may change the same
    # recording); SQLite holds the write lock already.
    row = session.scalars(
        select(RecordingRow).where(RecordingRow.sid == sid).with_for_update()
    ).first()
    if row is None:
        raise RecordingNotFound(sid)
    return row
