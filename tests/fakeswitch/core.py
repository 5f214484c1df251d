"""The switch core: the channel registry, event firing, state changes, hangups.

Everything here runs on greenlets and never yields while it fires a run of
events, so each run is atomic and numbered in order (Event-Sequence is one
counter for the whole switch, like FreeSWITCH's).
"""

from __future__ import annotations

import time
import uuid as uuidlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import gevent
import gevent.event

from tests.fakeswitch.causes import q850
from tests.fakeswitch.channel import CALLSTATE_NUMBERS, STATE_NUMBERS, Channel, Recording
from tests.fakeswitch.clock import EmulatedClock, date_gmt, date_local
from tests.fakeswitch.dialstring import DialTarget
from tests.fakeswitch.farend import FarEnd

Rows = Sequence[tuple[str, str]]

# Event-Calling-File/Function/Line-Number as the traces show them.
CALLING: dict[str, tuple[str, str, int]] = {
    "CHANNEL_OUTGOING": ("switch_core_session.c", "switch_core_session_outgoing_channel", 768),
    "CHANNEL_STATE": ("switch_channel.c", "switch_channel_perform_set_running_state", 2408),
    "CHANNEL_CREATE": ("switch_core_state_machine.c", "switch_core_session_run", 626),
    "CHANNEL_ORIGINATE": ("switch_core_state_machine.c", "switch_core_session_run", 632),
    "CHANNEL_PROGRESS": ("switch_channel.c", "switch_channel_perform_mark_ring_ready_value", 3505),
    "CHANNEL_PROGRESS_MEDIA": (
        "switch_channel.c",
        "switch_channel_perform_mark_pre_answered",
        3560,
    ),
    "CHANNEL_CALLSTATE": ("switch_channel.c", "switch_channel_perform_set_callstate", 301),
    "CHANNEL_ANSWER": ("switch_channel.c", "switch_channel_perform_mark_answered", 3846),
    "BACKGROUND_JOB": ("mod_event_socket.c", "api_exec", 1572),
    "CHANNEL_EXECUTE": ("switch_core_session.c", "switch_core_session_exec", 2944),
    "CHANNEL_EXECUTE_COMPLETE": ("switch_core_session.c", "switch_core_session_exec", 2967),
    "CHANNEL_PARK": ("switch_ivr.c", "switch_ivr_park", 1002),
    "CHANNEL_UNPARK": ("switch_ivr.c", "switch_ivr_park", 1213),
    "CHANNEL_HANGUP": ("switch_channel.c", "switch_channel_perform_hangup", 3445),
    "CHANNEL_HANGUP_COMPLETE": (
        "switch_core_state_machine.c",
        "switch_core_session_reporting_state",
        943,
    ),
    "CHANNEL_DESTROY": ("switch_core_session.c", "switch_core_session_perform_destroy", 1584),
    "CHANNEL_BRIDGE": ("switch_ivr_bridge.c", "switch_ivr_multi_threaded_bridge", 1689),
    "CHANNEL_UNBRIDGE": ("switch_ivr_bridge.c", "switch_ivr_multi_threaded_bridge", 1879),
    "DTMF": ("switch_channel.c", "switch_channel_queue_dtmf", 678),
    "RECORD_START": ("switch_ivr_async.c", "record_callback", 1482),
    "RECORD_STOP": ("switch_ivr_async.c", "record_callback", 1241),
    "API": ("switch_loadable_module.c", "switch_api_execute", 2982),
}
RTP_STATS = [
    ("rtp_audio_in_raw_bytes", "0"),
    ("rtp_audio_in_media_bytes", "0"),
    ("rtp_audio_in_packet_count", "0"),
    ("rtp_audio_in_media_packet_count", "0"),
    ("rtp_audio_in_skip_packet_count", "0"),
    ("rtp_audio_in_jitter_packet_count", "0"),
    ("rtp_audio_in_dtmf_packet_count", "0"),
    ("rtp_audio_in_cng_packet_count", "0"),
    ("rtp_audio_in_flush_packet_count", "0"),
    ("rtp_audio_in_largest_jb_size", "0"),
    ("rtp_audio_in_jitter_min_variance", "0.00"),
    ("rtp_audio_in_jitter_max_variance", "0.00"),
    ("rtp_audio_in_jitter_loss_rate", "0.00"),
    ("rtp_audio_in_jitter_burst_rate", "0.00"),
    ("rtp_audio_in_mean_interval", "0.00"),
    ("rtp_audio_in_flaw_total", "0"),
    ("rtp_audio_in_quality_percentage", "100.00"),
    ("rtp_audio_in_mos", "4.50"),
    ("rtp_audio_out_raw_bytes", "0"),
    ("rtp_audio_out_media_bytes", "0"),
    ("rtp_audio_out_packet_count", "0"),
    ("rtp_audio_out_media_packet_count", "0"),
    ("rtp_audio_out_skip_packet_count", "0"),
    ("rtp_audio_out_dtmf_packet_count", "0"),
    ("rtp_audio_out_cng_packet_count", "0"),
    ("rtp_audio_rtcp_packet_count", "0"),
    ("rtp_audio_rtcp_octet_count", "0"),
]


@dataclass(frozen=True, slots=True)
class Profile:
    """A sofia profile. Dialling `;transport=tls` (or `sips:`) through a
    profile without `tls` fails with DESTINATION_OUT_OF_ORDER (trace s6)."""

    name: str
    tls: bool = False
    sip_port: int = 5080


@dataclass(frozen=True, slots=True)
class SwitchConfig:
    hostname: str = "fakeswitch"
    ipv4: str = "127.0.0.1"
    ipv6: str = "::1"
    profiles: tuple[Profile, ...] = (Profile("external"), Profile("internal", sip_port=5060))
    default_far_end: FarEnd = field(default_factory=FarEnd.not_found)
    playback_seconds: float = 1.0

    def profile(self, name: str) -> Profile | None:
        for profile in self.profiles:
            if profile.name == name:
                return profile
        return None


@dataclass(frozen=True, slots=True)
class FiredEvent:
    """One event as the switch fired it (before any connection filtered it)."""

    name: str
    sequence: int
    uuid: str
    headers: tuple[tuple[str, str], ...]
    body: str | None = None

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key == name:
                return value
        return None


Report = Callable[[str], None]


class FarEndControl(Protocol):
    """What a test can make a leg's far end do (implemented by OutboundLeg)."""

    def ring(self, headers: tuple[tuple[str, str], ...] = ()) -> None: ...

    def answer(self, headers: tuple[tuple[str, str], ...] = ()) -> None: ...

    def reject(
        self, status: int, reason: str | None, headers: tuple[tuple[str, str], ...]
    ) -> None: ...


class SwitchCore:
    def __init__(
        self,
        config: SwitchConfig,
        clock: EmulatedClock,
        deliver: Callable[[FiredEvent], None],
    ) -> None:
        self.config = config
        self.clock = clock
        self._deliver = deliver
        self.core_uuid = str(uuidlib.uuid4())
        self.sequence = 0
        self.session_count = 0
        self.started_us = clock.now_us()
        self.channels: dict[str, Channel] = {}
        self.history: dict[str, Channel] = {}
        self.fired: list[FiredEvent] = []
        self.scripts: dict[str, FarEnd] = {}
        self.pending_results: dict[str, Report] = {}
        self.legs: dict[str, FarEndControl] = {}
        self.drivers: dict[str, list[gevent.Greenlet]] = {}
        self.changed = gevent.event.Event()

    def restart(self, keep_channels: bool) -> None:
        """A new process: new Core-UUID, Event-Sequence from 1 again, and
        (unless kept) every channel gone without a single event."""
        self.core_uuid = str(uuidlib.uuid4())
        self.sequence = 0
        self.started_us = self.clock.now_us()
        if keep_channels:
            return
        for channel in list(self.channels.values()):
            self.stop_drivers(channel)
            channel.destroyed = True
            channel.hangup_cause = channel.hangup_cause or "CRASH"
        self.channels.clear()
        self.pending_results.clear()
        self.legs.clear()
        self.session_count = 0
        self.notify()

    # -- events ---------------------------------------------------------

    def fire(
        self,
        name: str,
        rows: Rows,
        body: str | None = None,
        calling: tuple[str, str, int] | None = None,
    ) -> FiredEvent:
        self.sequence += 1
        now = self.clock.now_us()
        file_name, function, line = calling or CALLING.get(name, ("switch_event.c", "", 0))
        preamble = [
            ("Event-Name", name),
            ("Core-UUID", self.core_uuid),
            ("FreeSWITCH-Hostname", self.config.hostname),
            ("FreeSWITCH-Switchname", self.config.hostname),
            ("FreeSWITCH-IPv4", self.config.ipv4),
            ("FreeSWITCH-IPv6", self.config.ipv6),
            ("Event-Date-Local", date_local(now)),
            ("Event-Date-GMT", date_gmt(now)),
            ("Event-Date-Timestamp", str(now)),
            ("Event-Calling-File", file_name),
            ("Event-Calling-Function", function),
            ("Event-Calling-Line-Number", str(line)),
            ("Event-Sequence", str(self.sequence)),
        ]
        headers = tuple(preamble) + tuple(rows)
        unique_id = ""
        for key, value in rows:
            if key == "Unique-ID":
                unique_id = value
                break
        event = FiredEvent(name, self.sequence, unique_id, headers, body)
        self.fired.append(event)
        self._deliver(event)
        self.notify()
        return event

    def notify(self) -> None:
        """Wake whoever waits on the switch's state (tests' wait_for_*)."""
        self.changed.set()
        self.changed = gevent.event.Event()

    def emit(
        self,
        channel: Channel,
        name: str,
        prefix: Rows = (),
        suffix: Rows = (),
        calling: tuple[str, str, int] | None = None,
    ) -> None:
        channel.event_names.append(name)
        self.fire(name, list(prefix) + channel.headers(name) + list(suffix), calling=calling)

    def run_state(self, channel: Channel, state: str, number: int | None = None) -> None:
        if number is not None:
            channel.state_number = number
        channel.running_state = state
        self.emit(channel, "CHANNEL_STATE")

    def call_state(self, channel: Channel, state: str) -> None:
        original = channel.callstate
        channel.callstate = state
        prefix = [
            ("Original-Channel-Call-State", original),
            ("Channel-Call-State-Number", str(CALLSTATE_NUMBERS[state])),
        ]
        self.emit(channel, "CHANNEL_CALLSTATE", prefix=prefix)

    def new_uuid(self) -> str:
        return str(uuidlib.uuid4())

    def next_session_id(self) -> int:
        self.session_count += 1
        return self.session_count

    def register(self, channel: Channel) -> None:
        self.channels[channel.uuid] = channel
        self.history[channel.uuid] = channel

    def live(self, uuid: str) -> Channel | None:
        channel = self.channels.get(uuid.strip())
        return channel if channel is not None and not channel.destroyed else None

    # -- greenlets that act for a channel -------------------------------

    def spawn_for(self, channel: Channel, delay: float, function: Callable[[], None]) -> None:
        """Run `function` after `delay` emulated seconds unless the channel is gone."""

        def run() -> None:
            if channel.up:
                function()

        greenlet = self.clock.later(delay, run)
        self.drivers.setdefault(channel.uuid, []).append(greenlet)

    def spawn_steps(self, channel: Channel, steps: list[tuple[float, Callable[[], None]]]) -> None:
        """Run timed steps in order on one greenlet (emulated seconds from now):
        steps due at the same time keep their order, which timers would not."""
        start = time.monotonic()
        ordered = sorted(enumerate(steps), key=lambda item: (item[1][0], item[0]))

        def run() -> None:
            for _, (at, function) in ordered:
                wait = start + self.clock.real_seconds(at) - time.monotonic()
                if wait > 0:
                    gevent.sleep(wait)
                if not channel.up:
                    return
                function()

        self.drivers.setdefault(channel.uuid, []).append(gevent.spawn(run))

    def script_for(self, target: DialTarget) -> FarEnd:
        """The far end scripted for `user@host:port`, else `user@host`, else the default."""
        exact = self.scripts.get(target.user_at_hostport)
        if exact is not None:
            return exact
        host_only = f"{target.user}@{target.host}" if target.user else target.host
        return self.scripts.get(host_only, self.config.default_far_end)

    def stop_drivers(self, channel: Channel) -> None:
        current = gevent.getcurrent()
        for greenlet in self.drivers.pop(channel.uuid, []):
            if greenlet is not current:
                greenlet.kill(block=False)

    # -- applications -----------------------------------------------------

    def execute(self, channel: Channel, application: str, data: str = "") -> str:
        app_uuid = self.new_uuid()
        channel.set_var("current_application", application)
        channel.set_var("current_application_data", data or None)
        suffix = [("Application", application)]
        if data:
            suffix.append(("Application-Data", data))
        suffix.append(("Application-UUID", app_uuid))
        self.emit(channel, "CHANNEL_EXECUTE", suffix=suffix)
        channel.last_app = application
        return app_uuid

    def execute_complete(
        self, channel: Channel, application: str, data: str, app_uuid: str, response: str
    ) -> None:
        suffix = [("Application", application)]
        if data:
            suffix.append(("Application-Data", data))
        suffix += [("Application-Response", response), ("Application-UUID", app_uuid)]
        self.emit(channel, "CHANNEL_EXECUTE_COMPLETE", suffix=suffix)

    def park(self, channel: Channel) -> None:
        """`&park()`: CHANNEL_EXECUTE park then CHANNEL_PARK."""
        channel.application_uuid = self.execute(channel, "park")
        channel.application, channel.application_data = "park", ""
        channel.parked = True
        self.emit(channel, "CHANNEL_PARK")

    def unpark(self, channel: Channel) -> None:
        if not channel.parked:
            return
        channel.parked = False
        self.emit(channel, "CHANNEL_UNPARK")
        self.execute_complete(channel, "park", "", channel.application_uuid, "_none_")
        channel.application = ""

    # -- hangup -------------------------------------------------------------

    def hangup(
        self,
        channel: Channel,
        cause: str,
        *,
        at_hangup: Iterable[tuple[str, str]] = (),
        at_complete: Iterable[tuple[str, str]] = (),
        result_after: str = "CHANNEL_HANGUP_COMPLETE",
        interlude: Callable[[], None] | None = None,
        at_destroy: Iterable[tuple[str, str]] = (),
    ) -> None:
        """The whole hangup run of one channel, as the traces order it.

        `interlude` runs right after CHANNEL_HANGUP (trace s6 fires
        CHANNEL_CREATE and CHANNEL_ORIGINATE there); a pending originate is
        answered `-ERR <cause>` after `result_after`.
        """
        if not channel.up:
            return
        self.stop_drivers(channel)
        report = self.pending_results.pop(channel.uuid, None)
        channel.originating = False
        channel.hangup_cause = cause
        channel.answer_state = "hangup"
        channel.state_number = STATE_NUMBERS["CS_HANGUP"]
        for name, value in at_hangup:
            channel.set_var(name, value)
        self.emit(channel, "CHANNEL_HANGUP")
        if report and result_after == "CHANNEL_HANGUP":
            report(f"-ERR {cause}\n")
            report = None
        if interlude is not None:
            interlude()
        self._end_playback(channel)
        self.unpark(channel)
        partner = self.live(channel.bridged_to) if channel.bridged_to else None
        role = channel.bridge_role
        at_complete = list(at_complete)
        if partner is not None and role == "originator":
            # The originator's own SIP outcome is known by the time it unbridges.
            for name, value in at_complete:
                channel.set_var(name, value)
            self._hangup_partner(channel, partner)
        channel.running_state = "CS_HANGUP"
        self.emit(channel, "CHANNEL_STATE")
        self._stop_recordings(channel, "")
        channel.times.hangup = self.clock.now_us()
        self.call_state(channel, "HANGUP")
        self.run_state(channel, "CS_REPORTING", STATE_NUMBERS["CS_REPORTING"])
        for name, value in self.cdr_variables(channel):
            channel.set_var(name, value)
        for name, value in at_complete:
            channel.set_var(name, value)
        if channel.media_up or channel.answered:
            for name, value in RTP_STATS:
                channel.set_var(name, value)
        self.emit(channel, "CHANNEL_HANGUP_COMPLETE")
        if report:
            report(f"-ERR {cause}\n")
        channel.state_number = STATE_NUMBERS["CS_DESTROY"]
        for name, value in at_destroy:
            channel.set_var(name, value)
        self.emit(channel, "CHANNEL_DESTROY")
        self.run_state(channel, "CS_DESTROY")
        channel.destroyed = True
        self.channels.pop(channel.uuid, None)
        if partner is not None and role == "originatee":
            self.after_partner_left(partner, channel)
        self.notify()

    def _hangup_partner(self, channel: Channel, partner: Channel) -> None:
        """The originator hung up: its originatee follows, then UNBRIDGE fires."""
        at_hangup = []
        proto = channel.var("proto_specific_hangup_cause")
        if proto == "sip:200":
            at_hangup.append(("sip_hangup_phrase", "OK"))
        at_hangup.append(("last_bridge_hangup_cause", channel.hangup_cause))
        if proto:
            at_hangup.append(("last_bridge_proto_specific_hangup_cause", proto))
        partner.bridged_to = ""
        self.hangup(
            partner,
            channel.hangup_cause,
            at_hangup=at_hangup,
            at_complete=[("sip_hangup_disposition", "send_bye")],
            at_destroy=[("bridge_hangup_cause", channel.hangup_cause)],
        )
        self.unbridge(channel, partner.hangup_cause)

    def unbridge(self, channel: Channel, partner_cause: str) -> None:
        bridged = channel.bridged_to
        channel.set_var("bridge_hangup_cause", partner_cause)
        channel.set_var("bridge_to", None)
        prefix = [("Bridge-A-Unique-ID", channel.uuid), ("Bridge-B-Unique-ID", bridged)]
        self.emit(channel, "CHANNEL_UNBRIDGE", prefix=prefix)
        channel.bridged_to = ""
        channel.bridge_role = ""

    def after_partner_left(self, originator: Channel, originatee: Channel) -> None:
        """The originatee hung up first: the originator unbridges, then parks
        (park_after_bridge=true) or runs out of dialplan and hangs up."""
        if not originator.up:
            return
        self.unbridge(originator, originatee.hangup_cause)
        if (originator.var("park_after_bridge") or "").lower() in ("true", "yes", "1", "on"):
            self.run_state(originator, "CS_PARK", STATE_NUMBERS["CS_PARK"])
            originator.parked = True
            originator.application = "park"
            self.emit(originator, "CHANNEL_PARK")
            return
        self.run_state(originator, "CS_EXECUTE", STATE_NUMBERS["CS_EXECUTE"])
        self.hangup(
            originator, "NORMAL_CLEARING", at_complete=[("sip_hangup_disposition", "send_bye")]
        )

    def _end_playback(self, channel: Channel) -> None:
        if channel.playing:
            application, data, app_uuid = channel.playing
            channel.playing = None
            self.execute_complete(channel, application, data, app_uuid, "FILE PLAYED")

    def _stop_recordings(self, channel: Channel, completion_cause: str) -> None:
        from tests.fakeswitch.media import stop_recording

        for recording in list(channel.recordings):
            stop_recording(self, channel, recording, completion_cause)

    def start_recording(self, channel: Channel, recording: Recording) -> None:
        channel.recordings.append(recording)

    # -- CDR ------------------------------------------------------------------

    def cdr_variables(self, channel: Channel) -> list[tuple[str, str]]:
        """What switch_channel_set_timestamps writes before CHANNEL_HANGUP_COMPLETE."""
        times = channel.times
        start, end = times.created, times.hangup
        answer, progress, media, bridge = (
            times.answered,
            times.progress,
            times.progress_media,
            times.bridged,
        )
        profile_start = times.profile_start or start

        def epoch(us: int) -> int:
            return us // 1_000_000

        def since(us: int) -> tuple[int, int, int]:
            if not us:
                return 0, 0, 0
            return epoch(us) - epoch(start), (us - start) // 1000, us - start

        rows = [
            ("hangup_cause", channel.hangup_cause),
            ("hangup_cause_q850", str(q850(channel.hangup_cause))),
            ("digits_dialed", "none"),
            ("start_stamp", date_local(start)),
            ("profile_start_stamp", date_local(profile_start)),
        ]
        for name, us in (
            ("answer", answer),
            ("bridge", bridge),
            ("progress", progress),
            ("progress_media", media),
        ):
            if us:
                rows.append((f"{name}_stamp", date_local(us)))
        rows.append(("end_stamp", date_local(end)))
        for name, us in (
            ("start", start),
            ("profile_start", profile_start),
            ("answer", answer),
            ("bridge", bridge),
            ("last_hold", 0),
        ):
            rows += [(f"{name}_epoch", str(epoch(us))), (f"{name}_uepoch", str(us))]
        rows += [("hold_accum_seconds", "0"), ("hold_accum_usec", "0"), ("hold_accum_ms", "0")]
        for name, us in (("resurrect", 0), ("progress", progress), ("progress_media", media)):
            rows += [(f"{name}_epoch", str(epoch(us))), (f"{name}_uepoch", str(us))]
        rows += [("end_epoch", str(epoch(end))), ("end_uepoch", str(end))]
        if channel.last_app:
            rows.append(("last_app", channel.last_app))
        name, number = channel.profile.caller_id_name, channel.profile.caller_id_number
        rows.append(("caller_id", f'"{name}" <{number}>' if name else number))
        duration = since(end)
        bill = (
            (epoch(end) - epoch(answer), (end - answer) // 1000, end - answer)
            if answer
            else (0, 0, 0)
        )
        flow = duration if answer else (0, 0, 0)
        spans = {
            "duration": duration,
            "bill": bill,
            "progress": since(progress),
            "answer": since(answer),
            "wait": since(bridge),
            "progress_media": since(media),
            "flow_bill": flow,
        }
        for unit, index, suffix in (("sec", 0, "sec"), ("msec", 1, "msec"), ("usec", 2, "usec")):
            for span, values in spans.items():
                if span == "duration":
                    key = {"sec": "duration", "msec": "mduration", "usec": "uduration"}[unit]
                else:
                    key = f"{span}{suffix}"
                rows.append((key, str(values[index])))
        return rows
