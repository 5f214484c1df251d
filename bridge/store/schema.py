"""Schema versioning: create a fresh database, migrate an older one, at open.

`schema_version` holds one row per version applied. Version 1 is the baseline:
every table as declared on `Base` at the time. A later change to a table that
already exists in deployed databases (a new column, an index, a data fix) is
appended to `MIGRATIONS` with the next version number; a wholly new table
needs no migration, since `create_all` after the migrations creates what is
missing. A fresh database gets the current declarations and is stamped with
the latest version, so a migration only ever runs on a database older than it.

Migration runs in one transaction: on PostgreSQL under an advisory lock, so
that bridge instances starting together do not migrate twice; on SQLite
under BEGIN IMMEDIATE (DDL is transactional there too, see db.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import (
    Column,
    Connection,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    func,
    insert,
    inspect,
    select,
    text,
)

from bridge.store.db import BEGIN_IMMEDIATE, UtcDateTime

BASELINE_VERSION = 1

# Any constant will do; it names "the bridge's migration" among advisory locks.
_PG_MIGRATION_LOCK = 0x63786D6C  # "cxml"

_version_metadata = MetaData()
schema_version = Table(
    "schema_version",
    _version_metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("description", String(200), nullable=False),
    Column("applied_at", UtcDateTime(), nullable=False),
)


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    apply: Callable[[Connection], None]


# Append only, in version order, starting at BASELINE_VERSION + 1.
MIGRATIONS: tuple[Migration, ...] = ()


class SchemaTooNew(RuntimeError):
    pass


def latest_version(migrations: tuple[Migration, ...] = MIGRATIONS) -> int:
    return max((m.version for m in migrations), default=BASELINE_VERSION)


def current_version(connection: Connection) -> int | None:
    if not inspect(connection).has_table("schema_version"):
        return None
    return connection.execute(select(func.max(schema_version.c.version))).scalar()


def migrate(
    engine: Engine, metadata: MetaData, migrations: tuple[Migration, ...] = MIGRATIONS
) -> int:
    """Bring the database to the latest version; returns that version."""
    _check_order(migrations)
    target = latest_version(migrations)
    with engine.connect() as connection:
        connection = connection.execution_options(**{BEGIN_IMMEDIATE: True})
        with connection.begin():
            if connection.dialect.name == "postgresql":
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK}
                )
            _version_metadata.create_all(connection)
            found = current_version(connection)
            if found is not None and found > target:
                raise SchemaTooNew(
                    f"the database is at schema version {found}, newer than this bridge "
                    f"understands ({target}); upgrade the bridge"
                )
            if found is None:
                # Fresh (or made before versioning, when create_all was all
                # there was): the declarations are the current schema.
                metadata.create_all(connection)
                _stamp(connection, target, "baseline: tables as declared")
                return target
            for migration in migrations:
                if migration.version > found:
                    migration.apply(connection)
                    _stamp(connection, migration.version, migration.description)
            metadata.create_all(connection)
    return target


def _stamp(connection: Connection, version: int, description: str) -> None:
    connection.execute(
        insert(schema_version).values(
            version=version, description=description[:200], applied_at=datetime.now(UTC)
        )
    )


def _check_order(migrations: tuple[Migration, ...]) -> None:
    expected = BASELINE_VERSION + 1
    for migration in migrations:
        if migration.version != expected:
            raise ValueError(
                f"migration {migration.description!r} has version {migration.version}, "
                f"expected {expected}"
            )
        expected += 1
