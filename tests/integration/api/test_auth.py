"""Every route refuses missing and wrong credentials, and another account's
sid in the path is not found, on both prefixes."""

from __future__ import annotations

import base64

import pytest

from tests.integration.api.conftest import Api
from tests.integration.api.support import ACCOUNT, OTHER_ACCOUNT, TOKEN, basic_auth

PREFIXES = ["/2010-04-01", "/api/laml/2010-04-01"]
CALL = "CA" + "a" * 32
RECORDING = "RE" + "b" * 32
ROUTES = [
    ("POST", "/Accounts/{account}/Calls.json"),
    ("GET", "/Accounts/{account}/Calls.json"),
    ("GET", "/Accounts/{account}/Calls/{call}.json"),
    ("POST", "/Accounts/{account}/Calls/{call}.json"),
    ("DELETE", "/Accounts/{account}/Calls/{call}.json"),
    ("GET", "/Accounts/{account}/Calls/{call}/Recordings.json"),
    ("GET", "/Accounts/{account}/Recordings/{recording}.json"),
    ("DELETE", "/Accounts/{account}/Recordings/{recording}.json"),
    ("GET", "/Accounts/{account}/Recordings/{recording}.wav"),
    ("GET", "/Accounts/{account}/Recordings/{recording}"),
    # Unknown routes under the prefix ask for credentials too.
    ("GET", "/Accounts/{account}/Conferences.json"),
    ("GET", "/Accounts/{account}.json"),
]


def _raw(value: str) -> dict[str, str]:
    return {"Authorization": value}


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


BAD_CREDENTIALS = {
    "none": {},
    "wrong token": basic_auth(ACCOUNT, TOKEN + "x"),
    "token prefix": basic_auth(ACCOUNT, TOKEN[:-1]),
    "wrong user": basic_auth(OTHER_ACCOUNT, TOKEN),
    "empty user and token": basic_auth("", ""),
    "user only": _raw("Basic " + _b64(ACCOUNT)),
    "not base64": _raw("Basic !!!not-base64!!!"),
    "bearer": _raw(f"Bearer {TOKEN}"),
    "token as user": basic_auth(TOKEN, ACCOUNT),
}


def _path(prefix: str, template: str, account: str = ACCOUNT) -> str:
    return prefix + template.format(account=account, call=CALL, recording=RECORDING)


@pytest.mark.parametrize("prefix", PREFIXES)
@pytest.mark.parametrize(("method", "template"), ROUTES)
def test_every_route_refuses_bad_credentials(
    shared_api: Api, prefix: str, method: str, template: str
) -> None:
    for name, headers in BAD_CREDENTIALS.items():
        response = shared_api.client.open(_path(prefix, template), method=method, headers=headers)

        assert response.status_code == 401, name
        assert response.headers["WWW-Authenticate"] == 'Basic realm="cxml-bridge"', name
        assert response.get_json() == {
            "code": 20003,
            "message": "Authenticate: use HTTP Basic with the account sid and API token",
            "more_info": "https://www.twilio.com/docs/errors/20003",
            "status": 401,
        }, name
    assert shared_api.control.placed == [] and shared_api.control.ended == []


@pytest.mark.parametrize("prefix", PREFIXES)
@pytest.mark.parametrize(("method", "template"), ROUTES)
def test_another_accounts_sid_in_the_path_is_not_found(
    shared_api: Api, prefix: str, method: str, template: str
) -> None:
    path = _path(prefix, template, account=OTHER_ACCOUNT)

    response = shared_api.client.open(
        path, method=method, headers=basic_auth(), data={"To": "sip:a@example.com"}
    )

    assert response.status_code == 404
    body = response.get_json()
    assert body["code"] == 20404 and body["status"] == 404
    assert path in body["message"]
    assert shared_api.control.placed == []


def test_good_credentials_are_let_in(sqlite_api: Api) -> None:
    response = sqlite_api.client.get(
        f"/2010-04-01/Accounts/{ACCOUNT}/Calls.json", headers=basic_auth()
    )

    assert response.status_code == 200


def test_health_needs_no_credentials(sqlite_api: Api) -> None:
    response = sqlite_api.client.get("/health")

    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_paths_outside_the_api_are_json_404s_without_credentials(sqlite_api: Api) -> None:
    response = sqlite_api.client.get("/static/app.js")

    assert response.status_code == 404
    assert response.get_json()["code"] == 20404
