"""Whatever a client sends, the pure validators either return a request made
of checked values or refuse it with an API error naming a parameter; nothing
else escapes (no 500s from odd input)."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from bridge.api.call_query import LIST_PARAMETERS, read_call_query
from bridge.api.call_requests import (
    CREATE_PARAMETERS,
    UPDATE_PARAMETERS,
    read_call_update,
    read_place_call,
)
from bridge.api.errors import ApiError
from bridge.cxml.dial import SIP_CALLER_ID
from bridge.sip import format_sip_uri, parse_sip_uri

ACCOUNT = "AC" + "1" * 32
GATEWAY = parse_sip_uri("sip:carrier.example.net;transport=udp")
SEEDS = [
    "sip:alice@example.com",
    "sips:bob@[2001:db8::1]:5061?X-A=1",
    "+15550100",
    "15550100",
    "https://app.example.com/x",
    "http://a.b:0/",
    "GET",
    "post",
    "true",
    "False",
    "completed",
    "canceled",
    "initiated ringing",
    "answered,completed",
    "60",
    "600",
    "2024-03-01",
    "2024-03-01T12:00:00Z",
    "Fri, 01 Mar 2024 12:00:00 +0000",
    "<Response/>",
    "<Response><Say>hi</Say></Response>",
    "1w2#",
    "mono",
    "dual",
    "trim-silence",
    "inbound",
    "in-progress completed",
    "CA" + "a" * 32,
    "",
    " ",
    "\x00",
    "é",
]
CREATE_BASE = {
    "To": ["sip:alice@example.com"],
    "From": ["+15550100"],
    "Url": ["https://app.example.com/answer"],
}
values = st.one_of(st.sampled_from(SEEDS), st.text(max_size=30))


def forms(
    names: frozenset[str], base: dict[str, list[str]] | None = None
) -> st.SearchStrategy[dict[str, list[str]]]:
    """A valid `base` with some parameters replaced or added (mostly known
    names, now and then an unknown one), so that most examples get past the
    first checks and reach the later ones."""
    name = st.sampled_from([*sorted(names), "Bogus", "to"])
    changes = st.dictionaries(name, st.lists(values, min_size=1, max_size=2), max_size=5)
    return changes.map(lambda changed: {**(base or {}), **changed})


def _names_a_parameter(error: ApiError, names: frozenset[str]) -> bool:
    if error.message.startswith(("Unsupported parameter", "Nothing to do")):
        return True
    return any(re.search(rf"\b{re.escape(name)}\b", error.message) for name in names)


@settings(max_examples=400, deadline=None)
@given(form=forms(CREATE_PARAMETERS, CREATE_BASE), with_gateway=st.booleans())
def test_create_is_a_checked_request_or_a_named_refusal(
    form: dict[str, list[str]], with_gateway: bool
) -> None:
    try:
        placed = read_place_call(
            form, account_sid=ACCOUNT, number_gateway=GATEWAY if with_gateway else None
        )
    except ApiError as error:
        assert error.status == 400
        assert _names_a_parameter(error, CREATE_PARAMETERS), error.message
        return
    assert SIP_CALLER_ID.match(placed.from_)
    format_sip_uri(placed.to, with_headers=True)  # rebuilds only what it could read back
    assert 5 <= placed.timeout <= 600
    assert placed.send_digits is None or re.fullmatch(r"[0-9*#wW]{1,32}", placed.send_digits)


@settings(max_examples=300, deadline=None)
@given(form=forms(UPDATE_PARAMETERS))
def test_update_is_a_checked_request_or_a_named_refusal(form: dict[str, list[str]]) -> None:
    try:
        update = read_call_update(form)
    except ApiError as error:
        assert error.status == 400
        assert _names_a_parameter(error, UPDATE_PARAMETERS), error.message
        return
    assert (update.document is None) != (update.end_status is None)


@settings(max_examples=300, deadline=None)
@given(form=forms(LIST_PARAMETERS))
def test_list_query_is_checked_or_a_named_refusal(form: dict[str, list[str]]) -> None:
    try:
        query = read_call_query(form)
    except ApiError as error:
        assert error.status == 400
        assert _names_a_parameter(error, LIST_PARAMETERS), error.message
        return
    assert 1 <= query.page_size <= 1000 and query.page >= 0
