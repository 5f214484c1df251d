"""One Event Socket connection: greenswitch's `InboundESL` with its unsound parts replaced.

greenswitch 0.0.19 stays the connection: its `connect()` opens the socket
(with its connect timeout), starts the reader, waits for `auth/request` and
authenticates; its `connected` flag, `_auth_request_event` and the
`_commands_sent` FIFO (replies come back in the order commands went out)
keep their meaning. What it gets wrong is overridden here:

- `receive_events` / `handle_event`: greenswitch decodes the whole event
  before splitting lines (forged headers from `%0A` in SIP-chosen values),
  raises on any non-UTF-8 byte (the reader dies silently), spins forever in
  `_read_socket` when the peer closes mid-body, and hangs `connect()` forever
  when the socket closes before `auth/request`. Ours frames with
  `wire.FrameDecoder`, parses with `parse`, and turns every failure into a
  single "connection lost" that fails pending commands at once.
- `send`: greenswitch waits for the reply forever, uses `socket.send` (may
  write part of a command) and lets two greenlets interleave writes. Ours
  refuses unsafe text, writes whole commands under a lock and bounds every
  wait; a timed-out command keeps its FIFO slot so that its late reply is
  not mistaken for the next command's.
- `start_event_handlers`: greenswitch's `process_events` greenlet polls its
  own queue every second and calls handlers inline; events go to the
  adapter's callback instead, which must not block.
- `authenticate` / `stop`: typed errors, and no unbounded `join`.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import gevent
from gevent.event import AsyncResult
from gevent.lock import Semaphore
from greenswitch.esl import InboundESL, NotConnectedError

from bridge.esl.errors import (
    AccessDenied,
    AuthenticationFailed,
    CommandTimeout,
    ConnectFailed,
    ConnectionLost,
    EslError,
    ProtocolError,
)
from bridge.esl.events import ChannelEvent
from bridge.esl.parse import parse_json_event, parse_plain_event
from bridge.esl.wire import Frame, FrameDecoder, encode_command

log = logging.getLogger(__name__)

_RECV_BYTES = 64 * 1024
_EVENT_PARSERS = {"text/event-plain": parse_plain_event, "text/event-json": parse_json_event}


@dataclass(frozen=True, slots=True)
class Reply:
    """A `command/reply` or `api/response`: its envelope and its body text."""

    headers: Mapping[str, str] = field(repr=False)
    body: str

    @property
    def text(self) -> str:
        """`Reply-Text` for a command reply, the body for an api response."""
        return self.headers.get("Reply-Text", self.body)


@dataclass(eq=False)
class _Pending:
    summary: str
    result: AsyncResult
    on_reply: Callable[[Reply], None] | None


class SwitchLink(InboundESL):  # type: ignore[misc]  # greenswitch is untyped
    """One authenticated connection. Not reused: after a loss, make a new one.

    `on_event` gets every event frame, parsed, in arrival order; `on_lost`
    is called once, with a reason, when the connection ends for any cause
    other than `close()`. Both run in the reader greenlet and must not block.
    """

    def __init__(
        self,
        host: str,
        port: int,
        password: str,
        *,
        connect_timeout: float,
        on_event: Callable[[ChannelEvent], None],
        on_lost: Callable[[str], None],
    ) -> None:
        super().__init__(host, port, password, timeout=connect_timeout)
        # greenswitch's FIFO of commands awaiting replies, holding our _Pending entries.
        self._commands_sent: list[_Pending] = []
        self._on_event = on_event
        self._on_lost = on_lost
        self._send_lock = Semaphore()
        self._lost_reason: str | None = None
        self._rejection: str | None = None
        self._closing = False
        # on_lost is for connections that were up; a failing open() raises instead.
        self._opened = False

    # -- connecting ------------------------------------------------------

    def open(self) -> None:
        """Connect and authenticate within `timeout` seconds, or raise a typed error."""
        where = f"{self.host}:{self.port}"
        deadline = gevent.Timeout(self.timeout)
        deadline.start()
        try:
            super().connect()
        except gevent.Timeout as exc:
            if exc is not deadline:
                raise
            self._shutdown(f"no greeting from {where} within {self.timeout} s")
            raise ConnectFailed(
                f"FreeSWITCH at {where} did not greet us (auth/request) within {self.timeout} s"
            ) from None
        except NotConnectedError as exc:
            self._shutdown("closed during connect")
            if self._rejection is not None:
                raise AccessDenied(
                    f"FreeSWITCH at {where} refused this client by ACL "
                    f"(text/rude-rejection: {self._rejection!r}); check event_socket.conf.xml"
                ) from None
            raise ConnectFailed(f"cannot connect to FreeSWITCH at {where}: {exc}") from None
        except OSError as exc:
            self._shutdown("connect failed")
            raise ConnectFailed(f"cannot connect to FreeSWITCH at {where}: {exc}") from None
        except (ConnectionLost, CommandTimeout) as exc:
            self._shutdown("closed during authentication")
            raise ConnectFailed(
                f"FreeSWITCH at {where} dropped us while we logged in: {exc}"
            ) from None
        except EslError:
            self._shutdown("authentication failed")
            raise
        finally:
            deadline.close()
        self._opened = True

    def authenticate(self) -> None:
        # greenswitch raises ValueError on a wrong password; ours is typed and bounded.
        reply = self.command(f"auth {self.password}", timeout=self.timeout, summary="auth")
        if reply.text.startswith("+OK"):
            return
        raise AuthenticationFailed(
            f"FreeSWITCH at {self.host}:{self.port} refused the Event Socket password "
            f"({reply.text!r})"
        )

    def start_event_handlers(self) -> None:
        self._receive_events_greenlet = gevent.spawn(self.receive_events)

    # -- commands --------------------------------------------------------

    def command(
        self,
        text: str,
        *,
        timeout: float,
        headers: Sequence[tuple[str, str]] = (),
        on_reply: Callable[[Reply], None] | None = None,
        summary: str | None = None,
    ) -> Reply:
        """Send one command and wait at most `timeout` seconds for its reply.

        `on_reply` runs in the reader greenlet the moment the reply is read,
        before any later frame is looked at.
        """
        payload = encode_command(text, headers)  # raises UnsafeCommand before any I/O
        label = summary or " ".join(text.split(" ", 2)[:2])
        self._raise_if_lost()
        pending = _Pending(label, AsyncResult(), on_reply)
        with self._send_lock:
            self._raise_if_lost()
            self._commands_sent.append(pending)
            try:
                self.sock.sendall(payload)
            except OSError as exc:
                self._lose(f"writing to the socket failed: {exc}")
        pending.result.wait(timeout)
        if not pending.result.ready():
            raise CommandTimeout(f"no reply to {label!r} within {timeout} s")
        reply: Reply = pending.result.get()
        return reply

    def send(self, data: str) -> Reply:
        # greenswitch's own entry point, kept bounded for anything that calls it.
        return self.command(data, timeout=self.timeout)

    def close(self, timeout: float) -> None:
        """Say `exit` (bounded), then close. Idempotent; never calls `on_lost`."""
        if self._closing:
            return
        self._closing = True
        if self._lost_reason is None:
            try:
                self.command("exit", timeout=timeout)
            except EslError:
                pass
        self._shutdown("closed by us")

    def stop(self) -> None:
        self.close(timeout=self.timeout)

    @property
    def lost_reason(self) -> str | None:
        return self._lost_reason

    # -- reading ---------------------------------------------------------

    def receive_events(self) -> None:
        decoder = FrameDecoder()
        reason = "FreeSWITCH closed the connection"
        try:
            while self._lost_reason is None:
                data = self.sock.recv(_RECV_BYTES)
                if not data:
                    if decoder.buffered:
                        reason += f" in the middle of a frame ({decoder.buffered} bytes unread)"
                    break
                for frame in decoder.feed(data):
                    self.handle_event(frame)
                    if self._lost_reason is not None:
                        return
        except ProtocolError as exc:
            reason = f"FreeSWITCH sent bytes we cannot frame: {exc}"
        except OSError as exc:
            reason = f"reading from the socket failed: {exc}"
        self._lose(reason)

    def handle_event(self, frame: Frame) -> None:
        kind = frame.content_type
        if kind == "auth/request":
            self._auth_request_event.set()
        elif kind in ("command/reply", "api/response"):
            self._complete_next(Reply(frame.headers, frame.body.decode("utf-8", "replace")))
        elif kind in _EVENT_PARSERS:
            self._deliver(kind, frame.body)
        elif kind == "text/disconnect-notice":
            if frame.headers.get("Content-Disposition") == "linger":
                return  # outbound-mode notice; the socket stays up
            notice = frame.body.decode("utf-8", "replace").strip().splitlines()
            self._lose(f"FreeSWITCH said goodbye ({notice[0] if notice else 'no text'})")
        elif kind == "text/rude-rejection":
            self._rejection = frame.body.decode("utf-8", "replace").strip()
            self._lose(f"FreeSWITCH rejected this client: {self._rejection!r}")
        else:
            log.debug("ignoring a %s frame", kind)

    def _complete_next(self, reply: Reply) -> None:
        if not self._commands_sent:
            log.warning("FreeSWITCH sent a reply nobody asked for: %r", reply.text[:80])
            return
        pending: _Pending = self._commands_sent.pop(0)
        if pending.on_reply is not None:
            try:
                pending.on_reply(reply)
            except Exception:
                log.exception("handling the reply to %r failed", pending.summary)
        pending.result.set(reply)

    def _deliver(self, kind: str, body: bytes) -> None:
        try:
            event = ChannelEvent.from_raw(_EVENT_PARSERS[kind](body))
        except ProtocolError as exc:
            # One malformed event is skipped; the stream around it is still framed.
            log.warning("skipping an event we cannot read: %s", exc)
            return
        try:
            self._on_event(event)
        except Exception:
            log.exception("the event callback failed on %s", event.name)

    # -- losing ----------------------------------------------------------

    def _raise_if_lost(self) -> None:
        if self._lost_reason is not None:
            raise ConnectionLost(f"Event Socket connection is down: {self._lost_reason}")

    def _lose(self, reason: str) -> None:
        """End the connection once: fail every pending command, tell the owner."""
        if self._lost_reason is not None:
            return
        notify = self._opened and not self._closing
        self._shutdown(reason)
        if notify:
            try:
                self._on_lost(reason)
            except Exception:
                log.exception("the connection-lost callback failed")

    def _shutdown(self, reason: str) -> None:
        if self._lost_reason is None:
            self._lost_reason = reason
        self.connected = False
        self._run = False
        pending, self._commands_sent = self._commands_sent, []
        for item in pending:
            item.result.set_exception(
                ConnectionLost(f"{item.summary!r} failed: Event Socket connection lost: {reason}")
            )
        # Wake a connect() still waiting for auth/request; it then sees
        # connected=False and reports why.
        self._auth_request_event.set()
        sock = getattr(self, "sock", None)
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()
        sock_file = getattr(self, "sock_file", None)
        if sock_file is not None:
            sock_file.close()
        reader = self._receive_events_greenlet
        if reader is not None and reader is not gevent.getcurrent():
            reader.kill(block=False)
