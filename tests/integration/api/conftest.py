"""Fixtures for the REST API tests.

`api` runs on a SQLite file always and on PostgreSQL when one can be had
(tests/support/postgres.py; `-m "not postgres"` leaves it out); `sqlite_api`
is for tests where the backend plays no part, and `shared_api` (one per
module) for the matrices of refused requests, which change nothing.
`live_url` serves the app on a real loopback HTTP server (gevent's WSGI
server on port 0) for the official SDK, which speaks HTTP, not WSGI.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from gevent.pywsgi import WSGIServer

from bridge.api import create_app
from bridge.config import HttpSettings, Settings
from bridge.store.calls import CallStore
from bridge.store.db import Database, open_database
from bridge.store.recordings import RecordingStore
from tests.integration.api.support import ACCOUNT, TOKEN, Clock, RecordingCallControl
from tests.integration.engine.fixtures import bridge, bridge_api, switch  # noqa: F401  (fixtures)
from tests.support.databases import (  # noqa: F401  (fixtures)
    emptied_postgres,
    postgres_database,
    postgres_server,
)

PUBLIC_URL = "https://bridge.example.test"


@dataclass
class Api:
    app: Flask
    client: FlaskClient
    calls: CallStore
    recordings: RecordingStore
    control: RecordingCallControl
    clock: Clock
    settings: Settings


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


def make_settings(directory: Path) -> Settings:
    recordings_dir = directory / "recordings"
    recordings_dir.mkdir()
    return Settings(
        account_sid=ACCOUNT,
        api_token=TOKEN,
        signing_key="signing-key",
        recordings_dir=str(recordings_dir),
        http=HttpSettings(public_url=PUBLIC_URL),
    )


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty database with the schema, copied for each test (creating the
    schema takes several times longer than copying the file)."""
    path = tmp_path_factory.mktemp("template") / "bridge.db"
    open_database(str(path)).close()
    return path


def open_sqlite_copy(template: Path, directory: Path) -> Database:
    path = directory / "bridge.db"
    shutil.copyfile(template, path)
    return open_database(str(path))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path
) -> Iterator[Database]:
    if request.param == "sqlite":
        database = open_sqlite_copy(sqlite_template, tmp_path)
        yield database
        database.close()
        return
    yield emptied_postgres(request)


@pytest.fixture
def sqlite_database(tmp_path: Path, sqlite_template: Path) -> Iterator[Database]:
    database = open_sqlite_copy(sqlite_template, tmp_path)
    yield database
    database.close()


def build_api(settings: Settings, database: Database) -> Api:
    clock = Clock()
    calls = CallStore(database, clock=clock)
    recordings = RecordingStore(database, clock=clock)
    control = RecordingCallControl(calls=calls, clock=clock)
    app = create_app(settings, calls, recordings, control)
    return Api(
        app=app,
        client=app.test_client(),
        calls=calls,
        recordings=recordings,
        control=control,
        clock=clock,
        settings=settings,
    )


@pytest.fixture
def api(settings: Settings, database: Database) -> Api:
    return build_api(settings, database)


@pytest.fixture
def sqlite_api(settings: Settings, sqlite_database: Database) -> Api:
    return build_api(settings, sqlite_database)


@pytest.fixture(scope="module")
def shared_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """One app for a module's matrix of refused requests, which change nothing
    (opening a database per case would dominate the run time)."""
    directory = tmp_path_factory.mktemp("shared-api")
    database = open_database(str(directory / "bridge.db"))
    yield build_api(make_settings(directory), database)
    database.close()


@pytest.fixture
def live_url(api: Api) -> Iterator[str]:
    server = WSGIServer(("127.0.0.1", 0), api.app, log=None, error_log=None)
    server.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.stop(timeout=5)
