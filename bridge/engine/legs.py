"""One leg the engine originated, followed through its events. No I/O.

A `Leg` learns from the switch's events (by its channel uuid, which the
engine chose) and from its `bgapi originate` job result, and says what
changed: it started ringing, it answered, it hung up, it is over.

"Over" is CHANNEL_HANGUP_COMPLETE, which carries everything the reports need
(cause, `sip_term_status`/`sip_invite_failure_status`, `billsec`, the final
response's `sip_rh_X-*`); trace s4 shows `sip_invite_failure_status` only
there. A failed originate that never created a channel is over at its
`-ERR` job result; a leg that vanished while the Event Socket was down is
over at the resync, with what was known before.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from bridge.engine.interrupts import ChannelVanished
from bridge.engine.statuses import EndedBy, leg_status, sip_status_of
from bridge.esl.events import ChannelEvent, JobResult
from bridge.store.records import CallStatus


class Change(StrEnum):
    RINGING = "ringing"
    ANSWERED = "answered"
    HUNG_UP = "hung-up"
    OVER = "over"


RINGING_EVENTS = frozenset({"CHANNEL_PROGRESS", "CHANNEL_PROGRESS_MEDIA"})


@dataclass
class Leg:
    call_sid: str
    uuid: str
    job_uuid: str | None = None
    ringing: bool = False
    answered: bool = False
    hung_up: bool = False
    over: bool = False
    bridged: bool = False
    seen_channel: bool = False
    ended_by: EndedBy | None = None
    kill_sent: bool = False
    cause: str | None = None
    term_status: int | None = None
    invite_failure_status: int | None = None
    sip_call_id: str | None = None
    billsec: int | None = None
    answer_headers: Mapping[str, str] = field(default_factory=dict)
    final_headers: Mapping[str, str] = field(default_factory=dict)
    vanished: ChannelVanished | None = None
    job_error: str | None = None

    def on_event(self, event: ChannelEvent) -> list[Change]:
        changes: list[Change] = []
        self.seen_channel = True
        if event.sip_call_id:
            self.sip_call_id = event.sip_call_id
        name = event.name
        if name in RINGING_EVENTS and not self.ringing and not self.hung_up:
            self.ringing = True
            changes.append(Change.RINGING)
        elif name == "CHANNEL_ANSWER" and not self.answered and not self.hung_up:
            self.answered = True
            self.answer_headers = dict(event.sip_response_headers)
            changes.append(Change.ANSWERED)
        elif name == "CHANNEL_HANGUP" and not self.hung_up:
            self._learn_end(event)
            changes.append(Change.HUNG_UP)
        elif name in ("CHANNEL_HANGUP_COMPLETE", "CHANNEL_DESTROY") and not self.over:
            if not self.hung_up:
                changes.append(Change.HUNG_UP)
            self._learn_end(event)
            if event.billsec is not None:
                self.billsec = event.billsec
            self.over = True
            changes.append(Change.OVER)
        return changes

    def on_job(self, result: JobResult) -> list[Change]:
        if result.ok:
            return []
        self.job_error = result.cause
        if self.seen_channel or self.over:
            # The channel's own events tell the story (and HANGUP_COMPLETE ends it).
            if self.cause is None:
                self.cause = result.cause
            return []
        # No channel ever existed (or none of its events reached us).
        self.cause = result.cause
        self.hung_up = True
        self.over = True
        return [Change.HUNG_UP, Change.OVER]

    def on_vanished(self, vanished: ChannelVanished) -> list[Change]:
        if self.over:
            return []
        self.vanished = vanished
        changes = [] if self.hung_up else [Change.HUNG_UP]
        self.hung_up = True
        self.over = True
        return [*changes, Change.OVER]

    def give_up_waiting(self, reason: str) -> list[Change]:
        """The final events never came: end it with what is known."""
        if self.over:
            return []
        self.job_error = self.job_error or reason
        changes = [] if self.hung_up else [Change.HUNG_UP]
        self.hung_up = True
        self.over = True
        return [*changes, Change.OVER]

    def _learn_end(self, event: ChannelEvent) -> None:
        self.hung_up = True
        self.cause = event.hangup_cause or self.cause
        if event.sip_term_status is not None:
            self.term_status = event.sip_term_status
        if event.sip_invite_failure_status is not None:
            self.invite_failure_status = event.sip_invite_failure_status
        headers = event.sip_response_headers
        if headers and not self.answered:
            self.final_headers = dict(headers)

    # -- what the reports say ----------------------------------------------

    @property
    def counts_as_answered(self) -> bool:
        """Answered and not a leg that answered after another had won the race."""
        return self.answered and self.ended_by is not EndedBy.LOST_RACE

    @property
    def sip_status(self) -> int | None:
        return sip_status_of(self.term_status, self.invite_failure_status)

    def final_status(self) -> CallStatus:
        return leg_status(
            answered=self.counts_as_answered,
            cause=self.cause,
            sip_status=self.sip_status,
            ended_by=self.ended_by,
        )

    def sip_response_code(self) -> int | None:
        if self.counts_as_answered:
            return 200
        return self.sip_status

    def duration(self) -> int | None:
        """Whole seconds from answer to hang-up (FreeSWITCH's billsec), 0 if not
        answered, None when FreeSWITCH never said (the leg vanished)."""
        if not self.counts_as_answered:
            return 0
        return self.billsec

    def response_headers(self) -> Mapping[str, str]:
        """X- headers of the 200 OK when answered, else of the final failure response."""
        return self.answer_headers if self.counts_as_answered else self.final_headers

    def detail(self) -> str | None:
        if self.vanished is not None:
            return self.vanished.detail
        if self.ended_by is not None:
            return f"ended by the bridge: {self.ended_by.value}"
        if self.cause:
            return f"cause {self.cause}"
        return self.job_error
