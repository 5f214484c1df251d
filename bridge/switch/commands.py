"""Builders for the FreeSWITCH API commands the engine sends besides `originate`.

Each returns the command text without `api`/`bgapi` (the Event Socket adapter
adds it). mod_commands splits these arguments on spaces with the same
tokenizer as originate (see `bridge.switch.escaping`), and `uuid_kill` takes
everything after the first space as the cause; so every argument is either
from a closed set (UUIDs, causes, leg names, numbers) or checked and escaped.
No I/O; there is deliberately no builder for `hupall`.
"""

from __future__ import annotations

import re
from enum import StrEnum

from bridge.switch.causes import HangupCause
from bridge.switch.escaping import (
    UUID_PATTERN,
    VARIABLE_NAME_PATTERN,
    UnsafeValue,
    check_pattern,
    check_text,
    encode_argument,
)

# Application names as mod_dptools registers them.
APPLICATION_PATTERN = re.compile(r"[a-z][a-z0-9_]{0,63}")
# Recording files: absolute paths of plain names. The recorder treats '{...}'
# prefixes, '://' URLs and '!' specially; none of that can be spelled here.
RECORDING_PATH_PATTERN = re.compile(r"(?:/[A-Za-z0-9_.-]+)+")
MAX_ARGUMENT_CHARS = 2048
MAX_SCHEDULE_SECONDS = 86400 * 7
# switch_core_session_send_dtmf_string ignores a string longer than 99.
MAX_DTMF_CHARS = 99
# Digits, A-D, and FreeSWITCH's pauses: 'w' 500 ms, 'W' 1 s (switch_core_io.c,
# switch_rtp.c). Its other marks are left out on purpose: '+' (groups), '@'
# (a tone length), a leading '~' (flags), lower-case a-d and F (flash).
DTMF_PATTERN = re.compile(rf"[0-9*#A-DwW]{{1,{MAX_DTMF_CHARS}}}")
# A TTS module and one of its voices, as `speak` takes them (engine|voice|text).
TTS_WORD_PATTERN = re.compile(r"[A-Za-z0-9_.-]{1,64}")


class BroadcastLeg(StrEnum):
    """Who hears a `uuid_broadcast` (its third argument)."""

    ALEG = "aleg"
    BLEG = "bleg"
    BOTH = "both"


class RecordAction(StrEnum):
    START = "start"
    STOP = "stop"


def check_uuid(uuid: object, field: str = "uuid") -> str:
    """A FreeSWITCH channel UUID (8-4-4-4-12 hex digits, either case)."""
    return check_pattern(field, uuid, UUID_PATTERN, "a UUID (8-4-4-4-12 hex digits)")


def uuid_kill(uuid: str, cause: HangupCause | None = None) -> str:
    """`uuid_kill <uuid> [CAUSE]` (FreeSWITCH uses NORMAL_CLEARING without one)."""
    return _join("uuid_kill", check_uuid(uuid), *_cause(cause))


def uuid_answer(uuid: str) -> str:
    return _join("uuid_answer", check_uuid(uuid))


def uuid_pre_answer(uuid: str) -> str:
    return _join("uuid_pre_answer", check_uuid(uuid))


def uuid_ring_ready(uuid: str) -> str:
    return _join("uuid_ring_ready", check_uuid(uuid))


def uuid_bridge(uuid_a: str, uuid_b: str) -> str:
    """`uuid_bridge A B`. A must be answered or pre-answered (trace s10)."""
    a = check_uuid(uuid_a, "uuid A")
    b = check_uuid(uuid_b, "uuid B")
    if a.lower() == b.lower():
        raise UnsafeValue("uuid B", "a leg cannot be bridged to itself")
    return _join("uuid_bridge", a, b)


def uuid_broadcast(
    uuid: str,
    application: str,
    argument: str | None = None,
    leg: BroadcastLeg = BroadcastLeg.ALEG,
) -> str:
    """`uuid_broadcast <uuid> <app>::<argument> <leg>`.

    A bare file path is `application="playback", argument=path`. The argument is
    expanded by FreeSWITCH when the application runs, so it must be plain text
    (no '$', braces, brackets, '|', '^', backslash, control characters); quotes
    and inner spaces are escaped. The application name is a plain word, which
    also keeps out the `app!CAUSE` form.
    """
    name = check_pattern(
        "application", application, APPLICATION_PATTERN, "a lower-case application name"
    )
    target = name + "::"
    if argument is not None:
        target += encode_argument(
            check_text("application argument", argument, max_chars=MAX_ARGUMENT_CHARS)
        )
    return _join("uuid_broadcast", check_uuid(uuid), target, BroadcastLeg(leg).value)


def uuid_speak(uuid: str, engine: str, voice: str, text: str) -> str:
    """`uuid_broadcast <uuid> speak::<engine>|<voice>|<text> aleg`.

    mod_dptools' `speak` splits its argument on '|' into at most three parts
    (engine, voice, text), so the engine and the voice are plain words and the
    text may not hold '|'; the text is otherwise checked and encoded as any
    broadcast argument (see `uuid_broadcast`), except that a bare '$' is
    allowed ("Your balance is $5"): with braces refused it can start no
    expansion (see `check_text`).
    """
    name = check_pattern("TTS engine", engine, TTS_WORD_PATTERN, "a TTS module name")
    speaker = check_pattern("TTS voice", voice, TTS_WORD_PATTERN, "a TTS voice name")
    if isinstance(text, str) and "|" in text:
        raise UnsafeValue(
            "text", "'|' is not allowed: FreeSWITCH's speak reads it as engine|voice|text"
        )
    spoken = check_text("text", text, max_chars=MAX_ARGUMENT_CHARS, allow_dollar=True)
    target = f"speak::{name}|{speaker}|{encode_argument(spoken)}"
    return _join("uuid_broadcast", check_uuid(uuid), target, BroadcastLeg.ALEG.value)


def uuid_send_dtmf(uuid: str, digits: str) -> str:
    """`uuid_send_dtmf <uuid> <digits>`: RFC 2833 digits to the channel's far end.

    1..99 of 0-9 * # A-D, with 'w' (a 0.5 s pause, as Twilio's) and 'W' (1 s).
    FreeSWITCH pre-answers an unanswered channel to send them.
    """
    checked = check_pattern(
        "digits", digits, DTMF_PATTERN, f"1..{MAX_DTMF_CHARS} of 0-9 * # A-D w W"
    )
    return _join("uuid_send_dtmf", check_uuid(uuid), checked)


def uuid_break(uuid: str) -> str:
    """`uuid_break <uuid> all`: stop what is playing and drop what is queued.

    The engine sends it when a `<Say>` or `<Play>` is interrupted (a REST
    redirect or end request), so the next document is not heard behind it.
    """
    return _join("uuid_break", check_uuid(uuid), "all")


def uuid_record(
    uuid: str, action: RecordAction, path: str, limit_seconds: int | None = None
) -> str:
    """`uuid_record <uuid> start|stop <path> [limit]` (a limit only with start)."""
    action = RecordAction(action)
    checked = check_pattern(
        "recording path", path, RECORDING_PATH_PATTERN, "an absolute path of letters, digits, _ . -"
    )
    if any(part in (".", "..") for part in checked.split("/")):
        raise UnsafeValue("recording path", "'.' and '..' are not allowed as path parts")
    extra: tuple[str, ...] = ()
    if limit_seconds is not None:
        if action is not RecordAction.START:
            raise UnsafeValue("limit", "a limit only goes with start")
        extra = (str(_whole_number("limit", limit_seconds, 1, MAX_SCHEDULE_SECONDS)),)
    return _join("uuid_record", check_uuid(uuid), action.value, checked, *extra)


def sched_hangup(seconds: int, uuid: str, cause: HangupCause | None = None) -> str:
    """`sched_hangup +<seconds> <uuid> [CAUSE]` (FreeSWITCH uses ALLOTTED_TIMEOUT without one).

    Zero is refused: FreeSWITCH would hang up at once rather than schedule.
    """
    delay = _whole_number("seconds", seconds, 1, MAX_SCHEDULE_SECONDS)
    return _join("sched_hangup", f"+{delay}", check_uuid(uuid), *_cause(cause))


def uuid_setvar(uuid: str, name: str, value: str | None = None) -> str:
    """`uuid_setvar <uuid> <name> [value]`; without a value FreeSWITCH unsets it."""
    variable = _variable_name(name)
    extra: tuple[str, ...] = ()
    if value is not None:
        extra = (encode_argument(check_text(name, value, max_chars=MAX_ARGUMENT_CHARS)),)
    return _join("uuid_setvar", check_uuid(uuid), variable, *extra)


def uuid_exists(uuid: str) -> str:
    """Whether the switch has the channel now: mod_commands answers `true` or
    `false` from its in-memory session table (unlike `show channels`, which
    reads the core database, written from a queue and lagging behind)."""
    return _join("uuid_exists", check_uuid(uuid))


def uuid_getvar(uuid: str, name: str) -> str:
    return _join("uuid_getvar", check_uuid(uuid), _variable_name(name))


def _variable_name(name: object) -> str:
    return check_pattern(
        "variable name", name, VARIABLE_NAME_PATTERN, "letters, digits, '_', '-', '.'"
    )


def _cause(cause: HangupCause | None) -> tuple[str, ...]:
    if cause is None:
        return ()
    try:
        return (HangupCause(cause).value,)
    except ValueError:
        raise UnsafeValue("cause", f"{str(cause)[:40]!r} is not a known hangup cause") from None


def _whole_number(field: str, value: int, low: int, high: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise UnsafeValue(field, f"{value!r} is not a whole number {low}..{high}")
    return value


def _join(*parts: str) -> str:
    return " ".join(parts)
