"""`<Sip url>` screening end to end: a document run on the callee's leg before it is connected."""

from __future__ import annotations

from dataclasses import replace

from signalwire.voice_response import Dial, VoiceResponse

from tests.fakeswitch import FarEnd
from tests.integration.engine.harness import ACCOUNT_SID, CALLER, WAIT, Bridge, params, signed
from tests.support.customer_app import Reply

ALL_EVENTS = "initiated ringing answered completed"
US_RING = "tone_stream://%(2000,4000,440,480);loops=-1"


def sip(bridge: Bridge, uri: str, screen: str | None, method: str = "POST") -> str:
    url = f' url="{bridge.app.url(screen)}" method="{method}"' if screen else ""
    callback = bridge.app.url("/events")
    return f'<Sip statusCallback="{callback}" statusCallbackEvent="{ALL_EVENTS}"{url}>{uri}</Sip>'


def dial(bridge: Bridge, *sips: str, attributes: str = "") -> None:
    action = bridge.app.url("/action")
    document = f'<Response><Dial action="{action}" {attributes}>{"".join(sips)}</Dial></Response>'
    bridge.app.reply("/voice", Reply.cxml(document))
    bridge.app.reply("/events", Reply.empty(204))
    bridge.app.reply("/action", Reply.cxml("<Response><Hangup/></Response>"))


def callbacks_of(bridge: Bridge, call_sid: str) -> list[str]:
    return [
        params(r)["CallStatus"]
        for r in bridge.app.requests_to("/events")
        if params(r)["CallSid"] == call_sid
    ]


def test_a_declined_leg_is_hung_up_and_the_next_leg_to_accept_is_connected(
    bridge: Bridge,
) -> None:
    app, switch = bridge.app, bridge.switch
    switch.script("sip:a@example.com", FarEnd.answer(after=1, headers={"X-Agent": "a1"}))
    switch.script("sip:b@example.com", FarEnd.ring_forever())  # answered below, by hand
    dial(
        bridge,
        sip(bridge, "sip:a@example.com", "/screen_a"),
        sip(bridge, "sip:b@example.com", "/screen_b", method="GET"),
        attributes='timeout="600"',
    )
    app.reply("/screen_a", Reply.cxml("<Response><Hangup/></Response>"))
    app.reply("/screen_b", Reply.cxml("<Response><Say>A call from Bob</Say></Response>"))

    caller = bridge.call_in()
    (screen_a,) = app.wait_for("/screen_a")
    parent = bridge.call_by_uuid(caller)
    legs = {leg.to: leg for leg in bridge.children(parent.sid)}
    a, b = legs["sip:a@example.com"], legs["sip:b@example.com"]
    a_uuid, b_uuid = a.fs_uuid or "", b.fs_uuid or ""
    switch.wait_for_event("CHANNEL_HANGUP_COMPLETE", a_uuid, timeout=WAIT)
    switch.answer(b_uuid, headers={"X-Agent": "b7"})
    (screen_b,) = app.wait_for("/screen_b")
    assert bridge.hang_up_callee(caller) == b_uuid
    (action,) = app.wait_for("/action")
    bridge.settle()

    a_channel = switch.channel(a_uuid)
    assert a_channel is not None
    assert screen_a.method == "POST" and signed(screen_a)
    assert params(screen_a) == {
        "AccountSid": ACCOUNT_SID,
        "ApiVersion": "2010-04-01",
        "CallSid": a.sid,
        "CallStatus": "in-progress",
        "Direction": "outbound-dial",
        "From": CALLER,
        "To": "sip:a@example.com",
        "ParentCallSid": parent.sid,
        "SipCallId": a_channel.variables["sip_call_id"],
        "SipHeader_X-Agent": "a1",
    }
    assert screen_b.method == "GET" and signed(screen_b)
    assert (params(screen_b)["CallSid"], params(screen_b)["SipHeader_X-Agent"]) == (b.sid, "b7")

    commands = switch.commands
    # A declined: hung up, never bridged; B accepted after its <Say>, on its own leg.
    assert f"api uuid_kill {a_uuid} NORMAL_CLEARING" in commands
    assert not any(c.startswith(f"api uuid_bridge {caller} {a_uuid}") for c in commands)
    say = commands.index(f"api uuid_broadcast {b_uuid} speak::flite|kal|A\\scall\\sfrom\\sBob aleg")
    assert say < commands.index(f"api uuid_bridge {caller} {b_uuid}")
    assert not any(c.startswith(f"api uuid_broadcast {caller} speak") for c in commands)

    got = params(action)
    assert (got["DialCallStatus"], got["DialCallSid"]) == ("completed", b.sid)
    assert got["DialSipHeader_X-Agent"] == "b7"
    # A answered, so it ends completed (with its duration); it was never connected.
    final_a = bridge.calls.get(a.sid)
    assert (final_a.status.value, final_a.sip_result_code) == ("completed", 200)
    assert callbacks_of(bridge, a.sid) == ["initiated", "ringing", "in-progress", "completed"]
    assert callbacks_of(bridge, b.sid) == ["initiated", "ringing", "in-progress", "completed"]
    assert bridge.calls.get(parent.sid).status.value == "completed"


def test_an_accepting_document_plays_to_the_callee_only_while_the_caller_hears_ringback(
    bridge: Bridge,
) -> None:
    app, switch = bridge.app, bridge.switch
    audio = app.url("/whisper.wav")
    switch.script("sip:dan@example.com", FarEnd.answer(after=1))
    dial(bridge, sip(bridge, "sip:dan@example.com", "/whisper"))
    app.reply(
        "/whisper", Reply.cxml(f"<Response><Say>Bob calls</Say><Play>{audio}</Play></Response>")
    )

    caller = bridge.call_in()
    callee = bridge.hang_up_callee(caller)
    app.wait_for("/action")
    bridge.settle()

    commands = switch.commands
    broadcasts = [c for c in commands if c.startswith("api uuid_broadcast ")]
    assert broadcasts == [
        f"api uuid_broadcast {caller} playback::{US_RING} aleg",  # at the leg's 180
        f"api uuid_broadcast {callee} speak::flite|kal|Bob\\scalls aleg",
        f"api uuid_broadcast {callee} playback::{audio} aleg",
    ]
    played = [
        e
        for e in switch.events
        if e.name == "CHANNEL_EXECUTE_COMPLETE" and e.header("Application") in ("speak", "playback")
    ]
    # Each callee broadcast finished before the next began, all before the bridge.
    assert [(e.uuid, e.header("Application")) for e in played] == [
        (callee, "speak"),
        (callee, "playback"),
        (caller, "playback"),  # the ringback, stopped for the bridge
    ]
    assert (
        commands.index(broadcasts[2])
        < commands.index(f"api uuid_break {caller} all")
        < commands.index(f"api uuid_bridge {caller} {callee}")
    )
    assert params(app.requests_to("/action")[0])["DialCallStatus"] == "completed"


def test_when_every_leg_declines_the_action_sees_no_answer(bridge: Bridge) -> None:
    app, switch = bridge.app, bridge.switch
    switch.script("sip:a@example.com", FarEnd.answer(after=1))
    switch.script("sip:b@example.com", FarEnd.answer(after=1))
    dial(
        bridge,
        sip(bridge, "sip:a@example.com", "/screen_a"),
        sip(bridge, "sip:b@example.com", "/screen_b"),
    )
    app.reply("/screen_a", Reply(500, "down", "text/plain"))  # no document: declined
    app.reply("/screen_b", Reply.cxml("<Response><Reject/></Response>"))

    caller = bridge.call_in()
    (action,) = app.wait_for("/action")
    bridge.settle()

    parent = bridge.call_by_uuid(caller)
    a, b = bridge.children(parent.sid)
    got = params(action)
    assert (got["DialCallStatus"], got["DialCallSid"]) == ("no-answer", a.sid)
    assert (got["DialCallDuration"], got["DialSipResponseCode"]) == ("0", "200")
    assert got["CallStatus"] == "in-progress"  # the caller is still there
    for leg in (a, b):
        assert bridge.calls.get(leg.sid).status.value == "completed"
        assert f"api uuid_kill {leg.fs_uuid} NORMAL_CLEARING" in switch.commands
    assert not any(c.startswith("api uuid_bridge") for c in switch.commands)
    # The ringback stopped when the dial ended, before the action's document ran.
    commands = switch.commands
    assert commands.index(f"api uuid_break {caller} all") < commands.index(
        f"api uuid_kill {caller} NORMAL_CLEARING"
    )


def test_a_callee_hanging_up_during_its_screening_is_not_connected(bridge: Bridge) -> None:
    app, switch = bridge.app, bridge.switch
    switch.script("sip:a@example.com", FarEnd.answer(after=1))
    dial(bridge, sip(bridge, "sip:a@example.com", "/screen"))
    app.reply("/screen", Reply.cxml('<Response><Pause length="600"/></Response>'))

    caller = bridge.call_in()
    app.wait_for("/screen")
    leg = bridge.children(bridge.call_by_uuid(caller).sid)[0]
    switch.hangup(leg.fs_uuid or "")  # BYE while the pause runs
    (action,) = app.wait_for("/action")
    bridge.settle()

    assert params(action)["DialCallStatus"] == "no-answer"
    assert bridge.calls.get(leg.sid).status.value == "completed"
    assert not any(c.startswith("api uuid_bridge") for c in switch.commands)


def test_the_seeds_fourth_example_in_full(bridge: Bridge) -> None:
    # <Dial record="record-from-answer" callerId="alice" method="GET" action=...>
    #   <Sip url=... statusCallbackEvent="ringing answered" statusCallback=...>
    app, switch = bridge.app, bridge.switch
    response = VoiceResponse()
    verb = Dial(
        record="record-from-answer",
        caller_id="alice",
        method="GET",
        action=app.url("/after_dial"),
    )
    verb.sip(
        "sip:dan@example.com?customheader=foo",
        url=app.url("/whisper_audio"),
        status_callback_event="ringing answered",
        status_callback=app.url("/dial_events"),
    )
    response.append(verb)
    app.reply("/voice", Reply.cxml(str(response)))
    app.reply("/whisper_audio", Reply.cxml("<Response><Say>Incoming call</Say></Response>"))
    app.reply("/dial_events", Reply.empty(204))
    app.reply("/after_dial", Reply.cxml("<Response><Hangup/></Response>"))
    switch.script("sip:dan@example.com", FarEnd.answer(after=1, headers={"X-Result": "ok"}))

    caller = bridge.call_in()
    (whisper,) = app.wait_for("/whisper_audio")
    callee = bridge.hang_up_callee(caller)
    ringing, answered = app.wait_for("/dial_events", count=2)
    (action,) = app.wait_for("/after_dial")
    bridge.settle()

    parent = bridge.call_by_uuid(caller)
    (leg,) = bridge.children(parent.sid)
    (originate,) = bridge.originates()
    assert "origination_caller_id_number=alice," in originate
    assert "sip_h_X-customheader=foo," in originate
    # The whisper ran on the callee's leg, with the leg's parameters, before the bridge.
    assert whisper.method == "POST" and signed(whisper)
    assert params(whisper)["CallSid"] == leg.sid
    assert params(whisper)["From"] == "alice"
    assert params(whisper)["SipHeader_X-Result"] == "ok"
    commands = switch.commands
    say = f"api uuid_broadcast {callee} speak::flite|kal|Incoming\\scall aleg"
    bridged = f"api uuid_bridge {caller} {callee}"
    recording = next(c for c in commands if c.startswith(f"api uuid_record {caller} start "))
    assert commands.index(say) < commands.index(bridged) < commands.index(recording)
    # Only the events asked for, for the leg.
    assert [params(r)["CallStatus"] for r in (ringing, answered)] == ["ringing", "in-progress"]
    assert len(app.requests_to("/dial_events")) == 2
    got = params(action)
    assert action.method == "GET" and signed(action)
    assert (got["DialCallStatus"], got["DialCallSid"]) == ("completed", leg.sid)
    assert got["DialSipHeader_X-Result"] == "ok"
    assert got["RecordingUrl"].endswith(
        f"/2010-04-01/Accounts/{ACCOUNT_SID}/Recordings/{got['RecordingSid']}"
    )
    assert bridge.calls.get(parent.sid).status.value == "completed"


def test_the_caller_hanging_up_during_a_screening_ends_the_screened_leg(bridge: Bridge) -> None:
    app, switch = bridge.app, bridge.switch
    switch.script("sip:a@example.com", FarEnd.answer(after=1))
    dial(bridge, sip(bridge, "sip:a@example.com", "/screen"))
    app.reply("/screen", Reply.cxml('<Response><Pause length="600"/></Response>'))

    caller = bridge.call_in()
    app.wait_for("/screen")
    switch.hangup(caller)
    (action,) = app.wait_for("/action")
    bridge.settle()

    leg = bridge.children(bridge.call_by_uuid(caller).sid)[0]
    assert f"api uuid_kill {leg.fs_uuid} ORIGINATOR_CANCEL" in switch.commands
    assert (params(action)["CallStatus"], params(action)["DialCallStatus"]) == (
        "completed",
        "canceled",
    )
    assert bridge.calls.get(leg.sid).status.value == "completed"  # it had answered
    assert callbacks_of(bridge, leg.sid)[-1] == "completed"


def test_a_redirect_in_the_screening_document_goes_on_with_the_same_leg(bridge: Bridge) -> None:
    app, switch = bridge.app, bridge.switch
    audio = app.url("/jingle.wav")
    switch.script("sip:a@example.com", FarEnd.answer(after=1))
    dial(bridge, sip(bridge, "sip:a@example.com", "/screen"))
    app.reply(
        "/screen", Reply.cxml(f"<Response><Redirect>{app.url('/next')}</Redirect></Response>")
    )
    app.reply("/next", Reply.cxml(f"<Response><Play>{audio}</Play></Response>"))

    caller = bridge.call_in()
    callee = bridge.hang_up_callee(caller)
    (action,) = app.wait_for("/action")
    bridge.settle()

    (first,) = app.requests_to("/screen")
    (following,) = app.requests_to("/next")
    assert params(following) == params(first)  # the leg's parameters again, POST
    assert following.method == "POST" and signed(following)
    commands = switch.commands
    assert commands.index(f"api uuid_broadcast {callee} playback::{audio} aleg") < (
        commands.index(f"api uuid_bridge {caller} {callee}")
    )
    assert params(action)["DialCallStatus"] == "completed"


def test_say_without_text_to_speech_declines_the_leg(bridge: Bridge) -> None:
    bridge.configure(media=replace(bridge.settings.media, tts_engine=None))
    app, switch = bridge.app, bridge.switch
    switch.script("sip:a@example.com", FarEnd.answer(after=1))
    dial(bridge, sip(bridge, "sip:a@example.com", "/screen"))
    app.reply("/screen", Reply.cxml("<Response><Say>Hello</Say></Response>"))

    bridge.call_in()
    (action,) = app.wait_for("/action")
    bridge.settle()

    assert params(action)["DialCallStatus"] == "no-answer"
    assert not any(c.startswith("api uuid_bridge") for c in switch.commands)
    assert not any("speak" in c for c in switch.commands)
