"""`<Say voice language loop>` and `<Play digits>` end to end: the document in, the
exact Event Socket commands out, the emulator's reading of them, and the call's
outcome at the customer's status callback."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bridge.config import Route
from tests.integration.engine.harness import CALLED, WAIT, Bridge, params
from tests.support.customer_app import Reply


def route_with_status(bridge: Bridge, document: str) -> None:
    app = bridge.app
    bridge.configure(
        routes=(Route(url=app.url("/voice"), number=CALLED, status_callback=app.url("/status")),)
    )
    app.reply("/voice", Reply.cxml(f"<Response>{document}</Response>"))
    app.reply("/status", Reply.empty(204))


def channel_commands(bridge: Bridge, uuid: str) -> list[str]:
    return [c for c in bridge.switch.commands if c.startswith("api uuid_") and uuid in c]


def final_status(bridge: Bridge) -> str | None:
    """The CallStatus of the call's last callback, once the call is over."""
    (completed,) = bridge.app.wait_for("/status", timeout=WAIT)
    bridge.settle()
    return params(completed)["CallStatus"]


def test_voice_and_language_pick_flite_voices(bridge: Bridge) -> None:
    route_with_status(
        bridge,
        '<Say voice="woman" language="en-US" loop="2">Your code is 1 2 3</Say>'
        '<Say voice="Polly.Matthew-Neural">Goodbye</Say>',
    )
    uuid = bridge.call_in()
    assert final_status(bridge) == "completed"

    assert channel_commands(bridge, uuid) == [
        f"api uuid_answer {uuid}",
        f"api uuid_broadcast {uuid} speak::flite|slt|Your\\scode\\sis\\s1\\s2\\s3 aleg",
        f"api uuid_broadcast {uuid} speak::flite|slt|Your\\scode\\sis\\s1\\s2\\s3 aleg",
        f"api uuid_broadcast {uuid} speak::flite|kal|Goodbye aleg",
        f"api uuid_kill {uuid} NORMAL_CLEARING",
    ]
    spoken = [
        event.header("Application-Data")
        for event in bridge.switch.events
        if event.name == "CHANNEL_EXECUTE_COMPLETE" and event.header("Application") == "speak"
    ]
    assert spoken == ["flite|slt|Your code is 1 2 3"] * 2 + ["flite|kal|Goodbye"]


def test_a_bare_dollar_is_spoken_as_written(bridge: Bridge) -> None:
    # '$' not followed by '{' is no expansion to FreeSWITCH: it reaches speak as text.
    route_with_status(bridge, "<Say>Your balance is $5</Say>")
    uuid = bridge.call_in()
    assert final_status(bridge) == "completed"

    assert channel_commands(bridge, uuid) == [
        f"api uuid_answer {uuid}",
        f"api uuid_broadcast {uuid} speak::flite|kal|Your\\sbalance\\sis\\s$5 aleg",
        f"api uuid_kill {uuid} NORMAL_CLEARING",
    ]
    spoken = [
        event.header("Application-Data")
        for event in bridge.switch.events
        if event.name == "CHANNEL_EXECUTE_COMPLETE" and event.header("Application") == "speak"
    ]
    assert spoken == ["flite|kal|Your balance is $5"]


@pytest.mark.parametrize(
    ("say", "reason"),
    [
        (
            '<Say voice="Polly.Amy">Hello</Say>',
            "voice 'Polly.Amy': not an Amazon Polly US English voice",
        ),
        (
            '<Say voice="woman" language="fr-FR">Bonjour</Say>',
            "language 'fr-FR': the flite TTS engine speaks US English only",
        ),
        (
            "<Say>That is ${hangup_cause}</Say>",
            "cannot be spoken: text: '{' is not allowed",
        ),
    ],
)
def test_a_say_that_cannot_be_honoured_ends_the_call_naming_why(
    bridge: Bridge, say: str, reason: str
) -> None:
    route_with_status(bridge, say + "<Hangup/>")
    uuid = bridge.call_in()
    assert final_status(bridge) == "failed"

    # Refused before anything was played or answered: a 503 to the caller.
    assert channel_commands(bridge, uuid) == [f"api uuid_kill {uuid} NORMAL_TEMPORARY_FAILURE"]
    record = bridge.call_by_uuid(uuid)
    assert record.status.value == "failed"
    detail = bridge.history(record.sid)[-1].detail or ""
    assert detail.startswith(f"line 1: <Say>: {reason}"), detail


def test_loop_zero_speaks_until_the_caller_hangs_up(bridge: Bridge) -> None:
    route_with_status(bridge, '<Say loop="0">Please hold</Say>')
    uuid = bridge.call_in()
    speak = f"api uuid_broadcast {uuid} speak::flite|kal|Please\\shold aleg"
    bridge.switch.wait_for_command(
        lambda line: bridge.switch.commands.count(speak) >= 3, timeout=WAIT
    )
    bridge.switch.hangup(uuid)
    assert final_status(bridge) == "completed"

    commands = channel_commands(bridge, uuid)
    assert commands[0] == f"api uuid_answer {uuid}"
    assert set(commands[1:]) == {speak} and len(commands) >= 4


def test_another_tts_engine_speaks_with_its_configured_voice_only(bridge: Bridge) -> None:
    bridge.configure(media=replace(bridge.settings.media, tts_engine="unimrcp", tts_voice="Joanna"))
    route_with_status(bridge, '<Say>Hi</Say>\n<Say voice="alice">Hi</Say>')
    uuid = bridge.call_in()
    assert final_status(bridge) == "completed"  # answered, then hung up on the error

    assert channel_commands(bridge, uuid) == [
        f"api uuid_answer {uuid}",
        f"api uuid_broadcast {uuid} speak::unimrcp|Joanna|Hi aleg",
        f"api uuid_kill {uuid} NORMAL_CLEARING",
    ]
    record = bridge.call_by_uuid(uuid)
    detail = bridge.history(record.sid)[-1].detail or ""
    assert detail.startswith("line 2: <Say>: voice 'alice': cxml-bridge maps <Say> voices"), detail


def test_play_digits_sends_dtmf_and_waits_for_it(bridge: Bridge) -> None:
    route_with_status(bridge, '<Play digits="1w#"/><Hangup/>')
    uuid = bridge.call_in()
    assert final_status(bridge) == "completed"

    assert channel_commands(bridge, uuid) == [
        f"api uuid_answer {uuid}",
        f"api uuid_send_dtmf {uuid} 1w#",
        f"api uuid_kill {uuid} NORMAL_CLEARING",
    ]
    view = bridge.switch.channel(uuid)
    assert view is not None and view.sent_dtmf == "1w#"


def test_the_caller_hanging_up_while_digits_go_out_ends_the_call(bridge: Bridge) -> None:
    route_with_status(bridge, '<Play digits="WWWWWWWWWWWWWWWWWWWW"/><Say>Not heard</Say>')
    uuid = bridge.call_in()
    bridge.switch.wait_for_command(f"api uuid_send_dtmf {uuid}", timeout=WAIT)
    bridge.switch.hangup(uuid)
    assert final_status(bridge) == "completed"  # well before the 20 s of the digits

    assert [c for c in channel_commands(bridge, uuid) if "speak" in c] == []
