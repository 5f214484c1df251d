"""Commands: bounded waits, jobs matched by our own Job-UUID, unsafe text never sent."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import gevent
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bridge.esl import (
    CommandTimeout,
    ConnectionLost,
    EventSocket,
    JobResult,
    UnsafeCommand,
)
from tests.integration.esl.conftest import WAIT
from tests.support.scripted_switch import ScriptedSwitch, SwitchConnection, channel_event


def connected(
    switch: ScriptedSwitch, make: Callable[..., EventSocket], **kw: object
) -> tuple[EventSocket, SwitchConnection]:
    sock = make(**kw)
    sock.connect()
    conn = switch.connections.get(timeout=WAIT)
    switch.commands.get(timeout=WAIT)  # auth
    switch.commands.get(timeout=WAIT)  # event plain
    return sock, conn


def background_job(job_uuid: str, body: str, sequence: int) -> tuple[dict[str, str], str]:
    headers = channel_event("BACKGROUND_JOB", "", sequence, **{"Job-UUID": job_uuid})
    del headers["Unique-ID"]
    headers["Job-Command"] = "originate"
    return headers, body


def test_api_returns_the_response_body(
    switch: ScriptedSwitch, make_socket: Callable[..., EventSocket]
) -> None:
    switch.api = lambda conn, cmd: "accepted" if cmd.startswith("uuid_getvar") else "+OK\n"
    sock, _ = connected(switch, make_socket)
    assert sock.api("uuid_getvar abc sip_rh_X-Result") == "accepted"
    assert switch.commands.get(timeout=WAIT) == "api uuid_getvar abc sip_rh_X-Result"


def test_a_command_without_reply_times_out_clearly(
    switch: ScriptedSwitch, make_socket: Callable[..., EventSocket]
) -> None:
    switch.api = lambda conn, cmd: None  # the switch never answers
    sock, _ = connected(switch, make_socket)
    with pytest.raises(CommandTimeout, match="'api status'.*within 0.05 s"):
        sock.api("status", timeout=0.05)
    assert sock.connected  # a slow switch is not a dead one


def test_a_job_without_result_times_out(
    switch: ScriptedSwitch, make_socket: Callable[..., EventSocket]
) -> None:
    sock, _ = connected(switch, make_socket)
    job = sock.bgapi_start("originate sofia/external/sip:a@127.0.0.1 &park()")
    with pytest.raises(CommandTimeout, match=f"job {job.job_uuid} \\(originate\\)"):
        job.wait(0.05)
    with pytest.raises(CommandTimeout):
        sock.bgapi("originate sofia/external/sip:b@127.0.0.1 &park()", timeout=0.05)


def test_bgapi_sends_our_job_uuid_and_matches_results_out_of_order(
    switch: ScriptedSwitch, make_socket: Callable[..., EventSocket]
) -> None:
    sock, conn = connected(switch, make_socket)
    jobs = [sock.bgapi_start(f"originate sofia/external/sip:{n}@127.0.0.1 &park()") for n in "abc"]
    for job in jobs:
        sent = switch.commands.get(timeout=WAIT)
        assert sent == f"bgapi {job.command}\nJob-UUID: {job.job_uuid}"
    results = {jobs[2].job_uuid: "-ERR USER_BUSY\n", jobs[0].job_uuid: "+OK a-uuid\n"}
    for sequence, (job_uuid, body) in enumerate(results.items(), start=10):
        conn.send_event(*background_job(job_uuid, body, sequence))
    answered = jobs[0].wait(WAIT)
    assert (answered.job_uuid, answered.ok, answered.body, answered.value) == (
        jobs[0].job_uuid,
        True,
        "+OK a-uuid",
        "a-uuid",
    )
    busy = jobs[2].wait(WAIT)
    assert (busy.ok, busy.cause, busy.value) == (False, "USER_BUSY", "")
    assert not jobs[1].done()
    queued = [sock.events.get(timeout=WAIT) for _ in range(2)]
    assert [q.job_uuid for q in queued if isinstance(q, JobResult)] == [
        jobs[2].job_uuid,
        jobs[0].job_uuid,
    ]


def test_unsafe_text_is_refused_and_never_reaches_the_switch(
    switch: ScriptedSwitch, make_socket: Callable[..., EventSocket]
) -> None:
    sock, _ = connected(switch, make_socket)
    with pytest.raises(UnsafeCommand, match="line feed"):
        sock.api("uuid_kill abc\n\nbgapi originate sofia/external/sip:x@evil &park()")
    with pytest.raises(UnsafeCommand, match="carriage return"):
        sock.bgapi_start("originate {a=b}\rJob-UUID: forged")
    with pytest.raises(UnsafeCommand, match="NUL"):
        sock.api("uuid_kill abc\0")
    assert sock.api("status") == "+OK\n"
    assert switch.commands.get(timeout=WAIT) == "api status"


@pytest.fixture(scope="module")
def shared_switch() -> Iterator[tuple[ScriptedSwitch, EventSocket]]:
    with ScriptedSwitch() as server:
        sock = EventSocket("127.0.0.1", server.port, server.password, command_timeout=WAIT)
        sock.connect()
        yield server, sock
        sock.close()


_forbidden = st.sampled_from(["\r", "\n", "\0"])


@settings(max_examples=300, deadline=None)
@given(
    before=st.text(max_size=40),
    bad=_forbidden,
    after=st.text(max_size=40),
    bg=st.booleans(),
)
def test_property_no_text_with_cr_lf_nul_is_ever_sent(
    shared_switch: tuple[ScriptedSwitch, EventSocket], before: str, bad: str, after: str, bg: bool
) -> None:
    server, sock = shared_switch
    with pytest.raises(UnsafeCommand):
        if bg:
            sock.bgapi_start(before + bad + after)
        else:
            sock.api(before + bad + after)
    # Nothing was written: the switch has seen nothing beyond auth and subscription.
    assert server.commands.qsize() <= 2


def test_commands_fail_at_once_when_the_socket_drops(
    switch: ScriptedSwitch, make_socket: Callable[..., EventSocket]
) -> None:
    switch.api = lambda conn, cmd: conn.drop() if cmd.startswith("uuid_kill") else "+OK\n"
    sock, _ = connected(switch, make_socket)
    job = sock.bgapi_start("originate sofia/external/sip:a@127.0.0.1 &park()")
    call = gevent.spawn(sock.api, "uuid_kill abc", timeout=60)
    with pytest.raises(
        ConnectionLost, match="'api uuid_kill' failed: Event Socket connection lost"
    ):
        call.get(timeout=WAIT)  # long before its own 60 s timeout
    with pytest.raises(ConnectionLost, match=f"job {job.job_uuid} lost its result"):
        job.wait(WAIT)


def test_a_switch_that_picks_its_own_job_uuid_still_completes_the_job(
    switch: ScriptedSwitch, make_socket: Callable[..., EventSocket]
) -> None:
    switch.honour_job_uuid = False
    sock, conn = connected(switch, make_socket)
    job = sock.bgapi_start("originate sofia/external/sip:a@127.0.0.1 &park()")
    theirs = switch.jobs.get(timeout=WAIT)
    assert job.job_uuid == theirs
    conn.send_event(*background_job(theirs, "+OK x\n", 1))
    assert job.wait(WAIT).value == "x"
