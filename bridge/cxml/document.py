"""Turning untrusted bytes into an lxml tree, or refusing them fast.

Refusals (all `DocumentRejected`, element ``document`` unless a tag is known):

- more than `MAX_DOCUMENT_BYTES` (64 KiB, the hosted platforms' limit),
  checked before anything is decoded;
- bytes that are not UTF-8, or an XML declaration naming another encoding
  (the helper libraries all write UTF-8; refusing the rest keeps the size
  check and the DOCTYPE scan below honest);
- an empty or whitespace-only body: the hosted platforms treat it as an
  application error, and so do we (send ``<Response/>`` to do nothing);
- any ``<!DOCTYPE`` or ``<!ENTITY``, found by a scan of the text before the
  parser sees it (even inside a comment or CDATA section: no cXML document
  needs those words, and a plain scan cannot be fooled), so that no external
  entity (XXE, file or http) is ever fetched and no entity (billion laughs) is
  ever expanded; the parser is also built with DTDs, entity resolution and
  network access off, and the parsed tree is checked once more for a DTD;
- malformed XML, with the line lxml reports;
- more than `MAX_DEPTH` levels of elements (``<Response>`` is level 1; a cXML
  voice document is at most 3 deep) or more than `MAX_ELEMENTS` elements.

Surrounding whitespace is allowed, even before the XML declaration (which the
XML grammar forbids): it is cut off before parsing and line numbers are
shifted back to count it. Comments and processing instructions are dropped.

This module does no I/O.
"""

from __future__ import annotations

import re
from typing import NoReturn

from lxml import etree

from bridge.cxml.errors import DocumentRejected, Problem
from bridge.cxml.models import MAX_DOCUMENT_BYTES

MAX_DEPTH = 8
MAX_ELEMENTS = 1000

_DECLARED_ENCODING = re.compile(rb"<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"']")
_UTF8_NAMES = frozenset({"utf-8", "utf8", "us-ascii", "ascii"})
_FORBIDDEN_MARKUP = (b"<!DOCTYPE", b"<!ENTITY")
_BOM = b"\xef\xbb\xbf"


def load_root(data: bytes | str) -> tuple[etree._Element, int]:
    """Parse `data` into its root element; also return how many lines were cut
    off the top (add it to lxml's line numbers)."""
    if isinstance(data, str):
        try:
            raw = data.encode("utf-8")
        except UnicodeEncodeError:
            _reject(1, "the text holds characters that are not valid Unicode")
    else:
        raw = bytes(data)
    if len(raw) > MAX_DOCUMENT_BYTES:
        _reject(1, f"document is {len(raw)} bytes, over the {MAX_DOCUMENT_BYTES}-byte limit")
    if raw.startswith(_BOM):
        raw = raw[len(_BOM) :]
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as error:
        _reject(_line_at(raw, error.start), "document is not UTF-8")
    body = raw.lstrip(b" \t\r\n")
    if not body:
        _reject(1, "empty document: a cXML response needs a <Response> root")
    offset = _line_at(raw, len(raw) - len(body)) - 1
    declared = _DECLARED_ENCODING.match(body)
    if declared and declared.group(1).decode("ascii").lower() not in _UTF8_NAMES:
        _reject(offset + 1, f"encoding {declared.group(1).decode('ascii')!r}: only UTF-8 is read")
    for markup in _FORBIDDEN_MARKUP:
        at = body.find(markup)
        if at >= 0:
            what = markup.decode("ascii")
            _reject(
                offset + _line_at(body, at),
                f"{what} is not allowed: DTDs and entity declarations are refused",
            )
    root = _parse(body, offset)
    docinfo = root.getroottree().docinfo
    if docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        _reject(offset + 1, "<!DOCTYPE is not allowed: DTDs and entity declarations are refused")
    _check_shape(root, offset)
    return root, offset


def hardened_parser() -> etree.XMLParser:
    """A fresh lxml parser that loads no DTD, expands no entity and opens no URL."""
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
        collect_ids=False,
    )


def _parse(body: bytes, offset: int) -> etree._Element:
    try:
        return etree.fromstring(body, hardened_parser())
    except etree.XMLSyntaxError as error:
        line = (error.lineno or 1) + offset
        _reject(line, f"malformed XML: {error.msg}")


def _check_shape(root: etree._Element, offset: int) -> None:
    count = 0
    stack: list[tuple[etree._Element, int]] = [(root, 1)]
    while stack:
        element, depth = stack.pop()
        count += 1
        line = source_line(element) + offset
        if count > MAX_ELEMENTS:
            _reject(line, f"more than {MAX_ELEMENTS} elements", str(element.tag))
        if depth > MAX_DEPTH:
            _reject(line, f"elements nested more than {MAX_DEPTH} deep", str(element.tag))
        stack.extend((child, depth + 1) for child in element)


def source_line(element: etree._Element) -> int:
    """lxml's line for `element` (1 when unknown). lxml-stubs leaves it untyped."""
    line: object = element.sourceline
    return line if isinstance(line, int) else 1


def _line_at(data: bytes, index: int) -> int:
    before = data[:index]
    return before.count(b"\n") + before.count(b"\r") - before.count(b"\r\n") + 1


def _reject(line: int, message: str, element: str = "document") -> NoReturn:
    raise DocumentRejected((Problem(line, element, None, message),))
