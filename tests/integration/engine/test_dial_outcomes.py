"""How a `<Dial>` ends when legs fail, race, or the caller leaves: statuses, callbacks, action."""

from __future__ import annotations

from tests.fakeswitch import FarEnd
from tests.integration.engine.harness import WAIT, Bridge, params, signed
from tests.support.customer_app import Reply

ALL_EVENTS = "initiated ringing answered completed"


def dial_document(bridge: Bridge, *uris: str, events: str = ALL_EVENTS, **dial: str) -> str:
    attributes = " ".join(f'{name}="{value}"' for name, value in dial.items())
    callback = bridge.app.url("/events")
    sips = "".join(
        f'<Sip statusCallback="{callback}" statusCallbackEvent="{events}">{uri}</Sip>'
        for uri in uris
    )
    action = bridge.app.url("/action")
    return f'<Response><Dial action="{action}" {attributes}>{sips}</Dial></Response>'


def run_dial(bridge: Bridge, *uris: str, connects: bool = False, **dial: str) -> dict[str, str]:
    """Place an inbound call whose document dials `uris`; the action request's parameters.

    With `connects`, the callee hangs up once connected.
    """
    bridge.app.reply("/voice", Reply.cxml(dial_document(bridge, *uris, **dial)))
    bridge.app.reply("/events", Reply.empty(204))
    bridge.app.reply("/action", Reply.cxml("<Response><Hangup/></Response>"))
    uuid = bridge.call_in()
    if connects:
        bridge.hang_up_callee(uuid)
    (action,) = bridge.app.wait_for("/action")
    bridge.settle()
    assert signed(action)
    return params(action)


def callbacks_of(bridge: Bridge, call_sid: str) -> list[tuple[str, str]]:
    """(SequenceNumber, CallStatus) of every callback of one leg, in arrival order."""
    return [
        (params(r)["SequenceNumber"], params(r)["CallStatus"])
        for r in bridge.app.requests_to("/events")
        if params(r)["CallSid"] == call_sid
    ]


def test_busy(bridge: Bridge) -> None:
    bridge.switch.script(
        "sip:busy@example.com",
        FarEnd.busy(after=1, ring=True, headers={"X-Reason": "in a meeting"}),
    )
    action = run_dial(bridge, "sip:busy@example.com")

    assert action["DialCallStatus"] == "busy"
    assert action["DialSipResponseCode"] == "486"
    assert action["DialCallDuration"] == "0"
    assert action["DialSipHeader_X-Reason"] == "in a meeting"  # trace s2: X- of the 486
    leg = bridge.calls.get(action["DialCallSid"])
    assert (leg.status.value, leg.sip_result_code) == ("busy", 486)
    assert callbacks_of(bridge, leg.sid) == [
        ("0", "initiated"),
        ("1", "ringing"),
        ("2", "busy"),
    ]
    completed = bridge.app.requests_to("/events")[-1]
    assert params(completed)["SipResponseCode"] == "486"
    assert params(completed)["CallDuration"] == "0"


def test_not_found(bridge: Bridge) -> None:
    bridge.switch.script("sip:nobody@example.com", FarEnd.not_found())
    action = run_dial(bridge, "sip:nobody@example.com")

    assert (action["DialCallStatus"], action["DialSipResponseCode"]) == ("failed", "404")
    leg = bridge.calls.get(action["DialCallSid"])
    assert leg.status.value == "failed"
    assert callbacks_of(bridge, leg.sid) == [("0", "initiated"), ("1", "failed")]


def test_no_answer_within_the_dial_timeout(bridge: Bridge) -> None:
    bridge.switch.script("sip:sleepy@example.com", FarEnd.ring_forever())
    action = run_dial(bridge, "sip:sleepy@example.com", timeout="5")

    assert bridge.originates()[0].count("originate_timeout=5,") == 1
    assert (action["DialCallStatus"], action["DialSipResponseCode"]) == ("no-answer", "487")
    leg = bridge.calls.get(action["DialCallSid"])
    assert leg.status.value == "no-answer"
    assert callbacks_of(bridge, leg.sid) == [
        ("0", "initiated"),
        ("1", "ringing"),
        ("2", "no-answer"),
    ]


def test_an_auth_challenge_without_credentials_fails(bridge: Bridge) -> None:
    bridge.switch.script("sip:guarded@example.com", FarEnd.challenge("admin", "1234"))
    action = run_dial(bridge, "sip:guarded@example.com")

    assert (action["DialCallStatus"], action["DialSipResponseCode"]) == ("failed", "407")


def test_tls_refused_by_a_profile_without_tls(bridge: Bridge) -> None:
    bridge.configure(sofia_profile="internal")  # the emulator's internal profile has no TLS
    bridge.switch.script("sip:dave@example.com", FarEnd.answer())
    action = run_dial(bridge, "sip:dave@example.com")

    (originate,) = bridge.originates()
    assert originate.endswith("sofia/internal/sip:dave@example.com;transport=tls &park()")
    assert action["DialCallStatus"] == "failed"  # trace s6: DESTINATION_OUT_OF_ORDER
    assert "DialSipResponseCode" not in action
    leg = bridge.calls.get(action["DialCallSid"])
    assert leg.status.value == "failed"


def test_ten_legs_one_winner_nine_lose_the_race(bridge: Bridge) -> None:
    uris = [f"sip:desk{n}@example.com" for n in range(10)]
    for uri in uris:
        bridge.switch.script(uri, FarEnd.ring_forever())
    bridge.app.reply("/voice", Reply.cxml(dial_document(bridge, *uris)))
    bridge.app.reply("/events", Reply.empty(204))
    bridge.app.reply("/action", Reply.cxml("<Response><Hangup/></Response>"))
    uuid = bridge.call_in()
    # Every leg rings before desk6 answers: a loser killed before FreeSWITCH
    # created its channel would (rightly) be killed twice, which is another test.
    bridge.app.wait_for(lambda r: params(r).get("CallStatus") == "ringing", count=10)
    parent = bridge.call_by_uuid(uuid)
    legs = bridge.children(parent.sid)
    (winner,) = [leg for leg in legs if leg.to == "sip:desk6@example.com"]
    bridge.switch.answer(winner.fs_uuid or "")
    bridge.switch.wait_for_event("CHANNEL_BRIDGE", uuid, timeout=WAIT)
    bridge.switch.hangup(winner.fs_uuid or "")  # the callee hangs up
    (request,) = bridge.app.wait_for("/action")
    bridge.settle()

    action = params(request)
    assert (action["DialCallStatus"], action["DialCallSid"]) == ("completed", winner.sid)
    assert len(bridge.originates()) == len(legs) == 10
    losers = [leg for leg in legs if leg.sid != winner.sid]
    kills = [c for c in bridge.switch.commands if c.endswith(" LOSE_RACE")]
    assert sorted(kills) == sorted(f"api uuid_kill {leg.fs_uuid} LOSE_RACE" for leg in losers)
    for leg in losers:
        assert bridge.calls.get(leg.sid).status.value == "canceled"
        assert callbacks_of(bridge, leg.sid) == [
            ("0", "initiated"),
            ("1", "ringing"),
            ("2", "canceled"),
        ]
    assert callbacks_of(bridge, winner.sid) == [
        ("0", "initiated"),
        ("1", "ringing"),
        ("2", "in-progress"),
        ("3", "completed"),
    ]


def test_a_failed_leg_does_not_stop_the_others(bridge: Bridge) -> None:
    bridge.switch.script("sip:busy@example.com", FarEnd.busy())
    bridge.switch.script("sip:late@example.com", FarEnd.answer(after=3))
    action = run_dial(bridge, "sip:busy@example.com", "sip:late@example.com", connects=True)

    assert action["DialCallStatus"] == "completed"
    assert bridge.calls.get(action["DialCallSid"]).to == "sip:late@example.com"


def test_caller_hangs_up_while_the_legs_ring(bridge: Bridge) -> None:
    bridge.switch.script("sip:a@example.com", FarEnd.ring_forever())
    bridge.switch.script("sip:b@example.com", FarEnd.ring_forever())
    bridge.app.reply(
        "/voice", Reply.cxml(dial_document(bridge, "sip:a@example.com", "sip:b@example.com"))
    )
    bridge.app.reply("/events", Reply.empty(204))
    bridge.app.reply("/action", Reply.cxml("<Response><Say>never heard</Say></Response>"))
    uuid = bridge.call_in()
    bridge.app.wait_for(lambda r: params(r).get("CallStatus") == "ringing", count=2)

    bridge.switch.hangup(uuid)
    (action,) = bridge.app.wait_for("/action")
    bridge.settle()

    got = params(action)
    assert (got["CallStatus"], got["DialCallStatus"]) == ("completed", "canceled")
    parent = bridge.call_by_uuid(uuid)
    assert parent.status.value == "completed"  # answered by the <Dial>, then hung up
    for leg in bridge.children(parent.sid):
        assert bridge.calls.get(leg.sid).status.value == "canceled"
        assert f"api uuid_kill {leg.fs_uuid} ORIGINATOR_CANCEL" in bridge.switch.commands
        assert callbacks_of(bridge, leg.sid)[-1] == ("2", "canceled")
    # The action's document was not run: nothing was said to a caller who left.
    assert not any("speak" in c for c in bridge.switch.commands)


def test_caller_hangs_up_while_connected(bridge: Bridge) -> None:
    bridge.switch.script("sip:long@example.com", FarEnd.answer(after=1))
    bridge.app.reply("/voice", Reply.cxml(dial_document(bridge, "sip:long@example.com")))
    bridge.app.reply("/events", Reply.empty(204))
    bridge.app.reply("/action", Reply.cxml("<Response><Hangup/></Response>"))
    uuid = bridge.call_in()
    bridge.switch.wait_for_command("api uuid_bridge", timeout=WAIT)
    bridge.switch.wait_for_event("CHANNEL_BRIDGE", uuid, timeout=WAIT)

    bridge.switch.hangup(uuid)
    (action,) = bridge.app.wait_for("/action")
    bridge.settle()

    got = params(action)
    assert (got["CallStatus"], got["DialCallStatus"]) == ("completed", "completed")
    parent = bridge.call_by_uuid(uuid)
    (leg,) = bridge.children(parent.sid)
    assert bridge.calls.get(leg.sid).status.value == "completed"
    assert got["DialCallDuration"] == str(bridge.calls.get(leg.sid).duration)
    assert bridge.calls.get(parent.sid).status.value == "completed"


def test_answer_on_bridge_answers_the_caller_only_when_a_leg_answers(bridge: Bridge) -> None:
    bridge.switch.script("sip:desk@example.com", FarEnd.answer(after=2))
    doc = '<Response><Dial answerOnBridge="true"><Sip>sip:desk@example.com</Sip></Dial></Response>'
    bridge.app.reply("/voice", Reply.cxml(doc))
    uuid = bridge.call_in()
    bridge.hang_up_callee(uuid)
    bridge.settle()

    commands = bridge.switch.commands
    (originate,) = bridge.originates()
    ring = commands.index(f"api uuid_ring_ready {uuid}")
    answer = commands.index(f"api uuid_answer {uuid}")
    bridged = commands.index(next(c for c in commands if c.startswith(f"api uuid_bridge {uuid}")))
    # Ringing while the legs ring; answered once one answered, before the bridge (s10).
    assert ring < answer and commands.index(originate) < answer < bridged
    assert bridge.call_by_uuid(uuid).status.value == "completed"


def test_answer_on_bridge_refuses_the_caller_with_the_dial_outcome(bridge: Bridge) -> None:
    bridge.switch.script("sip:busy@example.com", FarEnd.busy())
    doc = '<Response><Dial answerOnBridge="true"><Sip>sip:busy@example.com</Sip></Dial></Response>'
    bridge.app.reply("/voice", Reply.cxml(doc))
    uuid = bridge.call_in()
    bridge.switch.wait_for_command(f"api uuid_kill {uuid}", timeout=WAIT)
    bridge.settle()

    assert f"api uuid_kill {uuid} USER_BUSY" in bridge.switch.commands
    assert f"api uuid_answer {uuid}" not in bridge.switch.commands
    assert bridge.call_by_uuid(uuid).status.value == "busy"
