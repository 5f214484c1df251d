"""A PostgreSQL for the store tests: the one named by CXML_BRIDGE_TEST_PG_URL,
else a throwaway cluster started from the server binaries found on this
machine, else a clear reason to skip.

- CXML_BRIDGE_TEST_PG_URL=postgresql://user:password@127.0.0.1:5432/postgres
  uses that server; the role needs CREATEDB (each test gets its own database).
- Otherwise `initdb` and `pg_ctl` are looked for on PATH, then in
  /usr/lib/postgresql/<version>/bin (Debian's `postgresql-NN` package). The
  cluster lives in a temporary directory, listens on 127.0.0.1 on a free port
  (and on a socket in that directory), runs without fsync, and is removed at
  the end. PostgreSQL refuses to run as root: as root, the commands run as
  the `postgres` user (created by Debian's package) through `runuser`.
- CXML_BRIDGE_REQUIRE_PG=1 turns "unavailable" into a failure, for a CI job
  that must not skip these tests silently.

psycopg is imported lazily, after the test session's gevent monkey patching,
so that it waits on sockets cooperatively like the bridge does.
"""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

URL_VARIABLE = "CXML_BRIDGE_TEST_PG_URL"
REQUIRE_VARIABLE = "CXML_BRIDGE_REQUIRE_PG"
_START_ATTEMPTS = 3
_COMMAND_TIMEOUT = 60


class PostgresUnavailable(Exception):
    """Why no PostgreSQL can be had here (the skip reason)."""


@dataclass
class PostgresServer:
    """A reachable server on which each test gets a database of its own."""

    admin_url: str
    _cluster: _Cluster | None = None
    _databases: list[str] = field(default_factory=list)

    def create_database(self) -> str:
        """Create an empty database; returns its `postgresql://` URL."""
        name = "cxml_test_" + secrets.token_hex(6)
        self._admin(f'CREATE DATABASE "{name}"')
        self._databases.append(name)
        parts = urlsplit(self.admin_url)
        return urlunsplit(parts._replace(path="/" + name))

    def drop_database(self, url: str) -> None:
        name = urlsplit(url).path.lstrip("/")
        if name in self._databases:
            self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            self._databases.remove(name)

    def stop(self) -> None:
        if self._cluster is not None:
            self._cluster.stop()
            self._cluster = None
        else:
            for name in list(self._databases):
                self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            self._databases.clear()

    def _admin(self, statement: str) -> None:
        import psycopg

        with psycopg.connect(self.admin_url, autocommit=True, connect_timeout=10) as connection:
            connection.execute(statement.encode())


def start_postgres() -> PostgresServer:
    """The server to test against, or PostgresUnavailable with the reason."""
    try:
        import psycopg  # noqa: F401
    except ImportError as error:
        raise PostgresUnavailable(
            f"psycopg is not installed ({error}); pip install '.[postgres]'"
        ) from None
    url = os.environ.get(URL_VARIABLE)
    if url:
        server = PostgresServer(admin_url=url)
        try:
            server._admin("SELECT 1")
        except Exception as error:
            raise PostgresUnavailable(
                f"{URL_VARIABLE}={_redacted(url)} is unreachable: {error}"
            ) from None
        return server
    cluster = _Cluster.start()
    return PostgresServer(admin_url=cluster.url, _cluster=cluster)


def _redacted(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def require_postgres() -> bool:
    return os.environ.get(REQUIRE_VARIABLE, "") not in ("", "0")


@dataclass
class _Cluster:
    bin_dir: Path
    directory: Path
    run_as: list[str]
    port: int = 0

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    @classmethod
    def start(cls) -> _Cluster:
        bin_dir = _find_binaries()
        run_as = _run_as()
        directory = Path(tempfile.mkdtemp(prefix="cxml-bridge-pg-"))
        cluster = cls(bin_dir=bin_dir, directory=directory, run_as=run_as)
        try:
            if run_as:
                shutil.chown(directory, user="postgres", group=None)
            cluster._run(
                "initdb", "-D", str(cluster.data), "-A", "trust", "-U", "postgres",
                "-E", "UTF8", "--no-sync", "--no-instructions",
            )  # fmt: skip
            cluster._start()
        except BaseException:
            shutil.rmtree(directory, ignore_errors=True)
            raise
        return cluster

    @property
    def data(self) -> Path:
        return self.directory / "data"

    def _start(self) -> None:
        failures = []
        for _ in range(_START_ATTEMPTS):
            # A free port now may be taken before postgres binds it: retry.
            self.port = _free_port()
            options = f"-h 127.0.0.1 -p {self.port} -k {self.directory} -F -c max_connections=100"
            log = self.directory / "server.log"
            try:
                self._run("pg_ctl", "-D", str(self.data), "-l", str(log), "-w", "-t", "30",
                          "-o", options, "start")  # fmt: skip
                return
            except PostgresUnavailable as error:
                tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
                failures.append(f"{error}\n{tail}")
        raise PostgresUnavailable("pg_ctl start failed:\n" + "\n".join(failures))

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.directory, ignore_errors=True)

    def _run(self, program: str, *arguments: str) -> None:
        command = [*self.run_as, str(self.bin_dir / program), *arguments]
        try:
            subprocess.run(
                command,
                check=True,
                capture_output=True,
                text=True,
                timeout=_COMMAND_TIMEOUT,
                cwd=self.directory,
            )
        except subprocess.CalledProcessError as error:
            raise PostgresUnavailable(
                f"{' '.join(command)} exited {error.returncode}: {error.stderr.strip()}"
            ) from None
        except (OSError, subprocess.TimeoutExpired) as error:
            raise PostgresUnavailable(f"{' '.join(command)}: {error}") from None


def _find_binaries() -> Path:
    candidates = []
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(Path(on_path).resolve().parent)
    versions = glob.glob("/usr/lib/postgresql/*/bin")
    candidates += sorted((Path(d) for d in versions), key=_version, reverse=True)
    for directory in candidates:
        if (directory / "initdb").is_file() and (directory / "pg_ctl").is_file():
            return directory
    raise PostgresUnavailable(
        f"no {URL_VARIABLE} and no initdb/pg_ctl on PATH or in /usr/lib/postgresql/*/bin "
        "(Debian: apt-get install postgresql)"
    )


def _version(bin_dir: Path) -> int:
    name = bin_dir.parent.name
    return int(name) if name.isdigit() else 0


def _run_as() -> list[str]:
    if os.geteuid() != 0:
        return []
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        raise PostgresUnavailable(
            "running as root, and PostgreSQL refuses root, but there is no `postgres` user "
            f"to run it as; create one or set {URL_VARIABLE}"
        ) from None
    runuser = shutil.which("runuser")
    if runuser is None:
        raise PostgresUnavailable("running as root without `runuser` to become `postgres`")
    return [runuser, "-u", "postgres", "--"]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port
