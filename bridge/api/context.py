"""What every view needs: the app's collaborators, the request's prefix and
its parameters, read the strict way (bridge.api.form)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import Response, current_app, jsonify, request

from bridge.api import errors as codes
from bridge.api.errors import UNKNOWN_PARAMETER, ApiError
from bridge.api.form import Form
from bridge.api.representations import Paths
from bridge.config import Settings
from bridge.engine.control import CallControl
from bridge.store.calls import CallStore
from bridge.store.recordings import RecordingStore

EXTENSION = "cxml_bridge_api"
LAML_PREFIX = "/api/laml/2010-04-01"
SDK_PREFIX = "/2010-04-01"
# Blueprint registration name -> the path prefix it is mounted under.
PREFIXES: Mapping[str, str] = {"laml": LAML_PREFIX, "v2010": SDK_PREFIX}
FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})


@dataclass(frozen=True)
class ApiContext:
    settings: Settings
    calls: CallStore
    recordings: RecordingStore
    control: CallControl


def api_context() -> ApiContext:
    context: ApiContext = current_app.extensions[EXTENSION]
    return context


def paths() -> Paths:
    """Paths under the prefix this request came in on."""
    top = request.blueprints[-1] if request.blueprints else "v2010"
    return Paths(prefix=request.script_root + PREFIXES.get(top, SDK_PREFIX))


def form_values() -> Mapping[str, list[str]]:
    """The body parameters of a POST; the query string must be empty."""
    _no_query("in the form body")
    if request.content_length and request.mimetype not in FORM_TYPES:
        raise ApiError(
            415,
            codes.CALLS_PARAMETER,
            f"The body is {request.mimetype or 'of no type'}; "
            "send application/x-www-form-urlencoded parameters",
        )
    return request.form.to_dict(flat=False)


def query_values() -> Mapping[str, list[str]]:
    return request.args.to_dict(flat=False)


def no_parameters() -> None:
    """For requests that take none (fetch, delete, media)."""
    _no_query("")
    if request.method != "GET" and request.content_length:
        Form(request.form.to_dict(flat=False), ())


def _no_query(where: str) -> None:
    if request.args:
        names = ", ".join(sorted(request.args))
        hint = f"; send parameters {where}" if where else ""
        raise ApiError(
            400,
            UNKNOWN_PARAMETER,
            f"This request takes no query parameters (got {names}){hint}",
        )


def json_response(body: Mapping[str, Any], status: int = 200) -> Response:
    response = jsonify(body)
    response.status_code = status
    return response
