"""Signed requests to a real HTTP server on loopback: timeouts, caps, redirects, errors."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from bridge import __version__
from bridge.cxml.models import HttpMethod
from bridge.webhooks.client import WebhookClient
from bridge.webhooks.errors import (
    BodyTooLarge,
    ConnectFailed,
    HttpStatusError,
    InvalidUrl,
    RedirectError,
    WebhookTimeout,
)
from bridge.webhooks.http import RequestsTransport
from tests.support.customer_app import CustomerApp, Gate, Reply, closed_port_url, signature_ok

KEY = "PSK_client_tests"


@pytest.fixture
def client() -> Iterator[WebhookClient]:
    transport = RequestsTransport(connect_timeout=0.5, read_timeout=0.5, max_body_bytes=1024)
    yield WebhookClient(transport, KEY, max_redirects=3)
    transport.close()


def test_post_carries_form_parameters_signature_and_user_agent(
    client: WebhookClient, customer_app: CustomerApp
) -> None:
    customer_app.reply("/voice", Reply.cxml("<Response/>"))
    params = (
        ("CallSid", "CA1"),
        ("From", "+1 555 ☎"),
        ("SipHeader_X-A", "2"),
        ("SipHeader_X-A", "1"),
    )
    response = client.request(HttpMethod.POST, customer_app.url("/voice?tenant=7"), params)

    assert response.status == 200 and response.body == b"<Response/>"
    (received,) = customer_app.wait_for("/voice")
    assert received.method == "POST"
    assert received.form == params
    assert received.query == (("tenant", "7"),)
    assert received.header("User-Agent") == f"cxml-bridge/{__version__}"
    assert received.header("Content-Type") == "application/x-www-form-urlencoded"
    assert signature_ok(received, KEY)
    assert not signature_ok(received, "another key")


def test_get_carries_parameters_in_the_query_after_the_existing_one(
    client: WebhookClient, customer_app: CustomerApp
) -> None:
    customer_app.reply("/voice", Reply.cxml("<Response/>"))
    client.request(
        HttpMethod.GET, customer_app.url("/voice?tenant=7"), (("To", "sip:bob@é.example"),)
    )

    (received,) = customer_app.wait_for("/voice")
    assert received.method == "GET"
    assert received.query == (("tenant", "7"), ("To", "sip:bob@é.example"))
    assert received.body == b""
    assert signature_ok(received, KEY)


def test_redirects_are_followed_with_the_parameters_and_signed_again(
    client: WebhookClient, customer_app: CustomerApp
) -> None:
    customer_app.reply("/old", Reply.redirect("/new?moved=1", status=301))
    customer_app.reply("/new", Reply.cxml("<Response/>"))
    response = client.request(HttpMethod.POST, customer_app.url("/old"), (("CallSid", "CA1"),))

    assert response.url == customer_app.url("/new?moved=1")
    (received,) = customer_app.wait_for("/new")
    assert received.method == "POST"
    assert received.form == (("CallSid", "CA1"),)
    assert signature_ok(received, KEY)


def test_a_redirect_loop_stops_at_the_limit(
    client: WebhookClient, customer_app: CustomerApp
) -> None:
    customer_app.reply("/loop", Reply.redirect("/loop"))
    with pytest.raises(RedirectError, match="more than 3 redirects") as caught:
        client.request(HttpMethod.GET, customer_app.url("/loop"))
    assert caught.value.error_code == 11215
    assert len(customer_app.requests_to("/loop")) == 4


def test_a_redirect_elsewhere_than_http_is_refused(
    client: WebhookClient, customer_app: CustomerApp
) -> None:
    customer_app.reply("/odd", Reply.redirect("file:///etc/passwd"))
    with pytest.raises(RedirectError, match="redirect to 'file'"):
        client.request(HttpMethod.GET, customer_app.url("/odd"))


def test_http_error_status_names_url_and_status(
    client: WebhookClient, customer_app: CustomerApp
) -> None:
    customer_app.reply("/broken", Reply.empty(503))
    with pytest.raises(HttpStatusError) as caught:
        client.request(HttpMethod.POST, customer_app.url("/broken"))
    assert caught.value.status == 503
    assert str(caught.value) == f"{customer_app.url('/broken')}: HTTP status 503"


def test_connection_refused(client: WebhookClient) -> None:
    url = closed_port_url("/voice")
    with pytest.raises(ConnectFailed, match="connection refused") as caught:
        client.request(HttpMethod.POST, url)
    assert caught.value.url == url
    assert caught.value.error_code == 11205


def test_read_timeout_while_the_server_holds_the_request(
    client: WebhookClient, customer_app: CustomerApp
) -> None:
    gate = Gate()
    customer_app.reply("/slow", Reply.cxml("<Response/>", gate=gate))
    with pytest.raises(
        WebhookTimeout, match=r"read timeout: no complete response within 0.5 s"
    ) as caught:
        client.request(HttpMethod.POST, customer_app.url("/slow"))
    assert caught.value.phase == "read"
    gate.release()


def test_connect_timeout_when_the_server_never_accepts(client: WebhookClient) -> None:
    # A listening socket whose accept queue is full: Linux drops further SYNs,
    # so the connection attempt hangs until our connect timeout.
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        port = listener.getsockname()[1]
        fillers = []
        for _ in range(4):
            filler = socket.socket()
            filler.setblocking(False)
            filler.connect_ex(("127.0.0.1", port))
            fillers.append(filler)
        try:
            with pytest.raises(WebhookTimeout, match="connect timeout") as caught:
                client.request(HttpMethod.GET, f"http://127.0.0.1:{port}/voice")
            assert caught.value.phase == "connect"
        finally:
            for filler in fillers:
                filler.close()


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_body_over_the_cap_is_refused(
    client: WebhookClient, customer_app: CustomerApp, chunked: bool
) -> None:
    customer_app.reply(
        "/big", Reply(body=b"<Response>" + b" " * 2000 + b"</Response>", chunked=chunked)
    )
    with pytest.raises(BodyTooLarge, match="larger than 1024 bytes"):
        client.request(HttpMethod.GET, customer_app.url("/big"))


def test_a_body_at_the_cap_is_read(client: WebhookClient, customer_app: CustomerApp) -> None:
    customer_app.reply("/full", Reply(body=b"x" * 1024, chunked=True))
    assert client.request(HttpMethod.GET, customer_app.url("/full")).body == b"x" * 1024


def test_callbacks_do_not_read_the_body(client: WebhookClient, customer_app: CustomerApp) -> None:
    customer_app.reply("/status", Reply(body=b"x" * 5000))
    response = client.request(HttpMethod.POST, customer_app.url("/status"), read_body=False)
    assert response.status == 200 and response.body == b""


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://example.com/x", "'ftp': only absolute http and https URLs"),
        ("/relative/path", "no scheme"),
        ("http:///no-host", "no host"),
        ("http://127.0.0.1:99999999/", "malformed URL"),
        ("http://127.0.0.1/a\r\nX-Injected: 1", "control character"),
    ],
)
def test_unusable_urls_are_refused_before_any_request(
    client: WebhookClient, url: str, reason: str
) -> None:
    with pytest.raises(InvalidUrl, match=reason):
        client.request(HttpMethod.GET, url)
