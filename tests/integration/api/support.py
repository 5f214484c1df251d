"""Test support for the REST API: credentials, a clock, and a recording
implementation of the engine's `CallControl` protocol.

`RecordingCallControl` is a test double of the protocol (not of any engine
class): it records each request and does to the store what the protocol
promises (place_call records a queued outbound-api call, end_call moves it
to its final status, redirect remembers the new document), and refuses what
the protocol says to refuse, so the API's handling of every outcome can be
exercised before and independently of the real engine.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Literal

from bridge.engine.control import (
    CallNotFound,
    CallNotLive,
    CallStateConflict,
    ControlError,
    DocumentSource,
    DocumentUrl,
    PlaceCall,
)
from bridge.store.calls import CallStore
from bridge.store.errors import CallNotFound as StoredCallNotFound
from bridge.store.records import CallDirection, CallRecord, CallStatus, NewCall
from tests.support.clock import T0 as T0  # re-exported for the tests
from tests.support.clock import ManualClock

ACCOUNT = "AC" + "1" * 32
OTHER_ACCOUNT = "AC" + "2" * 32
TOKEN = "secret-token-1"


def basic_auth(user: str = ACCOUNT, password: str = TOKEN) -> dict[str, str]:
    raw = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {raw}"}


Clock = ManualClock  # the store's clock, moved by the test


@dataclass
class RecordingCallControl:
    calls: CallStore
    clock: Clock
    placed: list[PlaceCall] = field(default_factory=list)
    redirects: list[tuple[str, str, DocumentSource]] = field(default_factory=list)
    ended: list[tuple[str, str, str]] = field(default_factory=list)
    # Raised by the next request instead of doing it (then cleared).
    fail_next: ControlError | None = None

    def place_call(self, request: PlaceCall) -> CallRecord:
        self._maybe_fail()
        self.placed.append(request)
        document_url = document_method = None
        if isinstance(request.document, DocumentUrl):
            document_url = request.document.url
            document_method = request.document.method.value
        return self.calls.create_call(
            NewCall(
                account_sid=request.account_sid,
                direction=CallDirection.OUTBOUND_API,
                from_=request.from_,
                to=request.to_text,
                status=CallStatus.QUEUED,
                document_url=document_url,
                document_method=document_method or "POST",
                fallback_url=request.fallback_url,
                fallback_method=request.fallback_method.value,
                status_callback=request.status_callback,
                status_callback_method=request.status_callback_method.value,
                status_callback_events=tuple(e.value for e in request.status_callback_events),
            )
        )

    def redirect(self, account_sid: str, call_sid: str, document: DocumentSource) -> CallRecord:
        self._maybe_fail()
        record = self._live(account_sid, call_sid)
        self.redirects.append((account_sid, call_sid, document))
        if isinstance(document, DocumentUrl):
            return self.calls.update_call(
                call_sid, document_url=document.url, document_method=document.method.value
            )
        return record

    def end_call(
        self, account_sid: str, call_sid: str, status: Literal["completed", "canceled"]
    ) -> CallRecord:
        self._maybe_fail()
        record = self._live(account_sid, call_sid)
        if status == "canceled" and record.status is CallStatus.IN_PROGRESS:
            raise CallStateConflict("the call is answered; cancel only ends one not yet answered")
        self.ended.append((account_sid, call_sid, status))
        final = CallStatus.CANCELED if status == "canceled" else CallStatus.COMPLETED
        if record.status is not CallStatus.IN_PROGRESS and status == "completed":
            # Hanging up a call that never answered: Twilio reports canceled.
            final = CallStatus.CANCELED
        return self.calls.update_status(call_sid, final, at=self.clock())

    # -- what the test does to a call (the switch's side) ---------------------

    def progress(self, call_sid: str, *statuses: CallStatus) -> CallRecord:
        record = self.calls.get(call_sid)
        for status in statuses:
            record = self.calls.update_status(call_sid, status, at=self.clock())
        return record

    def _live(self, account_sid: str, call_sid: str) -> CallRecord:
        try:
            record = self.calls.get(call_sid)
        except StoredCallNotFound:
            raise CallNotFound(call_sid) from None
        if record.account_sid != account_sid:
            raise CallNotFound(call_sid)
        if record.is_final:
            raise CallNotLive(f"{call_sid} is {record.status.value}")
        return record

    def _maybe_fail(self) -> None:
        failure, self.fail_next = self.fail_next, None
        if failure is not None:
            raise failure
