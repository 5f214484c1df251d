"""The engine's own safety nets, for when FreeSWITCH or the engine itself fails.

- The ring guard: FreeSWITCH ends a leg that rings past its timeout
  (originate_timeout), and the engine kills whatever still rings
  `timings.ring_guard` seconds later. The emulator's
  `FarEnd.ring_forever(ignore_timeout=True)` is a switch whose timer never
  fires, so only the guard can end those legs.
- The session watchdog: a verb that fails in a way nobody planned for (an
  exception that is not a VerbFailed) must not leave the caller parked. The
  fault is injected by replacing one entry of the executor table with a
  broken verb, the only way to have a bug on purpose.
"""

from __future__ import annotations

import time
from dataclasses import replace
from types import MappingProxyType

import pytest

from bridge.config import Route
from bridge.cxml import parse_document
from bridge.cxml.models import CallProgressEvent, HttpMethod, Pause
from bridge.engine import verbs
from bridge.engine.control import DocumentUrl, PlaceCall
from bridge.engine.session import CallSession
from bridge.engine.steps import Step
from bridge.sip import parse_sip_uri
from tests.fakeswitch import FarEnd
from tests.integration.engine.harness import ACCOUNT_SID, CALLED, WAIT, Bridge, params
from tests.support.customer_app import Reply

STUCK = "sip:stuck@example.com"
STUCK_TOO = "sip:stuck-too@example.com"
GUARD = 0.2
DIAL_TIMEOUT = 5  # the shortest <Dial timeout> and REST Timeout


def fast_guard(bridge: Bridge) -> None:
    services = bridge.engine.services
    bridge.engine.services = replace(services, timings=replace(services.timings, ring_guard=GUARD))


def test_the_ring_guard_ends_legs_freeswitch_lets_ring_past_their_timeout(
    bridge: Bridge,
) -> None:
    """A <Dial> leg and a REST call, at once (each waits the 5 s timeout)."""
    fast_guard(bridge)
    app = bridge.app
    app.reply(
        "/voice",
        Reply.cxml(
            f'<Response><Dial timeout="{DIAL_TIMEOUT}" action="{app.url("/action")}">'
            f'<Sip statusCallback="{app.url("/leg")}"'
            ' statusCallbackEvent="initiated ringing completed">'
            f"{STUCK}</Sip></Dial></Response>"
        ),
    )
    app.reply("/action", Reply.cxml("<Response><Hangup/></Response>"))
    app.reply("/leg", Reply.empty(204))
    app.reply("/rest-status", Reply.empty(204))
    bridge.switch.script(STUCK, FarEnd.ring_forever(ignore_timeout=True))
    bridge.switch.script(STUCK_TOO, FarEnd.ring_forever(ignore_timeout=True))

    started = time.monotonic()
    bridge.call_in()
    placed = bridge.engine.place_call(
        PlaceCall(
            account_sid=ACCOUNT_SID,
            to=parse_sip_uri(STUCK_TOO),
            to_text=STUCK_TOO,
            from_="+15557654321",
            document=DocumentUrl(app.url("/never"), HttpMethod.POST),
            status_callback=app.url("/rest-status"),
            status_callback_events=frozenset(CallProgressEvent),
            timeout=DIAL_TIMEOUT,
        )
    )
    (action,) = app.wait_for("/action", timeout=DIAL_TIMEOUT + WAIT)
    app.wait_for(lambda r: r.path == "/rest-status" and r.param("CallStatus") == "no-answer")
    bridge.settle()
    elapsed = time.monotonic() - started

    # The <Dial> leg: killed by the engine, reported no-answer.
    got = params(action)
    leg = bridge.calls.get(got["DialCallSid"])
    assert leg.fs_uuid is not None
    assert f"api uuid_kill {leg.fs_uuid} NO_ANSWER" in bridge.switch.commands
    assert (got["DialCallStatus"], leg.status.value) == ("no-answer", "no-answer")
    leg_statuses = [params(r)["CallStatus"] for r in app.requests_to("/leg")]
    assert leg_statuses == ["initiated", "ringing", "no-answer"]

    # The REST call: the same, and its document is never asked for.
    rest = bridge.calls.get(placed.sid)
    assert f"api uuid_kill {rest.fs_uuid} NO_ANSWER" in bridge.switch.commands
    assert rest.status.value == "no-answer"
    rest_statuses = [params(r)["CallStatus"] for r in app.requests_to("/rest-status")]
    assert rest_statuses == ["initiated", "ringing", "no-answer"]
    assert app.requests_to("/never") == ()

    # Never before the timeout and the guard (FreeSWITCH had its chance).
    assert elapsed >= DIAL_TIMEOUT + GUARD
    for uuid in (leg.fs_uuid, rest.fs_uuid):
        assert uuid is not None
        view = bridge.switch.channel(uuid)
        assert view is not None and view.hangup_cause == "NO_ANSWER"


def broken_pause(verb: Pause, call: CallSession) -> Step:
    """A verb with a bug: it answers the call when asked to (length 1), then fails."""
    if verb.length == 1:
        call.answer()
    raise RuntimeError("a bug in a verb")


@pytest.fixture
def broken(monkeypatch: pytest.MonkeyPatch) -> None:
    table = dict(verbs.EXECUTORS)
    table[Pause] = broken_pause
    monkeypatch.setattr(verbs, "EXECUTORS", MappingProxyType(table))


@pytest.mark.parametrize(
    ("length", "cause", "answered"),
    [(1, "NORMAL_CLEARING", True), (2, "NORMAL_TEMPORARY_FAILURE", False)],
    ids=["answered", "unanswered"],
)
@pytest.mark.usefixtures("broken")
def test_a_verb_that_crashes_ends_the_call_as_failed(
    bridge: Bridge, length: int, cause: str, answered: bool
) -> None:
    app = bridge.app
    bridge.configure(
        routes=(Route(url=app.url("/voice"), number=CALLED, status_callback=app.url("/status")),)
    )
    app.reply("/voice", Reply.cxml(f'<Response><Pause length="{length}"/><Say>Hi</Say></Response>'))
    app.reply("/status", Reply.empty(204))
    uuid = bridge.call_in()
    (final,) = app.wait_for("/status", timeout=WAIT)
    bridge.settle()

    commands = [c for c in bridge.switch.commands if c.startswith("api uuid_") and uuid in c]
    assert commands == ([f"api uuid_answer {uuid}"] if answered else []) + [
        f"api uuid_kill {uuid} {cause}"
    ]
    view = bridge.switch.channel(uuid)
    assert view is not None and view.hangup_cause == cause and not view.parked
    record = bridge.call_by_uuid(uuid)
    assert record.status.value == "failed"
    assert bridge.history(record.sid)[-1].detail == "engine error: RuntimeError('a bug in a verb')"
    assert params(final)["CallStatus"] == "failed"
    assert bridge.engine.live_calls == ()


def test_the_broken_verb_is_really_in_the_table(broken: None) -> None:
    """Guard for the fixture: the engine looks executors up when it runs a verb."""
    (pause,) = parse_document('<Response><Pause length="2"/></Response>').verbs
    with pytest.raises(RuntimeError, match="a bug in a verb"):
        verbs.execute(pause, None)  # type: ignore[arg-type]
