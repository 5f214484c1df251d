"""The emulator against every recorded FreeSWITCH trace (../shared/freeswitch-traces).

Each trace is replayed: the same commands, far ends scripted from what the
trace shows. Then, per leg, the emulator must have produced the same events in
the same order, in the same states, with the same header names, the same set
of channel variables on each event and the same values for the ones that do
not depend on timing or randomness; the same replies; the same job results,
placed where FreeSWITCH places them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.fakeswitch import FakeSwitch
from tests.fakeswitch.client import EslTestClient, Event, Frame
from tests.fakeswitch.replay import Replayer, variables
from tests.fakeswitch.tracefile import TRACE_DIR, Trace, load_trace

if not TRACE_DIR.is_dir():
    pytest.skip(
        f"FreeSWITCH traces not found at {TRACE_DIR} (../shared/freeswitch-traces "
        "next to the repository); conformance cannot be checked",
        allow_module_level=True,
    )

TRACE_NAMES = sorted(path.name for path in TRACE_DIR.glob("*.esl"))
STATE_HEADERS = (
    "Channel-State",
    "Channel-State-Number",
    "Channel-Call-State",
    "Answer-State",
    "Hangup-Cause",
)
# Header values that follow from the scenario, not from timing or randomness.
STABLE_HEADERS = (
    "Call-Direction",
    "Channel-Name",
    "Channel-HIT-Dialplan",
    "Caller-Caller-ID-Name",
    "Caller-Caller-ID-Number",
    "Caller-Callee-ID-Name",
    "Caller-Callee-ID-Number",
    "Caller-Destination-Number",
    "Caller-Context",
    "Caller-Source",
    "Caller-Profile-Index",
    "Other-Type",
    "Other-Leg-Unique-ID",
    "Application",
    "Application-Data",
    "Application-Response",
    "Bridge-A-Unique-ID",
    "Bridge-B-Unique-ID",
    "Original-Channel-Call-State",
    "Channel-Call-State-Number",
)
STABLE_VARIABLES = (
    "direction",
    "is_outbound",
    "uuid",
    "channel_name",
    "sip_destination_url",
    "sip_req_uri",
    "sip_profile_name",
    "originate_early_media",
    "originate_endpoint",
    "rtp_use_codec_string",
    "sip_term_status",
    "sip_invite_failure_status",
    "sip_invite_failure_phrase",
    "sip_hangup_disposition",
    "sip_term_cause",
    "proto_specific_hangup_cause",
    "hangup_cause",
    "hangup_cause_q850",
    "endpoint_disposition",
    "current_application",
    "last_app",
    "caller_id",
    "call_completed_elsewhere",
    "outside_call",
    "export_vars",
    "bridge_hangup_cause",
    "last_bridge_hangup_cause",
    "bridge_uuid",
    "signal_bond",
    "sip_from_user",
    "sip_to_user",
    "read_codec",
    "write_codec",
)


@dataclass
class Replayed:
    trace: Trace
    events: list[Event]
    replies: list[Frame]
    notices: list[Frame]


@pytest.fixture(scope="module", params=TRACE_NAMES)
def replayed(request: pytest.FixtureRequest) -> Iterator[Replayed]:
    trace = load_trace(TRACE_DIR / request.param)
    switch = FakeSwitch(password="ClueCon", time_scale=0.05)
    address = switch.start()
    client = EslTestClient(address)
    try:
        result = Replayer(trace, switch, client).run()
        yield Replayed(trace, list(client.events), result.replies, list(client.notices))
    finally:
        client.close()
        switch.stop()


def _legs(replayed: Replayed) -> Iterator[tuple[str, list[Event], list[Event]]]:
    for uuid in replayed.trace.legs():
        ours = [event for event in replayed.events if event.uuid == uuid]
        yield uuid, replayed.trace.leg_events(uuid), ours


def _undated(value: str | None) -> str | None:
    """The dialplan exports the date of the call: compare all but the date."""
    if value is not None and value.startswith("RFC2822_DATE="):
        return "RFC2822_DATE=<date>"
    return value


def _normal_reply(frame: Frame) -> tuple[str, str, bytes]:
    text = frame.header("Reply-Text") or ""
    if text.startswith("+OK Job-UUID: "):
        assert frame.header("Job-UUID") == text.removeprefix("+OK Job-UUID: ")
        text = "+OK Job-UUID: <job>"
    return frame.content_type, text, frame.body


def test_every_command_gets_the_same_reply(replayed: Replayed) -> None:
    expected = [_normal_reply(frame) for frame in replayed.trace.replies]
    assert [_normal_reply(frame) for frame in replayed.replies] == expected


def test_each_leg_has_the_same_events_in_the_same_states(replayed: Replayed) -> None:
    for uuid, theirs, ours in _legs(replayed):
        expected = [(e.name, *(e.get(h) for h in STATE_HEADERS)) for e in theirs]
        actual = [(e.name, *(e.get(h) for h in STATE_HEADERS)) for e in ours]
        assert actual == expected, f"leg {uuid}"


def test_each_event_has_the_same_headers_in_the_same_order(replayed: Replayed) -> None:
    for uuid, theirs, ours in _legs(replayed):
        for their, our in zip(theirs, ours, strict=True):
            names = [k for k, _ in their.headers if not k.startswith("variable_")]
            assert [k for k, _ in our.headers if not k.startswith("variable_")] == names, (
                f"leg {uuid} {their.name}"
            )
            for header in STABLE_HEADERS:
                expected = _undated(their.get(header))
                assert _undated(our.get(header)) == expected, f"leg {uuid} {their.name} {header}"


def test_each_event_carries_the_same_channel_variables(replayed: Replayed) -> None:
    for uuid, theirs, ours in _legs(replayed):
        for their, our in zip(theirs, ours, strict=True):
            expected, actual = variables(their), variables(our)
            assert sorted(actual) == sorted(expected), f"leg {uuid} {their.name}"
            stable = [
                name
                for name in expected
                if name in STABLE_VARIABLES
                or name.startswith(("sip_rh_", "sip_ph_", "sip_h_", "cxml_", "origination_"))
            ]
            for name in stable:
                assert actual[name] == expected[name], f"leg {uuid} {their.name} {name}"


def _jobs(events: list[Event]) -> list[tuple[str | None, str | None, str]]:
    return sorted(
        (e.get("Job-Command"), e.get("Job-Command-Arg"), e.body)
        for e in events
        if e.name == "BACKGROUND_JOB"
    )


def test_background_jobs_report_the_same_results(replayed: Replayed) -> None:
    assert _jobs(replayed.events) == _jobs(list(replayed.trace.events))


def _job_windows(events: list[Event]) -> list[tuple[str, bool]]:
    """For each originate job: does its result sit where FreeSWITCH puts it?
    +OK after the leg's last CHANNEL_CALLSTATE before it runs its application;
    -ERR after CHANNEL_HANGUP and before CHANNEL_DESTROY."""
    checks = []
    for index, job in enumerate(events):
        if job.name != "BACKGROUND_JOB" or job.get("Job-Command") != "originate":
            continue
        arg = job.get("Job-Command-Arg") or ""
        uuid = arg.split("origination_uuid=", 1)[1].split(",", 1)[0].split("}", 1)[0]
        before = [e.name for e in events[:index] if e.uuid == uuid]
        after = [e.name for e in events[index + 1 :] if e.uuid == uuid]
        if job.body.startswith("+OK"):
            placed = before[-1] == "CHANNEL_CALLSTATE" and after[:1] == ["CHANNEL_STATE"]
            placed = placed and "CHANNEL_EXECUTE" in after and "CHANNEL_EXECUTE" not in before
        else:
            placed = "CHANNEL_HANGUP" in before and "CHANNEL_DESTROY" in after
        checks.append((uuid, placed))
    return sorted(checks)


def test_job_results_arrive_where_freeswitch_sends_them(replayed: Replayed) -> None:
    expected = _job_windows(list(replayed.trace.events))
    assert all(placed for _, placed in expected), "the trace itself breaks the rule"
    assert _job_windows(replayed.events) == expected


def test_sequence_numbers_increase_in_delivery_order(replayed: Replayed) -> None:
    sequences = [event.sequence for event in replayed.events]
    assert sequences == sorted(sequences)
    assert len(set(sequences)) == len(sequences)


def test_exit_ends_with_the_same_disconnect_notice(replayed: Replayed) -> None:
    expected = [f.raw for f in replayed.trace.frames if f.content_type == "text/disconnect-notice"]
    assert [frame.raw for frame in replayed.notices] == expected
