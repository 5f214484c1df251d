"""Table-driven document tests from tests/data/cxml/{good,bad}.

Each bad/NAME.xml has a bad/NAME.expected: optional `# option` lines
(`# source_url: none`, `# callee_leg`), then the error class, then lines that
must each appear in the text of one of the reported problems
(`line N: <Element attribute>: message`).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bridge.cxml import CxmlError, DocumentRejected, ValidationFailed, parse_document
from bridge.cxml.models import Response

DATA = Path(__file__).parents[2] / "data" / "cxml"
SOURCE_URL = "https://app.example.com/voice/start.xml"
ERRORS: dict[str, type[CxmlError]] = {
    "DocumentRejected": DocumentRejected,
    "ValidationFailed": ValidationFailed,
}

BAD = sorted((DATA / "bad").glob("*.xml"))
GOOD = sorted((DATA / "good").glob("*.xml"))


def test_every_bad_fixture_has_its_expectation() -> None:
    assert len(BAD) > 50
    expected = sorted((DATA / "bad").glob("*.expected"))
    assert [p.stem for p in expected] == [p.stem for p in BAD]


@pytest.mark.parametrize("path", BAD, ids=lambda p: p.stem)
def test_bad_document_reports_each_expected_problem(path: Path) -> None:
    lines = path.with_suffix(".expected").read_text().splitlines()
    options = [line[2:] for line in lines if line.startswith("# ")]
    error_name, *wanted = [line for line in lines if not line.startswith("# ")]
    source_url: str | None = None if "source_url: none" in options else SOURCE_URL
    with pytest.raises(CxmlError) as caught:
        parse_document(path.read_bytes(), source_url=source_url, callee_leg="callee_leg" in options)
    assert type(caught.value) is ERRORS[error_name]
    reported = [str(problem) for problem in caught.value.problems]
    for want in wanted:
        assert any(want in problem for problem in reported), (want, reported)
    assert len(reported) == len(wanted), reported  # nothing else was reported


@pytest.mark.parametrize("path", GOOD, ids=lambda p: p.stem)
def test_good_document_parses(path: Path) -> None:
    response = parse_document(path.read_bytes(), source_url=SOURCE_URL)
    assert isinstance(response, Response)
    assert response.source_url == SOURCE_URL
    assert parse_document(path.read_text(encoding="utf-8-sig"), source_url=SOURCE_URL) == response
