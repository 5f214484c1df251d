"""The switch core: the channel registry, event firing, state changes, hangups.

Everything here runs on greenlets and never yields while it fires a run of
events, so each run is atomic and numbered in order (Event-Sequence is one
counter for the whole switch, like FreeSWITCH's).
"""

from __future__ import annotations

import time
import uuid as uuidlib
from collections.abc import Callable, Iterable, Sequence
from typing import Protocol

import gevent
import gevent.event

from tests.fakeswitch.cdr import RTP_STATS, cdr_variables
from tests.fakeswitch.channel import CALLSTATE_NUMBERS, STATE_NUMBERS, Channel, Recording
from tests.fakeswitch.clock import EmulatedClock, date_gmt, date_local
from tests.fakeswitch.config import SwitchConfig
from tests.fakeswitch.dialstring import DialTarget
from tests.fakeswitch.events import CALLING, FiredEvent
from tests.fakeswitch.farend import FarEnd
from tests.fakeswitch.listing import ChannelListing

Rows = Sequence[tuple[str, str]]

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
        self.listing = ChannelListing()  # what `show channels` sees (it can lag)

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
        self.listing.clear()
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
        self.listing.created(channel.uuid)

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
        if channel.application_uuid:
            # Only a `&park()` application completes; a park_after_bridge park
            # is the state handler's, with no application to complete.
            self.execute_complete(channel, "park", "", channel.application_uuid, "_none_")
            channel.application_uuid = ""
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
        self.end_playback(channel)
        self.unpark(channel)
        partner = self.live(channel.bridged_to) if channel.bridged_to else None
        role = channel.bridge_role
        if partner is not None and role == "originatee":
            # FreeSWITCH 1.10.12: the originator's UNBRIDGE and PARK come
            # before the originatee's HANGUP_COMPLETE and DESTROY.
            self._partner_unbridges(partner, channel)
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
        for name, value in cdr_variables(channel):
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
        self.listing.destroyed(channel.uuid)
        if partner is not None and role == "originatee" and not partner.parked:
            self._partner_runs_out(partner)
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

    def unbridge(self, channel: Channel, partner_cause: str, *, partner_left: bool = False) -> None:
        bridged = channel.bridged_to
        if partner_left:
            # Only when the other leg hung up first (trace s7 has no such
            # variable on the UNBRIDGE of an originator that hung up).
            channel.set_var("last_bridge_hangup_cause", partner_cause)
        channel.set_var("bridge_hangup_cause", partner_cause)
        channel.set_var("bridge_to", None)
        prefix = [("Bridge-A-Unique-ID", channel.uuid), ("Bridge-B-Unique-ID", bridged)]
        self.emit(channel, "CHANNEL_UNBRIDGE", prefix=prefix)
        channel.bridged_to = ""
        channel.bridge_role = ""

    def _partner_unbridges(self, originator: Channel, originatee: Channel) -> None:
        """The originatee is hanging up first: the originator unbridges, then
        parks (park_after_bridge=true); otherwise it runs out of dialplan
        (`_partner_runs_out`) once the originatee is destroyed."""
        if not originator.up:
            return
        self.unbridge(originator, originatee.hangup_cause, partner_left=True)
        if (originator.var("park_after_bridge") or "").lower() in ("true", "yes", "1", "on"):
            self.run_state(originator, "CS_PARK", STATE_NUMBERS["CS_PARK"])
            originator.parked = True
            originator.application = "park"
            originator.application_uuid = ""  # no application: no EXECUTE_COMPLETE later
            self.emit(originator, "CHANNEL_PARK")

    def _partner_runs_out(self, originator: Channel) -> None:
        if not originator.up:
            return
        self.run_state(originator, "CS_EXECUTE", STATE_NUMBERS["CS_EXECUTE"])
        self.hangup(
            originator, "NORMAL_CLEARING", at_complete=[("sip_hangup_disposition", "send_bye")]
        )

    def end_playback(self, channel: Channel) -> None:
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
