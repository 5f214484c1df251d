"""The Compatibility ("LaML") REST API: Calls and Recordings, as a Flask app.

    create_app(settings, calls, recordings, control) -> Flask

Routes, each under both `/api/laml/2010-04-01` and `/2010-04-01` (the path
the official SDKs call), all behind HTTP Basic auth (bridge.api.auth):

    POST   /Accounts/{AccountSid}/Calls.json                    create (201)
    GET    /Accounts/{AccountSid}/Calls.json                    list, filters, paging
    GET    /Accounts/{AccountSid}/Calls/{Sid}.json              fetch
    POST   /Accounts/{AccountSid}/Calls/{Sid}.json              redirect or end
    DELETE /Accounts/{AccountSid}/Calls/{Sid}.json              delete a finished call (204)
    GET    /Accounts/{AccountSid}/Calls/{Sid}/Recordings.json   a call's recordings
    GET    /Accounts/{AccountSid}/Recordings/{Sid}.json         one recording
    DELETE /Accounts/{AccountSid}/Recordings/{Sid}.json         delete a finished one (204)
    GET    /Accounts/{AccountSid}/Recordings/{Sid}.wav          its media (also without .wav)

plus `GET /health` (no auth). Errors are JSON `{code, message, more_info,
status}` (codes: bridge.api.errors), never a stack trace.

Modules: `form` (strict parameters), `call_requests` and `call_query` (pure
validation into engine requests and store queries), `representations` (pure
JSON shapes), `auth`, `context`, and the views `calls` and `recordings`.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Flask, Response, request
from werkzeug.exceptions import HTTPException

from bridge.api import errors as codes
from bridge.api.auth import REALM, require_credentials, require_own_account
from bridge.api.calls import calls as calls_blueprint
from bridge.api.context import EXTENSION, PREFIXES, ApiContext, json_response
from bridge.api.errors import ApiError, error_body
from bridge.api.recordings import recordings as recordings_blueprint
from bridge.config import Settings
from bridge.engine.control import CallControl
from bridge.store.calls import CallStore
from bridge.store.recordings import RecordingStore

log = logging.getLogger(__name__)

# A request body past this is refused (413) before it is read: the largest
# legitimate one is a 64 KiB Twiml document, percent-encoded.
MAX_BODY_BYTES = 512 * 1024

__all__ = ["ApiContext", "create_app"]


def create_app(
    settings: Settings,
    calls: CallStore,
    recordings: RecordingStore,
    control: CallControl,
) -> Flask:
    """The REST API as a WSGI app (`cxml-bridge serve` mounts it).

    Keep this signature: the serve command builds the stores and the engine's
    `CallControl`, then calls `create_app(settings, calls, recordings,
    control)`. The app holds no other state, so several may share the stores.
    """
    app = Flask(__name__, static_folder=None)
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.extensions[EXTENSION] = ApiContext(
        settings=settings, calls=calls, recordings=recordings, control=control
    )
    app.before_request(require_credentials)

    api = Blueprint("api", __name__)
    api.before_request(require_own_account)
    api.register_blueprint(calls_blueprint)
    api.register_blueprint(recordings_blueprint)
    for name, prefix in PREFIXES.items():
        app.register_blueprint(api, url_prefix=prefix, name=name)

    app.add_url_rule("/health", "health", _health, methods=["GET"])
    app.register_error_handler(ApiError, _api_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _internal_error)
    return app


def _health() -> Response:
    return json_response({"status": "ok"})


def _api_error(error: ApiError) -> Response:
    response = json_response(error.body(), error.status)
    if error.status == 401:
        response.headers["WWW-Authenticate"] = f'Basic realm="{REALM}"'
    return response


def _http_error(error: HTTPException) -> Response:
    status = error.code or 500
    if status == 404:
        body = error_body(
            404, codes.NOT_FOUND, f"The requested resource {request.path} was not found"
        )
    elif status == 405:
        allowed = ", ".join(sorted(error.valid_methods or ()))  # type: ignore[attr-defined]
        body = error_body(
            405,
            codes.METHOD_NOT_ALLOWED,
            f"Method {request.method} is not allowed on {request.path} (allowed: {allowed})",
        )
    elif status == 413:
        body = error_body(
            413, codes.CALLS_PARAMETER, f"The request body is over {MAX_BODY_BYTES} bytes"
        )
    else:
        body = error_body(status, 20000 + status, error.description or error.name)
    response = json_response(body, status)
    if status == 405:
        response.headers["Allow"] = ", ".join(error.valid_methods or ())  # type: ignore[attr-defined]
    return response


def _internal_error(error: Exception) -> Response:
    log.exception("REST API: %s %s failed", request.method, request.path)
    body = error_body(500, codes.INTERNAL_ERROR, "Internal error; the bridge's log has the details")
    return json_response(body, 500)
