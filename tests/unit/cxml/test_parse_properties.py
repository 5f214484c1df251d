"""Whatever text a document carries in a <Dial>/<Sip>, reading it either gives
models or a CxmlError naming lines: never another exception."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from bridge.cxml import CxmlError, parse_document
from bridge.cxml.models import Dial

DIAL_ATTRIBUTES = ["action", "timeout", "callerId", "callerName", "record", "ringTone", "x"]
SIP_ATTRIBUTES = ["codecs", "sessionTimeout", "statusCallbackEvent", "url", "username", "y"]


# Characters XML 1.0 can carry (lxml refuses the rest before we would see them),
# weighted towards the ones that matter to the grammars.
xml_chars = st.one_of(
    st.sampled_from("\t\n\r ,;:?&=%@[]{}$'\"<>|/+-_.*!~#"),
    st.characters(min_codepoint=0x30, max_codepoint=0x7A),
    st.characters(exclude_categories=["Cs", "Cc", "Cn"]),
)
values = st.text(xml_chars, max_size=30)


@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(st.sampled_from(DIAL_ATTRIBUTES), values, max_size=4),
    st.dictionaries(st.sampled_from(SIP_ATTRIBUTES), values, max_size=4),
    values,
)
def test_any_attribute_or_uri_text_is_read_or_refused_cleanly(
    dial_attrs: dict[str, str], sip_attrs: dict[str, str], uri: str
) -> None:
    root = etree.Element("Response")
    dial = etree.SubElement(root, "Dial", dial_attrs)
    etree.SubElement(dial, "Sip", sip_attrs).text = uri
    try:
        response = parse_document(etree.tostring(root), source_url="https://a.example.com/v")
    except CxmlError as error:
        assert error.problems
        assert all(problem.line >= 1 for problem in error.problems)
        return
    (parsed,) = response.verbs
    assert isinstance(parsed, Dial) and len(parsed.sips) == 1
    assert "x" not in dial_attrs and "y" not in sip_attrs
