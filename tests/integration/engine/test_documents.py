"""Documents and the verbs around `<Dial>`: fallback, action, Redirect loops, Reject, Say, Play."""

from __future__ import annotations

from bridge.config import Route
from bridge.cxml.models import HttpMethod
from tests.fakeswitch import FarEnd
from tests.integration.engine.harness import CALLED, WAIT, Bridge, params, signed
from tests.support.customer_app import Reply, closed_port_url


def serve(bridge: Bridge, document: str, path: str = "/voice") -> None:
    bridge.app.reply(path, Reply.cxml(f"<Response>{document}</Response>"))


def test_an_unreachable_document_falls_back(bridge: Bridge) -> None:
    dead = closed_port_url("/voice")
    bridge.configure(
        routes=(Route(url=dead, number=CALLED, fallback_url=bridge.app.url("/fallback")),)
    )
    serve(bridge, "<Hangup/>", "/fallback")
    uuid = bridge.call_in()

    (fallback,) = bridge.app.wait_for("/fallback")
    bridge.settle()

    got = params(fallback)
    assert signed(fallback)
    assert (got["ErrorCode"], got["ErrorUrl"]) == ("11205", dead)
    assert got["CallSid"] == bridge.call_by_uuid(uuid).sid
    assert bridge.call_by_uuid(uuid).status.value == "completed"


def test_an_invalid_document_falls_back(bridge: Bridge) -> None:
    bridge.configure(
        routes=(
            Route(
                url=bridge.app.url("/voice"),
                number=CALLED,
                fallback_url=bridge.app.url("/fallback"),
                fallback_method=HttpMethod.GET,
            ),
        )
    )
    serve(bridge, "<Dial><Sip>sip:bad user@example.com</Sip></Dial>")
    serve(bridge, "<Hangup/>", "/fallback")
    bridge.call_in()

    (fallback,) = bridge.app.wait_for("/fallback")
    bridge.settle()

    assert fallback.method == "GET" and signed(fallback)
    assert params(fallback)["ErrorCode"] == "12200"  # parsed, but breaks the rules
    assert bridge.originates() == []


def test_no_document_and_no_fallback_refuses_the_call_with_503(bridge: Bridge) -> None:
    bridge.app.reply("/voice", Reply(500, "oops", "text/plain"))
    uuid = bridge.call_in()
    bridge.app.wait_for("/voice")
    bridge.settle()

    assert f"api uuid_kill {uuid} NORMAL_TEMPORARY_FAILURE" in bridge.switch.commands
    assert f"api uuid_answer {uuid}" not in bridge.switch.commands
    record = bridge.call_by_uuid(uuid)
    assert record.status.value == "failed"
    assert "HTTP status 500" in (bridge.history(record.sid)[-1].detail or "")


def test_a_number_without_a_route_is_refused(bridge: Bridge) -> None:
    uuid = bridge.call_in("+19998887777")
    bridge.switch.wait_for_command(f"api uuid_kill {uuid}", timeout=WAIT)
    bridge.settle()

    assert f"api uuid_kill {uuid} NORMAL_TEMPORARY_FAILURE" in bridge.switch.commands
    assert bridge.call_by_uuid(uuid).status.value == "failed"
    assert bridge.app.requests == ()


def test_the_action_document_runs_next(bridge: Bridge) -> None:
    app = bridge.app
    serve(bridge, f'<Dial action="{app.url("/action")}"><Sip>sip:busy@example.com</Sip></Dial>')
    serve(
        bridge,
        f'<Dial action="{app.url("/second")}"><Sip>sip:desk@example.com</Sip></Dial>',
        "/action",
    )
    serve(bridge, "<Hangup/>", "/second")
    bridge.switch.script("sip:busy@example.com", FarEnd.busy())
    bridge.switch.script("sip:desk@example.com", FarEnd.answer())
    uuid = bridge.call_in()
    bridge.hang_up_callee(uuid)

    (first,) = app.wait_for("/action")
    (second,) = app.wait_for("/second")
    bridge.settle()

    assert params(first)["DialCallStatus"] == "busy"
    assert params(second)["DialCallStatus"] == "completed"
    assert len(bridge.originates()) == 2
    assert bridge.call_by_uuid(uuid).status.value == "completed"


def test_without_action_the_next_verb_runs(bridge: Bridge) -> None:
    app = bridge.app
    serve(
        bridge,
        f"<Dial><Sip>sip:busy@example.com</Sip></Dial><Redirect>{app.url('/next')}</Redirect>",
    )
    serve(bridge, "<Hangup/>", "/next")
    bridge.switch.script("sip:busy@example.com", FarEnd.busy())
    bridge.call_in()

    (following,) = app.wait_for("/next")
    bridge.settle()
    assert params(following)["CallStatus"] == "in-progress"


def test_a_redirect_loop_is_cut_and_the_call_refused(bridge: Bridge) -> None:
    # max_redirects is 3 in the harness's settings.
    serve(bridge, f"<Redirect>{bridge.app.url('/voice')}</Redirect>")
    uuid = bridge.call_in()
    bridge.switch.wait_for_command(f"api uuid_kill {uuid}", timeout=WAIT)
    bridge.settle()

    assert len(bridge.app.requests_to("/voice")) == 1 + 3
    assert f"api uuid_kill {uuid} NORMAL_TEMPORARY_FAILURE" in bridge.switch.commands
    record = bridge.call_by_uuid(uuid)
    assert record.status.value == "failed"
    assert "redirect loop" in (bridge.history(record.sid)[-1].detail or "")


def test_reject_busy_refuses_without_answering(bridge: Bridge) -> None:
    serve(bridge, '<Reject reason="busy"/>')
    uuid = bridge.call_in()
    bridge.switch.wait_for_command(f"api uuid_kill {uuid}", timeout=WAIT)
    bridge.settle()

    assert f"api uuid_kill {uuid} USER_BUSY" in bridge.switch.commands
    assert f"api uuid_answer {uuid}" not in bridge.switch.commands
    assert bridge.call_by_uuid(uuid).status.value == "busy"


def test_reject_rejected_is_a_603_and_no_answer(bridge: Bridge) -> None:
    serve(bridge, "<Reject/>")
    uuid = bridge.call_in()
    bridge.switch.wait_for_command(f"api uuid_kill {uuid}", timeout=WAIT)
    bridge.settle()

    assert f"api uuid_kill {uuid} CALL_REJECTED" in bridge.switch.commands
    assert bridge.call_by_uuid(uuid).status.value == "no-answer"


def test_a_pause_ends_when_the_caller_hangs_up(bridge: Bridge) -> None:
    serve(bridge, '<Pause length="600"/><Hangup/>')
    uuid = bridge.call_in()
    bridge.switch.wait_for_event("CHANNEL_ANSWER", uuid, timeout=WAIT)

    bridge.switch.hangup(uuid)
    bridge.settle()
    record = bridge.call_by_uuid(uuid)
    assert record.status.value == "completed"
    assert f"api uuid_kill {uuid} NORMAL_CLEARING" not in bridge.switch.commands


def test_say_speaks_through_the_configured_tts_engine(bridge: Bridge) -> None:
    serve(bridge, '<Say loop="2">Hello there</Say><Hangup/>')
    uuid = bridge.call_in()
    bridge.switch.wait_for_command(f"api uuid_kill {uuid}", timeout=WAIT)
    bridge.settle()

    commands = [c for c in bridge.switch.commands if c.startswith("api uuid_") and uuid in c]
    assert commands == [
        f"api uuid_answer {uuid}",
        f"api uuid_broadcast {uuid} speak::flite|kal|Hello\\sthere aleg",
        f"api uuid_broadcast {uuid} speak::flite|kal|Hello\\sthere aleg",
        f"api uuid_kill {uuid} NORMAL_CLEARING",
    ]


def test_say_without_a_tts_engine_is_an_error_not_silence(bridge: Bridge) -> None:
    from dataclasses import replace

    bridge.configure(media=replace(bridge.settings.media, tts_engine=None))
    serve(bridge, "<Say>Hello</Say>")
    uuid = bridge.call_in()
    bridge.switch.wait_for_command(f"api uuid_kill {uuid}", timeout=WAIT)
    bridge.settle()

    assert f"api uuid_kill {uuid} NORMAL_TEMPORARY_FAILURE" in bridge.switch.commands
    record = bridge.call_by_uuid(uuid)
    assert record.status.value == "failed"
    assert "tts_engine" in (bridge.history(record.sid)[-1].detail or "")


def test_play_broadcasts_the_url(bridge: Bridge) -> None:
    audio = bridge.app.url("/hold.wav?v=1")
    serve(bridge, f'<Play loop="2">{audio}</Play>')
    uuid = bridge.call_in()
    bridge.switch.wait_for_command(f"api uuid_kill {uuid}", timeout=WAIT)
    bridge.settle()

    plays = [c for c in bridge.switch.commands if c.startswith("api uuid_broadcast")]
    assert plays == [f"api uuid_broadcast {uuid} playback::{audio} aleg"] * 2
    assert bridge.call_by_uuid(uuid).status.value == "completed"
