"""Fetching cXML from a real customer app: the document, its fallback, and why not."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bridge.cxml.models import Dial, Hangup, HttpMethod
from bridge.webhooks.client import WebhookClient
from bridge.webhooks.documents import DocumentUnavailable, fetch_document
from bridge.webhooks.http import RequestsTransport
from tests.support.customer_app import CustomerApp, Gate, Reply, closed_port_url, signature_ok

KEY = "PSK_document_tests"
PARAMS = (("CallSid", "CA" + "a" * 32), ("From", "+15551230000"), ("To", "+15557654321"))
DIAL = "<Response><Dial><Sip>sip:alice@example.com</Sip></Dial></Response>"
FALLBACK = "<Response><Hangup/></Response>"


@pytest.fixture
def client() -> Iterator[WebhookClient]:
    transport = RequestsTransport(connect_timeout=0.5, read_timeout=0.3, max_body_bytes=4096)
    yield WebhookClient(transport, KEY)
    transport.close()


def test_the_document_is_parsed_with_its_url(
    client: WebhookClient, customer_app: CustomerApp
) -> None:
    customer_app.reply("/voice", Reply.cxml(DIAL))
    url = customer_app.url("/voice")
    fetched = fetch_document(client, url, HttpMethod.GET, PARAMS)

    assert isinstance(fetched.response.verbs[0], Dial)
    assert fetched.response.source_url == url
    assert (fetched.url, fetched.method, fetched.used_fallback) == (url, HttpMethod.GET, False)
    (received,) = customer_app.wait_for("/voice")
    assert received.query == PARAMS
    assert signature_ok(received, KEY)


@pytest.mark.parametrize("content_type", ["application/xml", "text/xml; charset=utf-8"])
def test_both_xml_content_types_are_accepted(
    client: WebhookClient, customer_app: CustomerApp, content_type: str
) -> None:
    customer_app.reply("/voice", Reply(body=FALLBACK, content_type=content_type))
    fetched = fetch_document(client, customer_app.url("/voice"), HttpMethod.POST, PARAMS)
    assert isinstance(fetched.response.verbs[0], Hangup)


def _fallback_request(customer_app: CustomerApp) -> tuple[str | None, str | None]:
    (received,) = customer_app.wait_for("/fallback")
    assert received.method == "POST"
    assert received.form[: len(PARAMS)] == PARAMS
    assert signature_ok(received, KEY)
    return received.param("ErrorCode"), received.param("ErrorUrl")


def test_unreachable_url_falls_back_with_error_code_and_url(
    client: WebhookClient, customer_app: CustomerApp
) -> None:
    customer_app.reply("/fallback", Reply.cxml(FALLBACK))
    primary = closed_port_url("/voice")
    fetched = fetch_document(
        client, primary, HttpMethod.POST, PARAMS, fallback_url=customer_app.url("/fallback")
    )

    assert isinstance(fetched.response.verbs[0], Hangup)
    assert fetched.used_fallback and fetched.url == customer_app.url("/fallback")
    assert "connection refused" in fetched.failures[0].reason
    assert _fallback_request(customer_app) == ("11205", primary)


def test_http_500_falls_back(client: WebhookClient, customer_app: CustomerApp) -> None:
    customer_app.reply("/voice", Reply.empty(500))
    customer_app.reply("/fallback", Reply.cxml(FALLBACK))
    fetched = fetch_document(
        client,
        customer_app.url("/voice"),
        HttpMethod.GET,
        PARAMS,
        fallback_url=customer_app.url("/fallback"),
    )
    assert fetched.failures[0].reason == "HTTP status 500"
    assert _fallback_request(customer_app) == ("11200", customer_app.url("/voice"))


def test_a_slow_server_times_out_and_falls_back(
    client: WebhookClient, customer_app: CustomerApp
) -> None:
    gate = Gate()
    customer_app.reply("/voice", Reply.cxml(DIAL, gate=gate))
    customer_app.reply("/fallback", Reply.cxml(FALLBACK))
    fetched = fetch_document(
        client,
        customer_app.url("/voice"),
        HttpMethod.POST,
        PARAMS,
        fallback_url=customer_app.url("/fallback"),
    )
    gate.release()
    assert "read timeout" in fetched.failures[0].reason
    assert _fallback_request(customer_app)[0] == "11205"


def test_invalid_cxml_falls_back_and_the_failure_names_the_line(
    client: WebhookClient, customer_app: CustomerApp
) -> None:
    customer_app.reply(
        "/voice", Reply.cxml('<Response>\n<Dial timeout="soon">\n</Dial></Response>')
    )
    customer_app.reply("/fallback", Reply.cxml(FALLBACK))
    fetched = fetch_document(
        client,
        customer_app.url("/voice"),
        HttpMethod.POST,
        PARAMS,
        fallback_url=customer_app.url("/fallback"),
    )
    failure = fetched.failures[0]
    assert "line 2: <Dial timeout>" in failure.reason
    assert failure.problems[0].line == 2
    assert _fallback_request(customer_app)[0] == "12200"


def test_every_failure_is_named_when_the_fallback_fails_too(
    client: WebhookClient, customer_app: CustomerApp
) -> None:
    customer_app.reply("/voice", Reply.cxml("<Response><Dial>"))
    customer_app.reply("/fallback", Reply.empty(404))
    voice, fallback = customer_app.url("/voice"), customer_app.url("/fallback")
    with pytest.raises(DocumentUnavailable) as caught:
        fetch_document(
            client,
            voice,
            HttpMethod.GET,
            PARAMS,
            fallback_url=fallback,
            fallback_method=HttpMethod.GET,
        )
    message = str(caught.value)
    assert message.startswith(f"no cXML document: GET {voice}: invalid cXML: line 1: <document>: ")
    assert message.endswith(f"; GET {fallback}: HTTP status 404 (error 11200)")
    assert [f.error_code for f in caught.value.failures] == [12100, 11200]
    (received,) = customer_app.wait_for("/fallback")
    assert received.method == "GET" and received.param("ErrorCode") == "12100"


def test_without_fallback_the_one_failure_is_named(client: WebhookClient) -> None:
    url = closed_port_url("/voice")
    with pytest.raises(
        DocumentUnavailable, match=rf"POST {url}: connection refused \(error 11205\)$"
    ):
        fetch_document(client, url, HttpMethod.POST, PARAMS)


@pytest.mark.parametrize(
    ("reply", "reason", "code"),
    [
        (Reply(body="x" * 5000), "response body larger than 4096 bytes", 11750),
        (
            Reply(body="<Response/>", content_type="text/html"),
            "'text/html': a cXML document",
            12300,
        ),
        (Reply(body="Hello", content_type="text/plain"), "'text/plain': a cXML document", 12300),
        (Reply(body="<Response/>", content_type=None), "no Content-Type: a cXML document", 12300),
        (Reply.empty(204), "HTTP 204 with an empty body: no cXML document", 12100),
        (Reply(body="  \n"), "HTTP 200 with an empty body: no cXML document", 12100),
    ],
    ids=["oversized", "html", "plain", "no-content-type", "204", "blank"],
)
def test_what_is_not_a_document(
    client: WebhookClient, customer_app: CustomerApp, reply: Reply, reason: str, code: int
) -> None:
    customer_app.reply("/voice", reply)
    with pytest.raises(DocumentUnavailable) as caught:
        fetch_document(client, customer_app.url("/voice"), HttpMethod.POST, PARAMS)
    (failure,) = caught.value.failures
    assert reason in failure.reason
    assert failure.error_code == code


def test_a_dial_on_the_callee_leg_is_refused(
    client: WebhookClient, customer_app: CustomerApp
) -> None:
    customer_app.reply("/whisper", Reply.cxml(DIAL))
    with pytest.raises(DocumentUnavailable, match="not allowed in a document run on the callee"):
        fetch_document(
            client, customer_app.url("/whisper"), HttpMethod.POST, PARAMS, callee_leg=True
        )
