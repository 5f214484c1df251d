"""`cxml-bridge serve` as a process: configuration, FreeSWITCH late or refusing, a call, SIGTERM."""

from __future__ import annotations

import json
import signal
import socket
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import gevent
import pytest
from gevent import subprocess
from gevent.queue import Empty, Queue

from bridge.store.calls import CallStore
from bridge.store.db import open_database
from tests.fakeswitch import FakeSwitch, Profile
from tests.integration.engine.harness import ACCOUNT_SID, API_TOKEN, CALLED, SIGNING_KEY
from tests.support.customer_app import CustomerApp, Reply
from tests.support.fixtures import customer_app  # noqa: F401

REPO = Path(__file__).resolve().parents[3]
WAIT = 15.0  # a fresh interpreter imports Flask, SQLAlchemy and gevent first


class Served:
    """A running `cxml-bridge serve` process and its log, line by line."""

    def __init__(self, config: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bridge.cli", "serve", "--config", str(config)],
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: Queue[str] = Queue()
        self.log: list[str] = []
        self._reader = gevent.spawn(self._read)
        self.port = 0

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.log.append(line.rstrip())
            self.lines.put(line.rstrip())

    def wait_for_log(self, text: str, timeout: float = WAIT) -> str:
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            try:
                line = self.lines.get(timeout=max(0.0, remaining))
            except Empty:
                log = "\n".join(self.log)
                raise AssertionError(f"no log line with {text!r}; log:\n{log}") from None
            if text in line:
                return line

    def wait_until_listening(self) -> None:
        line = self.wait_for_log("HTTP on http://127.0.0.1:")
        self.port = int(line.rsplit(":", 1)[1])

    def health(self) -> tuple[int, dict[str, object]]:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/health", timeout=5) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=WAIT)
        self._reader.join(timeout=WAIT)
        return int(code)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def write_config(
    tmp_path: Path, app: CustomerApp, esl_port: int, password: str = "ClueCon"
) -> Path:
    config = tmp_path / "bridge.toml"
    config.write_text(
        f"""
account_sid = "{ACCOUNT_SID}"
api_token = "{API_TOKEN}"
signing_key = "{SIGNING_KEY}"
database = "{tmp_path / "var" / "bridge.sqlite3"}"
shutdown_grace = 0.5

[esl]
host = "127.0.0.1"
port = {esl_port}
password = "{password}"
connect_timeout = 1

[http]
host = "127.0.0.1"
port = 0

[[routes]]
number = "{CALLED}"
url = "{app.url("/voice")}"
status_callback = "{app.url("/status")}"
""",
        encoding="utf-8",
    )
    return config


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def switch() -> Iterator[FakeSwitch]:
    fake = FakeSwitch(time_scale=0.01, profiles=(Profile("external", tls=True),))
    fake.start()
    yield fake
    fake.stop()


def test_a_call_then_sigterm_ends_it_and_flushes_callbacks(
    tmp_path: Path,
    customer_app: CustomerApp,  # noqa: F811
    switch: FakeSwitch,
) -> None:
    assert switch.address is not None
    customer_app.reply("/voice", Reply.cxml('<Response><Pause length="600"/></Response>'))
    customer_app.reply("/status", Reply.empty(204))
    served = Served(write_config(tmp_path, customer_app, switch.address[1]))
    try:
        served.wait_until_listening()
        served.wait_for_log("connected to FreeSWITCH")
        status, body = served.health()
        assert (status, body["status"], body["freeswitch"]) == (200, "ok", "connected")

        uuid = switch.inbound_call(
            "cx-15551234", variables={"cxml_inbound": "true", "cxml_called": CALLED}
        )
        switch.wait_for_event("CHANNEL_ANSWER", uuid, timeout=WAIT)
        assert served.stop() == 0
    finally:
        served.kill()

    assert f"api uuid_kill {uuid} NORMAL_CLEARING" in switch.commands
    (completed,) = customer_app.requests_to("/status")
    assert dict(completed.params)["CallStatus"] == "completed"
    database = open_database(str(tmp_path / "var" / "bridge.sqlite3"))
    try:
        record = CallStore(database).by_fs_uuid(uuid)
        assert record is not None and record.status.value == "completed"
    finally:
        database.close()
    assert any("stopped" in line for line in served.log)


def test_it_waits_for_freeswitch_and_says_so(
    tmp_path: Path,
    customer_app: CustomerApp,  # noqa: F811
) -> None:
    port = free_port()
    served = Served(write_config(tmp_path, customer_app, port))
    late = FakeSwitch(port=port)
    try:
        served.wait_until_listening()
        served.wait_for_log("not reachable")
        status, body = served.health()
        assert (status, body["status"], body["freeswitch"]) == (503, "degraded", "connecting")

        late.start()
        served.wait_for_log("connected to FreeSWITCH")
        status, body = served.health()
        assert (status, body["freeswitch"]) == (200, "connected")
        assert served.stop() == 0
    finally:
        served.kill()
        late.stop()


def test_a_refused_password_stops_it(
    tmp_path: Path,
    customer_app: CustomerApp,  # noqa: F811
    switch: FakeSwitch,
) -> None:
    assert switch.address is not None
    served = Served(write_config(tmp_path, customer_app, switch.address[1], password="wrong"))
    try:
        assert served.process.wait(timeout=WAIT) == 1
        served._reader.join(timeout=WAIT)
    finally:
        served.kill()
    assert any("refused the bridge" in line for line in served.log)


def test_a_bad_configuration_is_refused_at_start(tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text('account_sid = "nope"\napi_token = "t"\n', encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "bridge.cli", "serve", "--config", str(config)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=WAIT,
    )
    assert result.returncode == 2
    assert "account_sid" in result.stderr and str(config) in result.stderr
