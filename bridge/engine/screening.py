"""`<Sip url>`: a document run on the callee's leg after it answers, before it is connected.

When a leg whose `<Sip>` has a `url` answers, the dial does not connect it
yet: a `Screening` requests the url (`<Sip method>`, GET or POST) with the
dialed leg's standard parameters (its own CallSid, ParentCallSid the caller,
Direction outbound-dial, CallStatus in-progress) plus `SipCallId` (the
Call-ID of its INVITE) and one `SipHeader_X-Name` per X- header of its 200
OK, and runs the document on that leg only. The caller meanwhile keeps
hearing ringback (`bridge.engine.ringback`).

- The document runs to its end (an empty `<Response/>` included): the leg
  ACCEPTS, and is connected if no other leg was connected first.
- `<Hangup/>` or `<Reject/>`: the leg DECLINES. The dial hangs it up
  (NORMAL_CLEARING) and the race goes on with the legs still ringing. The
  declined leg was answered, so its own status is `completed` (with its
  duration), as a dialed leg that answered and hung up; the caller is never
  connected to it.
- `<Say>`, `<Play>`, `<Pause>` run against the callee's channel
  (`uuid_broadcast <callee> speak::...|playback::... aleg`, waited for as
  for the caller); `<Redirect>` fetches the next document the same way (the
  same loop limit as the caller's). `<Dial>` in such a document is a parse
  error (`parse_document(callee_leg=True)`).
- No document (HTTP error, timeout, invalid cXML, a `<Dial>` inside), a
  verb that cannot run (`<Say>` without TTS configured), a command the
  switch refuses: the leg declines, and the log says why. The callee hanging
  up during the screening ends it (the leg is over; nothing is accepted).

Several legs may answer while others are being screened: each runs its own
screening at once, in its own greenlet, and the first to ACCEPT wins (a leg
without `url` accepts as it answers). The others are then killed as losers
of the race (LOSE_RACE, status canceled), their screenings stopped.

A screening talks to the dial only through the call's mailbox: its outcome
arrives as `IoDone(SCREENING_TOKEN, value=Verdict(...))`; the dial forwards
it the callee's channel events. It never touches the dial's state.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import NoReturn

import gevent
from gevent.queue import Empty, Queue

from bridge.cxml.models import HttpMethod, Pause, Play, Redirect, Response, Say, Sip, Verb
from bridge.engine.errors import CommandRefused
from bridge.engine.interrupts import IoDone
from bridge.engine.params import CallParty, call_params
from bridge.engine.session import CallSession
from bridge.engine.tts_voices import VoiceRefused, speaker_for
from bridge.esl.errors import EslError
from bridge.esl.events import ChannelEvent
from bridge.store.records import CallStatus
from bridge.switch import BroadcastLeg, UnsafeValue, uuid_broadcast, uuid_speak
from bridge.webhooks.documents import DocumentUnavailable, fetch_document
from bridge.webhooks.parameters import Params

log = logging.getLogger(__name__)

# `loop="0"` on the callee's leg: at most this many times, as on the caller's
# (bridge.engine.verbs.media; not imported: verbs import the dial, which imports this).
LOOP_FOREVER = 1000
# CallSession.run_io numbers its requests from 1, so 0 never matches one of them.
SCREENING_TOKEN = 0
HANGUP_EVENTS = frozenset({"CHANNEL_HANGUP", "CHANNEL_HANGUP_COMPLETE", "CHANNEL_DESTROY"})


@dataclass(frozen=True)
class Verdict:
    """How one leg's screening ended: accepted, or declined and why."""

    leg_uuid: str
    accepted: bool
    reason: str


class _Declined(Exception):
    pass


class _CalleeGone(Exception):
    pass


def screening_params(party: CallParty, headers: Mapping[str, str]) -> Params:
    """The `url` request's parameters: the leg's standard ones (with SipCallId)
    and `SipHeader_X-*` of its 200 OK, in header-name order."""
    params = list(call_params(party, CallStatus.IN_PROGRESS))
    params += [(f"SipHeader_{name}", headers[name]) for name in sorted(headers)]
    return tuple(params)


class Screening:
    """One leg's screening document, run in its own greenlet."""

    def __init__(self, call: CallSession, leg_uuid: str, sip: Sip, params: Params) -> None:
        assert sip.url is not None
        self.call = call
        self.uuid = leg_uuid
        self.sip = sip
        self.url: str = sip.url
        self.params = params
        self._inbox: Queue = Queue()
        self._greenlet: gevent.Greenlet | None = None
        self._redirects = 0

    def start(self) -> None:
        self._greenlet = gevent.spawn(self._run)

    def feed(self, event: ChannelEvent) -> None:
        self._inbox.put(event)

    def stop(self) -> None:
        if self._greenlet is not None:
            self._greenlet.kill(block=False)

    # -- the greenlet ----------------------------------------------------------

    def _run(self) -> None:
        try:
            verdict = Verdict(self.uuid, True, self._screen())
        except _Declined as declined:
            verdict = Verdict(self.uuid, False, str(declined))
        except _CalleeGone:
            return  # the dial saw the leg end; nothing to decide
        except Exception as error:  # noqa: BLE001 (the leg is declined, the call goes on)
            log.exception("call %s: screening leg %s failed", self.call.call_sid, self.uuid)
            verdict = Verdict(self.uuid, False, f"engine error: {error!r}")
        self.call.deliver(IoDone(SCREENING_TOKEN, value=verdict))

    def _screen(self) -> str:
        """Run the documents; the reason for accepting, or raise _Declined."""
        response = self._fetch(self.url, self.sip.method)
        while True:
            following = self._run_document(response)
            if following is None:
                return f"the document of {self.url} ran to its end"
            response = following

    def _fetch(self, url: str, method: HttpMethod) -> Response:
        client = self.call.services.webhooks
        try:
            fetched = fetch_document(client, url, method, self.params, callee_leg=True)
        except DocumentUnavailable as error:
            log.error("call %s: screening leg %s: %s", self.call.call_sid, self.uuid, error)
            raise _Declined(f"no screening document: {error}") from None
        return fetched.response

    def _run_document(self, response: Response) -> Response | None:
        for verb in response.verbs:
            if not isinstance(verb, Redirect):
                self._redirects = 0
            following = self._run_verb(verb)
            if following is not None:
                return following
        return None

    def _run_verb(self, verb: Verb) -> Response | None:
        name = type(verb).__name__
        if isinstance(verb, Say):
            self._say(verb)
        elif isinstance(verb, Play):
            self._play(verb)
        elif isinstance(verb, Pause):
            self._wait(time.monotonic() + verb.length)
        elif isinstance(verb, Redirect):
            return self._redirect(verb)
        elif name in ("Hangup", "Reject"):
            raise _Declined(f"<{name}> on line {verb.line} of the screening document")
        else:
            self._fail(verb.line, name, "cannot run on the callee's leg")
        return None

    # -- verbs on the callee's channel ---------------------------------------

    def _say(self, verb: Say) -> None:
        """As the caller's <Say> (bridge.engine.verbs.say): the same voice table."""
        media = self.call.services.settings.media
        if media.tts_engine is None:
            self._fail(verb.line, "Say", "text to speech is not configured ([media] tts_engine)")
        try:
            speaker = speaker_for(media, verb.voice, verb.language)
            command = uuid_speak(self.uuid, speaker.engine, speaker.voice, verb.text)
        except (VoiceRefused, UnsafeValue) as refused:
            self._fail(verb.line, "Say", str(refused))
        for _ in range(verb.loop or LOOP_FOREVER):
            self._broadcast(verb.line, command, "speak")

    def _play(self, verb: Play) -> None:
        if verb.url is None:
            self._fail(verb.line, "Play", "digits are not supported on the callee's leg")
        target = self.call.services.settings.media.playback_prefix + verb.url
        try:
            command = uuid_broadcast(self.uuid, "playback", target, BroadcastLeg.ALEG)
        except UnsafeValue as refused:
            self._fail(verb.line, "Play", str(refused))
        for _ in range(verb.loop or LOOP_FOREVER):
            self._broadcast(verb.line, command, "playback")

    def _redirect(self, verb: Redirect) -> Response:
        limit = self.call.services.settings.webhooks.max_redirects
        self._redirects += 1
        if self._redirects > limit:
            self._fail(verb.line, "Redirect", f"more than {limit} <Redirect>s in a row")
        return self._fetch(verb.url, verb.method)

    def _broadcast(self, line: int, command: str, application: str) -> None:
        """Run a broadcast on the callee's own channel and wait until it completed."""
        try:
            self.call.api(command)
        except (EslError, CommandRefused) as error:
            raise _Declined(f"line {line}: the switch failed a command: {error}") from None
        while True:
            event = self._next(None)
            if (
                event is not None
                and event.name == "CHANNEL_EXECUTE_COMPLETE"
                and event.header("Application") == application
            ):
                return

    def _wait(self, until: float) -> None:
        while self._next(until) is not None:
            pass

    def _next(self, until: float | None) -> ChannelEvent | None:
        """The callee's next event, None once `until` passed; _CalleeGone at its hangup."""
        timeout = None if until is None else max(0.0, until - time.monotonic())
        try:
            event: ChannelEvent = self._inbox.get(timeout=timeout)
        except Empty:
            return None
        if event.name in HANGUP_EVENTS:
            raise _CalleeGone()
        return event

    def _fail(self, line: int, verb: str, reason: str) -> NoReturn:
        message = f"line {line} of the screening document: <{verb}> {reason}"
        log.error("call %s: screening leg %s: %s", self.call.call_sid, self.uuid, message)
        raise _Declined(message)


class Screenings:
    """The screenings in flight during one dial, by leg channel uuid."""

    def __init__(self, call: CallSession) -> None:
        self.call = call
        self._by_uuid: dict[str, Screening] = {}

    def start(self, leg_uuid: str, sip: Sip, party: CallParty, headers: Mapping[str, str]) -> None:
        screening = Screening(self.call, leg_uuid, sip, screening_params(party, headers))
        self._by_uuid[leg_uuid.lower()] = screening
        log.info(
            "call %s: leg %s answered; screening it with %s %s",
            self.call.call_sid,
            party.call_sid,
            sip.method.value,
            sip.url,
        )
        screening.start()

    def feed(self, event: ChannelEvent) -> None:
        if event.uuid is not None:
            screening = self._by_uuid.get(event.uuid.lower())
            if screening is not None:
                screening.feed(event)

    def done(self, verdict: Verdict) -> None:
        self._by_uuid.pop(verdict.leg_uuid.lower(), None)

    def stop(self, leg_uuid: str) -> None:
        screening = self._by_uuid.pop(leg_uuid.lower(), None)
        if screening is not None:
            screening.stop()

    def stop_all(self) -> None:
        for uuid in list(self._by_uuid):
            self.stop(uuid)

    @property
    def active(self) -> bool:
        return bool(self._by_uuid)


def verdict_of(item: object) -> Verdict | None:
    """The verdict a mailbox item carries, if it is one."""
    if isinstance(item, IoDone) and item.token == SCREENING_TOKEN:
        value = item.value
        if isinstance(value, Verdict):
            return value
    return None
