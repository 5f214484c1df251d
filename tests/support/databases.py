"""The PostgreSQL side of the store-backed tests: fixtures and emptying.

Register the fixtures in a conftest.py with

    from tests.support.databases import postgres_database, postgres_server  # noqa: F401

`postgres_server` is a throwaway server (tests/support/postgres.py: skipped
when none can be had, a failure when one is required); `postgres_database`
one database on it with the current schema, opened once per session (creating
a database and its schema takes ~0.5 s). A test takes it through
`emptied_postgres(request)`, which removes every row first.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import text

from bridge.store.db import Base, Database, open_database
from tests.support.postgres import (
    PostgresServer,
    PostgresUnavailable,
    require_postgres,
    start_postgres,
)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    try:
        server = start_postgres()
    except PostgresUnavailable as error:
        if require_postgres():
            pytest.fail(f"PostgreSQL required but unavailable: {error}")
        pytest.skip(f"PostgreSQL unavailable: {error}")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def postgres_database(postgres_server: PostgresServer) -> Iterator[Database]:
    url = postgres_server.create_database()
    database = open_database(url)
    yield database
    database.close()
    postgres_server.drop_database(url)


def emptied_postgres(request: pytest.FixtureRequest) -> Database:
    """The session's PostgreSQL database, with no rows (for a `database` fixture)."""
    database: Database = request.getfixturevalue("postgres_database")
    empty_database(database)
    return database


def empty_database(database: Database) -> None:
    quote = database.engine.dialect.identifier_preparer.quote
    names = ", ".join(quote(table.name) for table in Base.metadata.sorted_tables)
    with database.engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
