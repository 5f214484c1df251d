"""WebhookClient over a scripted Transport (the seam): signing and redirect rules, no network."""

from __future__ import annotations

from signalwire.request_validator import RequestValidator

from bridge.cxml.models import HttpMethod
from bridge.webhooks.client import WebhookClient
from bridge.webhooks.http import WebhookRequest, WebhookResponse

KEY = "PSK_seam"


class ScriptedTransport:
    """Answers from a list and keeps what it was asked to send."""

    def __init__(self, *responses: WebhookResponse) -> None:
        self.responses = list(responses)
        self.sent: list[WebhookRequest] = []

    def send(self, request: WebhookRequest) -> WebhookResponse:
        self.sent.append(request)
        return self.responses.pop(0)


def _redirect(status: int, location: str) -> WebhookResponse:
    return WebhookResponse("unused", status, (("Location", location),))


def test_every_hop_is_signed_for_its_own_url_and_keeps_method_and_params() -> None:
    transport = ScriptedTransport(
        _redirect(303, "../v2/voice?x=1"),
        _redirect(307, "https://other.example.com/final"),
        WebhookResponse("unused", 200, (("Content-Type", "text/xml"),), b"<Response/>"),
    )
    client = WebhookClient(transport, KEY)
    params = (("CallSid", "CA1"), ("To", "+1555"))
    client.request(HttpMethod.POST, "https://customer.example.com/v1/app/voice", params)

    urls = [request.target_url for request in transport.sent]
    assert urls == [
        "https://customer.example.com/v1/app/voice",
        "https://customer.example.com/v1/v2/voice?x=1",
        "https://other.example.com/final",
    ]
    validator = RequestValidator(KEY)
    for request in transport.sent:
        headers = dict(request.headers)
        assert request.method is HttpMethod.POST and request.params == params
        assert validator.validate(request.target_url, dict(params), headers["X-Twilio-Signature"])
        assert headers["X-SignalWire-Signature"] == headers["X-Twilio-Signature"]
        assert headers["User-Agent"].startswith("cxml-bridge/")


def test_a_get_hop_signs_the_url_with_the_parameters_in_it() -> None:
    transport = ScriptedTransport(WebhookResponse("unused", 204, ()))
    WebhookClient(transport, KEY).request(
        HttpMethod.GET, "http://customer.example.com/s?a=1", (("CallSid", "CA1"),), read_body=False
    )
    (request,) = transport.sent
    assert request.target_url == "http://customer.example.com/s?a=1&CallSid=CA1"
    assert request.read_body is False
    signature = dict(request.headers)["X-Twilio-Signature"]
    assert RequestValidator(KEY).validate(request.target_url, {}, signature)
