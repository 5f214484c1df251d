"""An inbound call: parked by the dialplan, routed by number, run from the customer's URL.

The dialplan contract (freeswitch-conf/README.md): the channel carries
`cxml_inbound=true` and `cxml_called=<number>` and is parked. The called
number is `cxml_called`, else the channel's destination number; the caller
is `Caller-Caller-ID-Number` (and `Caller-Caller-ID-Name` when it is a name,
not the number again). The route (`settings.route_for(called)`) gives the
voice URL, its method, the FallbackUrl and the number's StatusCallback
(which receives `completed`, as the hosted platforms send by default).
"""

from __future__ import annotations

import logging

from bridge.config import Route
from bridge.cxml.models import CallProgressEvent, Response
from bridge.engine.fetching import fetch
from bridge.engine.params import ANONYMOUS, CallParty
from bridge.engine.program import end_call, run_call
from bridge.engine.progress import CallbackTarget, ProgressReporter
from bridge.engine.services import CallServices
from bridge.engine.session import CallSession, Registry
from bridge.esl.events import ChannelEvent
from bridge.store.records import CallDirection, CallStatus, NewCall

log = logging.getLogger(__name__)


def called_number(event: ChannelEvent) -> str:
    return event.variable("cxml_called") or event.header("Caller-Destination-Number") or ""


def inbound_session(
    services: CallServices, registry: Registry, event: ChannelEvent, call_sid: str
) -> tuple[CallSession, Route | None]:
    """The session for a parked inbound channel (no I/O: the caller starts its greenlet)."""
    assert event.uuid is not None
    caller = event.header("Caller-Caller-ID-Number") or ANONYMOUS
    name = event.header("Caller-Caller-ID-Name")
    called = called_number(event)
    route = services.settings.route_for(called)
    party = CallParty(
        account_sid=services.settings.account_sid,
        call_sid=call_sid,
        direction=CallDirection.INBOUND,
        from_=caller,
        to=called,
        caller_name=name if name and name != caller else None,
        sip_call_id=event.sip_call_id,
    )
    target = None
    if route is not None and route.status_callback is not None:
        target = CallbackTarget(
            route.status_callback,
            route.status_callback_method,
            frozenset({CallProgressEvent.COMPLETED}),
        )
    reporter = ProgressReporter(services, party, target)
    return CallSession(services, registry, party, event.uuid, reporter=reporter), route


def run_inbound(call: CallSession, route: Route | None) -> None:
    services = call.services
    party = call.party
    try:
        services.calls.create_call(
            NewCall(
                account_sid=party.account_sid,
                direction=CallDirection.INBOUND,
                from_=party.from_,
                to=party.to,
                status=CallStatus.RINGING,
                sid=party.call_sid,
                caller_name=party.caller_name,
                fs_uuid=call.uuid,
                sip_call_id=party.sip_call_id,
                start_time=services.clock(),
                document_url=route.url if route else None,
                document_method=route.method.value if route else "POST",
                fallback_url=route.fallback_url if route else None,
                fallback_method=route.fallback_method.value if route else "POST",
                status_callback=route.status_callback if route else None,
                status_callback_method=route.status_callback_method.value if route else "POST",
                status_callback_events=("completed",) if route and route.status_callback else (),
            )
        )
    except Exception:
        log.exception("inbound call on %s to %r not recorded; refusing it", call.uuid, party.to)
        call.fail("the call could not be recorded")
        end_call(call)
        return
    log.info(
        "call %s: inbound from %r to %r on channel %s",
        party.call_sid,
        party.from_,
        party.to,
        call.uuid,
    )
    if route is None:
        log.error(
            "call %s: no route for the called number %r in the routing table; refusing it",
            party.call_sid,
            party.to,
        )
        call.fail(f"no route for {party.to!r}")
        end_call(call)
        return

    def first() -> Response:
        return fetch(
            call,
            route.url,
            route.method,
            call.params(),
            fallback_url=route.fallback_url,
            fallback_method=route.fallback_method,
        )

    run_call(call, first)
