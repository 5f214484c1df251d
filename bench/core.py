"""Throughput of the pure layers on the hot path of every call.

- cXML: parse and validate the seed's fourth example (a <Dial> with every
  common attribute and a <Sip> with headers) and a ten-leg <Dial>;
- switch: build the ten originates of that <Dial> (every value checked and
  escaped);
- Event Socket: frame and parse the recorded stream of trace s8 (three legs,
  simultaneous ring), as the adapter's reader does.

Prints operations per second and microseconds per operation, best of
`--repeat` runs. Nothing is asserted: compare figures across commits.

    .venv/bin/python bench/core.py
    .venv/bin/python bench/core.py --repeat 7 --seconds 1
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

from bridge.cxml import parse_document
from bridge.cxml.models import Dial
from bridge.esl import FrameDecoder, parse_plain_event
from bridge.switch import DialContext, LegIdentity, build_dial_originates

SEED_4 = (
    '<?xml version="1.0" encoding="UTF-8"?><Response><Dial action="https://www.example.com/after_dial"'
    ' callerId="alice" method="GET" record="record-from-answer"><Sip'
    ' statusCallback="https://www.example.com/dial_events" statusCallbackEvent="ringing answered"'
    ' url="https://www.example.com/whisper_audio">sip:dan@example.com?customheader=foo</Sip>'
    "</Dial></Response>"
)
TEN_LEGS = (
    '<Response><Dial timeout="20" callerId="+15550100" callerName="Front Desk">'
    + "".join(
        f'<Sip username="u{i}" password="p{i}" codecs="OPUS,PCMU">'
        f"sip:agent{i}@10.0.0.{i + 1}:5060;transport=udp?x-queue=sales&amp;x-n={i}</Sip>"
        for i in range(10)
    )
    + "</Dial></Response>"
)
TRACE = Path(__file__).resolve().parents[2] / "shared" / "freeswitch-traces" / "s8-simring.esl"


def measure(name: str, operation: Callable[[], object], seconds: float, repeat: int) -> None:
    best = float("inf")
    for _ in range(repeat):
        count = 0
        start = time.perf_counter()
        while (elapsed := time.perf_counter() - start) < seconds:
            operation()
            count += 1
        best = min(best, elapsed / count)
    print(f"{name:<44} {1 / best:>12,.0f} /s {best * 1e6:>10.1f} µs")


def switch_stream() -> bytes:
    """The switch's bytes of trace s8, without the client's `#> ` lines."""
    lines = TRACE.read_bytes().splitlines(keepends=True)
    return b"".join(line for line in lines if not line.startswith(b"#> "))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=0.5, help="per run")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    measure("parse seed example 4", lambda: parse_document(SEED_4), args.seconds, args.repeat)
    measure("parse a ten-leg <Dial>", lambda: parse_document(TEN_LEGS), args.seconds, args.repeat)

    dial = parse_document(TEN_LEGS).verbs[0]
    assert isinstance(dial, Dial)
    legs = [LegIdentity(f"CA{i:032x}", f"00000000-0000-4000-8000-{i:012x}") for i in range(10)]
    context = DialContext(account_sid="AC" + "0" * 32, caller_id_number="+15550100")
    measure(
        "build ten originates",
        lambda: build_dial_originates(dial, legs, context),
        args.seconds,
        args.repeat,
    )

    if not TRACE.exists():
        print(f"(no {TRACE}: Event Socket figures skipped)")
        return
    stream = switch_stream()

    def read_trace() -> int:
        frames = FrameDecoder().feed(stream)
        events = [parse_plain_event(f.body) for f in frames if f.content_type == "text/event-plain"]
        return len(events)

    count = read_trace()
    print(f"(trace s8: {len(stream):,} bytes, {count} event bodies)")
    measure("frame and parse trace s8", read_trace, args.seconds, args.repeat)


if __name__ == "__main__":
    main()
