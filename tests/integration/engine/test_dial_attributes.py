"""`<Dial>` attributes end to end: timeLimit, hangupOnStar, answerOnBridge with and
without ringTone, callerId and callerName."""

from __future__ import annotations

import pytest

from tests.fakeswitch import FarEnd
from tests.integration.engine.harness import WAIT, Bridge, params
from tests.support.customer_app import Reply

UK_RING = "tone_stream://%(400,200,400,450);%(400,2000,400,450);loops=-1"


def serve(bridge: Bridge, document: str, action: str = "<Hangup/>") -> None:
    bridge.app.reply("/voice", Reply.cxml(f"<Response>{document}</Response>"))
    bridge.app.reply("/action", Reply.cxml(f"<Response>{action}</Response>"))
    bridge.app.reply("/events", Reply.empty(204))


def leg_uuid(bridge: Bridge, caller: str) -> str:
    bridge.switch.wait_for_command("bgapi originate", timeout=WAIT)
    (leg,) = bridge.children(bridge.call_by_uuid(caller).sid)
    assert leg.fs_uuid is not None
    return leg.fs_uuid


def test_time_limit_ends_the_connected_call_at_the_switch(bridge: Bridge) -> None:
    action = bridge.app.url("/action")
    bridge.switch.script("sip:long@example.com", FarEnd.answer(after=1))  # never hangs up
    serve(
        bridge,
        f'<Dial action="{action}" timeLimit="5"><Sip>sip:long@example.com</Sip></Dial>',
        action="<Say>Time is up</Say>",
    )
    caller = bridge.call_in()
    callee = leg_uuid(bridge, caller)
    (request,) = bridge.app.wait_for("/action")
    bridge.settle()

    commands = bridge.switch.commands
    limit = f"api sched_hangup +5 {callee} ALLOTTED_TIMEOUT"
    assert commands.index(limit) < commands.index(f"api uuid_bridge {caller} {callee}")
    end = bridge.switch.wait_for_event("CHANNEL_HANGUP_COMPLETE", callee, timeout=WAIT)
    assert end.header("Hangup-Cause") == "ALLOTTED_TIMEOUT"
    got = params(request)
    assert got["DialCallStatus"] == "completed"
    # The switch's billsec: from the answer to the scheduled hang-up, 5 s and more.
    assert got["DialCallDuration"] == end.header("variable_billsec")
    assert int(got["DialCallDuration"]) >= 5
    # The caller stayed (parked after the bridge) and heard the action's document.
    assert commands.index(f"api uuid_broadcast {caller} speak::flite|kal|Time\\sis\\sup aleg") < (
        commands.index(f"api uuid_kill {caller} NORMAL_CLEARING")
    )
    assert bridge.calls.get(got["DialCallSid"]).status.value == "completed"


def test_star_from_the_caller_hangs_up_the_callee_and_the_document_goes_on(
    bridge: Bridge,
) -> None:
    bridge.switch.script("sip:chatty@example.com", FarEnd.answer(after=1))
    serve(
        bridge,
        '<Dial hangupOnStar="true"><Sip>sip:chatty@example.com</Sip></Dial><Say>Bye now</Say>',
    )
    caller = bridge.call_in()
    callee = leg_uuid(bridge, caller)
    bridge.switch.wait_for_event("CHANNEL_BRIDGE", caller, timeout=WAIT)
    bridge.switch.dtmf(caller, "1*")
    bridge.switch.wait_for_command(f"api uuid_broadcast {caller} speak", timeout=WAIT)
    bridge.settle()

    commands = bridge.switch.commands
    kills = [c for c in commands if c.startswith(f"api uuid_kill {callee}")]
    assert kills == [f"api uuid_kill {callee} NORMAL_CLEARING"]  # once, for the '*' only
    # The caller was parked, not hung up, and the next verb ran.
    caller_view = bridge.switch.wait_for_channel(caller, lambda v: v.destroyed, timeout=WAIT)
    assert "CHANNEL_PARK" in caller_view.event_names[caller_view.event_names.index("DTMF") :]
    assert commands.index(kills[0]) < commands.index(
        f"api uuid_broadcast {caller} speak::flite|kal|Bye\\snow aleg"
    )
    parent = bridge.call_by_uuid(caller)
    (leg,) = bridge.children(parent.sid)
    assert bridge.calls.get(leg.sid).status.value == "completed"
    assert parent.status.value == "completed"


def test_star_is_ignored_without_hang_up_on_star(bridge: Bridge) -> None:
    bridge.switch.script("sip:chatty@example.com", FarEnd.answer(after=1))
    serve(bridge, "<Dial><Sip>sip:chatty@example.com</Sip></Dial>")
    caller = bridge.call_in()
    bridge.switch.wait_for_event("CHANNEL_BRIDGE", caller, timeout=WAIT)
    bridge.switch.dtmf(caller, "*")
    callee = bridge.hang_up_callee(caller)  # after the '*', in the same event stream
    bridge.settle()

    assert not any(c.startswith(f"api uuid_kill {callee}") for c in bridge.switch.commands)


def test_answer_on_bridge_with_ring_tone_pre_answers_and_plays_the_country_tone(
    bridge: Bridge,
) -> None:
    bridge.switch.script("sip:desk@example.com", FarEnd.ring_forever())
    serve(
        bridge,
        # A long timeout: the test answers the ringing leg by hand, whatever the load.
        '<Dial answerOnBridge="true" ringTone="uk" timeout="600">'
        "<Sip>sip:desk@example.com</Sip></Dial>",
    )
    caller = bridge.call_in()
    tone = f"api uuid_broadcast {caller} playback::{UK_RING} aleg"
    bridge.switch.wait_for_command(tone, timeout=WAIT)
    callee = leg_uuid(bridge, caller)
    bridge.switch.wait_for_event("CHANNEL_PROGRESS", callee, timeout=WAIT)

    # The callee rings: the caller hears the tone (183 with media) and is not answered.
    ringing = bridge.switch.channel(caller)
    assert ringing is not None and not ringing.answered and ringing.answer_state == "early"
    assert f"api uuid_answer {caller}" not in bridge.switch.commands
    assert f"api uuid_ring_ready {caller}" not in bridge.switch.commands

    bridge.switch.answer(callee)
    bridge.hang_up_callee(caller)
    bridge.settle()

    commands = bridge.switch.commands
    order = [
        commands.index(next(c for c in commands if c.startswith("bgapi originate"))),
        commands.index(f"api uuid_pre_answer {caller}"),
        commands.index(tone),
        commands.index(f"api uuid_break {caller} all"),
        commands.index(f"api uuid_answer {caller}"),
        commands.index(f"api uuid_bridge {caller} {callee}"),
    ]
    assert order == sorted(order)
    answered = bridge.switch.wait_for_event("CHANNEL_ANSWER", caller, timeout=WAIT)
    callee_answered = bridge.switch.wait_for_event("CHANNEL_ANSWER", callee, timeout=WAIT)
    assert callee_answered.sequence < answered.sequence
    assert bridge.call_by_uuid(caller).status.value == "completed"


@pytest.mark.parametrize("early_media", [False, True], ids=["180", "183"])
def test_answer_on_bridge_without_ring_tone_passes_the_callee_progress_on(
    bridge: Bridge, early_media: bool
) -> None:
    bridge.switch.script("sip:desk@example.com", FarEnd.ring_forever(early_media=early_media))
    serve(
        bridge,
        '<Dial answerOnBridge="true" timeout="600"><Sip>sip:desk@example.com</Sip></Dial>',
    )
    caller = bridge.call_in()
    bridge.switch.wait_for_command(f"api uuid_ring_ready {caller}", timeout=WAIT)
    callee = leg_uuid(bridge, caller)

    # 180 to the caller, nothing more: its phone plays the ringback; no answer, no media.
    ringing = bridge.switch.channel(caller)
    assert ringing is not None and not ringing.answered and ringing.answer_state == "ringing"
    commands = bridge.switch.commands
    assert not any(
        c.startswith((f"api uuid_answer {caller}", f"api uuid_pre_answer {caller}"))
        for c in commands
    )
    assert not any(c.startswith(f"api uuid_broadcast {caller}") for c in commands)
    progress = "CHANNEL_PROGRESS_MEDIA" if early_media else "CHANNEL_PROGRESS"
    leg_progress = bridge.switch.wait_for_event(progress, callee, timeout=WAIT)
    caller_ringing = bridge.switch.wait_for_event("CHANNEL_PROGRESS", caller, timeout=WAIT)
    assert leg_progress.sequence < caller_ringing.sequence

    bridge.switch.answer(callee)
    bridge.hang_up_callee(caller)
    bridge.settle()
    commands = bridge.switch.commands
    assert commands.index(f"api uuid_answer {caller}") < commands.index(
        f"api uuid_bridge {caller} {callee}"
    )


def test_caller_id_and_name_reach_the_invite_and_the_callbacks(bridge: Bridge) -> None:
    events = bridge.app.url("/events")
    bridge.switch.script("sip:eve@example.com", FarEnd.answer(after=1))
    serve(
        bridge,
        '<Dial callerId="+a.b-c_d,1" callerName="Alice O&apos;Hara">'
        f'<Sip statusCallback="{events}" statusCallbackEvent="initiated">sip:eve@example.com</Sip>'
        "</Dial>",
    )
    caller = bridge.call_in()
    callee = bridge.hang_up_callee(caller)
    (initiated,) = bridge.app.wait_for("/events")
    bridge.settle()

    (originate,) = bridge.originates()
    # Escaped for the variable block (bridge.switch.escaping): FreeSWITCH reads back the values.
    assert r"origination_caller_id_number=+a.b-c_d\\,1," in originate
    assert r"origination_caller_id_name=Alice\sO\\\\\\\'Hara," in originate
    # What the far end saw in the INVITE's From, and the leg's caller profile.
    channel = bridge.switch.channel(callee)
    assert channel is not None
    assert channel.variables["sip_from_display"] == "Alice O'Hara"
    assert channel.variables["sip_from_user"] == "+a.b-c_d,1"
    created = bridge.switch.wait_for_event("CHANNEL_CREATE", callee, timeout=WAIT)
    assert created.header("Caller-Caller-ID-Name") == "Alice O'Hara"
    assert created.header("Caller-Caller-ID-Number") == "+a.b-c_d,1"
    assert params(initiated)["From"] == "+a.b-c_d,1"
    leg = bridge.calls.by_fs_uuid(callee)
    assert leg is not None and (leg.from_, leg.caller_name) == ("+a.b-c_d,1", "Alice O'Hara")
