"""Resource identifiers: CallSid (`CA` + 32 hex) and RecordingSid (`RE` + 32 hex).

Pure: no I/O. The engine makes a CallSid before it originates a leg (the sid
travels in the INVITE as `X-SignalWire-CallSid`), the store checks the shape
of every sid it is given, and the REST API checks sids taken from a path.
Sids come from `secrets` because they are also what a REST client uses to
address a call: they must not be guessable from one another.
"""

from __future__ import annotations

import re
import secrets

CALL_SID_PREFIX = "CA"
RECORDING_SID_PREFIX = "RE"

# Lowercase only: the sids we mint are lowercase, and accepting `CA...ABC`
# would give one call two spellings in URLs and in the database.
_CALL_SID = re.compile(r"CA[0-9a-f]{32}")
_RECORDING_SID = re.compile(r"RE[0-9a-f]{32}")


def new_call_sid() -> str:
    return CALL_SID_PREFIX + secrets.token_hex(16)


def new_recording_sid() -> str:
    return RECORDING_SID_PREFIX + secrets.token_hex(16)


def is_call_sid(value: str) -> bool:
    return _CALL_SID.fullmatch(value) is not None


def is_recording_sid(value: str) -> bool:
    return _RECORDING_SID.fullmatch(value) is not None
