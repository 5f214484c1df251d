"""REST API errors: one exception carrying the HTTP status, a Twilio-style
error code and a message that names the parameter (or resource) and why.

Pure: no Flask. `bridge.api.app` turns an `ApiError` (and Flask's own
HTTP errors) into the JSON body clients expect:

    {"code": 21205, "message": "...", "more_info": "https://...", "status": 400}

The codes are Twilio's own (their error dictionary), so that code written
against the hosted APIs can branch on them. Where Twilio has no code for a
case, the nearest general one is used:

    code   HTTP  used for
    20001  400   a parameter this endpoint does not take (Twilio only warns;
                 we refuse, so a misspelt or unsupported option is never
                 silently dropped)
    20003  401   missing or wrong credentials
    20004  405   HTTP method not allowed on this resource
    20009  409   DELETE of a call or recording that has not finished
    20404  404   unknown resource or route, or another account's sid in the path
    20500  500   internal error (logged; never a stack trace in the body)
    20503  503   the switch (FreeSWITCH) cannot be reached right now
    21200  400   any other bad Calls parameter (Status filter, Page, PageSize,
                 PageToken, StartTime/EndTime, Record, SipAuth*, or a value
                 the switch layer refuses); with 415 a body that is not a
                 form, with 413 a body over 512 KiB
    21201  400   To missing
    21205  400   Url/FallbackUrl invalid, or not exactly one of Url and Twiml
    21206  400   SendDigits invalid
    21208  400   Timeout invalid
    21209  400   Method, FallbackMethod or StatusCallbackMethod not GET/POST
    21211  400   To invalid (bad SIP URI or number)
    21212  400   From/CallerId invalid
    21213  400   From missing
    21214  400   To is a number and no number gateway is configured
    21220  409   the call is not in a state for the request (redirect or end
                 a finished call, cancel an answered one)
    21609  400   StatusCallback invalid
    21626  400   StatusCallbackEvent invalid
    12100  400   Twiml is not a document we read (malformed, hostile, too big)
    12200  400   Twiml breaks the cXML rules (every problem, with its line)
"""

from __future__ import annotations

from typing import Any

MORE_INFO = "https://www.twilio.com/docs/errors/{code}"

UNKNOWN_PARAMETER = 20001
AUTHENTICATE = 20003
METHOD_NOT_ALLOWED = 20004
NOT_COMPLETE = 20009
NOT_FOUND = 20404
INTERNAL_ERROR = 20500
SERVICE_UNAVAILABLE = 20503
CALLS_PARAMETER = 21200
TO_MISSING = 21201
URL_INVALID = 21205
SEND_DIGITS_INVALID = 21206
TIMEOUT_INVALID = 21208
METHOD_INVALID = 21209
TO_INVALID = 21211
FROM_INVALID = 21212
FROM_MISSING = 21213
TO_UNREACHABLE = 21214
CALL_STATE = 21220
STATUS_CALLBACK_INVALID = 21609
STATUS_CALLBACK_EVENT_INVALID = 21626
DOCUMENT_REJECTED = 12100
DOCUMENT_INVALID = 12200


class ApiError(Exception):
    """An error response: HTTP `status`, Twilio-style `code`, and `message`."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message

    def body(self) -> dict[str, Any]:
        return error_body(self.status, self.code, self.message)


def error_body(status: int, code: int, message: str) -> dict[str, Any]:
    return {
        "code": code,
        "message": message,
        "more_info": MORE_INFO.format(code=code),
        "status": status,
    }


def bad_parameter(code: int, message: str) -> ApiError:
    return ApiError(400, code, message)


def not_found(message: str) -> ApiError:
    return ApiError(404, NOT_FOUND, message)
