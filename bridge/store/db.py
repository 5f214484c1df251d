"""The database handle shared by every store module.

One SQLAlchemy engine per process. SQLite (a file path or `sqlite:///...`) is
the default; PostgreSQL is chosen by a `postgresql://` URL so that several
bridge instances can share state. Tables are created at open time; modules in
this package declare their tables on `Base`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import DeclarativeBase, sessionmaker


class Base(DeclarativeBase):
    pass


@dataclass(frozen=True)
class Database:
    engine: Engine
    sessions: sessionmaker[Any]

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


def open_database(location: str) -> Database:
    url = database_url(location)
    kwargs: dict[str, Any] = {"future": True}
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 5}
    else:
        kwargs["pool_pre_ping"] = True
    engine = create_engine(url, **kwargs)
    if url.startswith("sqlite"):
        event.listen(engine, "connect", _sqlite_pragmas)
    # Import the table modules so that every table is declared before create_all.
    from bridge.store import tables  # noqa: F401

    Base.metadata.create_all(engine)
    return Database(engine=engine, sessions=sessionmaker(engine, expire_on_commit=False))


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets the API read while the engine writes; NORMAL sync is durable
    # across process crashes, which is what the callback outbox needs.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
