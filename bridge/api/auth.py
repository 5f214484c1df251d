"""HTTP Basic authentication: the account sid (project id) and API token.

Every route under the API prefixes asks for them, unknown routes included
(an unauthenticated client learns nothing about what exists). Both halves
are compared in constant time, and both are always compared, also when the
user is already wrong: each side is hashed first, so that neither the length
nor the first differing byte of the secret shows in the response time.
"""

from __future__ import annotations

import hashlib
import hmac

from flask import request
from werkzeug.datastructures import Authorization

from bridge.api import errors as codes
from bridge.api.context import LAML_PREFIX, SDK_PREFIX, api_context
from bridge.api.errors import ApiError, not_found
from bridge.config import Settings

REALM = "cxml-bridge"
_PROTECTED = (LAML_PREFIX + "/", SDK_PREFIX + "/")


class Unauthenticated(ApiError):
    def __init__(self) -> None:
        super().__init__(
            401,
            codes.AUTHENTICATE,
            "Authenticate: use HTTP Basic with the account sid and API token",
        )


def credentials_match(settings: Settings, authorization: Authorization | None) -> bool:
    user = password = ""
    if authorization is not None and authorization.type == "basic":
        user = authorization.username or ""
        password = authorization.password or ""
    user_ok = hmac.compare_digest(_digest(user), _digest(settings.account_sid))
    password_ok = hmac.compare_digest(_digest(password), _digest(settings.api_token))
    return user_ok & password_ok


def _digest(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()


def require_credentials() -> None:
    """`before_request` of the app: refuse API paths without good credentials."""
    if not request.path.startswith(_PROTECTED):
        return
    if not credentials_match(api_context().settings, request.authorization):
        raise Unauthenticated()


def require_own_account() -> None:
    """`before_request` of the API blueprints: the path's account is ours."""
    account_sid = (request.view_args or {}).get("account_sid")
    if account_sid is not None and account_sid != api_context().settings.account_sid:
        # 404, not 403: whether another account exists here is not the
        # client's business.
        raise not_found(f"The requested resource {request.path} was not found")
