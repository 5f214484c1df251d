"""Hostile and unreadable documents are refused before anything is expanded or fetched."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from lxml import etree

from bridge.cxml import (
    MAX_DEPTH,
    MAX_ELEMENTS,
    DocumentRejected,
    ValidationFailed,
    parse_document,
)
from bridge.cxml.document import hardened_parser
from bridge.cxml.models import MAX_DOCUMENT_BYTES, Dial, Hangup

SECRET = "TOP-SECRET-7f3a9c"


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text(SECRET)
    return path


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    """A loopback socket nobody should ever connect to."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.setblocking(False)
    yield server
    server.close()


def assert_never_contacted(server: socket.socket) -> None:
    with pytest.raises(BlockingIOError):
        server.accept()


def rejected(data: bytes | str) -> str:
    with pytest.raises(DocumentRejected) as caught:
        parse_document(data, source_url="https://app.example.com/voice")
    return str(caught.value)


def billion_laughs(levels: int) -> str:
    entities = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, levels + 1)
    ]
    return (
        '<?xml version="1.0"?>\n<!DOCTYPE Response [\n'
        + "\n".join(entities)
        + f"\n]>\n<Response><Say>&lol{levels};</Say></Response>"
    )


def test_billion_laughs_is_refused_without_expansion() -> None:
    # Expanded, 12 levels would be 10**12 "lol"s: the test could not finish.
    message = rejected(billion_laughs(12))
    assert "line 2: <document>: <!DOCTYPE is not allowed" in message
    assert "lollol" not in message


def test_xxe_file_entity_never_reveals_the_file(secret_file: Path) -> None:
    document = (
        f'<!DOCTYPE Response [<!ENTITY s SYSTEM "{secret_file.as_uri()}">]>'
        "<Response><Say>&s;</Say></Response>"
    )
    assert SECRET not in rejected(document)
    # Behind the DOCTYPE refusal, the parser itself would not read the file either.
    root = etree.fromstring(document.encode(), hardened_parser())
    assert SECRET not in etree.tostring(root).decode()


def test_xxe_http_entity_never_opens_a_connection(listener: socket.socket) -> None:
    port = listener.getsockname()[1]
    for document in (
        f'<!DOCTYPE Response [<!ENTITY x SYSTEM "http://127.0.0.1:{port}/x">]>'
        "<Response><Say>&x;</Say></Response>",
        f'<!DOCTYPE Response [<!ENTITY % p SYSTEM "http://127.0.0.1:{port}/p"> %p;]><Response/>',
        f'<!DOCTYPE Response SYSTEM "http://127.0.0.1:{port}/dtd"><Response/>',
    ):
        assert "<!DOCTYPE is not allowed" in rejected(document)
        try:
            etree.fromstring(document.encode(), hardened_parser())
        except etree.XMLSyntaxError as error:
            assert "network" in str(error)
    assert_never_contacted(listener)


def test_doctype_in_utf16_is_refused_as_not_utf8() -> None:
    document = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE Response><Response/>'
    assert "not UTF-8" in rejected(document.encode("utf-16"))


def test_size_limit_is_checked_on_bytes() -> None:
    head, tail = b"<Response><Say>", b"</Say></Response>"
    fits = head + b"x" * (MAX_DOCUMENT_BYTES - len(head) - len(tail)) + tail
    assert len(fits) == MAX_DOCUMENT_BYTES
    with pytest.raises(ValidationFailed, match="at most 4096"):  # read, then judged
        parse_document(fits)
    message = rejected(fits + b" ")
    assert f"document is {MAX_DOCUMENT_BYTES + 1} bytes, over the 65536-byte limit" in message
    # Multi-byte characters count as bytes, not characters.
    assert "over the 65536-byte limit" in rejected(
        "<Response><Say>" + "é" * 40000 + "</Say></Response>"
    )


def test_depth_limit() -> None:
    inner = "<b>" * (MAX_DEPTH - 2) + "x" + "</b>" * (MAX_DEPTH - 2)
    # Not too deep, but <b> is not allowed in <Say>: read, then judged.
    with pytest.raises(ValidationFailed, match="<b> is not allowed inside <Say>"):
        parse_document(f"<Response><Say>{inner}</Say></Response>")
    assert f"nested more than {MAX_DEPTH} deep" in rejected(
        f"<Response><Say><b>{inner}</b></Say></Response>"
    )


def test_very_deep_document_is_refused() -> None:
    assert "<document>" in rejected("<Response>" + "<a>" * 5000 + "</a>" * 5000 + "</Response>")


def test_element_count_limit() -> None:
    hangups = "<Hangup/>" * (MAX_ELEMENTS - 1)
    response = parse_document(f"<Response>{hangups}</Response>")
    assert len(response.verbs) == MAX_ELEMENTS - 1
    assert f"line 1: <Hangup>: more than {MAX_ELEMENTS} elements" in rejected(
        f"<Response>{hangups}<Hangup/></Response>"
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "line 1: <document>: empty document"),
        ("", "line 1: <document>: empty document"),
        (b" \r\n\t\n", "line 1: <document>: empty document"),
        (b"\xef\xbb\xbf", "line 1: <document>: empty document"),
        (b"<Response>\n<Say>caf\xe9</Say></Response>", "line 2: <document>: document is not UTF-8"),
        ("<Response>\ud800</Response>", "not valid Unicode"),
        (b"<Response>\n<Hangup>\n</Response>", "line 3: <document>: malformed XML: Opening and"),
        (b"\n\n<Response>\n<Hangup>\n</Response>", "line 5: <document>: malformed XML"),
        (b"Hello", "line 1: <document>: malformed XML"),
        (b"<Response/><Response/>", "line 1: <document>: malformed XML: Extra content"),
        (b"<Response>\x00</Response>", "malformed XML"),
        (b"<?xml version='1.0' encoding='latin-1'?><Response/>", "encoding 'latin-1'"),
        (b'<?xml version="1.0"?>\n\n<Play/>', "line 3: <Play>: the root must be <Response>"),
        (b"<response/>", "line 1: <response>: the root must be <Response>"),
        (b"\n\n<!DOCTYPE x>", "line 3: <document>: <!DOCTYPE is not allowed"),
    ],
)
def test_unreadable_documents(data: bytes | str, message: str) -> None:
    assert message in rejected(data)


def test_surrounding_whitespace_and_bom_are_accepted_and_lines_still_count() -> None:
    document = (
        b'\xef\xbb\xbf\n\n  <?xml version="1.0" encoding="utf-8"?>\n'
        b"<Response>\n<Hangup/>\n</Response>\n\n"
    )
    (hangup,) = parse_document(document).verbs
    assert hangup == Hangup(line=5)


def test_comments_and_processing_instructions_are_dropped() -> None:
    document = (
        "<Response><!-- a --><?app hint?><Dial>"
        "<Sip>sip:ali<!-- split -->ce@example.com</Sip><!-- b --></Dial></Response>"
    )
    (dial,) = parse_document(document).verbs
    assert isinstance(dial, Dial)
    assert dial.sips[0].uri.user == "alice"
