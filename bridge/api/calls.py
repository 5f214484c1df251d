"""The Calls resource: create, list, fetch, update (redirect or end), delete.

Views validate everything first (bridge.api.call_requests, call_query), then
ask the engine through `CallControl` or read the store. They never touch the
Event Socket. A call of another account is reported as not found.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Blueprint, Response, request

from bridge.api import errors as codes
from bridge.api.call_query import read_call_query
from bridge.api.call_requests import CallUpdate, read_call_update, read_place_call
from bridge.api.context import (
    api_context,
    form_values,
    json_response,
    no_parameters,
    paths,
    query_values,
)
from bridge.api.errors import ApiError, bad_parameter, not_found
from bridge.api.representations import PageLinks, call_resource, list_envelope, page_uri
from bridge.engine.control import (
    CallNotFound,
    CallNotLive,
    CallStateConflict,
    InvalidRequest,
    SwitchUnavailable,
)
from bridge.ids import is_call_sid
from bridge.store.errors import CallNotFinished, InvalidPageToken
from bridge.store.errors import CallNotFound as StoredCallNotFound
from bridge.store.records import CallRecord, CallStatus

calls = Blueprint("calls", __name__)

CALLS = "/Accounts/<account_sid>/Calls.json"
CALL = "/Accounts/<account_sid>/Calls/<call_sid>.json"

T = TypeVar("T")


@calls.post(CALLS)
def create_call(account_sid: str) -> Response:
    context = api_context()
    place = read_place_call(
        form_values(),
        account_sid=account_sid,
        number_gateway=context.settings.outbound_number_gateway,
    )
    record = _control(place.to_text, lambda: context.control.place_call(place))
    return json_response(call_resource(record, paths()), 201)


@calls.get(CALLS)
def list_calls(account_sid: str) -> Response:
    query = read_call_query(query_values())
    try:
        page = api_context().calls.list_calls(
            account_sid,
            **query.store_filters,
            page=query.page,
            page_size=query.page_size,
            page_token=query.page_token,
        )
    except InvalidPageToken as error:
        raise bad_parameter(codes.CALLS_PARAMETER, str(error)) from None
    here = paths()
    path = here.calls(account_sid)
    links = PageLinks(
        uri=page_uri(path, query.filters, page.page, page.page_size, query.page_token),
        first_page_uri=page_uri(path, query.filters, 0, page.page_size),
        next_page_uri=_link(
            path, query.filters, page.page + 1, page.page_size, page.next_page_token
        ),
        previous_page_uri=_link(
            path, query.filters, page.page - 1, page.page_size, page.previous_page_token
        ),
    )
    items = [call_resource(record, here) for record in page.items]
    return json_response(list_envelope("calls", items, page.page, page.page_size, links))


@calls.get(CALL)
def fetch_call(account_sid: str, call_sid: str) -> Response:
    no_parameters()
    return json_response(call_resource(own_call(account_sid, call_sid), paths()))


@calls.post(CALL)
def update_call(account_sid: str, call_sid: str) -> Response:
    record = own_call(account_sid, call_sid)
    update = read_call_update(form_values())
    _check_state(record, update)
    control = api_context().control
    if update.end_status is not None:
        status = update.end_status
        record = _control(call_sid, lambda: control.end_call(account_sid, call_sid, status))
    else:
        document = update.document
        assert document is not None
        record = _control(call_sid, lambda: control.redirect(account_sid, call_sid, document))
    return json_response(call_resource(record, paths()))


@calls.delete(CALL)
def delete_call(account_sid: str, call_sid: str) -> Response:
    no_parameters()
    record = own_call(account_sid, call_sid)
    try:
        api_context().calls.delete(record.sid)
    except StoredCallNotFound:
        raise _call_not_found(call_sid) from None
    except CallNotFinished as error:
        raise ApiError(
            409,
            codes.NOT_COMPLETE,
            f"Call {call_sid} is {error.status}: only a finished call can be deleted",
        ) from None
    return Response(status=204)


# -- helpers ------------------------------------------------------------------


def own_call(account_sid: str, call_sid: str) -> CallRecord:
    """The call, if it exists and belongs to this account; else 404."""
    record = api_context().calls.find(call_sid) if is_call_sid(call_sid) else None
    if record is None or record.account_sid != account_sid:
        raise _call_not_found(call_sid)
    return record


def _call_not_found(call_sid: str) -> ApiError:
    return not_found(f"The requested resource {request.path} was not found (no call {call_sid})")


def _check_state(record: CallRecord, update: CallUpdate) -> None:
    """Refuse what the stored status already rules out; the engine checks again."""
    if record.is_final:
        what = "ended" if update.end_status is not None else "redirected"
        raise ApiError(
            409,
            codes.CALL_STATE,
            f"Call {record.sid} is {record.status.value}: a finished call cannot be {what}",
        )
    if update.end_status == "canceled" and record.status is CallStatus.IN_PROGRESS:
        raise ApiError(
            409,
            codes.CALL_STATE,
            f"Call {record.sid} is in-progress: Status=canceled only ends a call not yet "
            "answered; use Status=completed to hang up",
        )


def _control(subject: str, action: Callable[[], T]) -> T:
    """Run one engine request, turning its errors into API errors."""
    try:
        return action()
    except CallNotFound:
        raise _call_not_found(subject) from None
    except CallNotLive as error:
        raise ApiError(
            409, codes.CALL_STATE, f"Call {subject} has already ended: {error}"
        ) from None
    except CallStateConflict as error:
        raise ApiError(409, codes.CALL_STATE, f"Call {subject}: {error}") from None
    except InvalidRequest as error:
        raise bad_parameter(codes.CALLS_PARAMETER, f"Call to {subject}: {error}") from None
    except SwitchUnavailable as error:
        raise ApiError(
            503,
            codes.SERVICE_UNAVAILABLE,
            f"The switch cannot be reached right now, try again later: {error}",
        ) from None


def _link(
    path: str, filters: tuple[tuple[str, str], ...], page: int, size: int, token: str | None
) -> str | None:
    return None if token is None else page_uri(path, filters, page, size, token)
