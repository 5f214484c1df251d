"""The Event Socket adapter: the only package that talks to FreeSWITCH (and imports greenswitch).

`EventSocket` is the handle the engine uses; `wire` and `parse` are the pure
layers under it (framing, command safety, event bodies); `transport` is the
greenswitch connection with its unsound parts replaced.
"""

from bridge.esl.backoff import DEFAULT_BACKOFF, Backoff
from bridge.esl.connection import RESYNC_COMMAND, EventSocket
from bridge.esl.errors import (
    AccessDenied,
    AuthenticationFailed,
    CommandFailed,
    CommandTimeout,
    ConnectFailed,
    ConnectionLost,
    EslError,
    ProtocolError,
    UnsafeCommand,
)
from bridge.esl.events import (
    SUBSCRIBED_EVENTS,
    ChannelEvent,
    Disconnected,
    GaveUp,
    JobResult,
    QueueItem,
    Resynced,
)
from bridge.esl.jobs import PendingJob
from bridge.esl.parse import RawEvent, parse_channel_list, parse_json_event, parse_plain_event
from bridge.esl.wire import Frame, FrameDecoder, check_command_text, encode_command

__all__ = [
    "DEFAULT_BACKOFF",
    "RESYNC_COMMAND",
    "SUBSCRIBED_EVENTS",
    "AccessDenied",
    "AuthenticationFailed",
    "Backoff",
    "ChannelEvent",
    "CommandFailed",
    "CommandTimeout",
    "ConnectFailed",
    "ConnectionLost",
    "Disconnected",
    "EslError",
    "EventSocket",
    "Frame",
    "FrameDecoder",
    "GaveUp",
    "JobResult",
    "PendingJob",
    "ProtocolError",
    "QueueItem",
    "RawEvent",
    "Resynced",
    "UnsafeCommand",
    "check_command_text",
    "encode_command",
    "parse_channel_list",
    "parse_json_event",
    "parse_plain_event",
]
