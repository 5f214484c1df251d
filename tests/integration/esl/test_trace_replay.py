"""The adapter against real FreeSWITCH streams, replayed byte for byte.

For every plain-format trace, the adapter connects to a replay server,
sends the commands the recording client sent (the same text; only the
Job-UUIDs are its own), and must deliver exactly the trace's subscribed
events, per channel, with the same headers and variables, the same job
results and the same api replies.
"""

from __future__ import annotations

import random
from collections import defaultdict
from pathlib import Path

import gevent
import pytest

from bridge.esl import (
    SUBSCRIBED_EVENTS,
    Backoff,
    ChannelEvent,
    EventSocket,
    JobResult,
    PendingJob,
)
from tests.support.trace_replay import TraceReplay
from tests.support.traces import Trace, load_trace, trace_paths

PLAIN_TRACES = [p for p in trace_paths() if load_trace(p).event_format == "plain"]
WAIT = 10.0  # generous bound for loopback; every wait below ends on an event, not on time


def _ids(paths: list[Path]) -> list[str]:
    return [p.stem for p in paths]


class Session:
    """What one replay produced: queue items, job results, api replies."""

    def __init__(self) -> None:
        self.items: list[object] = []
        self.jobs: list[JobResult] = []
        self.api_replies: list[str] = []
        self.pending: list[PendingJob] = []


def replay(trace: Trace, *, split: bool) -> tuple[Session, TraceReplay]:
    session = Session()
    rng = random.Random(trace.name) if split else None
    with TraceReplay(trace, split_reads=rng) as server:
        sock = EventSocket(
            "127.0.0.1",
            server.port,
            trace.password,
            connect_timeout=WAIT,
            command_timeout=WAIT,
            backoff=Backoff(max_attempts=0),
        )
        sock.connect()
        assert server.commands.get(timeout=WAIT).startswith("auth ")
        assert server.commands.get(timeout=WAIT).startswith("event plain ")
        calls: list[gevent.Greenlet] = []
        for command in trace.commands[2:]:
            if command == "exit":
                break
            verb, rest = command.split(" ", 1)
            if verb == "api":
                calls.append(gevent.spawn(sock.api, rest))
            else:
                assert verb == "bgapi", command
                calls.append(gevent.spawn(sock.bgapi_start, rest))
            # The next command may only go once the replay has this one, as in
            # the recording (s8 and s10 send several before any reply).
            server.commands.get(timeout=WAIT)
        for call in calls:
            result = call.get(timeout=WAIT)
            if isinstance(result, PendingJob):
                session.pending.append(result)
                session.jobs.append(result.wait(WAIT))
            else:
                session.api_replies.append(result)
        sock.close()
        assert server.finished.wait(WAIT)
        while not sock.events.empty():
            session.items.append(sock.events.get())
    return session, server


def expected_events(trace: Trace) -> list[dict[str, str]]:
    return [
        e
        for e in trace.events()
        if e["Event-Name"] in SUBSCRIBED_EVENTS and e["Event-Name"] != "BACKGROUND_JOB"
    ]


@pytest.fixture(params=[False, True], ids=["whole-writes", "split-reads"])
def split(request: pytest.FixtureRequest) -> bool:
    return bool(request.param)


@pytest.mark.parametrize("path", PLAIN_TRACES, ids=_ids(PLAIN_TRACES))
def test_replayed_trace_gives_the_same_events_jobs_and_replies(path: Path, split: bool) -> None:
    trace = load_trace(path)
    session, server = replay(trace, split=split)
    assert server.failure is None

    events = [i for i in session.items if isinstance(i, ChannelEvent)]
    expected = expected_events(trace)

    # Per channel, the same events in the same order.
    def per_uuid(pairs: list[tuple[str | None, str]]) -> dict[str | None, list[str]]:
        grouped: dict[str | None, list[str]] = defaultdict(list)
        for uuid, name in pairs:
            grouped[uuid].append(name)
        return dict(grouped)

    assert per_uuid([(e.uuid, e.name) for e in events]) == per_uuid(
        [(e.get("Unique-ID"), e["Event-Name"]) for e in expected]
    )
    # In Event-Sequence order, each with every header and variable as sent.
    assert [e.sequence for e in events] == sorted(int(e["Event-Sequence"]) for e in expected)
    by_sequence = {int(e["Event-Sequence"]): e for e in expected}
    for event in events:
        sent = by_sequence[event.sequence]
        assert dict(event.headers) == sent
        assert dict(event.variables) == {
            k.removeprefix("variable_"): v for k, v in sent.items() if k.startswith("variable_")
        }

    # Job results: the recorded BACKGROUND_JOB bodies, under the client's Job-UUIDs.
    recorded_jobs = {e["Job-UUID"]: e["_body"] for e in trace.events() if "_body" in e}
    ours = {server.job_map[k]: v.rstrip("\n") for k, v in recorded_jobs.items()}
    assert {j.job_uuid: j.body for j in session.jobs} == ours
    assert [j.job_uuid for j in session.pending] == list(server.job_map.values())
    queued = [i for i in session.items if isinstance(i, JobResult)]
    assert sorted(queued, key=lambda j: j.job_uuid) == sorted(
        session.jobs, key=lambda j: j.job_uuid
    )

    # api replies: the recorded api/response bodies, in order.
    assert session.api_replies == [
        f.body.decode() for f in trace.frames if f.content_type == "api/response"
    ]


# What the README says each scenario shows; the values checked are read from
# the adapter's typed events, the scenario facts are the README's.
SCENARIO_FACTS = {
    "s1-answer": {"job_ok": True, "response_headers": {"X-Result", "X-Account-Id"}},
    "s2-busy": {"cause": "USER_BUSY", "term_status": 486, "response_headers": {"X-Reason"}},
    "s3-notfound": {"cause": "UNALLOCATED_NUMBER", "term_status": 404},
    "s4-noanswer": {"cause": "NO_ANSWER", "invite_failure_status": 487},
    "s5-auth": {"job_ok": True},
    # No TLS profile: no INVITE ever left, so there is no SIP Call-ID.
    "s6-tls-noprofile": {"cause": "DESTINATION_OUT_OF_ORDER", "no_sip": True},
}


@pytest.mark.parametrize("name", sorted(SCENARIO_FACTS))
def test_scenario_facts_come_through_typed(name: str) -> None:
    paths = [p for p in PLAIN_TRACES if p.stem == name]
    if not paths:
        pytest.skip(f"trace {name} is absent")
    trace = load_trace(paths[0])
    session, server = replay(trace, split=False)
    assert server.failure is None
    facts = SCENARIO_FACTS[name]
    (job,) = session.jobs
    events = [i for i in session.items if isinstance(i, ChannelEvent)]
    hangup = next(e for e in events if e.name == "CHANNEL_HANGUP")
    leg_tag = next(c for c in trace.commands if c.startswith("bgapi ")).split("cxml_leg=")[1]
    assert hangup.cxml_leg == leg_tag.split("}")[0].split(",")[0]
    assert all(e.cxml_leg == hangup.cxml_leg for e in events if e.uuid == hangup.uuid)
    assert (hangup.sip_call_id is None) == bool(facts.get("no_sip"))
    if "cause" in facts:
        assert not job.ok
        assert job.cause == facts["cause"]
        assert hangup.hangup_cause == facts["cause"]
    if facts.get("job_ok"):
        assert job.ok
        assert job.value == hangup.uuid
    # The final SIP status is only certain on HANGUP_COMPLETE (s4's 487 is not on HANGUP).
    complete = next(e for e in events if e.name == "CHANNEL_HANGUP_COMPLETE")
    if "term_status" in facts:
        assert complete.sip_term_status == facts["term_status"]
    if "invite_failure_status" in facts:
        assert complete.sip_invite_failure_status == facts["invite_failure_status"]
    if "response_headers" in facts:
        answered = [e for e in events if e.sip_response_headers]
        assert answered
        assert set(answered[-1].sip_response_headers) >= facts["response_headers"]


def test_inbound_call_is_parked_with_its_tag() -> None:
    paths = [p for p in PLAIN_TRACES if p.stem.startswith("s7-")]
    if not paths:
        pytest.skip("trace s7 is absent")
    trace = load_trace(paths[0])
    session, server = replay(trace, split=False)
    assert server.failure is None
    events = [i for i in session.items if isinstance(i, ChannelEvent)]
    park = next(e for e in events if e.name == "CHANNEL_PARK")
    assert park.cxml_inbound
    assert park.call_direction == "inbound"
    bridges = [e for e in events if e.name in ("CHANNEL_BRIDGE", "CHANNEL_UNBRIDGE")]
    assert {e.uuid for e in bridges} == {park.uuid}  # A leg only, as the README says
    complete = next(
        e for e in events if e.name == "CHANNEL_HANGUP_COMPLETE" and e.uuid == park.uuid
    )
    assert complete.billsec is not None and complete.billsec > 0
