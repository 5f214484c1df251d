from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bridge.store.errors import InvalidPageToken
from bridge.store.paging import (
    PageCursor,
    PageDirection,
    check_page_size,
    decode_page_token,
    encode_page_token,
)

cursors = st.builds(
    PageCursor,
    direction=st.sampled_from(PageDirection),
    date_created=st.datetimes(
        min_value=datetime(1971, 1, 1), max_value=datetime(9000, 1, 1), timezones=st.just(UTC)
    ),
    sid=st.text("0123456789abcdef", min_size=32, max_size=32).map(lambda h: "CA" + h),
    page=st.integers(min_value=0, max_value=10**6),
)


@settings(max_examples=400, deadline=None)
@given(cursors)
def test_a_token_names_the_cursor_it_was_made_from(cursor: PageCursor) -> None:
    token = encode_page_token(cursor)
    assert token.isascii() and token[:2] in ("PA", "PB")
    assert decode_page_token(token) == cursor


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=120))
def test_any_other_text_is_refused_or_a_well_formed_cursor(token: str) -> None:
    try:
        cursor = decode_page_token(token)
    except InvalidPageToken:
        return
    assert cursor.sid.startswith("CA") and cursor.page >= 0


def test_page_size_bounds() -> None:
    assert check_page_size(1) == 1
    assert check_page_size(1000) == 1000
    for wrong in (0, -5, 1001):
        with pytest.raises(ValueError, match=f"page_size {wrong}"):
            check_page_size(wrong)
