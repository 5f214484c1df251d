"""The schema is created on a fresh database, found as it is on reopening, and
migrated once from an older version."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import Column, Connection, Integer, MetaData, Table, create_engine, inspect, text
from sqlalchemy.exc import OperationalError

from bridge.store.calls import CallStore
from bridge.store.db import Base, database_url, open_database
from bridge.store.schema import Migration, SchemaTooNew, current_version, latest_version, migrate
from tests.unit.store.support import new_call


def schema_versions(location: str) -> list[int]:
    """The versions stamped, read without opening (which would migrate)."""
    engine = create_engine(database_url(location))
    try:
        with engine.connect() as connection:
            query = text("SELECT version FROM schema_version ORDER BY version")
            return list(connection.execute(query).scalars())
    finally:
        engine.dispose()


def test_a_fresh_database_gets_every_table_and_the_latest_version(database_location: str) -> None:
    database = open_database(database_location)
    try:
        names = set(inspect(database.engine).get_table_names())
        assert {"calls", "call_status_history", "recordings", "schema_version"} <= names
        assert set(Base.metadata.tables) <= names
        with database.engine.connect() as connection:
            assert current_version(connection) == latest_version()
    finally:
        database.close()


def test_reopening_keeps_the_data_and_migrates_nothing(database_location: str) -> None:
    database = open_database(database_location)
    made = CallStore(database).create_call(new_call())
    database.close()
    before = schema_versions(database_location)
    reopened = open_database(database_location)
    try:
        assert CallStore(reopened).get(made.sid) == made
    finally:
        reopened.close()
    assert schema_versions(database_location) == before == [1]


def test_a_migration_runs_once_on_an_older_database(database_location: str) -> None:
    open_database(database_location).close()
    applied: list[int] = []

    def add_note(connection: Connection) -> None:
        applied.append(2)
        connection.execute(text("ALTER TABLE calls ADD COLUMN note VARCHAR(20)"))

    metadata = MetaData()
    Table("extra", metadata, Column("id", Integer, primary_key=True))
    migrations = (Migration(2, "calls.note", add_note),)
    database = open_database(database_location)
    try:
        assert migrate(database.engine, metadata, migrations) == 2
        assert migrate(database.engine, metadata, migrations) == 2
        inspector = inspect(database.engine)
        assert "note" in {column["name"] for column in inspector.get_columns("calls")}
        # A table new since the last version is created without a migration.
        assert inspector.has_table("extra")
    finally:
        database.close()
    assert applied == [2]
    assert schema_versions(database_location) == [1, 2]


def test_a_failed_migration_leaves_the_database_as_it_was(database_location: str) -> None:
    open_database(database_location).close()

    def broken(connection: Connection) -> None:
        connection.execute(text("ALTER TABLE calls ADD COLUMN half_done INTEGER"))
        raise RuntimeError("migration bug")

    database = open_database(database_location)
    try:
        with pytest.raises(RuntimeError, match="migration bug"):
            migrate(database.engine, Base.metadata, (Migration(2, "broken", broken),))
        columns = {column["name"] for column in inspect(database.engine).get_columns("calls")}
        assert "half_done" not in columns
        with database.engine.connect() as connection:
            assert current_version(connection) == 1
    finally:
        database.close()


def test_a_database_newer_than_the_bridge_is_refused(database_location: str) -> None:
    database = open_database(database_location)
    try:
        noop = (Migration(2, "from the future", lambda connection: None),)
        migrate(database.engine, Base.metadata, noop)
        with pytest.raises(SchemaTooNew, match="schema version 2"):
            migrate(database.engine, Base.metadata)
    finally:
        database.close()


def test_migrations_must_be_numbered_in_order(database_location: str) -> None:
    database = open_database(database_location)
    try:
        with pytest.raises(ValueError, match="expected 2"):
            migrate(database.engine, Base.metadata, (Migration(3, "skips 2", lambda c: None),))
    finally:
        database.close()


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path: Path) -> None:
    database = open_database(str(tmp_path / "wal.db"))
    try:
        with database.engine.connect() as connection:
            assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert connection.execute(text("PRAGMA synchronous")).scalar() == 1  # NORMAL
    finally:
        database.close()


def test_a_locked_sqlite_file_fails_a_write_fast_instead_of_freezing(tmp_path: Path) -> None:
    location = str(tmp_path / "locked.db")
    database = open_database(location, sqlite_busy_timeout=0.05)
    other_process = sqlite3.connect(location, isolation_level=None)
    try:
        other_process.execute("BEGIN IMMEDIATE")
        with pytest.raises(OperationalError, match="database is locked"):
            CallStore(database).create_call(new_call())
        other_process.execute("ROLLBACK")
        made = CallStore(database).create_call(new_call())
        assert CallStore(database).get(made.sid) == made
    finally:
        other_process.close()
        database.close()


def test_a_missing_directory_is_named(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="nowhere.* does not exist"):
        open_database(str(tmp_path / "nowhere" / "bridge.db"))
