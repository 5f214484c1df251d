"""FakeSwitch: the public face of the emulator (start/stop, scripting, test
controls, inspection, fault injection)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from typing import TypeVar

import gevent

from tests.fakeswitch import control, media
from tests.fakeswitch.audio import ChannelAudio, Tone
from tests.fakeswitch.causes import cause_name
from tests.fakeswitch.channel import Channel, ChannelView
from tests.fakeswitch.clock import EmulatedClock
from tests.fakeswitch.config import Profile, SwitchConfig
from tests.fakeswitch.core import SwitchCore
from tests.fakeswitch.events import FiredEvent
from tests.fakeswitch.farend import FarEnd, destination_key
from tests.fakeswitch.server import EslServer
from tests.fakeswitch.wire import ClientCommand

T = TypeVar("T")
DTMF_DIGITS = frozenset("0123456789*#ABCDabcd")
CommandMatch = str | Callable[[str], bool]


class FakeSwitch:
    """A FreeSWITCH Event Socket on 127.0.0.1 with an emulated channel model.

    `time_scale` multiplies every emulated delay and timeout (scripted far
    ends, originate_timeout/leg_timeout, sched_hangup, broadcasts, recording
    limits): 0.01 runs a 5 s ring timeout in 50 ms.
    """

    def __init__(
        self,
        password: str = "ClueCon",
        time_scale: float = 1.0,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        hostname: str = "fakeswitch",
        profiles: Iterable[Profile] | None = None,
        default_far_end: FarEnd | None = None,
        playback_seconds: float = 1.0,
    ) -> None:
        config = SwitchConfig(
            hostname=hostname,
            profiles=tuple(profiles) if profiles is not None else SwitchConfig().profiles,
            default_far_end=default_far_end or FarEnd.not_found(),
            playback_seconds=playback_seconds,
        )
        self._host, self._port = host, port
        self._clock = EmulatedClock(time_scale)
        self._server = EslServer(lambda: self._core, password)
        self._core = SwitchCore(config, self._clock, self._server.deliver)
        self._server.on_command = self._core.notify
        self.address: tuple[str, int] | None = None

    # -- lifecycle --------------------------------------------------------------

    def start(self) -> tuple[str, int]:
        self.address = self._server.start(self._host, self._port)
        return self.address

    def stop(self) -> None:
        for channel in list(self._core.channels.values()):
            self._core.stop_drivers(channel)
        self._server.stop()

    def __enter__(self) -> FakeSwitch:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def password(self) -> str:
        return self._server.password

    @password.setter
    def password(self, value: str) -> None:
        self._server.password = value

    @property
    def time_scale(self) -> float:
        return self._clock.time_scale

    @property
    def core_uuid(self) -> str:
        return self._core.core_uuid

    @property
    def connection_count(self) -> int:
        return len([c for c in self._server.connections if c.open])

    # -- far ends -----------------------------------------------------------------

    def script(self, uri: str, far_end: FarEnd) -> None:
        """Script the far end at `uri` (keyed by user@host[:port], see farend.py)."""
        self._core.scripts[destination_key(uri)] = far_end

    def set_default_far_end(self, far_end: FarEnd) -> None:
        """What unscripted destinations do (default: 404, UNALLOCATED_NUMBER)."""
        self._core.config = type(self._core.config)(
            hostname=self._core.config.hostname,
            ipv4=self._core.config.ipv4,
            ipv6=self._core.config.ipv6,
            profiles=self._core.config.profiles,
            default_far_end=far_end,
            playback_seconds=self._core.config.playback_seconds,
        )

    # -- test controls ------------------------------------------------------------

    def _live(self, uuid: str) -> Channel:
        channel = self._core.live(uuid)
        if channel is None:
            raise KeyError(f"FakeSwitch: no live channel with uuid {uuid!r}")
        return channel

    def hangup(
        self,
        uuid: str,
        cause: str = "NORMAL_CLEARING",
        headers: Mapping[str, str] | None = None,
        *,
        after: float = 0.0,
    ) -> None:
        """The remote party of leg `uuid` hangs up (BYE; before answer, see
        control.py), now or `after` emulated seconds from now (the switch's
        own timer: a test can make a call last that long without sleeping)."""
        channel = self._live(uuid)
        name = cause_name(cause)
        extra = tuple((headers or {}).items())
        if after <= 0:
            control.far_end_hangup(self._core, channel, name, extra)
            return
        self._core.spawn_for(
            channel, after, lambda: control.far_end_hangup(self._core, channel, name, extra)
        )

    def set_audio(
        self, uuid: str, *, read: Iterable[Tone] = (), write: Iterable[Tone] = ()
    ) -> None:
        """What recordings of leg `uuid` hold (rendered as each one stops):
        `read` tones come from its far end (a caller's voice), `write` tones
        are sent to it (the callee's voice once bridged), in emulated seconds
        from the recording's start. Default: silence."""
        self._live(uuid).audio = ChannelAudio(read=tuple(read), write=tuple(write))

    def answer(self, uuid: str, headers: Mapping[str, str] | None = None) -> None:
        """The far end of a ringing outbound leg answers now (200 OK with `headers`)."""
        channel = self._live(uuid)
        leg = self._core.legs.get(uuid)
        if leg is None or channel.direction != "outbound":
            raise KeyError(f"FakeSwitch.answer: {uuid!r} is not an outbound leg")
        leg.ring()
        leg.answer(tuple((headers or {}).items()))

    def reject(
        self,
        uuid: str,
        status: int,
        reason: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """The far end of a ringing outbound leg answers with SIP error `status`."""
        self._live(uuid)
        leg = self._core.legs.get(uuid)
        if leg is None:
            raise KeyError(f"FakeSwitch.reject: {uuid!r} is not an outbound leg")
        leg.reject(status, reason, tuple((headers or {}).items()))

    def dtmf(self, uuid: str, digits: str, duration_ms: int = 100, interval: float = 0.0) -> None:
        """Leg `uuid` sends `digits` (RFC 2833): one DTMF event each, `interval`
        emulated seconds apart (0: all at once)."""
        bad = [digit for digit in digits if digit not in DTMF_DIGITS]
        if bad or not digits:
            raise ValueError(f"FakeSwitch.dtmf: {digits!r} holds no valid DTMF digits (0-9*#A-D)")
        channel = self._live(uuid)
        if interval <= 0:
            for digit in digits:
                media.dtmf(self._core, channel, digit.upper(), duration_ms)
            return
        steps: list[tuple[float, Callable[[], None]]] = []
        for index, digit in enumerate(digits):
            steps.append(
                (index * interval, _dtmf_step(self._core, channel, digit.upper(), duration_ms))
            )
        self._core.spawn_steps(channel, steps)

    def inbound_call(
        self,
        destination: str,
        *,
        caller_id_number: str = "+15550001111",
        caller_id_name: str = "Bob",
        variables: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        profile: str = "external",
        context: str = "public",
        uuid: str | None = None,
        caller_host: str = "127.0.0.1",
        caller_port: int = 5070,
    ) -> str:
        """A caller dials `destination`; the dialplan sets `variables` and parks
        the call (CHANNEL_CREATE ... CHANNEL_PARK, trace s7). `headers` are the
        INVITE's X- headers (`variable_sip_h_X-*`). Returns the channel uuid."""
        channel = control.inbound_call(
            self._core,
            uuid=uuid or self._core.new_uuid(),
            destination=destination,
            caller_id_number=caller_id_number,
            caller_id_name=caller_id_name,
            variables=tuple((variables or {}).items()),
            headers=tuple((headers or {}).items()),
            profile_name=profile,
            context=context,
            caller_host=caller_host,
            caller_port=caller_port,
        )
        return channel.uuid

    # -- inspection ----------------------------------------------------------------

    @property
    def commands(self) -> list[str]:
        """Every command line, from every connection, in the order the switch
        took them up. A waiter on a command wakes once the switch has acted on
        it (its reply written or about to be), except a blocking `api originate`."""
        return [command.line for command in self._server.received]

    @property
    def received(self) -> list[ClientCommand]:
        """The same, with each command's header lines and body."""
        return list(self._server.received)

    @property
    def events(self) -> list[FiredEvent]:
        """Every event fired since start, in Event-Sequence order."""
        return list(self._core.fired)

    def channel(self, uuid: str) -> ChannelView | None:
        """A snapshot of channel `uuid`, live or gone (None if never seen)."""
        channel = self._core.history.get(uuid)
        return ChannelView.of(channel) if channel is not None else None

    def channels(self) -> list[ChannelView]:
        """Snapshots of the live channels."""
        return [ChannelView.of(c) for c in self._core.channels.values() if not c.destroyed]

    def wait_for_command(self, match: CommandMatch, timeout: float = 5.0, start: int = 0) -> str:
        """The first command at index >= `start` that starts with `match` (with
        or without its `api `/`bgapi ` prefix) or satisfies it; TimeoutError otherwise."""

        def matches(line: str) -> bool:
            if callable(match):
                return match(line)
            bare = line.split(" ", 1)[1] if line.lower().startswith(("api ", "bgapi ")) else line
            return line.startswith(match) or bare.startswith(match)

        def probe() -> str | None:
            for line in self.commands[start:]:
                if matches(line):
                    return line
            return None

        return self._wait(probe, timeout, f"a command matching {match!r}")

    def wait_for_subscriber(self, event_name: str = "CHANNEL_PARK", timeout: float = 5.0) -> None:
        """Return once a logged-in connection receives `event_name` events: place
        inbound calls after this, or their first events reach nobody."""

        def probe() -> bool | None:
            for connection in self._server.connections:
                if connection.open and connection.authed:
                    if event_name in connection.subscribed or "ALL" in connection.subscribed:
                        return True
            return None

        self._wait(probe, timeout, f"connection subscribed to {event_name}")

    def wait_for_event(
        self, name: str, uuid: str | None = None, timeout: float = 5.0, start: int = 0
    ) -> FiredEvent:
        """The first fired event named `name` (for channel `uuid`) at index >= `start`."""

        def probe() -> FiredEvent | None:
            for event in self._core.fired[start:]:
                if event.name == name and (uuid is None or event.uuid == uuid):
                    return event
            return None

        return self._wait(probe, timeout, f"event {name} for {uuid or 'any channel'}")

    def wait_for_channel(
        self, uuid: str, predicate: Callable[[ChannelView], bool], timeout: float = 5.0
    ) -> ChannelView:
        def probe() -> ChannelView | None:
            view = self.channel(uuid)
            return view if view is not None and predicate(view) else None

        return self._wait(probe, timeout, f"channel {uuid} to reach the expected state")

    def _wait(self, probe: Callable[[], T | None], timeout: float, what: str) -> T:
        deadline = time.monotonic() + timeout
        while True:
            changed = self._core.changed
            found = probe()
            if found is not None:
                return found
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"FakeSwitch: no {what} within {timeout} s")
            changed.wait(remaining)

    # -- faults --------------------------------------------------------------------

    def drop_connections(self) -> None:
        """Close every Event Socket connection at once, without a goodbye."""
        self._server.drop_connections()

    def restart(self, keep_channels: bool = False, downtime: float | None = 0.0) -> None:
        """Crash and come back: connections dropped, a new Core-UUID,
        Event-Sequence from 1; channels vanish without events unless kept.
        For `downtime` real seconds (None: until come_up()) new connections
        are closed as soon as they are accepted."""
        faults = self._server.faults
        faults.down = True
        self._server.drop_connections()
        self._core.restart(keep_channels)
        if downtime is None:
            return
        if downtime > 0:
            gevent.spawn_later(downtime, self.come_up)
        else:
            self.come_up()

    def come_up(self) -> None:
        """End a restart's downtime: connections are served again."""
        self._server.faults.down = False

    def delay_events(self, seconds: float) -> None:
        """Hold every event `seconds` (real time) before it is queued; math.inf
        holds them until delay_events(0), which sends them in order."""
        self._server.faults.event_delay = max(0.0, seconds)
        if seconds == 0:
            self._server.release_delayed()

    def lag_channel_list(self, seconds: float) -> None:
        """`show channels` sees channels created or destroyed from now on
        `seconds` (real time) late, as FreeSWITCH's queued core database;
        math.inf until lag_channel_list(0). uuid_exists is never late."""
        self._core.listing.lag(seconds)

    def reorder_events(self, count: int) -> None:
        """Hold the next `count` events, then send them in reverse order (their
        Event-Sequence unchanged); release_events() sends a partial batch."""
        self._server.faults.reorder_count = count

    def release_events(self) -> None:
        self._server.release_held()

    def delay_replies(self, seconds: float) -> None:
        """Hold every api/bgapi reply `seconds` (real time); math.inf holds them
        until delay_replies(0). Like a switch stuck in a slow api command, the
        connection writes nothing else meanwhile (its events queue up behind)."""
        faults = self._server.faults
        faults.reply_delay = max(0.0, seconds)
        if faults.reply_delay == 0:
            faults.reply_gate.set()
        else:
            faults.reply_gate.clear()

    def refuse_auth(self, refuse: bool = True) -> None:
        """Every `auth` gets `-ERR invalid` (then the switch disconnects)."""
        self._server.faults.refuse_auth = refuse

    def reject_connections(self, reject: bool = True) -> None:
        """ACL rejection: `text/rude-rejection` on connect, then close."""
        self._server.faults.reject_connections = reject


def _dtmf_step(
    core: SwitchCore, channel: Channel, digit: str, duration_ms: int
) -> Callable[[], None]:
    return lambda: media.dtmf(core, channel, digit, duration_ms)
