"""A whole bridge on loopback for end-to-end engine tests.

Real pieces only: the FreeSWITCH emulator (tests/fakeswitch) on a TCP port,
the Event Socket adapter connected to it, the engine with its switchboard,
the store on a SQLite file, the webhook client and the callback dispatcher
pointed at the fake customer application (tests/support/customer_app.py).
Tests synchronise on what the servers received (`app.wait_for`,
`switch.wait_for_command`) and on the engine's calls finishing
(`bridge.wait_idle`), never on sleeps.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from bridge.config import MediaSettings, Route, Settings, WebhookSettings
from bridge.cxml.models import HttpMethod
from bridge.engine.engine import Engine
from bridge.engine.services import CallServices, EngineTimings
from bridge.esl import Backoff, EventSocket
from bridge.store.calls import CallStore
from bridge.store.db import Database, open_database
from bridge.store.outbox import Outbox
from bridge.store.recordings import RecordingStore
from bridge.store.records import CallRecord, StatusChange
from bridge.webhooks import CallbackDispatcher, RequestsTransport, RetryPolicy, WebhookClient
from tests.fakeswitch import FakeSwitch, Profile
from tests.support.customer_app import CustomerApp, ReceivedRequest, signature_ok

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
API_TOKEN = "token-for-tests"
SIGNING_KEY = "signing-key-for-tests"
CALLED = "+15551234"
CALLER = "+15550001111"
WAIT = 5.0
# 1 emulated second is 10 ms: a 30 s ring timeout takes 0.3 s.
TIME_SCALE = 0.01
FAST_RETRY = Backoff(initial=0.01, maximum=0.05, factor=2.0, jitter=0.0)
TIMINGS = EngineTimings(command_timeout=2.0, ring_guard=1.0, settle=1.0, end_wait=2.0)


def settings_for(app: CustomerApp, **changes: Any) -> Settings:
    route = Route(
        url=app.url("/voice"),
        method=HttpMethod.POST,
        number=CALLED,
        fallback_url=None,
    )
    base = Settings(
        account_sid=ACCOUNT_SID,
        api_token=API_TOKEN,
        signing_key=SIGNING_KEY,
        webhooks=WebhookSettings(connect_timeout=0.5, read_timeout=2.0, max_redirects=3),
        media=MediaSettings(tts_engine="flite"),
        routes=(route,),
    )
    return replace(base, **changes)


@dataclass
class Bridge:
    switch: FakeSwitch
    app: CustomerApp
    esl: EventSocket
    engine: Engine
    calls: CallStore
    outbox: Outbox
    dispatcher: CallbackDispatcher
    database: Database
    settings: Settings
    recordings: RecordingStore

    # -- driving ------------------------------------------------------------------

    def call_in(
        self,
        called: str = CALLED,
        *,
        caller: str = CALLER,
        caller_name: str = "Bob",
        variables: Mapping[str, str] | None = None,
    ) -> str:
        """A caller dials `called`; the bridge's dialplan tags and parks it. The channel uuid."""
        tags = {"cxml_inbound": "true", "cxml_called": called, **(variables or {})}
        return self.switch.inbound_call(
            f"cx-{called.lstrip('+')}",
            caller_id_number=caller,
            caller_id_name=caller_name,
            variables=tags,
        )

    def configure(self, **changes: Any) -> None:
        """Change settings for the calls that start from now on."""
        self.settings = replace(self.settings, **changes)
        self.engine.services = replace(self.engine.services, settings=self.settings)

    def hang_up_callee(self, caller_uuid: str) -> str:
        """Once the caller is bridged, the callee hangs up (BYE). The callee's uuid.

        Tests end connected calls this way rather than with a scripted
        `hangup_after`, so that a slow machine cannot end a call before the
        bridge connected it.
        """
        event = self.switch.wait_for_event("CHANNEL_BRIDGE", caller_uuid, timeout=WAIT)
        callee = event.header("Bridge-B-Unique-ID")
        assert callee is not None
        self.switch.hangup(callee)
        return callee

    def settle(self, timeout: float = WAIT) -> None:
        """Wait until every call is over and every callback delivered (or given up)."""
        assert self.engine.wait_idle(timeout), f"calls still live: {self.engine.live_calls}"
        assert self.dispatcher.flush(timeout), "callbacks still queued"

    # -- looking --------------------------------------------------------------------

    def call_by_uuid(self, uuid: str) -> CallRecord:
        record = self.calls.by_fs_uuid(uuid)
        assert record is not None, f"no call for channel {uuid}"
        return record

    def children(self, parent_sid: str) -> list[CallRecord]:
        page = self.calls.list_calls(ACCOUNT_SID, parent_call_sid=parent_sid, page_size=100)
        return sorted(page.items, key=lambda record: record.date_created)

    def history(self, sid: str) -> list[StatusChange]:
        return list(self.calls.history(sid))

    def statuses(self, sid: str) -> list[str]:
        return [change.status.value for change in self.calls.history(sid)]

    def originates(self) -> list[str]:
        return [c for c in self.switch.commands if c.startswith("bgapi originate ")]


def params(request: ReceivedRequest) -> dict[str, str]:
    """A request's parameters as a dict (asserting that no name repeats)."""
    names = [name for name, _ in request.params]
    assert len(names) == len(set(names)), f"repeated parameters in {request.params}"
    return dict(request.params)


def signed(request: ReceivedRequest) -> bool:
    return signature_ok(request, SIGNING_KEY)


def start_bridge(tmp_path: Path, app: CustomerApp, switch: FakeSwitch, **changes: Any) -> Bridge:
    defaults = {
        "database": str(tmp_path / "bridge.sqlite3"),
        "recordings_dir": str(tmp_path / "recordings"),
    }
    settings = settings_for(app, **{**defaults, **changes})
    database = open_database(settings.database)
    calls = CallStore(database)
    recordings = RecordingStore(database)
    outbox = Outbox(database)
    client = WebhookClient(
        RequestsTransport(
            connect_timeout=settings.webhooks.connect_timeout,
            read_timeout=settings.webhooks.read_timeout,
        ),
        settings.signing_key,
    )
    dispatcher = CallbackDispatcher(
        client,
        outbox,
        retry=RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=0.05, jitter=0.0),
    )
    dispatcher.start()
    host, port = switch.address or switch.start()
    esl = EventSocket(
        host,
        port,
        switch.password,
        connect_timeout=WAIT,
        command_timeout=WAIT,
        backoff=FAST_RETRY,
        reorder_window=0.005,
    )
    services = CallServices(
        settings=settings,
        switch=esl,
        calls=calls,
        webhooks=client,
        callbacks=dispatcher,
        timings=TIMINGS,
        recordings=recordings,
    )
    engine = Engine(services, esl.events)
    esl.connect()
    engine.start()
    return Bridge(
        switch, app, esl, engine, calls, outbox, dispatcher, database, settings, recordings
    )


def stop_bridge(bridge: Bridge) -> None:
    bridge.engine.shutdown(0.0)
    bridge.dispatcher.stop()
    bridge.esl.close()
    bridge.database.close()


def new_switch() -> FakeSwitch:
    switch = FakeSwitch(
        time_scale=TIME_SCALE,
        profiles=(Profile("external", tls=True), Profile("internal", sip_port=5060)),
        playback_seconds=0.5,
    )
    switch.start()
    return switch
