"""Store tests run on a SQLite file always, and on PostgreSQL when one can be
had (tests/support/postgres.py says how); `-m "not postgres"` leaves it out.

On PostgreSQL the tests share one database, opened once and emptied before
each test (creating a database and its schema takes ~0.5 s); tests of schema
creation itself take `database_location`, a fresh database each.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bridge.store.calls import CallStore
from bridge.store.db import Database, open_database
from bridge.store.recordings import RecordingStore
from tests.support.clock import ManualClock
from tests.support.databases import (  # noqa: F401  (fixtures)
    emptied_postgres,
    postgres_database,
    postgres_server,
)
from tests.support.postgres import PostgresServer

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def database_location(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """Where a fresh, empty database can be opened: a file or a new PG database."""
    if request.param == "sqlite":
        yield str(tmp_path_factory.mktemp("store") / "bridge.db")
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    url = server.create_database()
    yield url
    server.drop_database(url)


@pytest.fixture(params=BACKENDS)
def database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Database]:
    """An open database with the current schema and no rows."""
    if request.param == "sqlite":
        database = open_database(str(tmp_path_factory.mktemp("store") / "bridge.db"))
        yield database
        database.close()
        return
    yield emptied_postgres(request)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def calls(database: Database, clock: ManualClock) -> CallStore:
    return CallStore(database, clock=clock)


@pytest.fixture
def recordings(database: Database, clock: ManualClock) -> RecordingStore:
    return RecordingStore(database, clock=clock)
