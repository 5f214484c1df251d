"""The Event Socket server: one greenlet per connection, as mod_event_socket's
listener thread: it reads commands, answers them in order, and writes the
events it subscribed to in between (queued behind whatever was pending).

A blocking `api` (an `api originate` waits for the answer) holds the events
back until its reply is out, as FreeSWITCH's listener does.
"""

from __future__ import annotations

import math
import socket
import uuid as uuidlib
from collections.abc import Callable
from dataclasses import dataclass, field

import gevent
import gevent.event
import gevent.queue
import gevent.server

from tests.fakeswitch import api
from tests.fakeswitch.core import SwitchCore
from tests.fakeswitch.events import FiredEvent
from tests.fakeswitch.wire import (
    ClientCommand,
    CommandReader,
    api_response,
    auth_request,
    command_reply,
    disconnect_notice,
    event_frame,
    rude_rejection,
)

# switch_event.c EVENT_NAMES: what `event`/`nixevent` accept (case-insensitive).
EVENT_NAMES = frozenset(
    """CUSTOM CLONE CHANNEL_CREATE CHANNEL_DESTROY CHANNEL_STATE CHANNEL_CALLSTATE
    CHANNEL_ANSWER CHANNEL_HANGUP CHANNEL_HANGUP_COMPLETE CHANNEL_EXECUTE
    CHANNEL_EXECUTE_COMPLETE CHANNEL_HOLD CHANNEL_UNHOLD CHANNEL_BRIDGE CHANNEL_UNBRIDGE
    CHANNEL_PROGRESS CHANNEL_PROGRESS_MEDIA CHANNEL_OUTGOING CHANNEL_PARK CHANNEL_UNPARK
    CHANNEL_APPLICATION CHANNEL_ORIGINATE CHANNEL_UUID API LOG INBOUND_CHAN OUTBOUND_CHAN
    STARTUP SHUTDOWN PUBLISH UNPUBLISH TALK NOTALK SESSION_CRASH MODULE_LOAD MODULE_UNLOAD
    DTMF MESSAGE PRESENCE_IN NOTIFY_IN PRESENCE_OUT PRESENCE_PROBE MESSAGE_WAITING
    MESSAGE_QUERY ROSTER CODEC BACKGROUND_JOB DETECTED_SPEECH DETECTED_TONE PRIVATE_COMMAND
    HEARTBEAT TRAP ADD_SCHEDULE DEL_SCHEDULE EXE_SCHEDULE RE_SCHEDULE RELOADXML NOTIFY
    PHONE_FEATURE PHONE_FEATURE_SUBSCRIBE SEND_MESSAGE RECV_MESSAGE REQUEST_PARAMS
    CHANNEL_DATA GENERAL COMMAND SESSION_HEARTBEAT CLIENT_DISCONNECTED SERVER_DISCONNECTED
    SEND_INFO RECV_INFO RECV_RTCP_MESSAGE SEND_RTCP_MESSAGE CALL_SECURE NAT RECORD_START
    RECORD_STOP PLAYBACK_START PLAYBACK_STOP CALL_UPDATE FAILURE SOCKET_DATA
    MEDIA_BUG_START MEDIA_BUG_STOP CONFERENCE_DATA_QUERY CONFERENCE_DATA CALL_SETUP_REQ
    CALL_SETUP_RESULT CALL_DETAIL DEVICE_STATE TEXT SHUTDOWN_REQUESTED CERT_RELOAD ALL""".split()
)


def event_type(name: str) -> str | None:
    """switch_name_event: a name, in any case, optionally prefixed SWITCH_EVENT_."""
    upper = name.upper()
    if len(upper) > 13 and upper[13:] in EVENT_NAMES:
        return upper[13:]
    return upper if upper in EVENT_NAMES else None


@dataclass
class Faults:
    """Misbehaviour the tests switch on (see FakeSwitch for the public knobs)."""

    reject_connections: bool = False  # ACL: text/rude-rejection on connect
    refuse_auth: bool = False  # every `auth` gets -ERR invalid
    down: bool = False  # accept, then close at once (a switch that is restarting)
    event_delay: float = 0.0  # real seconds added before each event is queued; inf: held
    delayed: list[FiredEvent] = field(default_factory=list)
    reorder_count: int = 0  # hold this many events, then release them reversed
    held: list[FiredEvent] = field(default_factory=list)
    reply_delay: float = 0.0  # real seconds before each api/bgapi reply; inf: never
    reply_gate: gevent.event.Event = field(default_factory=gevent.event.Event)


class Connection:
    def __init__(self, server: EslServer, sock: socket.socket, number: int) -> None:
        self.server = server
        self.sock = sock
        self.number = number
        self.queue: gevent.queue.Queue[tuple[str, object]] = gevent.queue.Queue()
        self.authed = False
        self.event_format = "plain"
        self.subscribed: set[str] = set()
        self.custom: set[str] = set()
        self.open = True
        self.closed = gevent.event.Event()

    def wants(self, event: FiredEvent) -> bool:
        return self.authed and (event.name in self.subscribed or "ALL" in self.subscribed)

    def abort(self) -> None:
        """Drop the TCP connection without a goodbye (a crash or a cable pull)."""
        self.open = False
        self.closed.set()
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
        self.queue.put(("eof", None))

    def write(self, data: bytes) -> bool:
        if not self.open:
            return False
        try:
            self.sock.sendall(data)
        except OSError:
            self.open = False
        return self.open

    def serve(self) -> None:
        # mod_event_socket sets TCP_NODELAY too; without it small replies wait on Nagle.
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        faults = self.server.faults
        if faults.down:
            self.sock.close()
            return
        if faults.reject_connections:
            self.write(rude_rejection())
            self.sock.close()
            return
        self.write(auth_request())
        reader = gevent.spawn(self._read)
        try:
            while self.open:
                kind, item = self.queue.get()
                if kind == "event" and isinstance(item, FiredEvent):
                    self.write(event_frame(self.event_format, item.headers, item.body))
                elif kind == "command" and isinstance(item, ClientCommand):
                    # Listed when the switch takes it up; waiters wake once it
                    # has acted on it (a blocking api originate excepted).
                    self.server.received.append(item)
                    keep = self._handle(item)
                    self.server.on_command()
                    if not keep:
                        self.write(disconnect_notice())
                        break
                else:
                    break
        finally:
            self.open = False
            self.closed.set()
            reader.kill(block=False)
            self.server.forget(self)
            try:
                self.sock.close()
            except OSError:
                pass

    def _read(self) -> None:
        parser = CommandReader()
        while self.open:
            try:
                data = self.sock.recv(65536)
            except OSError:
                data = b""
            if not data:
                break
            try:
                commands = parser.feed(data)
            except ValueError:
                break
            for command in commands:
                self.queue.put(("command", command))
        self.queue.put(("eof", None))

    # -- commands (parse_command in mod_event_socket.c) --------------------

    def _reply(self, text: str, extra: tuple[tuple[str, str], ...] = ()) -> None:
        self.write(command_reply(text, extra))

    def _handle(self, command: ClientCommand) -> bool:
        """Answer one command; False ends the connection."""
        line = command.line.strip("\r\n")
        lowered = line.lower()
        if lowered.startswith("exit") or lowered.startswith("..."):
            self._reply("+OK bye")
            return False
        if not self.authed:
            if lowered.startswith("auth "):
                if not self.server.faults.refuse_auth and line[5:] == self.server.password:
                    self.authed = True
                    self._reply("+OK accepted")
                    return True
                self._reply("-ERR invalid")
                return False
            self._reply("-ERR command not found")
            return True
        if lowered.startswith("event"):
            self._subscribe(line)
        elif lowered.startswith("nixevent"):
            self._unsubscribe(line)
        elif lowered.startswith("noevents"):
            if self.subscribed:
                self.subscribed.clear()
                self._reply("+OK no longer listening for events")
            else:
                self._reply("-ERR not listening for events")
        elif lowered.startswith("api "):
            self._api(line[4:])
        elif lowered.startswith("bgapi "):
            self._bgapi(line[6:], command.header("Job-UUID"))
        else:
            self._reply("-ERR command not found")
        return True

    def _subscribe(self, line: str) -> None:
        words = line.split(" ")[1:]
        count = 0
        custom = False
        for index, word in enumerate(words):
            if not word:
                continue
            lowered = word.lower()
            if index == 0 and lowered in ("plain", "json", "xml"):
                self.event_format = lowered
                continue
            if custom:
                self.custom.add(word)
                continue
            name = event_type(word)
            if name is None:
                continue
            count += 1
            self.subscribed.add(name)
            custom = name == "CUSTOM"
        if not count:
            self._reply("-ERR no keywords supplied")
            return
        if self.event_format == "xml":
            self.event_format = "plain"
            self._reply("-ERR the emulator does not write xml events; use plain or json")
            return
        self._reply(f"+OK event listener enabled {self.event_format}")
        self.server.on_command()

    def _unsubscribe(self, line: str) -> None:
        count = 0
        for word in line.split(" ")[1:]:
            name = event_type(word) if word else None
            if name is None:
                continue
            count += 1
            if name == "ALL":
                self.subscribed.clear()
            else:
                if "ALL" in self.subscribed:
                    self.subscribed = set(EVENT_NAMES) - {"ALL"}
                self.subscribed.discard(name)
        if not count:
            self._reply("-ERR no keywords supplied")
            return
        self._reply("+OK events nixed")

    def _hold_reply(self) -> None:
        faults = self.server.faults
        if faults.reply_delay > 0:
            self.server.on_command()  # acted on; only the reply waits
            timeout = None if math.isinf(faults.reply_delay) else faults.reply_delay
            faults.reply_gate.wait(timeout)

    def _api(self, text: str) -> None:
        name, _, args = text.partition(" ")
        result: gevent.event.AsyncResult = gevent.event.AsyncResult()
        api.execute(self.server.core(), name, args, result.set)
        if not result.ready():
            self.server.on_command()  # started (an api originate waits for its leg)
        gevent.wait([result, self.closed], count=1)
        if not result.ready():
            return
        reply = result.get()
        self._hold_reply()
        self.write(api_response(str(reply)))

    def _bgapi(self, text: str, wanted_job: str | None) -> None:
        name, _, args = text.partition(" ")
        job = (wanted_job or str(uuidlib.uuid4()))[:36]
        self._hold_reply()
        self._reply(f"+OK Job-UUID: {job}", (("Job-UUID", job),))
        core = self.server.core()

        def report(body: str) -> None:
            rows = [("Job-UUID", job), ("Job-Command", name)]
            if args:
                rows.append(("Job-Command-Arg", args))
            core.fire("BACKGROUND_JOB", rows, body=body)

        gevent.spawn(api.execute, core, name, args, report)


class EslServer:
    def __init__(self, core: Callable[[], SwitchCore], password: str) -> None:
        self.core = core
        self.password = password
        self.faults = Faults()
        self.connections: list[Connection] = []
        self.received: list[ClientCommand] = []
        self.on_command: Callable[[], None] = lambda: None
        self._count = 0
        self._server: gevent.server.StreamServer | None = None

    def start(self, host: str, port: int) -> tuple[str, int]:
        self._server = gevent.server.StreamServer((host, port), self._accept)
        self._server.start()
        address = self._server.address
        return str(address[0]), int(address[1])

    def stop(self) -> None:
        self.faults.reply_gate.set()
        for connection in list(self.connections):
            connection.abort()
        if self._server is not None:
            self._server.stop(timeout=1)
            self._server = None

    def _accept(self, sock: socket.socket, address: object) -> None:
        self._count += 1
        connection = Connection(self, sock, self._count)
        self.connections.append(connection)
        connection.serve()

    def forget(self, connection: Connection) -> None:
        if connection in self.connections:
            self.connections.remove(connection)

    def drop_connections(self) -> None:
        for connection in list(self.connections):
            connection.abort()

    # -- event delivery ------------------------------------------------------

    def deliver(self, event: FiredEvent) -> None:
        faults = self.faults
        if faults.reorder_count > 0:
            faults.held.append(event)
            if len(faults.held) >= faults.reorder_count:
                self.release_held()
            return
        if math.isinf(faults.event_delay):
            faults.delayed.append(event)
            return
        if faults.event_delay > 0:
            gevent.spawn_later(faults.event_delay, self._fan_out, event)
            return
        self._fan_out(event)

    def release_delayed(self) -> None:
        delayed, self.faults.delayed = self.faults.delayed, []
        for event in delayed:
            self._fan_out(event)

    def release_held(self) -> None:
        held, self.faults.held = self.faults.held, []
        self.faults.reorder_count = 0
        for event in reversed(held):
            self._fan_out(event)

    def _fan_out(self, event: FiredEvent) -> None:
        for connection in list(self.connections):
            if connection.open and connection.wants(event):
                connection.queue.put(("event", event))
