"""Recording a call's progress: the store's status, and the status callbacks asked for.

`ProgressReporter` is per call (a dialed leg, a REST-placed call, an inbound
call with a routed StatusCallback). Each step writes the status to the store
(a refused move, e.g. a late duplicate, is logged and skipped) and, when the
callback target asked for that event, queues a status callback on the
`CallbackSink`, which never blocks the call.

Callback statuses: initiated -> `initiated`, ringing -> `ringing`, answered
-> `in-progress`, completed -> the final status (completed, busy, no-answer,
failed, canceled) with `CallDuration` and `SipResponseCode`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from bridge.cxml.models import CallProgressEvent, HttpMethod
from bridge.engine.params import CallParty
from bridge.engine.services import CallServices
from bridge.store.errors import StoreError
from bridge.store.records import CallRecord, CallStatus
from bridge.webhooks.callbacks import StatusCallbackRequest
from bridge.webhooks.parameters import status_callback_params

log = logging.getLogger(__name__)

PROGRESS_STATUS: dict[CallProgressEvent, CallStatus] = {
    CallProgressEvent.INITIATED: CallStatus.INITIATED,
    CallProgressEvent.RINGING: CallStatus.RINGING,
    CallProgressEvent.ANSWERED: CallStatus.IN_PROGRESS,
}


@dataclass(frozen=True)
class CallbackTarget:
    url: str
    method: HttpMethod
    events: frozenset[CallProgressEvent]


class ProgressReporter:
    def __init__(
        self, services: CallServices, party: CallParty, target: CallbackTarget | None
    ) -> None:
        self._services = services
        self.party = party
        self.target = target
        self._reported: set[CallProgressEvent] = set()
        self._duration = 0

    def step(self, event: CallProgressEvent, *, detail: str | None = None) -> None:
        """initiated, ringing or answered (each at most once)."""
        if event in self._reported or event is CallProgressEvent.COMPLETED:
            return
        self._reported.add(event)
        status = PROGRESS_STATUS[event]
        at = self._services.clock()
        self._store(status, at, detail=detail)
        self._callback(event, status, at)

    def completed(
        self,
        status: CallStatus,
        *,
        duration: int | None,
        sip_response_code: int | None,
        detail: str | None = None,
        at: datetime | None = None,
    ) -> int:
        """The final status, once. Returns the duration reported: `duration`, or
        when that is unknown (None), what the store computed from the answer
        and end times."""
        if CallProgressEvent.COMPLETED in self._reported:
            return self._duration
        self._reported.add(CallProgressEvent.COMPLETED)
        at = at or self._services.clock()
        record = self._store(
            status, at, detail=detail, sip_code=sip_response_code, duration=duration
        )
        if duration is None:
            duration = record.duration if record is not None and record.duration else 0
        self._duration = duration
        self._callback(
            CallProgressEvent.COMPLETED,
            status,
            at,
            duration=duration,
            sip_response_code=sip_response_code,
        )
        return duration

    def _store(
        self,
        status: CallStatus,
        at: datetime,
        *,
        detail: str | None = None,
        sip_code: int | None = None,
        duration: int | None = None,
    ) -> CallRecord | None:
        try:
            return self._services.calls.update_status(
                self.party.call_sid,
                status,
                at=at,
                sip_result_code=sip_code,
                duration=duration,
                detail=detail,
            )
        except StoreError as error:
            log.warning("call %s: status %s not stored: %s", self.party.call_sid, status, error)
        except Exception:
            log.exception("call %s: status %s not stored", self.party.call_sid, status)
        return None

    def _callback(
        self,
        event: CallProgressEvent,
        status: CallStatus,
        at: datetime,
        *,
        duration: int | None = None,
        sip_response_code: int | None = None,
    ) -> None:
        target = self.target
        if target is None or event not in target.events:
            return
        party = self.party
        params = status_callback_params(
            account_sid=party.account_sid,
            call_sid=party.call_sid,
            call_status=status.value,
            direction=party.direction.value,
            from_=party.from_,
            to=party.to,
            parent_call_sid=party.parent_call_sid,
            call_duration=duration,
            sip_response_code=sip_response_code,
        )
        self._services.callbacks.enqueue(
            StatusCallbackRequest(
                call_sid=party.call_sid,
                url=target.url,
                method=target.method,
                params=params,
                timestamp=at,
            )
        )
