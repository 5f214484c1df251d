"""`Switchboard`: one greenlet that hands every switch event to the call that owns it.

It reads the Event Socket adapter's queue in order and never blocks on
anything else (no HTTP, no database, no switch command):

- a channel event goes to the session that owns its uuid. Sessions claim
  the uuids of the legs they originate before the originate is sent (the
  engine chooses `origination_uuid`), so no event of a leg can come first;
- a job result goes to the session that claimed its Job-UUID. The claim is
  made right after the switch accepted the job, and the result may already
  be here by then: results nobody claimed are kept (the last
  `ORPHAN_JOBS`) and handed over when the claim comes;
- CHANNEL_PARK of a channel nobody owns, tagged `cxml_inbound=true` by the
  dialplan (freeswitch-conf/README.md), is a new inbound call:
  `on_inbound(event)` is called (the engine registers a session and starts
  its greenlet, without blocking);
- Disconnected, Resynced and GaveUp go to every live session, which
  reconcile their own channels; Resynced also goes to `on_resync` (the
  engine ends channels of finished calls that it could not end before).

Events of channels nobody owns are dropped, and so are late events of calls
already over (including a CHANNEL_PARK of a caller whose session ended).
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import gevent
from gevent.queue import Queue

from bridge.engine.session import CallSession
from bridge.esl.events import ChannelEvent, Disconnected, GaveUp, JobResult, Resynced

log = logging.getLogger(__name__)

ORPHAN_JOBS = 1024
FINISHED_UUIDS = 4096


class Switchboard:
    def __init__(
        self,
        events: Queue,
        on_inbound: Callable[[ChannelEvent], None],
        on_resync: Callable[[Resynced], None] | None = None,
    ) -> None:
        self._events = events
        self._on_inbound = on_inbound
        self._on_resync = on_resync
        self._channels: dict[str, CallSession] = {}
        self._jobs: dict[str, CallSession] = {}
        self._orphans: OrderedDict[str, JobResult] = OrderedDict()
        self._finished: OrderedDict[str, None] = OrderedDict()
        self._sessions: set[CallSession] = set()
        self._greenlet: Any = None
        self.switch_up = True
        self.gave_up: str | None = None  # why the adapter stopped reconnecting

    # -- life -----------------------------------------------------------------

    def start(self) -> None:
        if self._greenlet is None:
            self._greenlet = gevent.spawn(self._run)

    def stop(self) -> None:
        if self._greenlet is not None:
            self._greenlet.kill()
            self._greenlet = None

    @property
    def sessions(self) -> frozenset[CallSession]:
        return frozenset(self._sessions)

    # -- claims (Registry) -------------------------------------------------------

    def own(self, uuid: str, session: CallSession) -> None:
        key = uuid.lower()
        self._channels[key] = session
        self._finished.pop(key, None)
        self._sessions.add(session)

    def own_job(self, job_uuid: str, session: CallSession) -> None:
        result = self._orphans.pop(job_uuid, None)
        if result is not None:
            session.deliver(result)
            return
        self._jobs[job_uuid] = session

    def release(self, session: CallSession) -> None:
        for key in [key for key, owner in self._channels.items() if owner is session]:
            del self._channels[key]
            self._finished[key] = None
        while len(self._finished) > FINISHED_UUIDS:
            self._finished.popitem(last=False)
        for job in [job for job, owner in self._jobs.items() if owner is session]:
            del self._jobs[job]
        self._sessions.discard(session)

    # -- routing ------------------------------------------------------------------

    def _run(self) -> None:
        while True:
            item = self._events.get()
            try:
                self.route(item)
            except Exception:  # one bad event must not stop every call's events
                log.exception("switchboard: routing %r failed", item)

    def route(self, item: object) -> None:
        if isinstance(item, ChannelEvent):
            self._route_event(item)
        elif isinstance(item, JobResult):
            self._route_job(item)
        elif isinstance(item, Disconnected | Resynced | GaveUp):
            self.switch_up = isinstance(item, Resynced)
            if isinstance(item, GaveUp):
                self.gave_up = str(item.error)
                log.critical("the Event Socket adapter gave up: %s", item.error)
            for session in list(self._sessions):
                session.deliver(item)
            if isinstance(item, Resynced) and self._on_resync is not None:
                self._on_resync(item)

    def _route_event(self, event: ChannelEvent) -> None:
        if event.name == "BACKGROUND_JOB" or event.uuid is None:
            return  # its JobResult follows
        key = event.uuid.lower()
        owner = self._channels.get(key)
        if owner is not None:
            owner.deliver(event)
            return
        if event.name != "CHANNEL_PARK" or not event.cxml_inbound:
            return
        if key in self._finished:
            log.info("late CHANNEL_PARK of %s, whose call is over: ignored", event.uuid)
            return
        self._on_inbound(event)

    def _route_job(self, result: JobResult) -> None:
        owner = self._jobs.pop(result.job_uuid, None)
        if owner is not None:
            owner.deliver(result)
            return
        self._orphans[result.job_uuid] = result
        while len(self._orphans) > ORPHAN_JOBS:
            self._orphans.popitem(last=False)
