"""Outbound legs: `originate ... &park()` and the scripted far end behind it.

The run of events per outcome follows the traces: s1/s11 (ring, answer),
s2/s3 (rejected), s4 (ring, timeout), s5 (407 then answer), s6 (TLS through a
profile without TLS), s8 (a ringing leg killed with LOSE_RACE).
"""

from __future__ import annotations

from collections.abc import Callable

from tests.fakeswitch.causes import cause_name, q850, sip_phrase, sip_status_cause
from tests.fakeswitch.channel import STATE_NUMBERS, CallerProfile, Channel, ChannelTimes
from tests.fakeswitch.core import Report, SwitchCore
from tests.fakeswitch.dialstring import DialTarget, OriginateRequest, leading_number
from tests.fakeswitch.farend import FarEnd
from tests.fakeswitch.sipvars import (
    dialog_vars,
    header_vars,
    invite_vars,
    media_port,
    media_vars,
    outbound_initial_vars,
    reply_vars,
    sip_call_id,
)

_TRUE = ("true", "yes", "on", "1", "enabled", "active", "allow")


class OutboundLeg:
    """One leg placed by originate, driven by its far end's script."""

    def __init__(
        self,
        core: SwitchCore,
        request: OriginateRequest,
        target: DialTarget,
        far_end: FarEnd,
        uuid: str,
    ) -> None:
        self.core = core
        self.request = request
        self.target = target
        self.far_end = far_end
        self.call_id = sip_call_id()
        self.local_port = media_port()
        self.dialog_known = False
        ignore = (request.variable("ignore_early_media") or "").lower()
        self.early_ok = not (ignore in _TRUE or ignore in ("consume", "ring_ready"))
        now = core.clock.now_us()
        cid_name = request.variable("origination_caller_id_name") or request.cid_name or ""
        cid_number = (
            request.variable("origination_caller_id_number") or request.cid_num or "0000000000"
        )
        self.cid_name, self.cid_number = cid_name, cid_number
        name = f"sofia/{request.profile}/{target.user_at_hostport}"
        destination = target.user or target.hostport
        profile = CallerProfile(
            direction="outbound",
            destination_number=destination,
            unique_id=uuid,
            source="src/switch_ivr_originate.c",
            context=request.context,
            channel_name=name,
            created_us=now,
            caller_id_name=cid_name,
            caller_id_number=cid_number,
            orig_caller_id_name=cid_name,
            orig_caller_id_number=cid_number,
            callee_id_name="Outbound Call",
            callee_id_number=destination,
            ani=cid_number,
        )
        self.channel = Channel(
            uuid=uuid,
            name=name,
            direction="outbound",
            profile=profile,
            times=ChannelTimes(created=now),
            sofia_profile=request.profile,
        )

    # -- the run up to the INVITE ------------------------------------------

    def start(self, report: Report) -> None:
        core, channel, request = self.core, self.channel, self.request
        profile = core.config.profile(request.profile)
        assert profile is not None
        core.register(channel)
        channel.running_state, channel.state_number = "CS_NONE", STATE_NUMBERS["CS_INIT"]
        core.emit(channel, "CHANNEL_OUTGOING")
        core.run_state(channel, "CS_INIT")
        for name, value in outbound_initial_vars(
            channel.uuid,
            core.next_session_id(),
            request.profile,
            channel.name,
            self.target,
            request.variables,
            self.early_ok,
            self.local_port,
        ):
            channel.set_var(name, value)
        core.pending_results[channel.uuid] = report
        if self.target.transport == "tls" and not profile.tls:
            self._refuse_tls()
            return
        for name, value in invite_vars(request.profile, profile.sip_port, self.target):
            channel.set_var(name, value)
        channel.state_number = STATE_NUMBERS["CS_ROUTING"]
        core.emit(channel, "CHANNEL_CREATE")
        core.emit(channel, "CHANNEL_ORIGINATE")
        core.run_state(channel, "CS_ROUTING")
        core.run_state(channel, "CS_CONSUME_MEDIA", STATE_NUMBERS["CS_CONSUME_MEDIA"])
        channel.originating = True
        self._schedule(self.far_end)
        if not self.far_end.ignore_timeout:
            core.spawn_for(channel, self._timeout(), self.timeout)

    def _refuse_tls(self) -> None:
        """Trace s6: the INVITE cannot leave; the channel dies before CHANNEL_CREATE."""
        core, channel = self.core, self.channel

        def created() -> None:
            core.emit(channel, "CHANNEL_CREATE")
            core.emit(channel, "CHANNEL_ORIGINATE")

        core.hangup(channel, "DESTINATION_OUT_OF_ORDER", interlude=created)

    def _timeout(self) -> float:
        """switch_ivr_originate: `originate_timeout` (when > 0) replaces the API's
        timeout argument (60 by default), whether longer or shorter; a leg's
        `leg_timeout` (when > 0) ends that leg sooner."""
        limit = self.request.timeout if self.request.timeout > 0 else 60
        originate_timeout = leading_number(self.request.variable("originate_timeout") or "")
        if originate_timeout:
            limit = originate_timeout
        leg_timeout = leading_number(self.request.variable("leg_timeout") or "")
        if leg_timeout:
            limit = min(limit, leg_timeout)
        return float(limit)

    def _schedule(self, far_end: FarEnd) -> None:
        if far_end.kind == "challenge":
            self.core.spawn_steps(
                self.channel, [(far_end.after, lambda: self._challenged(far_end))]
            )
            return
        steps: list[tuple[float, Callable[[], None]]] = []
        if far_end.ring_after is not None:
            steps.append((far_end.ring_after, lambda: self.ring(far_end.provisional_headers)))
        if far_end.early_media_after is not None:
            steps.append(
                (far_end.early_media_after, lambda: self.early_media(far_end.provisional_headers))
            )
        if far_end.kind == "answer":
            steps.append((far_end.after, lambda: self.answer(far_end.headers, far_end)))
        elif far_end.kind == "reject":
            steps.append(
                (
                    far_end.after,
                    lambda: self.reject(far_end.status, far_end.reason, far_end.headers),
                )
            )
        self.core.spawn_steps(self.channel, steps)

    def _challenged(self, far_end: FarEnd) -> None:
        username = self.request.variable("sip_auth_username")
        password = self.request.variable("sip_auth_password")
        if username == far_end.username and password == far_end.password and far_end.then:
            self._schedule(far_end.then)
        else:
            self.reject(407, None, ())

    # -- far end responses ------------------------------------------------

    def _learn_dialog(self) -> None:
        if self.dialog_known:
            return
        self.dialog_known = True
        channel = self.channel
        channel.profile.network_addr = self.target.host
        for name, value in dialog_vars(self.target, self.cid_name, self.cid_number, self.call_id):
            channel.set_var(name, value)

    def ring(self, headers: tuple[tuple[str, str], ...] = ()) -> None:
        channel, core = self.channel, self.core
        if not channel.originating or channel.ring_ready:
            return
        channel.ring_ready = True
        channel.times.progress = core.clock.now_us()
        self._learn_dialog()
        for name, value in header_vars("sip_ph_", headers):
            channel.set_var(name, value)
        core.emit(channel, "CHANNEL_PROGRESS")
        if channel.callstate == "DOWN":
            core.call_state(channel, "RINGING")

    def early_media(self, headers: tuple[tuple[str, str], ...] = ()) -> None:
        channel, core = self.channel, self.core
        if not channel.originating or channel.media_up:
            return
        channel.media_up = True
        channel.answer_state = "early"
        channel.times.progress_media = core.clock.now_us()
        self._learn_dialog()
        for name, value in header_vars("sip_ph_", headers):
            channel.set_var(name, value)
        for name, value in media_vars(self.local_port, 6000):
            channel.set_var(name, value)
        core.emit(channel, "CHANNEL_PROGRESS_MEDIA")
        core.call_state(channel, "EARLY")
        if self.early_ok:
            self._succeed("EARLY MEDIA")

    def answer(
        self, headers: tuple[tuple[str, str], ...] = (), far_end: FarEnd | None = None
    ) -> None:
        channel, core = self.channel, self.core
        if not channel.up or channel.answered:
            return
        was_originating = channel.originating
        channel.answered = True
        channel.answer_state = "answered"
        channel.times.answered = core.clock.now_us()
        self._learn_dialog()
        for name, value in header_vars("sip_rh_", headers):
            channel.set_var(name, value)
        if not channel.media_up:
            channel.media_up = True
            for name, value in media_vars(self.local_port, 6000):
                channel.set_var(name, value)
        core.emit(channel, "CHANNEL_ANSWER")
        core.call_state(channel, "ACTIVE")
        if was_originating:
            self._succeed("ANSWER")
        if far_end is not None and far_end.hangup_after is not None:
            bye = far_end.bye_headers
            core.spawn_for(channel, far_end.hangup_after, lambda: far_end_bye(core, channel, bye))

    def reject(self, status: int, reason: str | None, headers: tuple[tuple[str, str], ...]) -> None:
        channel = self.channel
        if not channel.originating:
            return
        cause = sip_status_cause(status)
        channel.profile.network_addr = self.target.host
        at_hangup = [("sip_call_id", self.call_id)] + reply_vars(self.target)
        at_hangup += [
            ("sip_hangup_disposition", "recv_refuse"),
            ("sip_invite_failure_status", str(status)),
            ("sip_invite_failure_phrase", reason or sip_phrase(status)),
        ]
        at_hangup += header_vars("sip_rh_", headers)
        at_hangup += [
            ("sip_term_status", str(status)),
            ("proto_specific_hangup_cause", f"sip:{status}"),
            ("sip_term_cause", str(q850(cause))),
        ]
        self.core.hangup(channel, cause, at_hangup=at_hangup)

    def timeout(self) -> None:
        """originate_timeout/leg_timeout expired: FreeSWITCH cancels (trace s4)."""
        if not self.channel.originating:
            return
        self.core.hangup(
            self.channel,
            "NO_ANSWER",
            at_complete=cancel_vars(),
            result_after="CHANNEL_HANGUP",
        )

    def _succeed(self, disposition: str) -> None:
        """The originate returns +OK; the leg then runs its application."""
        core, channel = self.core, self.channel
        channel.originating = False
        report = core.pending_results.pop(channel.uuid, None)
        if report is not None:
            report(f"+OK {channel.uuid}\n")
        before_name = channel.profile.caller_id_name
        before_number = channel.profile.caller_id_number
        channel.profile.flip_caller_id()
        channel.hit_dialplan = True
        core.run_state(channel, "CS_EXECUTE", STATE_NUMBERS["CS_EXECUTE"])
        channel.set_var("endpoint_disposition", disposition)
        if before_name:
            channel.set_var("pre_transfer_caller_id_name", before_name)
        channel.set_var("pre_transfer_caller_id_number", before_number)
        channel.set_var("channel_cid_flipped", "yes")
        run_application(core, channel, self.request.application or "park", self.request.app_args)


def cancel_vars() -> list[tuple[str, str]]:
    return [
        ("sip_hangup_disposition", "send_cancel"),
        ("sip_invite_failure_status", "487"),
        ("sip_invite_failure_phrase", "CANCEL"),
    ]


def run_application(core: SwitchCore, channel: Channel, application: str, data: str) -> None:
    """Run the originate's `&app(args)`: park waits; anything else plays for
    `playback_seconds`, then the leg runs out of dialplan and hangs up."""
    if application == "park":
        core.park(channel)
        return
    app_uuid = core.execute(channel, application, data)
    channel.application, channel.application_data = application, data
    channel.playing = (application, data, app_uuid)

    def finished() -> None:
        if channel.playing and channel.playing[2] == app_uuid:
            channel.playing = None
            core.execute_complete(channel, application, data, app_uuid, "FILE PLAYED")
            core.hangup(
                channel, "NORMAL_CLEARING", at_complete=[("sip_hangup_disposition", "send_bye")]
            )

    core.spawn_for(channel, core.config.playback_seconds, finished)


def far_end_bye(
    core: SwitchCore, channel: Channel, headers: tuple[tuple[str, str], ...] = ()
) -> None:
    """The far end of an answered leg sends BYE (trace s7, the caller hanging up)."""
    at_hangup = header_vars("sip_bye_h_", headers) + [
        ("sip_term_status", "200"),
        ("proto_specific_hangup_cause", "sip:200"),
        ("sip_term_cause", "16"),
    ]
    core.hangup(
        channel,
        "NORMAL_CLEARING",
        at_hangup=at_hangup,
        at_complete=[("sip_hangup_disposition", "recv_bye")],
    )


def originate(core: SwitchCore, request: OriginateRequest, report: Report) -> OutboundLeg | None:
    """Start an originate; `report` receives `+OK <uuid>\\n` or `-ERR <CAUSE>\\n` once."""
    if request.endpoint == "error":
        report(f"-ERR {cause_name(request.profile)}\n")
        return None
    if core.config.profile(request.profile) is None or request.target is None:
        report("-ERR INVALID_PROFILE\n")
        return None
    uuid = (request.variable("origination_uuid") or "").strip() or core.new_uuid()
    if uuid in core.channels:
        report("-ERR DESTINATION_OUT_OF_ORDER\n")
        return None
    leg = OutboundLeg(core, request, request.target, core.script_for(request.target), uuid)
    core.legs[uuid] = leg
    leg.start(report)
    return leg
