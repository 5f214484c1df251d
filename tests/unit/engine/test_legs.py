"""A `Leg` fed the real FreeSWITCH traces ends with the status the spec asks for."""

from __future__ import annotations

from bridge.engine.legs import Change, Leg
from bridge.engine.statuses import EndedBy
from bridge.esl import ChannelEvent, JobResult, parse_plain_event
from bridge.store.records import CallStatus
from tests.support.traces import load_trace, traces_dir


def replay(name: str, tags: dict[str, str]) -> tuple[dict[str, Leg], dict[str, list[Change]]]:
    """Feed trace `name` to one Leg per `cxml_leg` tag (tag -> uuid); changes per tag."""
    trace = load_trace(traces_dir() / name)
    legs = {tag: Leg(call_sid=tag, uuid=uuid) for tag, uuid in tags.items()}
    by_uuid = {uuid: legs[tag] for tag, uuid in tags.items()}
    jobs = dict(zip(trace.job_uuids(), tags, strict=False))
    changes: dict[str, list[Change]] = {tag: [] for tag in tags}
    for frame in trace.frames:
        if frame.content_type != "text/event-plain":
            continue
        event = ChannelEvent.from_raw(parse_plain_event(frame.body))
        if event.name == "BACKGROUND_JOB":
            result = JobResult.from_event(event)
            tag = jobs.get(result.job_uuid)
            if tag is not None:
                changes[tag] += legs[tag].on_job(result)
        elif event.uuid in by_uuid:
            leg = by_uuid[event.uuid]
            changes[leg.call_sid] += leg.on_event(event)
    return legs, changes


def test_s2_busy_with_the_x_headers_of_the_486() -> None:
    legs, changes = replay("s2-busy.esl", {"busy": "22222222-2222-4222-8222-222222222222"})
    leg = legs["busy"]
    assert changes["busy"] == [Change.HUNG_UP, Change.OVER]
    assert (leg.final_status(), leg.sip_response_code(), leg.duration()) == (
        CallStatus.BUSY,
        486,
        0,
    )
    assert "X-Reason" in leg.response_headers()


def test_s4_no_answer_after_the_originate_timeout() -> None:
    legs, changes = replay("s4-noanswer.esl", {"ring": "44444444-4444-4444-8444-444444444444"})
    leg = legs["ring"]
    assert changes["ring"] == [Change.RINGING, Change.HUNG_UP, Change.OVER]
    assert (leg.final_status(), leg.sip_response_code()) == (CallStatus.NO_ANSWER, 487)


def test_s6_tls_refused_is_a_failure() -> None:
    legs, _ = replay("s6-tls-noprofile.esl", {"tls": "66666666-6666-4666-8666-666666666666"})
    assert legs["tls"].final_status() is CallStatus.FAILED
    assert legs["tls"].cause == "DESTINATION_OUT_OF_ORDER"


def test_s8_simultaneous_ring_one_answers_one_busy_one_loses() -> None:
    uuid = "88888888-8888-4888-8888-88888888880{}"
    legs, changes = replay("s8-simring.esl", {f"sim-{n}": uuid.format(n) for n in (1, 2, 3)})
    winner, busy, loser = legs["sim-1"], legs["sim-2"], legs["sim-3"]
    assert Change.ANSWERED in changes["sim-1"]
    assert winner.answered and winner.sip_response_code() == 200
    assert busy.final_status() is CallStatus.BUSY
    # The engine killed sim-3 with LOSE_RACE; the switch says so too.
    assert loser.cause == "LOSE_RACE" and loser.final_status() is CallStatus.CANCELED
    loser.ended_by = EndedBy.LOST_RACE
    assert loser.final_status() is CallStatus.CANCELED


def test_a_failed_originate_without_any_channel_is_over_at_its_job_result() -> None:
    leg = Leg(call_sid="CA1", uuid="u")
    assert leg.on_job(JobResult("j", False, "-ERR INVALID_PROFILE")) == [
        Change.HUNG_UP,
        Change.OVER,
    ]
    assert (leg.final_status(), leg.cause) == (CallStatus.FAILED, "INVALID_PROFILE")
