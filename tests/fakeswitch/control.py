"""Call control on existing channels: answer, pre-answer, ring, kill, far-end
hangups, and inbound calls that the dialplan parks (trace s7)."""

from __future__ import annotations

import time

from tests.fakeswitch.causes import CAUSE_SIP_STATUSES, q850
from tests.fakeswitch.channel import STATE_NUMBERS, CallerProfile, Channel, ChannelTimes
from tests.fakeswitch.core import SwitchCore
from tests.fakeswitch.outbound import cancel_vars, far_end_bye
from tests.fakeswitch.sipvars import (
    header_vars,
    inbound_vars,
    local_sdp,
    media_port,
    media_vars,
    token,
)


def pre_answer(core: SwitchCore, channel: Channel) -> bool:
    """switch_channel_pre_answer: early media on an inbound leg (183)."""
    if not channel.up:
        return False
    if channel.direction == "outbound" or channel.media_up:
        return True
    channel.media_up = True
    channel.answer_state = "early"
    channel.times.progress_media = core.clock.now_us()
    port = media_port()
    for name, value in media_vars(port, 6004):
        if name not in ("switch_r_sdp", "ep_codec_string"):
            channel.set_var(name, value)
    channel.set_var("endpoint_disposition", "EARLY MEDIA")
    channel.set_var("local_media_port", str(port))
    core.emit(channel, "CHANNEL_PROGRESS_MEDIA")
    core.call_state(channel, "EARLY")
    return True


def answer(core: SwitchCore, channel: Channel) -> bool:
    """switch_channel_answer: on an inbound leg, 183 first if needed, then 200."""
    if not channel.up:
        return False
    if channel.direction == "outbound" or channel.answered:
        return True
    pre_answer(core, channel)
    channel.answered = True
    channel.answer_state = "answered"
    channel.times.answered = core.clock.now_us()
    channel.set_var(
        "rtp_local_sdp_str", local_sdp(int(channel.var("local_media_port") or 0), "PCMU")
    )
    core.emit(channel, "CHANNEL_ANSWER")
    core.call_state(channel, "ACTIVE")
    return True


def ring_ready(core: SwitchCore, channel: Channel) -> bool:
    """uuid_ring_ready: 180 to the caller (trace s10)."""
    if not channel.up:
        return False
    if channel.ring_ready or channel.direction == "outbound":
        return True
    channel.ring_ready = True
    channel.times.progress = core.clock.now_us()
    channel.set_var("sip_to_tag", token(13))
    core.emit(channel, "CHANNEL_PROGRESS")
    if channel.callstate == "DOWN":
        core.call_state(channel, "RINGING")
    return True


def kill(core: SwitchCore, channel: Channel, cause: str) -> None:
    """A hangup the switch decides (uuid_kill, sched_hangup, hupall)."""
    if channel.originating:
        elsewhere = [("call_completed_elsewhere", "true")] if cause == "LOSE_RACE" else []
        core.hangup(channel, cause, at_complete=elsewhere + cancel_vars())
    elif channel.direction == "inbound" and not channel.answered:
        core.hangup(channel, cause, at_complete=[("sip_hangup_disposition", "send_refuse")])
    else:
        core.hangup(channel, cause, at_complete=[("sip_hangup_disposition", "send_bye")])


def far_end_hangup(
    core: SwitchCore,
    channel: Channel,
    cause: str,
    headers: tuple[tuple[str, str], ...] = (),
) -> None:
    """The remote party hangs up: BYE when answered; before that an outbound
    far end rejects (a SIP status picked from the cause) and a caller cancels."""
    if channel.answered:
        if cause == "NORMAL_CLEARING":
            far_end_bye(core, channel, headers)
            return
        core.hangup(
            channel,
            cause,
            at_hangup=header_vars("sip_bye_h_", headers) + [("sip_term_cause", str(q850(cause)))],
            at_complete=[("sip_hangup_disposition", "recv_bye")],
        )
        return
    if channel.direction == "outbound":
        leg = core.legs.get(channel.uuid)
        if leg is not None and channel.originating:
            leg.reject(CAUSE_SIP_STATUSES.get(cause, 480), None, headers)
            return
    core.hangup(
        channel,
        cause if cause != "NORMAL_CLEARING" else "ORIGINATOR_CANCEL",
        at_complete=[("sip_hangup_disposition", "recv_cancel")],
    )


# The emulated `public` dialplan: what the vanilla one runs before the
# project's extension sets its tag variables and parks the call.
def _dialplan(destination: str, variables: tuple[tuple[str, str], ...]) -> list[tuple[str, str]]:
    stamp = time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime())
    apps = [("set", "outside_call=true"), ("export", f"RFC2822_DATE={stamp}")]
    apps += [("set", f"{name}={value}") for name, value in variables]
    return apps


def inbound_call(
    core: SwitchCore,
    *,
    uuid: str,
    destination: str,
    caller_id_number: str,
    caller_id_name: str,
    variables: tuple[tuple[str, str], ...],
    headers: tuple[tuple[str, str], ...],
    profile_name: str,
    context: str,
    caller_host: str,
    caller_port: int,
) -> Channel:
    profile = core.config.profile(profile_name)
    sip_port = profile.sip_port if profile else 5080
    now = core.clock.now_us()
    name = f"sofia/{profile_name}/{caller_id_number}@{caller_host}:{caller_port}"
    caller = CallerProfile(
        direction="inbound",
        destination_number=destination,
        unique_id=uuid,
        source="mod_sofia",
        context=context,
        channel_name=name,
        created_us=now,
        username=caller_id_number,
        dialplan="XML",
        caller_id_name=caller_id_name,
        caller_id_number=caller_id_number,
        orig_caller_id_name=caller_id_name,
        orig_caller_id_number=caller_id_number,
        network_addr=caller_host,
        ani=caller_id_number,
    )
    channel = Channel(
        uuid=uuid,
        name=name,
        direction="inbound",
        profile=caller,
        times=ChannelTimes(created=now),
        sofia_profile=profile_name,
        hit_dialplan=True,
    )
    core.register(channel)
    core.run_state(channel, "CS_NEW", STATE_NUMBERS["CS_NEW"])
    core.run_state(channel, "CS_INIT", STATE_NUMBERS["CS_INIT"])
    for key, value in inbound_vars(
        uuid,
        core.next_session_id(),
        profile_name,
        sip_port,
        name,
        destination,
        caller_id_number,
        caller_id_name,
        caller_host,
        caller_port,
        headers,
        6004,
        now,
    ):
        channel.set_var(key, value)
    channel.state_number = STATE_NUMBERS["CS_ROUTING"]
    core.emit(channel, "CHANNEL_CREATE")
    channel.running_state = "CS_ROUTING"
    core.call_state(channel, "RINGING")
    core.run_state(channel, "CS_ROUTING")
    core.run_state(channel, "CS_EXECUTE", STATE_NUMBERS["CS_EXECUTE"])
    channel.set_var("DP_MATCH", f"ARRAY::{destination}|:{destination}")
    for application, data in _dialplan(destination, variables):
        app_uuid = core.execute(channel, application, data)
        var_name, _, var_value = data.partition("=")
        channel.set_var(var_name, var_value)
        if application == "export":
            channel.set_var("export_vars", var_name)
        core.execute_complete(channel, application, data, app_uuid, "_none_")
    core.park(channel)
    return channel
