"""Drive the emulator the way a trace's client drove the real switch (tests only).

The far ends are scripted from what the trace shows of each leg (answered or
not, ringing first or not, the response's X- headers, the SIP status); inbound
calls are placed where the trace's first event of that leg appears; a far-end
BYE is sent where the trace shows one. Each `#> ` command is sent once the
emulator has produced the same event the real client had seen before sending
it, so the run follows the trace's causality without sleeping.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from tests.fakeswitch.client import EslTestClient, Event, Frame, decode_event
from tests.fakeswitch.farend import FarEnd
from tests.fakeswitch.switch import FakeSwitch
from tests.fakeswitch.tracefile import Command, Trace

EventKey = tuple[str, str, int]  # Event-Name, Unique-ID, occurrence


def variables(event: Event) -> dict[str, str]:
    return {k[9:]: v for k, v in event.headers if k.startswith("variable_")}


def prefixed(values: dict[str, str], prefix: str) -> dict[str, str]:
    return {k[len(prefix) :]: v for k, v in values.items() if k.startswith(prefix)}


def leg_key(event: Event) -> str:
    """user@host:port of an outbound leg, from its Channel-Name."""
    return (event.get("Channel-Name") or "").split("/", 2)[2]


def far_end_for(events: list[Event]) -> FarEnd:
    """The far end that explains one outbound leg of a trace."""
    names = [event.name for event in events]
    final = [variables(event) for event in events if variables(event)][-1]
    ring = "CHANNEL_PROGRESS" in names
    if "CHANNEL_ANSWER" in names:
        answer_event = events[names.index("CHANNEL_ANSWER")]
        headers = prefixed(variables(answer_event), "sip_rh_")
        answered = FarEnd.answer(after=0.1, ring=ring, ring_after=0.05, headers=headers)
        if final.get("sip_auth_username"):
            return FarEnd.challenge(
                final["sip_auth_username"], final["sip_auth_password"], answered
            )
        return answered
    if final.get("sip_hangup_disposition") == "recv_refuse":
        status = int(final["sip_invite_failure_status"])
        return FarEnd.reject(status, ring=ring, headers=prefixed(final, "sip_rh_"))
    return FarEnd.ring_forever() if ring else FarEnd.no_response()


def inbound_call_kwargs(events: list[Event]) -> dict[str, object]:
    """What `FakeSwitch.inbound_call` needs to reproduce one inbound leg."""
    profiled = next(event for event in events if event.get("Caller-Destination-Number"))
    created = next(event for event in events if event.name == "CHANNEL_CREATE")
    sets = [
        event.get("Application-Data") or ""
        for event in events
        if event.name == "CHANNEL_EXECUTE" and event.get("Application") == "set"
    ]
    tags = dict(item.split("=", 1) for item in sets[1:])  # the first is the vanilla dialplan's
    name = profiled.get("Channel-Name") or ""
    host_port = name.rsplit("@", 1)[1]
    return {
        "destination": profiled.get("Caller-Destination-Number"),
        "caller_id_number": profiled.get("Caller-Caller-ID-Number"),
        "caller_id_name": profiled.get("Caller-Caller-ID-Name") or "",
        "variables": tags,
        "headers": prefixed(variables(created), "sip_h_"),
        "uuid": events[0].uuid,
        "caller_host": host_port.split(":")[0],
        "caller_port": int(host_port.split(":")[1]),
    }


@dataclass
class ReplayResult:
    client: EslTestClient
    replies: list[Frame] = field(default_factory=list)


class Replayer:
    def __init__(self, trace: Trace, switch: FakeSwitch, client: EslTestClient) -> None:
        self.trace = trace
        self.switch = switch
        self.client = client

    def script_far_ends(self) -> None:
        for uuid in self.trace.legs():
            events = self.trace.leg_events(uuid)
            if events[0].get("Call-Direction") == "outbound":
                self.switch.script(leg_key(events[0]), far_end_for(events))

    def _seen(self, key: EventKey | None, replies: int) -> bool:
        answered = sum(
            1
            for frame in self.client.frames
            if frame.content_type in ("command/reply", "api/response")
        )
        if answered < replies:
            return False
        if key is None:
            return True
        name, uuid, count = key
        return sum(1 for e in self.client.events if e.name == name and e.uuid == uuid) >= count

    def _sync(self, key: EventKey | None, timeout: float) -> None:
        """Wait for the emulator to reach the point the trace had reached:
        the same event seen, and as many replies received."""
        replies = self._replies_so_far
        if not self._seen(key, replies):
            self.client.wait_until(lambda: self._seen(key, replies), timeout)

    def run(self, timeout: float = 5.0) -> ReplayResult:
        """Replay every step; returns once every leg has as many events as in the trace."""
        self.script_far_ends()
        greeting = self.client.reply()
        assert greeting.content_type == "auth/request", greeting
        counts: Counter[tuple[str, str]] = Counter()
        last: EventKey | None = None
        first_seen: set[str] = set()
        sent = 0
        self._replies_so_far = 0
        for step in self.trace.steps:
            if isinstance(step, Frame) and step.content_type in ("command/reply", "api/response"):
                self._replies_so_far += 1
            if isinstance(step, Command):
                self._sync(last, timeout)
                self.client.send(step.line)
                sent += 1
                continue
            if not step.content_type.startswith("text/event-"):
                continue
            event = decode_event(step)
            self._act_before(event, first_seen, last, timeout)
            counts[(event.name, event.uuid)] += 1
            last = (event.name, event.uuid, counts[(event.name, event.uuid)])
        for (name, uuid), count in counts.items():
            self._sync_final((name, uuid, count), timeout)
        result = ReplayResult(self.client)
        for _ in range(sent):
            result.replies.append(self.client.reply())
        self.client.wait_closed(timeout)
        return result

    def _sync_final(self, key: EventKey, timeout: float) -> None:
        self.client.wait_until(lambda: self._seen(key, 0), timeout)

    def _act_before(
        self, event: Event, first_seen: set[str], last: EventKey | None, timeout: float
    ) -> None:
        """Inbound calls and far-end BYEs happen where the trace shows their first event."""
        uuid = event.uuid
        if uuid and uuid not in first_seen:
            first_seen.add(uuid)
            if event.get("Call-Direction") == "inbound":
                self._sync(last, timeout)
                kwargs = inbound_call_kwargs(self.trace.leg_events(uuid))
                self.switch.inbound_call(**kwargs)  # type: ignore[arg-type]
        if event.name == "CHANNEL_HANGUP" and event.get("variable_sip_term_status") == "200":
            leg = self.trace.leg_events(uuid)
            if any(variables(e).get("sip_hangup_disposition") == "recv_bye" for e in leg):
                self._sync(last, timeout)
                self.switch.hangup(uuid)
