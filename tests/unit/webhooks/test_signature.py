"""Our signatures, judged by the signalwire package's RequestValidator (twilio's underneath)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from signalwire.request_validator import RequestValidator

from bridge.cxml.models import HttpMethod
from bridge.webhooks.http import WebhookRequest
from bridge.webhooks.signature import SIGNATURE_HEADERS, sign, signature_headers
from tests.support.customer_app import ReceivedRequest, signature_ok

KEY = "PSK_test_signing_key"
URL = "https://customer.example.com/voice"


class _Pairs:
    """Every POST pair, repeated names included (a dict would keep one per name)."""

    def __init__(self, pairs: tuple[tuple[str, str], ...]) -> None:
        self._pairs = pairs

    def items(self) -> tuple[tuple[str, str], ...]:
        return self._pairs

    def __len__(self) -> int:
        return len(self._pairs)


def test_post_signature_is_accepted_by_the_validator() -> None:
    params = (("To", "+15551230000"), ("CallSid", "CA" + "0" * 32), ("From", "+15557654321"))
    signature = sign(KEY, URL, params)
    assert RequestValidator(KEY).validate(URL, dict(params), signature)


def test_post_signature_with_another_key_is_refused() -> None:
    params = (("CallSid", "CA" + "0" * 32),)
    assert not RequestValidator("another key").validate(URL, dict(params), sign(KEY, URL, params))


def test_post_signature_covers_the_parameters() -> None:
    signature = sign(KEY, URL, (("CallStatus", "completed"),))
    assert not RequestValidator(KEY).validate(URL, {"CallStatus": "busy"}, signature)


def test_get_signs_the_url_alone() -> None:
    request = WebhookRequest(HttpMethod.GET, URL, (("CallSid", "CA1"), ("To", "+1 555")))
    signature = sign(KEY, request.target_url, request.form)
    assert request.form == ()
    assert RequestValidator(KEY).validate(request.target_url, {}, signature)
    assert sign(KEY, request.target_url, None) == signature


def test_get_on_a_url_with_a_query_keeps_it_and_signs_the_merged_url() -> None:
    request = WebhookRequest(
        HttpMethod.GET,
        URL + "?tenant=a%20b&x=1#fragment",
        (("CallSid", "CA1"), ("Note", "é&=")),
    )
    assert request.target_url == URL + "?tenant=a%20b&x=1&CallSid=CA1&Note=%C3%A9%26%3D"
    assert RequestValidator(KEY).validate(request.target_url, {}, sign(KEY, request.target_url, ()))


def test_post_on_a_url_with_a_query_signs_url_and_form() -> None:
    url = URL + "?tenant=7&lang=fr"
    params = (("CallSid", "CA1"), ("From", "sip:alice@example.com"))
    assert RequestValidator(KEY).validate(url, dict(params), sign(KEY, url, params))


def test_repeated_names_are_signed_as_the_validator_reads_them() -> None:
    params = (
        ("SipHeader_X-Tag", "zulu"),
        ("CallSid", "CA1"),
        ("SipHeader_X-Tag", "alpha"),
        ("SipHeader_X-Tag", "mike"),
    )
    signature = sign(KEY, URL, params)
    assert RequestValidator(KEY).validate(URL, _Pairs(params), signature)
    # The order in which the names arrive does not matter.
    assert sign(KEY, URL, tuple(reversed(params))) == signature


def test_unicode_names_values_and_url() -> None:
    url = "https://customer.example.com/appels/réception?équipe=nord"
    params = (("From", "Zoë ☎"), ("CallerName", "日本語"), ("Émoji", "🙂"), ("a", "lower"))
    assert RequestValidator(KEY).validate(url, dict(params), sign(KEY, url, params))


def test_names_sort_by_code_point_upper_case_first() -> None:
    # "B" (66) sorts before "a" (97): a locale-aware sort would differ.
    params = (("a", "1"), ("B", "2"))
    expected = RequestValidator(KEY).build_signature_with_compatibility(URL, {"a": "1", "B": "2"})
    assert sign(KEY, URL, params) == expected


def test_both_headers_carry_the_same_value() -> None:
    headers = dict(signature_headers(KEY, URL, (("CallSid", "CA1"),)))
    assert (
        set(headers) == set(SIGNATURE_HEADERS) == {"X-SignalWire-Signature", "X-Twilio-Signature"}
    )
    assert len(set(headers.values())) == 1


def test_signature_ok_judges_a_received_request() -> None:
    form = (("CallSid", "CA1"), ("SipHeader_X-A", "2"), ("SipHeader_X-A", "1"))
    signature = sign(KEY, URL, form)
    received = ReceivedRequest(
        method="POST",
        url=URL,
        path="/voice",
        query=(),
        form=form,
        headers=(("X-Signalwire-Signature", signature), ("X-Twilio-Signature", signature)),
        body=b"",
    )
    assert signature_ok(received, KEY)
    assert not signature_ok(received, "wrong key")


_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=20)


@settings(max_examples=300, deadline=None)
@given(params=st.dictionaries(_text, _text, max_size=8), path=_text)
def test_any_parameters_validate(params: dict[str, str], path: str) -> None:
    request = WebhookRequest(HttpMethod.POST, URL + "/" + path, tuple(params.items()))
    url = request.target_url
    assert RequestValidator(KEY).validate(url, params, sign(KEY, url, request.form))


@settings(max_examples=300, deadline=None)
@given(params=st.lists(st.tuples(_text, _text), max_size=8, unique=True))
def test_any_get_request_validates(params: list[tuple[str, str]]) -> None:
    request = WebhookRequest(HttpMethod.GET, URL + "?fixed=1", tuple(params))
    url = request.target_url
    assert RequestValidator(KEY).validate(url, {}, sign(KEY, url, request.form))


@pytest.mark.parametrize("method", [HttpMethod.GET, HttpMethod.POST])
def test_post_body_and_get_query_carry_the_parameters(method: HttpMethod) -> None:
    request = WebhookRequest(method, URL, (("A", "1 2"), ("B", "x&y")))
    if method is HttpMethod.POST:
        assert request.body == b"A=1+2&B=x%26y"
        assert request.target_url == URL
    else:
        assert request.body is None
        assert request.target_url == URL + "?A=1+2&B=x%26y"
