from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from bridge.store.calls import CallStore
from bridge.store.errors import InvalidPageToken
from bridge.store.records import CallRecord
from tests.unit.store.support import ACCOUNT, T0, ManualClock, new_call

DAY = date(2024, 3, 1)
MIDNIGHT = datetime(2024, 3, 1, tzinfo=UTC)
TICK = timedelta(microseconds=1)


def sids(records: tuple[CallRecord, ...]) -> list[str]:
    return [record.sid for record in records]


def started(calls: CallStore, at: datetime | None) -> str:
    return calls.create_call(new_call(start_time=at)).sid


def test_filters_by_to_from_status_and_parent(calls: CallStore) -> None:
    parent = calls.create_call(new_call(to="+15550001"))
    leg = calls.create_call(
        new_call(
            parent_call_sid=parent.sid,
            direction="outbound-dial",
            from_="+15550001",
            to="sip:bob@example.com",
            status="initiated",
        )
    )
    other = calls.create_call(new_call(to="+15550002", status="busy"))
    stranger = calls.create_call(new_call(account_sid="AC" + "f" * 32, to="+15550001"))

    def listed(**filters: object) -> set[str]:
        return set(sids(calls.list_calls(ACCOUNT, **filters).items))  # type: ignore[arg-type]

    assert listed() == {parent.sid, leg.sid, other.sid}
    assert listed(to="+15550001") == {parent.sid}
    assert listed(to="sip:bob@example.com") == {leg.sid}
    assert listed(from_="+15550001") == {leg.sid}
    assert listed(status="busy") == {other.sid}
    assert listed(status="ringing", to="+15550002") == set()
    assert listed(parent_call_sid=parent.sid) == {leg.sid}
    assert sids(calls.list_calls(stranger.account_sid).items) == [stranger.sid]
    with pytest.raises(ValueError, match="status 'answered'"):
        calls.list_calls(ACCOUNT, status="answered")


@pytest.fixture
def day_of_calls(calls: CallStore) -> dict[str, str]:
    """Calls started around the UTC day 2024-03-01, and one never started."""
    return {
        "day before, last moment": started(calls, MIDNIGHT - TICK),
        "midnight": started(calls, MIDNIGHT),
        "noon": started(calls, MIDNIGHT + timedelta(hours=12)),
        "last moment": started(calls, MIDNIGHT + timedelta(days=1) - TICK),
        "next midnight": started(calls, MIDNIGHT + timedelta(days=1)),
        "not started": started(calls, None),
    }


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        # StartTime=2024-03-01: the whole UTC day.
        ({"start_time_on": DAY}, {"midnight", "noon", "last moment"}),
        # StartTime>=2024-03-01: from that day's midnight on.
        ({"start_time_after": DAY}, {"midnight", "noon", "last moment", "next midnight"}),
        # StartTime<=2024-03-01: up to the end of that day.
        (
            {"start_time_before": DAY},
            {"day before, last moment", "midnight", "noon", "last moment"},
        ),
        # Datetimes (what the SDKs send) are inclusive instants.
        (
            {"start_time_after": MIDNIGHT + timedelta(hours=12)},
            {"noon", "last moment", "next midnight"},
        ),
        (
            {"start_time_before": MIDNIGHT + timedelta(hours=12)},
            {"day before, last moment", "midnight", "noon"},
        ),
        ({"start_time_after": DAY, "start_time_before": MIDNIGHT}, {"midnight"}),
        # A datetime given for a day means its UTC day: 01:00 at +02:00 is Feb 29.
        (
            {"start_time_on": datetime(2024, 3, 1, 1, 0, tzinfo=timezone(timedelta(hours=2)))},
            {"day before, last moment"},
        ),
        ({"start_time_on": date(2024, 3, 3)}, set()),
    ],
)
def test_start_time_filters(
    calls: CallStore,
    day_of_calls: dict[str, str],
    filters: dict[str, object],
    expected: set[str],
) -> None:
    names = {sid: name for name, sid in day_of_calls.items()}
    page = calls.list_calls(ACCOUNT, **filters)  # type: ignore[arg-type]
    assert {names[sid] for sid in sids(page.items)} == expected


def test_end_time_filters(calls: CallStore) -> None:
    ended_on_day = calls.create_call(new_call())
    calls.update_status(ended_on_day.sid, "completed", at=MIDNIGHT + timedelta(hours=1))
    ended_later = calls.create_call(new_call())
    calls.update_status(ended_later.sid, "completed", at=MIDNIGHT + timedelta(days=1))
    calls.create_call(new_call())  # still ringing: no end time
    assert sids(calls.list_calls(ACCOUNT, end_time_on=DAY).items) == [ended_on_day.sid]
    assert sids(calls.list_calls(ACCOUNT, end_time_after=date(2024, 3, 2)).items) == [
        ended_later.sid
    ]
    assert set(sids(calls.list_calls(ACCOUNT, end_time_before=date(2024, 3, 2)).items)) == {
        ended_on_day.sid,
        ended_later.sid,
    }


def test_a_naive_time_filter_is_refused_by_name(calls: CallStore) -> None:
    with pytest.raises(ValueError, match="end_time_after"):
        calls.list_calls(ACCOUNT, end_time_after=datetime(2024, 3, 1, 12))


@pytest.fixture
def seven_calls(calls: CallStore, clock: ManualClock) -> list[str]:
    """Seven calls, newest first; some created in the same microsecond."""
    for step in (0, 0, 1, 1, 1, 2, 3):
        clock.now = T0 + timedelta(seconds=step)
        calls.create_call(new_call())
    listing = calls.list_calls(ACCOUNT, page_size=1000).items
    ordered = sorted(listing, key=lambda c: (c.date_created, c.sid), reverse=True)
    assert sids(listing) == sids(tuple(ordered))
    return sids(listing)


def test_pages_follow_next_tokens_to_the_end(calls: CallStore, seven_calls: list[str]) -> None:
    first = calls.list_calls(ACCOUNT, page_size=3)
    assert (first.page, first.page_size, first.previous_page_token) == (0, 3, None)
    assert first.next_page_token is not None
    second = calls.list_calls(ACCOUNT, page_size=3, page_token=first.next_page_token)
    assert second.next_page_token is not None
    third = calls.list_calls(ACCOUNT, page_size=3, page_token=second.next_page_token)
    assert [sids(p.items) for p in (first, second, third)] == [
        seven_calls[0:3],
        seven_calls[3:6],
        seven_calls[6:7],
    ]
    assert (second.page, third.page) == (1, 2)
    assert third.next_page_token is None
    # Page numbers alone give the same pages.
    assert calls.list_calls(ACCOUNT, page_size=3, page=1).items == second.items
    assert calls.list_calls(ACCOUNT, page_size=3, page=2).items == third.items
    assert calls.list_calls(ACCOUNT, page_size=3, page=3).items == ()


def test_previous_tokens_lead_back(calls: CallStore, seven_calls: list[str]) -> None:
    first = calls.list_calls(ACCOUNT, page_size=3)
    second = calls.list_calls(ACCOUNT, page_size=3, page_token=first.next_page_token)
    third = calls.list_calls(ACCOUNT, page_size=3, page_token=second.next_page_token)
    assert third.previous_page_token is not None
    back_to_second = calls.list_calls(ACCOUNT, page_size=3, page_token=third.previous_page_token)
    assert (back_to_second.items, back_to_second.page) == (second.items, 1)
    assert back_to_second.previous_page_token is not None
    back_to_first = calls.list_calls(
        ACCOUNT, page_size=3, page_token=back_to_second.previous_page_token
    )
    assert (back_to_first.items, back_to_first.page) == (first.items, 0)
    assert back_to_first.previous_page_token is None
    assert back_to_first.next_page_token is not None


def test_token_paging_is_stable_while_new_calls_arrive(
    calls: CallStore, clock: ManualClock, seven_calls: list[str]
) -> None:
    first = calls.list_calls(ACCOUNT, page_size=3)
    clock.now = T0 + timedelta(minutes=5)
    calls.create_call(new_call())
    second = calls.list_calls(ACCOUNT, page_size=3, page_token=first.next_page_token)
    assert sids(second.items) == seven_calls[3:6]


def test_filters_apply_on_every_page(calls: CallStore, clock: ManualClock) -> None:
    wanted = []
    for n in range(6):
        clock.advance(1)
        call = calls.create_call(new_call(to="+1555000" + str(n % 2)))
        if n % 2:
            wanted.append(call.sid)
    first = calls.list_calls(ACCOUNT, to="+15550001", page_size=2)
    second = calls.list_calls(
        ACCOUNT, to="+15550001", page_size=2, page_token=first.next_page_token
    )
    assert sids(first.items) + sids(second.items) == wanted[::-1]
    assert second.next_page_token is None


def test_an_empty_listing(calls: CallStore) -> None:
    page = calls.list_calls(ACCOUNT)
    assert (page.items, page.next_page_token, page.previous_page_token) == ((), None, None)
    assert page.page_size == 50


@pytest.mark.parametrize("token", ["", "PA", "PAnot-base64!", "XX" + "a" * 20, "PB" + "A" * 300])
def test_a_page_token_we_did_not_make_is_refused(calls: CallStore, token: str) -> None:
    with pytest.raises(InvalidPageToken, match="PageToken"):
        calls.list_calls(ACCOUNT, page_token=token)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [({"page_size": 0}, "page_size 0"), ({"page_size": 1001}, "1..1000"), ({"page": -1}, "page")],
)
def test_page_bounds(calls: CallStore, arguments: dict[str, int], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        calls.list_calls(ACCOUNT, **arguments)  # type: ignore[arg-type]
