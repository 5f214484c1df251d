"""What a remote SIP party controls (its caller id, display name, headers) against
the engine: it may not reach the switch unchecked, and it may not break the call."""

from __future__ import annotations

from tests.fakeswitch import FarEnd
from tests.integration.engine.harness import WAIT, Bridge, params
from tests.support.customer_app import Reply


def serve(bridge: Bridge, document: str, action: str = "<Hangup/>") -> None:
    bridge.app.reply("/voice", Reply.cxml(f"<Response>{document}</Response>"))
    bridge.app.reply("/action", Reply.cxml(f"<Response>{action}</Response>"))


def test_a_caller_name_the_switch_cannot_carry_is_left_out_of_the_dial(bridge: Bridge) -> None:
    # A PBX's display name such as "Reception [2]" or "Bob {ext}" cannot travel in
    # an originate variable: the leg is dialed without it, the call is not lost.
    action = bridge.app.url("/action")
    bridge.switch.script("sip:alice@example.com", FarEnd.answer(after=1))
    serve(bridge, f'<Dial action="{action}"><Sip>sip:alice@example.com</Sip></Dial>')
    caller = bridge.call_in(caller_name="Reception [2] ${x}")
    bridge.hang_up_callee(caller)
    (request,) = bridge.app.wait_for("/action")
    bridge.settle()

    assert params(request)["DialCallStatus"] == "completed"
    (originate,) = bridge.originates()
    assert "origination_caller_id_name" not in originate
    assert "Reception" not in originate
    (leg,) = bridge.children(bridge.call_by_uuid(caller).sid)
    assert leg.caller_name is None
    # The caller's own record keeps the name as received (it is data, not a command).
    assert bridge.call_by_uuid(caller).caller_name == "Reception [2] ${x}"
    assert bridge.switch.wait_for_event("CHANNEL_HANGUP_COMPLETE", caller, timeout=WAIT)
