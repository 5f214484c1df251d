"""`cxml-bridge lint`: what a user sees and the exit status they get."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest

from bridge.cli import SUBCOMMANDS, main
from bridge.cxml.models import MAX_DOCUMENT_BYTES
from tests.support.originate_grammar import parse_originate

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.xml"))


def _lint(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["lint", *args])
    out, err = capsys.readouterr()
    return code, out, err


def _write(tmp_path: Path, text: str, name: str = "doc.xml") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_examples_exist_and_lint_ok(capsys: pytest.CaptureFixture[str]) -> None:
    names = {path.name for path in EXAMPLES}
    assert {
        "dial-sip.xml",
        "dial-sip-auth.xml",
        "dial-sip-headers.xml",
        "dial-sip-attributes.xml",
    } <= names
    for path in EXAMPLES:
        assert _lint(capsys, str(path)) == (0, "ok\n", ""), path


def test_problems_are_file_line_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(
        tmp_path,
        "<Response>\n"
        '  <Dial timeout="2">\n'
        '    <Sip codecs="PCMU,SPEEX">sip:alice@example.com</Sip>\n'
        "  </Dial>\n"
        "  <Gather/>\n"
        "</Response>\n",
    )
    code, out, err = _lint(capsys, path)
    assert code == 1 and err == ""
    lines = out.splitlines()
    assert len(lines) == 3
    assert lines[0].startswith(f"{path}:2: <Dial timeout>: ")
    assert lines[1].startswith(f"{path}:3: <Sip codecs>: ") and "SPEEX" in lines[1]
    assert lines[2].startswith(f"{path}:5: <Gather>: unknown verb")
    assert "ok" not in lines


def test_switch_refusals_are_problems_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Valid cXML that cannot become a safe FreeSWITCH command is reported, every
    refusal on the line of the element it came from."""
    path = _write(
        tmp_path,
        "<Response>\n"
        '  <Dial callerName="Ann ${sip_h_X-Secret}">\n'
        '    <Sip password="pass word">sip:alice@example.com?x=%7Bbad%7D</Sip>\n'
        "  </Dial>\n"
        "</Response>\n",
    )
    code, out, _ = _lint(capsys, path, "--explain")
    assert code == 1
    lines = out.splitlines()
    assert lines[0].startswith(f"{path}:2: <Dial callerName>: '$' is not allowed")
    assert any(line.startswith(f"{path}:3: <Sip password>: spaces") for line in lines)
    assert any(line.startswith(f"{path}:3: <Sip>: SIP header X-x: '{{'") for line in lines)
    assert "&park()" not in out and "ok" not in lines


def test_hostile_xml_is_a_problem_not_a_crash(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(
        tmp_path,
        '<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
        "<Response><Say>&x;</Say></Response>\n",
    )
    code, out, _ = _lint(capsys, path)
    assert code == 1
    assert out.startswith(f"{path}:2: <document>: <!DOCTYPE is not allowed")


def test_oversized_file_is_refused_without_reading_it_all(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, "<Response>" + " " * (MAX_DOCUMENT_BYTES * 4) + "</Response>")
    code, out, _ = _lint(capsys, path)
    assert code == 1
    assert f"{MAX_DOCUMENT_BYTES + 1} bytes, over the {MAX_DOCUMENT_BYTES}-byte limit" in out


def test_stdin_is_named(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    stdin = io.TextIOWrapper(io.BytesIO(b"<Response><Hangup/><Bogus/></Response>"))
    monkeypatch.setattr(sys, "stdin", stdin)
    code, out, _ = _lint(capsys, "-")
    assert code == 1
    assert out.startswith("<stdin>:1: <Bogus>: unknown verb")


@pytest.mark.parametrize("kind", ["missing", "directory"])
def test_unreadable_file_exits_2(
    kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "nope.xml" if kind == "missing" else tmp_path
    code, out, err = _lint(capsys, str(path))
    assert code == 2 and out == ""
    assert err.startswith(f"cxml-bridge lint: cannot read {path}: ")


def test_explain_prints_each_leg_with_example_identities(
    capsys: pytest.CaptureFixture[str],
) -> None:
    simultaneous = ROOT / "examples" / "dial-sip-simultaneous.xml"
    code, out, _ = _lint(capsys, str(simultaneous), "--explain")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == f"{simultaneous}:4: <Dial> places 3 legs:"
    assert lines[-1] == "ok"
    commands = [line.strip() for line in lines[1:-1]]
    assert len(commands) == 3
    for number, command in enumerate(commands, start=1):
        parsed = parse_originate(command)
        variables = dict(parsed.variables)
        assert variables["cxml_leg"] == f"CA{number:032x}"
        assert variables["origination_uuid"] == f"00000000-0000-4000-8000-{number:012x}"
        assert variables["origination_caller_id_name"] == "Front Desk"
    assert [parse_originate(c).legs[0].endpoint for c in commands] == [
        "sofia/external/sip:alice@example.com;transport=udp",
        "sofia/external/sips:bob@example.com;transport=tls",
        "sofia/external/sip:carol@192.0.2.10:5080;transport=tcp",
    ]


def test_explain_options(capsys: pytest.CaptureFixture[str]) -> None:
    account = "AC" + "f" * 32
    code, out, _ = _lint(
        capsys,
        str(ROOT / "examples" / "dial-sip.xml"),
        "--explain",
        "--profile",
        "tls_out",
        "--account-sid",
        account,
        "--caller-id",
        "+15551230000",
    )
    assert code == 0
    variables = dict(parse_originate(out.splitlines()[1].strip()).variables)
    assert variables["sip_h_X-SignalWire-AccountSid"] == account
    assert variables["origination_caller_id_number"] == "+15551230000"
    assert "sofia/tls_out/sip:alice@example.com;transport=tls" in out


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--profile", "gateway", "profile"),
        ("--profile", "a b", "profile"),
        ("--account-sid", "AC1", "AccountSid"),
        ("--caller-id", "+1 555", "callerId"),
    ],
)
def test_bad_options_exit_2(
    option: str, value: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _lint(capsys, str(ROOT / "examples" / "dial-sip.xml"), option, value)
    assert code == 2 and out == ""
    assert err.startswith(f"cxml-bridge lint: bad option: {message}: ")


def test_base_url_resolves_relative_urls(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(
        tmp_path,
        '<Response><Dial action="/after"><Sip>sip:a@example.com</Sip></Dial></Response>',
    )
    code, out, _ = _lint(capsys, path)
    assert code == 1 and "<Dial action>" in out
    assert _lint(capsys, path, "--base-url", "https://app.example.com/voice.xml") == (0, "ok\n", "")


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert main(["frobnicate"]) == 2
    assert main(["lint"]) == 2
    assert "usage: cxml-bridge" in capsys.readouterr().err
    assert main(["--help"]) == 0
    assert "lint" in capsys.readouterr().out


def test_subcommands_are_a_table() -> None:
    assert [sub.name for sub in SUBCOMMANDS] == ["lint", "serve"]


def test_installed_console_script() -> None:
    script = Path(sys.executable).parent / "cxml-bridge"
    result = subprocess.run(
        [str(script), "lint", "examples/dial-sip.xml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (result.returncode, result.stdout, result.stderr) == (0, "ok\n", "")
