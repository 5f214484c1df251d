"""`cxml-bridge serve`: the wiring of one bridge process.

Start, in order: the database (schema migrated), the callback dispatcher
(with the outbox's pending callbacks recovered), the engine and its
switchboard, the HTTP server (the REST API behind `/health`, gevent.pywsgi),
then the Event Socket: if FreeSWITCH is not up yet, the bridge keeps trying
(with backoff) while the HTTP side is up and `/health` says so. A refused
password or ACL is a configuration error: the process stops with a message.

Stop (`BridgeServer.shutdown`, on SIGTERM or SIGINT): no new calls (inbound
ones are refused with 503, the REST API answers 503), calls in progress get
`settings.shutdown_grace` seconds to finish and are then ended deliberately
(legs cancelled, callers hung up, statuses recorded), callbacks are flushed
(what cannot be delivered in time stays in the outbox for the next start),
then the Event Socket, the HTTP server and the database are closed.

This module assumes gevent's monkey patching is done: `bridge.cli` does it
as the first thing of the `serve` subcommand, never at import.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gevent
import gevent.event
from gevent.pywsgi import WSGIServer

from bridge.config import Settings
from bridge.engine.engine import Engine
from bridge.engine.services import CallServices, EngineTimings
from bridge.esl import DEFAULT_BACKOFF, AccessDenied, AuthenticationFailed, Backoff, EventSocket
from bridge.esl.errors import EslError
from bridge.store.calls import CallStore
from bridge.store.db import Database, database_url, open_database
from bridge.store.outbox import Outbox
from bridge.store.recordings import RecordingStore
from bridge.web import Health, WsgiApp, with_health
from bridge.webhooks import CallbackDispatcher, RequestsTransport, RetryPolicy, WebhookClient

log = logging.getLogger(__name__)

# How long, at the most, shutdown waits for callbacks still queued.
CALLBACK_FLUSH_SECONDS = 10.0


class FatalStartError(Exception):
    """The bridge cannot run with this configuration (the message says why)."""


@dataclass(frozen=True)
class ServeOptions:
    esl_backoff: Backoff = DEFAULT_BACKOFF
    timings: EngineTimings | None = None
    callback_flush: float = CALLBACK_FLUSH_SECONDS


class BridgeServer:
    def __init__(self, settings: Settings, options: ServeOptions | None = None) -> None:
        self.settings = settings
        self.options = options or ServeOptions()
        self.database: Database | None = None
        self.engine: Engine | None = None
        self.esl: EventSocket | None = None
        self.dispatcher: CallbackDispatcher | None = None
        self.http: WSGIServer | None = None
        self.switch_ready = gevent.event.Event()
        self.stopped = gevent.event.Event()
        self.fatal: str | None = None
        self._connector: Any = None
        self._transport: RequestsTransport | None = None

    # -- start ----------------------------------------------------------------------

    def start(self) -> None:
        settings = self.settings
        self.database = database = _open(settings.database)
        calls = CallStore(database)
        recordings = RecordingStore(database)
        hooks = settings.webhooks
        self._transport = RequestsTransport(
            connect_timeout=hooks.connect_timeout, read_timeout=hooks.read_timeout
        )
        client = WebhookClient(
            self._transport, settings.signing_key, max_redirects=hooks.max_redirects
        )
        self.dispatcher = CallbackDispatcher(
            client,
            Outbox(database),
            retry=RetryPolicy(
                max_attempts=hooks.callback_max_attempts, base_delay=hooks.callback_retry_base
            ),
        )
        self.dispatcher.start()
        recovered = self.dispatcher.recover()
        if recovered:
            log.info("%d callback(s) left by the last run queued for delivery", recovered)
        esl = settings.esl
        self.esl = EventSocket(
            esl.host,
            esl.port,
            esl.password,
            connect_timeout=esl.connect_timeout,
            command_timeout=esl.command_timeout,
            backoff=self.options.esl_backoff,
        )
        timings = self.options.timings or EngineTimings(command_timeout=esl.command_timeout)
        services = CallServices(
            settings=settings,
            switch=self.esl,
            calls=calls,
            webhooks=client,
            callbacks=self.dispatcher,
            timings=timings,
            recordings=recordings,
        )
        self.engine = Engine(services, self.esl.events)
        self.engine.start()
        app = with_health(self._api(calls, recordings), self.health)
        self.http = WSGIServer((settings.http.host, settings.http.port), app, log=None)
        self.http.start()
        log.info("HTTP on http://%s:%d", settings.http.host, self.http.server_port)
        self._connector = gevent.spawn(self._connect)

    def _api(self, calls: CallStore, recordings: RecordingStore) -> WsgiApp:
        from bridge.api import create_app

        assert self.engine is not None
        app = create_app(self.settings, calls, recordings, self.engine)
        return app.wsgi_app

    def _connect(self) -> None:
        """Connect to FreeSWITCH, however long it takes to come up."""
        assert self.esl is not None and self.engine is not None
        esl = self.settings.esl
        backoff = self.options.esl_backoff
        attempt = 0
        while not self.stopped.is_set():
            try:
                self.esl.connect()
            except (AuthenticationFailed, AccessDenied) as error:
                self.fatal = f"FreeSWITCH at {esl.host}:{esl.port} refused the bridge: {error}"
                log.critical("%s; check [esl] password and FreeSWITCH's ACL", self.fatal)
                self.stopped.set()
                return
            except EslError as error:
                delay = backoff.delay(attempt)
                attempt += 1
                log.warning(
                    "FreeSWITCH at %s:%d not reachable (%s); retrying in %.1f s",
                    esl.host,
                    esl.port,
                    error,
                    delay,
                )
                if self.stopped.wait(delay):
                    return
                continue
            log.info("connected to FreeSWITCH at %s:%d", esl.host, esl.port)
            assert self.database is not None
            if self.database.is_sqlite:
                self.engine.close_leftovers()
            self.switch_ready.set()
            return

    @property
    def http_port(self) -> int:
        assert self.http is not None
        return int(self.http.server_port)

    def health(self) -> Health:
        engine = self.engine
        esl = self.esl
        if not self.switch_ready.is_set() or esl is None or engine is None:
            state = "connecting"
        elif esl.connected:
            state = "connected"
        elif engine.switchboard.gave_up is not None:
            state = "gave up"
        else:
            state = "reconnecting"
        return Health(
            freeswitch=state,
            live_calls=len(engine.live_calls) if engine else 0,
            accepting_calls=bool(engine and engine.accepting) and not self.stopped.is_set(),
        )

    # -- stop ------------------------------------------------------------------------

    def request_stop(self) -> None:
        if not self.stopped.is_set():
            log.info("stopping: no new calls from now on")
            self.stopped.set()

    def shutdown(self) -> None:
        self.stopped.set()
        if self._connector is not None:
            self._connector.kill()
        if self.engine is not None:
            self.engine.shutdown(self.settings.shutdown_grace)
        if self.dispatcher is not None:
            if not self.dispatcher.flush(self.options.callback_flush):
                log.warning(
                    "%d callback(s) not delivered yet; they stay in the outbox for the next start",
                    self.dispatcher.queued,
                )
            self.dispatcher.stop()
        if self.esl is not None:
            self.esl.close()
        if self.http is not None:
            self.http.stop(timeout=2)
        if self._transport is not None:
            self._transport.close()
        if self.database is not None:
            self.database.close()
        log.info("stopped")


def _open(location: str) -> Database:
    url = database_url(location)
    if url.startswith("sqlite:///") and "://" not in location:
        Path(location).parent.mkdir(parents=True, exist_ok=True)
    try:
        return open_database(location)
    except Exception as error:
        raise FatalStartError(f"cannot open the database {location!r}: {error}") from error


def run(settings: Settings, options: ServeOptions | None = None) -> int:
    """Serve until SIGTERM or SIGINT; the process's exit status."""
    import signal

    server = BridgeServer(settings, options)
    handlers = [
        gevent.signal_handler(signal.SIGTERM, server.request_stop),
        gevent.signal_handler(signal.SIGINT, server.request_stop),
    ]
    try:
        try:
            server.start()
        except FatalStartError as error:
            log.critical("%s", error)
            server.shutdown()
            return 1
        server.stopped.wait()
        server.shutdown()
        if server.fatal is not None:
            return 1
        return 0
    finally:
        for handler in handlers:
            handler.cancel()
