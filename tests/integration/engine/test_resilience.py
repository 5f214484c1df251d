"""What must not hold a call up: a slow customer callback server, an Event Socket drop."""

from __future__ import annotations

import math
import re

from tests.fakeswitch import FarEnd
from tests.integration.engine.harness import ACCOUNT_SID, WAIT, Bridge, params
from tests.support.customer_app import Gate, Reply

ALL_EVENTS = "initiated ringing answered completed"


def test_a_slow_callback_server_does_not_delay_the_call(bridge: Bridge) -> None:
    app = bridge.app
    gate = Gate()
    app.reply("/events", Reply.empty(204, gate=gate))
    app.reply(
        "/voice",
        Reply.cxml(
            f'<Response><Dial action="{app.url("/action")}">'
            f'<Sip statusCallback="{app.url("/events")}" statusCallbackEvent="{ALL_EVENTS}">'
            "sip:desk@example.com</Sip></Dial></Response>"
        ),
    )
    app.reply("/action", Reply.cxml("<Response><Hangup/></Response>"))
    bridge.switch.script("sip:desk@example.com", FarEnd.answer(after=1))
    uuid = bridge.call_in()
    bridge.hang_up_callee(uuid)

    # The first callback is held by the customer's server ...
    (held,) = app.wait_for("/events")
    # ... and the whole call runs to its end regardless.
    (action,) = app.wait_for("/action")
    assert bridge.engine.wait_idle(WAIT)
    assert params(action)["DialCallStatus"] == "completed"
    assert bridge.call_by_uuid(uuid).status.value == "completed"
    assert len(app.requests_to("/events")) == 1  # the others wait behind it, in order
    assert not gate.released

    gate.release()
    assert bridge.dispatcher.flush(WAIT)
    numbers = [params(r)["SequenceNumber"] for r in app.requests_to("/events")]
    statuses = [params(r)["CallStatus"] for r in app.requests_to("/events")]
    assert numbers == ["0", "1", "2", "3"]
    assert statuses == ["initiated", "ringing", "in-progress", "completed"]
    assert params(held)["CallStatus"] == "initiated"


def test_an_event_socket_drop_during_a_connected_call_is_reconciled(bridge: Bridge) -> None:
    app = bridge.app
    app.reply(
        "/voice",
        Reply.cxml(
            f'<Response><Dial action="{app.url("/action")}">'
            f'<Sip statusCallback="{app.url("/events")}">sip:desk@example.com</Sip>'
            "</Dial></Response>"
        ),
    )
    app.reply("/events", Reply.empty(204))
    app.reply("/action", Reply.cxml("<Response><Hangup/></Response>"))
    bridge.switch.script("sip:desk@example.com", FarEnd.answer(after=1))
    uuid = bridge.call_in()
    bridge.switch.wait_for_event("CHANNEL_BRIDGE", uuid, timeout=WAIT)
    parent = bridge.call_by_uuid(uuid)
    (leg,) = bridge.children(parent.sid)

    # The switch goes away (keeping its calls); while the bridge cannot hear
    # it, the callee hangs up and the caller is parked (park_after_bridge).
    bridge.switch.restart(keep_channels=True, downtime=0.3)
    bridge.switch.hangup(leg.fs_uuid or "")
    caller = bridge.switch.channel(uuid)
    assert caller is not None and caller.parked and not caller.destroyed

    # Back: the leg is missing from the resync, so the dial is over.
    (action,) = app.wait_for("/action", timeout=WAIT)
    bridge.settle()

    assert params(action)["DialCallStatus"] == "completed"
    ended = bridge.calls.get(leg.sid)
    assert ended.status.value == "completed"
    assert bridge.history(leg.sid)[-1].detail == "ended while the Event Socket was disconnected"
    (completed,) = app.requests_to("/events")
    assert params(completed)["CallStatus"] == "completed"
    # The caller, still there, went on with the action's document.
    assert f"api uuid_kill {uuid} NORMAL_CLEARING" in bridge.switch.commands
    assert bridge.calls.get(parent.sid).status.value == "completed"


def test_the_caller_hanging_up_while_the_document_is_fetched(bridge: Bridge) -> None:
    gate = Gate()
    bridge.app.reply("/voice", Reply.cxml("<Response><Say>too late</Say></Response>", gate=gate))
    uuid = bridge.call_in()
    bridge.app.wait_for("/voice")

    bridge.switch.hangup(uuid)
    assert bridge.engine.wait_idle(WAIT)  # without waiting for the customer's server

    record = bridge.call_by_uuid(uuid)
    assert record.status.value == "canceled"
    assert not any(uuid in c for c in bridge.switch.commands)
    gate.release()


def test_a_call_ended_while_the_switch_is_away_is_hung_up_when_it_is_back(bridge: Bridge) -> None:
    audio = bridge.app.url("/hold.wav")
    bridge.app.reply("/voice", Reply.cxml(f'<Response><Play loop="0">{audio}</Play></Response>'))
    uuid = bridge.call_in()
    bridge.switch.wait_for_command(f"api uuid_broadcast {uuid}", timeout=WAIT)  # answered
    sid = bridge.call_by_uuid(uuid).sid
    start = len(bridge.switch.commands)

    bridge.switch.restart(keep_channels=True, downtime=0.3)
    bridge.engine.end_call(ACCOUNT_SID, sid, "completed")  # the hang-up cannot be sent now
    bridge.switch.wait_for_command(f"api uuid_kill {uuid}", timeout=WAIT, start=start)
    bridge.settle()

    channel = bridge.switch.channel(uuid)
    assert channel is not None and channel.destroyed
    assert bridge.calls.get(sid).status.value == "completed"


def test_a_leg_too_new_for_the_channel_list_after_a_reconnection_is_not_lost(
    bridge: Bridge,
) -> None:
    """FreeSWITCH lists channels from a database written from a queue: right
    after a reconnection, a leg created moments ago can be missing from
    'show channels'. The engine asks uuid_exists before declaring it gone."""
    app = bridge.app
    gate = Gate()
    app.reply(
        "/voice",
        Reply.cxml(
            f'<Response><Dial timeout="300" action="{app.url("/action")}">'
            "<Sip>sip:desk@example.com</Sip></Dial></Response>",
            gate=gate,
        ),
    )
    app.reply("/action", Reply.cxml("<Response><Hangup/></Response>"))
    bridge.switch.script("sip:desk@example.com", FarEnd.ring_forever())
    uuid = bridge.call_in()
    app.wait_for("/voice")
    bridge.switch.lag_channel_list(math.inf)  # from now on the listing lags
    gate.release()
    originate = bridge.switch.wait_for_command("bgapi originate", timeout=WAIT)
    bridge.switch.drop_connections()  # right as the leg is created
    (leg_uuid,) = re.findall(r"origination_uuid=([0-9a-f-]{36})", originate)
    # Only a leg missing from the resync's listing is asked about.
    bridge.switch.wait_for_command(f"api uuid_exists {leg_uuid}", timeout=WAIT)
    bridge.switch.lag_channel_list(0)

    bridge.switch.answer(leg_uuid)
    bridge.hang_up_callee(uuid)
    (action,) = app.wait_for("/action", timeout=WAIT)
    bridge.settle()

    assert params(action)["DialCallStatus"] == "completed"
    parent = bridge.call_by_uuid(uuid)
    (leg,) = bridge.children(parent.sid)
    assert leg.fs_uuid == leg_uuid
    assert bridge.calls.get(leg.sid).status.value == "completed"
    details = [change.detail for change in bridge.history(leg.sid)]
    assert "ended while the Event Socket was disconnected" not in details
