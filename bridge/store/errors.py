"""Errors raised by the store.

    StoreError
    ├── CallNotFound          (also LookupError)
    ├── RecordingNotFound     (also LookupError)
    ├── DuplicateRecord       a sid or FreeSWITCH uuid already in use
    ├── IllegalTransition     a status change the call's life cannot take
    ├── CallNotFinished       delete of a call that is still live
    ├── RecordingNotFinished  delete of a recording still in progress
    └── InvalidPageToken      (also ValueError) a PageToken we did not make

Bad field values (a malformed sid, a naive datetime, an unknown status) raise
plain ValueError naming the field. Database failures (locked, connection
lost) are SQLAlchemy's own `OperationalError`s and are not wrapped.
"""

from __future__ import annotations


class StoreError(Exception):
    pass


class CallNotFound(StoreError, LookupError):
    def __init__(self, sid: str) -> None:
        super().__init__(f"no call with sid {sid!r}")
        self.sid = sid


class RecordingNotFound(StoreError, LookupError):
    def __init__(self, sid: str) -> None:
        super().__init__(f"no recording with sid {sid!r}")
        self.sid = sid


class DuplicateRecord(StoreError):
    pass


class IllegalTransition(StoreError):
    def __init__(self, sid: str, current: str, requested: str, reason: str = "") -> None:
        because = f" ({reason})" if reason else ""
        super().__init__(f"{sid}: status cannot go from '{current}' to '{requested}'{because}")
        self.sid = sid
        self.current = str(current)
        self.requested = str(requested)
        self.reason = reason


class CallNotFinished(StoreError):
    def __init__(self, sid: str, status: str) -> None:
        super().__init__(f"{sid} is still {status}: only a finished call can be deleted")
        self.sid = sid
        self.status = status


class RecordingNotFinished(StoreError):
    def __init__(self, sid: str) -> None:
        super().__init__(f"{sid} is still in progress: only a finished recording can be deleted")
        self.sid = sid


class InvalidPageToken(StoreError, ValueError):
    def __init__(self, token: str) -> None:
        super().__init__(f"PageToken {token[:80]!r} is not one this server issued")
        self.token = token
