"""The `cxml-bridge` command line. Subcommands live in the `SUBCOMMANDS` table.

To add one (the engine's `serve`, say), write a `configure(parser)` that adds
its arguments and a `run(args) -> int`, and add a `Subcommand` row. Import
heavy or side-effecting modules (gevent's monkey patching) inside `run`, so
that `lint` stays light.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, TextIO

from bridge.cxml.models import MAX_DOCUMENT_BYTES
from bridge.lint import LintReport, lint_document
from bridge.switch import (
    DEFAULT_API_VERSION,
    DEFAULT_PROFILE,
    DialContext,
    UnsafeValue,
    check_context,
)

PROG = "cxml-bridge"
STDIN_NAME = "<stdin>"
EXIT_OK = 0
EXIT_PROBLEMS = 1
EXIT_USAGE = 2

EXAMPLE_ACCOUNT_SID = "AC" + "0" * 32
EXAMPLE_CALLER_ID = "+15555550100"


@dataclass(frozen=True, slots=True)
class Subcommand:
    name: str
    help: str
    configure: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


# --- lint ----------------------------------------------------------------------


def _configure_lint(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE", help="the cXML document, or - for stdin")
    parser.add_argument(
        "--explain",
        action="store_true",
        help="also print the originate command each <Dial> of <Sip> would send",
    )
    parser.add_argument(
        "--base-url",
        metavar="URL",
        help="the URL the document is served from (relative URLs resolve against it)",
    )
    parser.add_argument(
        "--profile", default=DEFAULT_PROFILE, help="sofia profile (default: %(default)s)"
    )
    parser.add_argument(
        "--account-sid",
        default=EXAMPLE_ACCOUNT_SID,
        help="AccountSid sent in X-SignalWire-AccountSid (default: %(default)s)",
    )
    parser.add_argument(
        "--caller-id",
        default=EXAMPLE_CALLER_ID,
        help="the caller's number, used when <Dial> has no callerId (default: %(default)s)",
    )


def _run_lint(args: argparse.Namespace) -> int:
    ctx = DialContext(
        account_sid=args.account_sid,
        caller_id_number=args.caller_id,
        api_version=DEFAULT_API_VERSION,
        profile=args.profile,
    )
    try:
        check_context(ctx)
    except UnsafeValue as error:
        return _usage_error(f"lint: bad option: {error}")
    name = STDIN_NAME if args.file == "-" else args.file
    try:
        data = _read_document(args.file, sys.stdin.buffer)
    except OSError as error:
        reason = error.strerror or str(error)
        return _usage_error(f"lint: cannot read {name}: {reason}")
    report = lint_document(data, ctx, base_url=args.base_url)
    _print_report(report, name, explain=args.explain, out=sys.stdout)
    return EXIT_OK if report.ok else EXIT_PROBLEMS


def _read_document(path: str, stdin: BinaryIO) -> bytes:
    # One byte over the cap is enough for the parser to refuse an oversized
    # document, and never reads an endless file (a pipe, /dev/zero) whole.
    limit = MAX_DOCUMENT_BYTES + 1
    if path == "-":
        return stdin.read(limit)
    target = Path(path)
    if target.is_dir():
        raise IsADirectoryError(21, "is a directory", path)
    with target.open("rb") as file:
        return file.read(limit)


def _print_report(report: LintReport, name: str, *, explain: bool, out: TextIO) -> None:
    for problem in report.problems:
        where = f"<{problem.element}>"
        if problem.attribute is not None:
            where = f"<{problem.element} {problem.attribute}>"
        out.write(f"{name}:{problem.line}: {where}: {problem.message}\n")
    if not report.ok:
        return
    if explain:
        for dial in report.dials:
            legs = len(dial.commands)
            out.write(f"{name}:{dial.line}: <Dial> places {legs} leg{'s' * (legs != 1)}:\n")
            for command in dial.commands:
                out.write(f"  {command}\n")
    out.write("ok\n")


# --- serve ----------------------------------------------------------------------


def _configure_serve(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config",
        metavar="FILE",
        help="TOML configuration (default: $CXML_BRIDGE_CONFIG; CXML_BRIDGE_* variables "
        "override it; see examples/bridge.toml)",
    )
    parser.add_argument(
        "--log-level",
        default="INFO",
        choices=("DEBUG", "INFO", "WARNING", "ERROR"),
        help="default: %(default)s",
    )


def _run_serve(args: argparse.Namespace) -> int:
    # First thing, before anything imports socket, ssl or threading users:
    # every blocking call of the bridge must yield to the others.
    from gevent import monkey

    monkey.patch_all()

    import logging

    from bridge.config import ConfigError, load_settings

    logging.basicConfig(
        level=args.log_level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        settings = load_settings(args.config)
    except ConfigError as error:
        return _usage_error(f"serve: {error}")
    from bridge.serve import run

    return run(settings)


# --- the table and the entry point ----------------------------------------------

SUBCOMMANDS: tuple[Subcommand, ...] = (
    Subcommand(
        name="lint",
        help="check a cXML document (and show its FreeSWITCH commands with --explain)",
        configure=_configure_lint,
        run=_run_lint,
    ),
    Subcommand(
        name="serve",
        help="run the bridge: FreeSWITCH's Event Socket, the call engine and the REST API",
        configure=_configure_serve,
        run=_run_serve,
    ),
)


def build_parser(subcommands: Sequence[Subcommand] = SUBCOMMANDS) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG, description="Run cXML voice applications on FreeSWITCH."
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for subcommand in subcommands:
        child = sub.add_parser(subcommand.name, help=subcommand.help, description=subcommand.help)
        subcommand.configure(child)
        child.set_defaults(run=subcommand.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # argparse exits on --help and on usage errors
        return exit_.code if isinstance(exit_.code, int) else EXIT_USAGE
    run: Callable[[argparse.Namespace], int] = args.run
    return run(args)


def _usage_error(message: str) -> int:
    sys.stderr.write(f"{PROG} {message}\n")
    return EXIT_USAGE


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
