"""How long do the engine's writes hold a call (and the whole process)?

Runs the writes a call makes (create, then initiated, ringing, in-progress,
completed: five short transactions) for many calls from concurrent greenlets,
in two ways:

- direct: each call's greenlet calls CallStore itself;
- write-behind: each call's greenlet submits to a WriteBehind and goes on.

and prints, for each: writes per second, what one write costs the calling
greenlet (p50/p99/max), and the hub stall: how late a greenlet that wants to
run every millisecond is woken (p99/max). Under gevent a SQLite statement
runs in C and holds every greenlet, so the stall is what "never block a call
on the database for long" is about.

    .venv/bin/python bench/store_writes.py                       # SQLite in a temp dir
    .venv/bin/python bench/store_writes.py --calls 1000 --rate 100
    .venv/bin/python bench/store_writes.py --url postgresql://user@127.0.0.1:5432/db
"""

from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable, Iterator  # noqa: E402
from contextlib import contextmanager  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from datetime import UTC, datetime, timedelta  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import gevent  # noqa: E402

from bridge.store.calls import CallStore  # noqa: E402
from bridge.store.db import Base, Database, open_database  # noqa: E402
from bridge.store.records import CallDirection, CallStatus, NewCall  # noqa: E402
from bridge.store.write_behind import WriteBehind  # noqa: E402

Args = tuple[Any, ...]
Kwargs = dict[str, Any]
Write = Callable[[Callable[..., object], Args, Kwargs], None]

WRITES_PER_CALL = 5
GAP = 0.02
LIFE = [CallStatus.INITIATED, CallStatus.RINGING, CallStatus.IN_PROGRESS, CallStatus.COMPLETED]


@dataclass
class StallMeter:
    """A greenlet that asks to run every millisecond and notes how late it is."""

    interval: float = 0.001
    lateness: list[float] = field(default_factory=list)

    @contextmanager
    def running(self) -> Iterator[None]:
        def tick() -> None:
            while True:
                started = time.perf_counter()
                gevent.sleep(self.interval)
                self.lateness.append(time.perf_counter() - started - self.interval)

        ticker = gevent.spawn(tick)
        try:
            yield
        finally:
            ticker.kill()


def a_call(account: str, n: int) -> NewCall:
    return NewCall(
        account_sid=account,
        direction=CallDirection.OUTBOUND_API,
        from_="+15550100",
        to=f"sip:user{n}@example.com",
        status=CallStatus.QUEUED,
        document_url="https://app.example.com/voice",
        status_callback="https://app.example.com/status",
        status_callback_events=("initiated", "ringing", "answered", "completed"),
    )


def run_calls(calls: int, rate: float, write: Write) -> None:
    """Start `rate` calls per second, `calls` in all; each call writes its
    five rows GAP seconds apart, as its events arrive."""
    base = datetime.now(UTC)

    def a_life(n: int) -> None:
        call = a_call("AC" + "b" * 32, n)
        write(store.create_call, (call,), {})
        for step, status in enumerate(LIFE, 1):
            # The next event of this call arrives later, through the loop
            # (as Event Socket events do).
            gevent.sleep(GAP)
            write(store.update_status, (call.sid, status), {"at": base + timedelta(seconds=step)})

    lives = []
    started = time.perf_counter()
    for n in range(calls):
        # Arrivals on a fixed schedule, so that a slow write delays none of them.
        gevent.sleep(max(0.0, started + n / rate - time.perf_counter()))
        lives.append(gevent.spawn(a_life, n))
    gevent.joinall(lives, raise_error=True)


def saturated(calls: int) -> tuple[float, float]:
    """Writes per second from one greenlet writing back to back, and the
    process CPU time per write (which other load on the machine inflates less)."""
    base = datetime.now(UTC)
    started, cpu = time.perf_counter(), time.process_time()
    for n in range(calls):
        call = a_call("AC" + "c" * 32, n)
        store.create_call(call)
        for step, status in enumerate(LIFE, 1):
            store.update_status(call.sid, status, at=base + timedelta(seconds=step))
    writes = calls * WRITES_PER_CALL
    return writes / (time.perf_counter() - started), (time.process_time() - cpu) / writes


def direct(calls: int, rate: float) -> dict[str, float | list[float]]:
    costs: list[float] = []

    def write(operation: Callable[..., object], args: Args, kwargs: Kwargs) -> None:
        started = time.perf_counter()
        operation(*args, **kwargs)
        costs.append(time.perf_counter() - started)

    meter = StallMeter()
    started = time.perf_counter()
    with meter.running():
        run_calls(calls, rate, write)
    elapsed = time.perf_counter() - started
    return {"elapsed": elapsed, "costs": costs, "stalls": meter.lateness}


def write_behind(calls: int, rate: float) -> dict[str, float | list[float]]:
    costs: list[float] = []
    behind = WriteBehind()

    def write(operation: Callable[..., object], args: Args, kwargs: Kwargs) -> None:
        started = time.perf_counter()
        behind.submit(operation, *args, **kwargs)
        costs.append(time.perf_counter() - started)

    meter = StallMeter()
    started = time.perf_counter()
    with meter.running():
        run_calls(calls, rate, write)
        submitted = time.perf_counter() - started
        behind.flush()
    elapsed = time.perf_counter() - started
    behind.close()
    assert behind.failures == 0, f"{behind.failures} write-behind operations failed"
    return {"elapsed": elapsed, "submitted": submitted, "costs": costs, "stalls": meter.lateness}


def ms(seconds: float) -> str:
    return f"{seconds * 1000:7.3f} ms"


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else 0.0


def report(name: str, calls: int, result: dict[str, float | list[float]]) -> None:
    costs = result["costs"]
    stalls = result["stalls"]
    assert isinstance(costs, list) and isinstance(stalls, list)
    elapsed = result["elapsed"]
    assert isinstance(elapsed, float)
    writes = calls * WRITES_PER_CALL
    print(f"{name}")
    print(f"  {writes} writes in {elapsed:.2f} s: {writes / elapsed:8.0f} writes/s")
    if "submitted" in result:
        print(
            f"  (all submitted after {result['submitted']:.2f} s; the rest is the queue draining)"
        )
    print(
        f"  cost to the calling greenlet per write: p50 {ms(statistics.median(costs))}"
        f"  p99 {ms(percentile(costs, 0.99))}  max {ms(max(costs))}"
    )
    print(
        f"  hub stall (1 ms ticker lateness):        p50 {ms(statistics.median(stalls))}"
        f"  p99 {ms(percentile(stalls, 0.99))}  max {ms(max(stalls))}"
    )


def empty(database: Database) -> None:
    with database.engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--rate", type=float, default=50.0, help="new calls per second")
    parser.add_argument("--url", help="database URL or file (default: SQLite in a temp dir)")
    arguments = parser.parse_args()

    global store
    with tempfile.TemporaryDirectory() as directory:
        location = arguments.url or str(Path(directory) / "bench.db")
        database = open_database(location)
        store = CallStore(database)
        try:
            saturated(50)  # warm up
            empty(database)
            rate, cpu = saturated(arguments.calls)
            print(
                f"{database.engine.dialect.name}: one greenlet writing back to back: "
                f"{rate:.0f} writes/s ({1000 / rate:.3f} ms per write, {cpu * 1000:.3f} ms CPU)"
            )
            empty(database)
            offered = arguments.rate * WRITES_PER_CALL
            print(
                f"{arguments.calls} calls at {arguments.rate:g} calls/s "
                f"({offered:g} writes/s offered), {GAP * 1000:g} ms between a call's events"
            )
            report("direct", arguments.calls, direct(arguments.calls, arguments.rate))
            empty(database)
            report("write-behind", arguments.calls, write_behind(arguments.calls, arguments.rate))
            empty(database)
        finally:
            database.close()


store: CallStore

if __name__ == "__main__":
    main()
