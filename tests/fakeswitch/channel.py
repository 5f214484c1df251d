"""The channel model: state, caller profile, variables, and its event headers.

Header order follows switch_channel_event_set_data as the traces show it:
basic channel data, codecs once media is up, the `Caller-` profile, the
`Other-Leg-` profile while bridged, then `variable_*` for the event types
FreeSWITCH fills them in for.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from tests.fakeswitch.audio import SILENCE, ChannelAudio, Layout
from tests.fakeswitch.clock import date_local

STATE_NUMBERS = {
    "CS_NEW": 0,
    "CS_INIT": 1,
    "CS_ROUTING": 2,
    "CS_SOFT_EXECUTE": 3,
    "CS_EXECUTE": 4,
    "CS_EXCHANGE_MEDIA": 5,
    "CS_PARK": 6,
    "CS_CONSUME_MEDIA": 7,
    "CS_HIBERNATE": 8,
    "CS_RESET": 9,
    "CS_HANGUP": 10,
    "CS_REPORTING": 11,
    "CS_DESTROY": 12,
    "CS_NONE": 13,
}
CALLSTATE_NUMBERS = {
    "DOWN": 0,
    "DIALING": 1,
    "RINGING": 2,
    "EARLY": 3,
    "ACTIVE": 4,
    "HELD": 5,
    "RING_WAIT": 6,
    "HANGUP": 7,
    "UNHELD": 8,
}
# switch_channel_event_set_extended_data: the events that carry variable_*.
VARIABLE_EVENTS = frozenset(
    {
        "CHANNEL_CREATE",
        "CHANNEL_ORIGINATE",
        "CHANNEL_UUID",
        "CHANNEL_ANSWER",
        "CHANNEL_PARK",
        "CHANNEL_UNPARK",
        "CHANNEL_BRIDGE",
        "CHANNEL_UNBRIDGE",
        "CHANNEL_PROGRESS",
        "CHANNEL_PROGRESS_MEDIA",
        "CHANNEL_HANGUP",
        "CHANNEL_HANGUP_COMPLETE",
        "CHANNEL_DATA",
        "CHANNEL_EXECUTE",
        "CHANNEL_EXECUTE_COMPLETE",
        "CHANNEL_DESTROY",
        "API",
        "RECORD_START",
        "RECORD_STOP",
        "PLAYBACK_START",
        "PLAYBACK_STOP",
        "CALL_UPDATE",
        "CHANNEL_HOLD",
        "CHANNEL_UNHOLD",
        "CUSTOM",
    }
)


class Variables:
    """Channel variables. Setting one moves it to the end, as FreeSWITCH's
    unique-header event does; setting None removes it."""

    def __init__(self) -> None:
        self._values: dict[str, str] = {}

    def set(self, name: str, value: str | None) -> None:
        self._values.pop(name, None)
        if value is not None:
            self._values[name] = value

    def get(self, name: str) -> str | None:
        return self._values.get(name)

    def items(self) -> Iterator[tuple[str, str]]:
        return iter(list(self._values.items()))

    def as_dict(self) -> dict[str, str]:
        return dict(self._values)


@dataclass
class CallerProfile:
    """switch_caller_profile_t, the fields the events show (empty ones are left out)."""

    direction: str
    destination_number: str
    unique_id: str
    source: str
    context: str
    channel_name: str
    created_us: int
    logical_direction: str = ""
    username: str = ""
    dialplan: str = ""
    caller_id_name: str = ""
    caller_id_number: str = ""
    orig_caller_id_name: str = ""
    orig_caller_id_number: str = ""
    callee_id_name: str = ""
    callee_id_number: str = ""
    network_addr: str = ""
    ani: str = ""
    transfer_source: str = ""
    index: int = 1

    def headers(self, prefix: str, times: ChannelTimes) -> list[tuple[str, str]]:
        optional = [
            ("Username", self.username),
            ("Dialplan", self.dialplan),
            ("Caller-ID-Name", self.caller_id_name),
            ("Caller-ID-Number", self.caller_id_number),
            ("Orig-Caller-ID-Name", self.orig_caller_id_name),
            ("Orig-Caller-ID-Number", self.orig_caller_id_number),
            ("Callee-ID-Name", self.callee_id_name),
            ("Callee-ID-Number", self.callee_id_number),
            ("Network-Addr", self.network_addr),
            ("ANI", self.ani),
        ]
        rows = [
            ("Direction", self.direction),
            ("Logical-Direction", self.logical_direction or self.direction),
        ]
        rows += [(name, value) for name, value in optional if value]
        rows += [
            ("Destination-Number", self.destination_number),
            ("Unique-ID", self.unique_id),
            ("Source", self.source),
        ]
        if self.transfer_source:
            rows.append(("Transfer-Source", self.transfer_source))
        rows += [("Context", self.context), ("Channel-Name", self.channel_name)]
        if prefix == "Caller":
            rows.append(("Profile-Index", str(self.index)))
        rows += [("Profile-Created-Time", str(self.created_us))]
        rows += times.headers()
        rows += [
            ("Screen-Bit", "true"),
            ("Privacy-Hide-Name", "false"),
            ("Privacy-Hide-Number", "false"),
        ]
        return [(f"{prefix}-{name}", value) for name, value in rows]

    def flip_caller_id(self) -> None:
        """switch_channel_flip_cid: an answered outbound leg shows its callee as caller."""
        self.caller_id_name, self.callee_id_name = self.callee_id_name, self.caller_id_name
        self.caller_id_number, self.callee_id_number = (
            self.callee_id_number,
            self.caller_id_number,
        )


@dataclass
class ChannelTimes:
    created: int
    answered: int = 0
    progress: int = 0
    progress_media: int = 0
    hangup: int = 0
    transfer: int = 0
    bridged: int = 0
    profile_start: int = 0

    def headers(self) -> list[tuple[str, str]]:
        return [
            ("Channel-Created-Time", str(self.created)),
            ("Channel-Answered-Time", str(self.answered)),
            ("Channel-Progress-Time", str(self.progress)),
            ("Channel-Progress-Media-Time", str(self.progress_media)),
            ("Channel-Hangup-Time", str(self.hangup)),
            ("Channel-Transfer-Time", str(self.transfer)),
            ("Channel-Resurrect-Time", "0"),
            ("Channel-Bridged-Time", str(self.bridged)),
            ("Channel-Last-Hold", "0"),
            ("Channel-Hold-Accum", "0"),
        ]


@dataclass
class Recording:
    path: str
    started_us: int
    limit_seconds: int
    layout: Layout = field(default_factory=Layout)


@dataclass
class Channel:
    uuid: str
    name: str
    direction: str
    profile: CallerProfile
    times: ChannelTimes
    sofia_profile: str
    variables: Variables = field(default_factory=Variables)
    running_state: str = "CS_NEW"
    state_number: int = 0
    callstate: str = "DOWN"
    answer_state: str = "ringing"
    hit_dialplan: bool = False
    call_uuid: str = ""
    hangup_cause: str = ""
    media_up: bool = False
    ring_ready: bool = False
    answered: bool = False
    originating: bool = False
    application: str = ""
    application_data: str = ""
    application_uuid: str = ""
    parked: bool = False
    bridged_to: str = ""
    bridge_role: str = ""  # "originator" or "originatee" while bridged
    other_leg: CallerProfile | None = None
    other_leg_times: ChannelTimes | None = None
    other_type: str = ""
    recordings: list[Recording] = field(default_factory=list)
    audio: ChannelAudio = SILENCE  # what a recording of it hears (tests set it)
    playing: tuple[str, str, str] | None = None  # application, data, Application-UUID
    # What uuid_send_dtmf sent to the channel's far end, pauses ('w', 'W') included.
    sent_dtmf: str = ""
    last_app: str = ""
    destroyed: bool = False
    event_names: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.call_uuid:
            self.call_uuid = self.uuid

    @property
    def up(self) -> bool:
        return not self.hangup_cause

    def set_var(self, name: str, value: str | None) -> None:
        self.variables.set(name, value)

    def var(self, name: str) -> str | None:
        return self.variables.get(name)

    def headers(self, event_name: str) -> list[tuple[str, str]]:
        """The channel part of an event's headers (after the event preamble)."""
        rows: list[tuple[str, str]] = []
        if event_name == "CHANNEL_HANGUP_COMPLETE" and self.hangup_cause:
            rows.append(("Hangup-Cause", self.hangup_cause))
        rows += [
            ("Channel-State", self.running_state),
            ("Channel-Call-State", self.callstate),
            ("Channel-State-Number", str(self.state_number)),
            ("Channel-Name", self.name),
            ("Unique-ID", self.uuid),
            ("Call-Direction", self.direction),
            ("Presence-Call-Direction", self.direction),
            ("Channel-HIT-Dialplan", "true" if self.hit_dialplan else "false"),
            ("Channel-Call-UUID", self.call_uuid),
            ("Answer-State", self.answer_state),
        ]
        if event_name == "CHANNEL_STATE" and self.running_state == "CS_NEW":
            return rows
        if self.hangup_cause:
            # CHANNEL_HANGUP_COMPLETE carries it twice, as FreeSWITCH sends it.
            rows.append(("Hangup-Cause", self.hangup_cause))
        if self.media_up:
            rows += [
                ("Channel-Read-Codec-Name", "PCMU"),
                ("Channel-Read-Codec-Rate", "8000"),
                ("Channel-Read-Codec-Bit-Rate", "64000"),
                ("Channel-Write-Codec-Name", "PCMU"),
                ("Channel-Write-Codec-Rate", "8000"),
                ("Channel-Write-Codec-Bit-Rate", "64000"),
            ]
        rows += self.profile.headers("Caller", self.times)
        if self.other_leg is not None and self.other_leg_times is not None:
            rows.append(("Other-Type", self.other_type))
            rows += self.other_leg.headers("Other-Leg", self.other_leg_times)
        if event_name in VARIABLE_EVENTS:
            rows += [(f"variable_{name}", value) for name, value in self.variables.items()]
        return rows

    def show_row(self, hostname: str) -> dict[str, str]:
        """The row `show channels` prints for this channel (the channels table)."""
        codec = "PCMU" if self.media_up else ""
        rate = "8000" if self.media_up else ""
        bit_rate = "64000" if self.media_up else ""
        return {
            "uuid": self.uuid,
            "direction": self.direction,
            "created": date_local(self.times.created),
            "created_epoch": str(self.times.created // 1_000_000),
            "name": self.name,
            "state": self.running_state,
            "cid_name": self.profile.caller_id_name,
            "cid_num": self.profile.caller_id_number,
            "ip_addr": self.profile.network_addr,
            "dest": self.profile.destination_number,
            "application": self.application,
            "application_data": self.application_data,
            "dialplan": self.profile.dialplan or "XML",
            "context": self.profile.context,
            "read_codec": codec,
            "read_rate": rate,
            "read_bit_rate": bit_rate,
            "write_codec": codec,
            "write_rate": rate,
            "write_bit_rate": bit_rate,
            "secure": "",
            "hostname": hostname,
            "presence_id": "",
            "presence_data": "",
            "accountcode": "",
            "callstate": self.callstate,
            "callee_name": self.profile.callee_id_name,
            "callee_num": self.profile.callee_id_number,
            "callee_direction": "",
            "call_uuid": self.call_uuid,
            "sent_callee_name": "",
            "sent_callee_num": "",
            "initial_cid_name": self.profile.orig_caller_id_name,
            "initial_cid_num": self.profile.orig_caller_id_number,
            "initial_ip_addr": self.profile.network_addr,
            "initial_dest": self.profile.destination_number,
            "initial_dialplan": self.profile.dialplan or "XML",
            "initial_context": self.profile.context,
        }


@dataclass(frozen=True, slots=True)
class ChannelView:
    """A snapshot of one channel for tests (`FakeSwitch.channel(uuid)`)."""

    uuid: str
    name: str
    direction: str
    state: str
    call_state: str
    answer_state: str
    hangup_cause: str
    answered: bool
    parked: bool
    bridged_to: str
    destination: str
    variables: dict[str, str]
    recordings: tuple[str, ...]
    event_names: tuple[str, ...]
    destroyed: bool
    sent_dtmf: str = ""

    @classmethod
    def of(cls, channel: Channel) -> ChannelView:
        return cls(
            uuid=channel.uuid,
            name=channel.name,
            direction=channel.direction,
            state=channel.running_state,
            call_state=channel.callstate,
            answer_state=channel.answer_state,
            hangup_cause=channel.hangup_cause,
            answered=channel.answered,
            parked=channel.parked,
            bridged_to=channel.bridged_to,
            destination=channel.profile.destination_number,
            variables=channel.variables.as_dict(),
            recordings=tuple(recording.path for recording in channel.recordings),
            event_names=tuple(channel.event_names),
            destroyed=channel.destroyed,
            sent_dtmf=channel.sent_dtmf,
        )
