"""Page tokens for call listings (keyset paging). Pure: no I/O.

A listing is ordered newest first by (date_created desc, sid desc). A token
names the row a page starts after (`PA`, the next page) or before (`PB`, the
previous page), plus the number of the page it leads to, so that paging stays
stable while new calls arrive at the top. Tokens carry nothing secret (the
client saw that call already); they are only checked for shape.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from bridge.store.errors import InvalidPageToken

PAGE_SIZE_DEFAULT = 50
PAGE_SIZE_MAX = 1000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MAX_TOKEN_CHARS = 200
_PAYLOAD = re.compile(r"(?P<page>[0-9]{1,9})\|(?P<micros>-?[0-9]{1,20})\|(?P<sid>CA[0-9a-f]{32})")


class PageDirection(StrEnum):
    NEXT = "PA"
    PREVIOUS = "PB"


@dataclass(frozen=True)
class PageCursor:
    direction: PageDirection
    date_created: datetime
    sid: str
    page: int


def encode_page_token(cursor: PageCursor) -> str:
    micros = (cursor.date_created - _EPOCH) // timedelta(microseconds=1)
    payload = f"{cursor.page}|{micros}|{cursor.sid}".encode("ascii")
    return cursor.direction.value + base64.urlsafe_b64encode(payload).decode("ascii").rstrip("=")


def decode_page_token(token: str) -> PageCursor:
    if len(token) > _MAX_TOKEN_CHARS or token[:2] not in ("PA", "PB"):
        raise InvalidPageToken(token)
    body = token[2:]
    try:
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError) as error:
        raise InvalidPageToken(token) from error
    match = _PAYLOAD.fullmatch(raw)
    if match is None:
        raise InvalidPageToken(token)
    try:
        when = _EPOCH + timedelta(microseconds=int(match["micros"]))
    except OverflowError as error:
        raise InvalidPageToken(token) from error
    return PageCursor(PageDirection(token[:2]), when, match["sid"], int(match["page"]))


def check_page_size(page_size: int) -> int:
    if not 1 <= page_size <= PAGE_SIZE_MAX:
        raise ValueError(f"page_size {page_size} is out of range 1..{PAGE_SIZE_MAX}")
    return page_size
