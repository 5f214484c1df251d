"""`python -m tests.fakeswitch` serves until interrupted (offline demos)."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from pathlib import Path

from tests.fakeswitch.client import EslTestClient

ROOT = Path(__file__).resolve().parents[2]


def test_the_module_serves_a_demo_until_interrupted() -> None:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.fakeswitch",
            "--port",
            "0",
            "--password",
            "demo",
            "--time-scale",
            "0.01",
            "--script",
            "sip:busy@127.0.0.1=busy",
            "--inbound",
            "15551234",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        banner = process.stdout.readline()
        found = re.match(r"fakeswitch listening on 127\.0\.0\.1:(\d+) \(password demo\)", banner)
        assert found, banner
        client = EslTestClient(("127.0.0.1", int(found.group(1))))
        assert client.login("demo").header("Reply-Text") == "+OK accepted"
        client.subscribe("CHANNEL_PARK BACKGROUND_JOB")
        client.wait_event(lambda e: e.name == "CHANNEL_PARK")
        job = client.bgapi("originate sofia/external/busy@127.0.0.1 &park()")
        assert client.job_result(job) == "-ERR USER_BUSY\n"
        job = client.bgapi("originate sofia/external/anyone@127.0.0.1 &park()")
        assert client.job_result(job).startswith("+OK ")
        client.close()
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
        assert "fakeswitch stopped" in process.stdout.read()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
