"""`uuid_bridge A B` (switch_ivr_uuid_bridge), as traces s7 and s10 show it.

The originator is A unless A has no media and B has: then they swap
("reversing order of channels so this will work!"). CHANNEL_BRIDGE and
CHANNEL_UNBRIDGE fire on the originator only. An originatee without media
(an inbound leg that was neither answered nor pre-answered, trace s10) cannot
be bridged: it is torn down with DESTINATION_OUT_OF_ORDER and the originator
with ORIGINATOR_CANCEL. (FreeSWITCH would wait for an outbound originatee that
is still ringing; the emulator tears it down the same way.)
"""

from __future__ import annotations

from dataclasses import replace

import gevent

from tests.fakeswitch.channel import STATE_NUMBERS, Channel
from tests.fakeswitch.core import SwitchCore
from tests.fakeswitch.sipvars import token

_SOFT_EXECUTE = ("switch_ivr_bridge.c", "uuid_bridge_on_soft_execute")


def uuid_bridge(core: SwitchCore, a_uuid: str, b_uuid: str) -> str:
    a, b = core.live(a_uuid), core.live(b_uuid)
    if a is None or b is None or not a.up or not b.up:
        return "-ERR Invalid uuid\n"
    originator, originatee = a, b
    if not a.media_up:
        if not b.media_up:
            return "-ERR Invalid uuid\n"
        originator, originatee = b, a
    _prepare(core, originator, originatee)
    # The reply goes out before the bridge runs, as the traces show.
    gevent.spawn(_run, core, originator, originatee)
    return f"+OK {b_uuid.strip()}\n"


def _invert_caller_id(channel: Channel) -> None:
    """switch_channel_invert_cid: caller and callee swap; empty becomes Unknown."""
    profile = channel.profile
    profile.caller_id_name, profile.callee_id_name = (
        profile.callee_id_name or "Unknown",
        profile.caller_id_name,
    )
    profile.caller_id_number, profile.callee_id_number = (
        profile.callee_id_number or "Unknown",
        profile.caller_id_number,
    )


def _prepare(core: SwitchCore, originator: Channel, originatee: Channel) -> None:
    """What switch_ivr_uuid_bridge changes before it returns: caller ids,
    bridge variables, the stepped caller profiles and their Other-Leg copies."""
    for channel in (originator, originatee):
        if channel.direction == "inbound" and channel.answered:
            # The caller's dialog, as the re-INVITE for the bridge leaves it.
            channel.set_var("endpoint_disposition", "ANSWER")
            if channel.var("sip_to_tag") is None:
                channel.set_var("sip_to_tag", token(13))
            channel.set_var("sip_cseq", "1")
    if originatee.direction == "inbound":
        _invert_caller_id(originatee)
    originator.set_var("uuid_bridge", originatee.uuid)
    for channel, other in ((originator, originatee), (originatee, originator)):
        channel.set_var("bridge_channel", other.name)
        channel.set_var("bridge_uuid", other.uuid)
        channel.set_var("signal_bond", other.uuid)
    for channel in (originatee, originator):
        channel.set_var("original_destination_number", channel.profile.destination_number)
        channel.set_var("original_caller_id_name", channel.profile.caller_id_name or None)
        channel.set_var("original_caller_id_number", channel.profile.caller_id_number or None)
    originatee.other_type, originatee.other_leg = "originator", replace(originator.profile)
    originator.other_type, originator.other_leg = "originatee", replace(originatee.profile)
    originatee.other_leg_times = replace(originator.times)
    originator.other_leg_times = replace(originatee.times)
    originator.profile.callee_id_name = originatee.profile.callee_id_name
    originator.profile.callee_id_number = originatee.profile.callee_id_number
    originatee.profile.caller_id_name = originator.profile.caller_id_name
    originatee.profile.caller_id_number = originator.profile.caller_id_number
    now = core.clock.now_us()
    for channel, other in ((originator, originatee), (originatee, originator)):
        transfer = f"{now // 1_000_000}:{core.new_uuid()}:uuid_br:{other.uuid}"
        channel.set_var("transfer_history", transfer)
        channel.set_var("transfer_source", transfer)
        channel.profile.index += 1
        channel.profile.transfer_source = transfer
        channel.profile.created_us = now
        channel.times.transfer = now
    if originatee.direction == "outbound":
        originatee.hit_dialplan = False


def _transfer(core: SwitchCore, channel: Channel) -> None:
    """Leave park for the bridge: UNPARK, park completes, HIBERNATE, RESET."""
    core.end_playback(channel)  # switch_channel_stop_broadcast
    channel.state_number = STATE_NUMBERS["CS_HIBERNATE"]
    core.unpark(channel)
    core.run_state(channel, "CS_HIBERNATE")
    core.run_state(channel, "CS_RESET", STATE_NUMBERS["CS_RESET"])


def _run(core: SwitchCore, originator: Channel, originatee: Channel) -> None:
    if not (originator.up and originatee.up):
        return
    if not originatee.media_up:
        _tear_down(core, originator, originatee)
        return
    _transfer(core, originatee)
    _transfer(core, originator)
    core.run_state(originator, "CS_SOFT_EXECUTE", STATE_NUMBERS["CS_SOFT_EXECUTE"])
    core.run_state(originatee, "CS_SOFT_EXECUTE", STATE_NUMBERS["CS_SOFT_EXECUTE"])
    originator.set_var("uuid_bridge", None)
    for channel, other, line in ((originator, originatee, 1236), (originatee, originator, 1243)):
        suffix = [("Application", "uuid_bridge"), ("Application-Data", other.uuid)]
        core.emit(channel, "CHANNEL_EXECUTE", suffix=suffix, calling=(*_SOFT_EXECUTE, line))
    now = core.clock.now_us()
    for channel in (originator, originatee):
        channel.times.bridged = now
        if channel.other_leg_times is not None:
            channel.other_leg_times.bridged = now
    originator.bridged_to, originator.bridge_role = originatee.uuid, "originator"
    originatee.bridged_to, originatee.bridge_role = originator.uuid, "originatee"
    prefix = [("Bridge-A-Unique-ID", originator.uuid), ("Bridge-B-Unique-ID", originatee.uuid)]
    core.emit(originator, "CHANNEL_BRIDGE", prefix=prefix)
    originator.set_var("bridge_to", originatee.uuid)
    originator.set_var("last_bridge_to", originatee.uuid)
    originator.set_var(
        "last_sent_callee_id_name",
        originatee.profile.callee_id_name or originatee.profile.callee_id_number,
    )
    originator.set_var("last_sent_callee_id_number", originatee.profile.callee_id_number)
    originator.set_var("last_bridge_role", "originator")
    originatee.set_var("last_bridge_to", originator.uuid)
    originatee.set_var(
        "last_sent_callee_id_name",
        originator.profile.caller_id_name or originator.profile.caller_id_number,
    )
    originatee.set_var("last_sent_callee_id_number", originator.profile.caller_id_number)
    originatee.call_uuid = originator.uuid
    core.run_state(originatee, "CS_CONSUME_MEDIA", STATE_NUMBERS["CS_CONSUME_MEDIA"])
    core.run_state(originatee, "CS_EXCHANGE_MEDIA", STATE_NUMBERS["CS_EXCHANGE_MEDIA"])


def _tear_down(core: SwitchCore, originator: Channel, originatee: Channel) -> None:
    """Trace s10: both legs reach SOFT_EXECUTE, then both die."""
    _transfer(core, originator)
    core.run_state(originator, "CS_SOFT_EXECUTE", STATE_NUMBERS["CS_SOFT_EXECUTE"])
    _transfer(core, originatee)
    core.run_state(originatee, "CS_SOFT_EXECUTE", STATE_NUMBERS["CS_SOFT_EXECUTE"])
    refused = "send_refuse" if not originatee.answered else "send_bye"
    core.hangup(
        originatee,
        "DESTINATION_OUT_OF_ORDER",
        at_complete=[("sip_hangup_disposition", refused)],
    )
    originator.set_var("uuid_bridge", None)
    core.hangup(
        originator,
        "ORIGINATOR_CANCEL",
        at_hangup=[("last_bridge_hangup_cause", "DESTINATION_OUT_OF_ORDER")],
        at_complete=[("sip_hangup_disposition", "send_bye")],
    )
