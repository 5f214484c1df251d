"""The database handle shared by every store module.

One SQLAlchemy engine per process. SQLite (a file path or `sqlite:///...`) is
the default; PostgreSQL is chosen by a `postgresql://` URL so that several
bridge instances can share state. The schema is created or migrated at open
time (`bridge.store.schema`); modules in this package declare their tables on
`Base`, and `bridge.store.tables` imports them all.

Under gevent, a SQLite call runs in C and holds the whole process (every
call's greenlet) until it returns. So the SQLite settings aim at short,
predictable writes: WAL (readers never wait for the writer, commits append
to the log), synchronous=NORMAL (no fsync per commit; durable across a
process crash, which is what the callback outbox needs), and a short busy
timeout, since a wait for a lock held by another process blocks every call.
psycopg 3 notices gevent's monkey patching (when it is imported after the
patching) and waits on PostgreSQL cooperatively, so only the writing greenlet
waits there.

Rule for every store module: no greenlet switch inside `writing()` (no HTTP,
no Event Socket, no sleep). On SQLite a greenlet parked inside a write
transaction keeps the lock while the next writer's BEGIN IMMEDIATE busy-waits
in C, holding the whole process, and fails after the busy timeout.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, DateTime, Dialect, Engine, MetaData, create_engine, event
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

# Seconds a SQLite connection waits for a lock held by another connection.
# Inside one bridge process greenlets never hold a SQLite transaction across a
# switch, so this only matters against another process (a backup, the sqlite3
# shell); there, failing fast beats freezing every call.
SQLITE_BUSY_TIMEOUT = 0.5

# Connection execution option that makes the SQLite BEGIN take the write lock
# at once, so that a read-then-write transaction cannot fail half way.
BEGIN_IMMEDIATE = "bridge_begin_immediate"


class Base(DeclarativeBase):
    # Named constraints and indexes: a later migration can drop or alter one
    # by the same name on SQLite and PostgreSQL.
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(table_name)s_%(column_0_N_name)s",
            "uq": "uq_%(table_name)s_%(column_0_N_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend.

    PostgreSQL stores `timestamptz`; SQLite stores the UTC wall time as text,
    which sorts and compares correctly because SQLAlchemy always writes it
    with the same fixed-width format. Naive datetimes are refused: a naive
    value is a bug (local time or UTC?) that would surface months later.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value.isoformat()}: give a timezone-aware one")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


@dataclass(frozen=True)
class Database:
    engine: Engine
    sessions: sessionmaker[Session]

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A short read transaction (rolled back at the end)."""
        with self.sessions() as session:
            yield session

    @contextmanager
    def writing(self) -> Iterator[Session]:
        """A short write transaction, committed at the end unless it raised.

        On SQLite it starts with BEGIN IMMEDIATE; on PostgreSQL, rows that
        are read to be changed should be selected `with_for_update()`.
        """
        with self.sessions.begin() as session:
            session.connection(execution_options={BEGIN_IMMEDIATE: True})
            yield session

    def close(self) -> None:
        self.engine.dispose()


def database_url(location: str) -> str:
    """Accept a SQLAlchemy URL or a plain file path (taken as a SQLite file)."""
    if "://" in location:
        if location.startswith("postgresql://"):
            # psycopg 3 is the driver we ship in the `postgres` extra.
            return "postgresql+psycopg://" + location[len("postgresql://") :]
        return location
    return f"sqlite:///{location}"


def open_database(location: str, *, sqlite_busy_timeout: float = SQLITE_BUSY_TIMEOUT) -> Database:
    """Open the database at `location` and bring its schema up to date."""
    url = database_url(location)
    if "://" not in location:
        directory = Path(location).resolve().parent
        if not directory.is_dir():
            raise ValueError(f"database file {location}: directory {directory} does not exist")
    kwargs: dict[str, Any] = {}
    sqlite = url.startswith("sqlite")
    if sqlite:
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": sqlite_busy_timeout}
    else:
        kwargs["pool_pre_ping"] = True
    engine = create_engine(url, **kwargs)
    if sqlite:
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
    # Import the table modules so that every table is declared before migrating.
    from bridge.store import tables  # noqa: F401
    from bridge.store.schema import migrate

    try:
        migrate(engine, Base.metadata)
    except BaseException:
        engine.dispose()
        raise
    return Database(engine=engine, sessions=sessionmaker(engine, expire_on_commit=False))


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # Take BEGIN away from the sqlite3 module (which skips it before SELECT
    # and DDL) and emit it ourselves in `_sqlite_begin`: reads see one
    # snapshot and migrations are transactional.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    if connection.get_execution_options().get(BEGIN_IMMEDIATE):
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        connection.exec_driver_sql("BEGIN")
