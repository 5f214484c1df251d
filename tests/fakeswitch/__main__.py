"""Serve the emulator for offline demos: `python -m tests.fakeswitch --port 8021`.

It listens on loopback only and serves until Ctrl-C (or SIGTERM). Every dialled
destination behaves as `--far-end` says unless `--script URI=BEHAVIOUR` says
otherwise; `--inbound NUMBER` places one inbound call once a client has
subscribed, so a demo has something to answer.
"""

from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402
import signal  # noqa: E402
import sys  # noqa: E402
from collections.abc import Callable  # noqa: E402

import gevent  # noqa: E402
import gevent.event  # noqa: E402

from tests.fakeswitch.config import Profile  # noqa: E402
from tests.fakeswitch.farend import FarEnd  # noqa: E402
from tests.fakeswitch.switch import FakeSwitch  # noqa: E402

BEHAVIOURS: dict[str, Callable[[], FarEnd]] = {
    "answer": lambda: FarEnd.answer(after=1.0),
    "busy": FarEnd.busy,
    "not-found": FarEnd.not_found,
    "ring": FarEnd.ring_forever,
    "reject": lambda: FarEnd.reject(603),
}


def _behaviour(name: str) -> FarEnd:
    try:
        return BEHAVIOURS[name]()
    except KeyError:
        raise argparse.ArgumentTypeError(
            f"unknown far-end behaviour {name!r}; choose one of {', '.join(BEHAVIOURS)}"
        ) from None


def _script(text: str) -> tuple[str, FarEnd]:
    uri, sep, name = text.rpartition("=")
    if not sep or not uri:
        raise argparse.ArgumentTypeError(f"--script wants URI=BEHAVIOUR, got {text!r}")
    return uri, _behaviour(name)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.fakeswitch", description=__doc__)
    parser.add_argument("--port", type=int, default=8021, help="TCP port (0: any free port)")
    parser.add_argument("--password", default="ClueCon")
    parser.add_argument("--time-scale", type=float, default=1.0, help="multiplies every delay")
    parser.add_argument(
        "--far-end",
        type=_behaviour,
        default=FarEnd.answer(after=1.0),
        help=f"what unscripted destinations do: {', '.join(BEHAVIOURS)} (default: answer)",
    )
    parser.add_argument("--script", type=_script, action="append", default=[], metavar="URI=B")
    parser.add_argument("--tls", action="store_true", help="give the external profile TLS")
    parser.add_argument("--inbound", metavar="NUMBER", help="place one inbound call to NUMBER")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    switch = FakeSwitch(
        password=args.password,
        time_scale=args.time_scale,
        port=args.port,
        profiles=[Profile("external", tls=args.tls), Profile("internal", sip_port=5060)],
        default_far_end=args.far_end,
    )
    for uri, far_end in args.script:
        switch.script(uri, far_end)
    host, port = switch.start()
    print(f"fakeswitch listening on {host}:{port} (password {args.password})", flush=True)
    stop = gevent.event.Event()
    gevent.signal_handler(signal.SIGINT, stop.set)
    gevent.signal_handler(signal.SIGTERM, stop.set)
    if args.inbound:
        gevent.spawn(_inbound_when_subscribed, switch, args.inbound)
    stop.wait()
    switch.stop()
    print("fakeswitch stopped", flush=True)
    return 0


def _inbound_when_subscribed(switch: FakeSwitch, number: str) -> None:
    switch.wait_for_subscriber("CHANNEL_PARK", timeout=3600)
    uuid = switch.inbound_call(number, variables={"cxml_inbound": "true"})
    print(f"inbound call {uuid} to {number}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
