"""The api commands the emulator knows, with FreeSWITCH's replies word for word
(mod_commands.c). An unknown command gets `-ERR <cmd> Command not found!`."""

from __future__ import annotations

import json
from collections.abc import Callable

from tests.fakeswitch import media
from tests.fakeswitch.bridging import uuid_bridge
from tests.fakeswitch.causes import cause_name
from tests.fakeswitch.channel import CallerProfile, Channel, ChannelTimes
from tests.fakeswitch.control import answer, kill, pre_answer, ring_ready
from tests.fakeswitch.core import Report, SwitchCore
from tests.fakeswitch.dialstring import (
    OriginateRejected,
    leading_number,
    parse_originate,
    separate,
)
from tests.fakeswitch.outbound import originate
from tests.fakeswitch.wire import serialize_json, serialize_plain

VERSION = "1.10.12-release 64bit"
Handler = Callable[[SwitchCore, str], str]


def _args(text: str, limit: int) -> list[str]:
    return separate(text, " ", limit) if text.strip() else []


def uuid_kill(core: SwitchCore, args: str) -> str:
    if not args.strip():
        return "-USAGE: <uuid> [cause]\n"
    uuid, _, cause_text = args.strip().partition(" ")
    channel = core.live(uuid)
    if channel is None:
        return "-ERR No such channel!\n"
    kill(core, channel, cause_name(cause_text.strip() or None))
    return "+OK\n"


def _answer_like(action: Callable[[SwitchCore, Channel], bool]) -> Handler:
    def handler(core: SwitchCore, args: str) -> str:
        channel = core.live(args) if args.strip() else None
        if channel is None:
            return "-ERROR\n"
        return "+OK\n" if action(core, channel) else "-ERROR\n"

    return handler


def uuid_ring_ready(core: SwitchCore, args: str) -> str:
    argv = _args(args, 2)
    if not argv or (len(argv) > 1 and argv[1].lower() != "queued"):
        return "-USAGE: <uuid> [queued]\n"
    channel = core.live(argv[0])
    if channel is None:
        return "-ERROR\n"
    ring_ready(core, channel)
    return "+OK\n"


def uuid_getvar(core: SwitchCore, args: str) -> str:
    argv = _args(args, 4)
    if len(argv) < 2 or not argv[0]:
        return "-USAGE: <uuid> <var>\n"
    channel = core.live(argv[0])
    if channel is None:
        return "-ERR No such channel!\n"
    value = channel.var(argv[1])
    return "_undef_" if value is None else value


def uuid_setvar(core: SwitchCore, args: str) -> str:
    argv = _args(args, 3)
    if len(argv) not in (2, 3) or not argv[0]:
        return "-USAGE: <uuid> <var> [value]\n"
    channel = core.live(argv[0])
    if channel is None:
        return "-ERR No such channel!\n"
    channel.set_var(argv[1], argv[2] if len(argv) == 3 else None)
    return "+OK\n"


def uuid_exists(core: SwitchCore, args: str) -> str:
    return "true" if args.strip() and core.live(args) is not None else "false"


def uuid_bridge_api(core: SwitchCore, args: str) -> str:
    argv = _args(args, 4)
    if len(argv) < 2:
        return "-USAGE: <uuid> <other_uuid>\n"
    return uuid_bridge(core, argv[0], argv[1])


def uuid_broadcast(core: SwitchCore, args: str) -> str:
    argv = _args(args, 4)
    if len(argv) < 2:
        return "-USAGE: <uuid> <path> [aleg|bleg|holdb|both]\n"
    channel = core.live(argv[0])
    if channel is None:
        return "-ERR invalid uuid\n"
    media.broadcast(core, channel, argv[1])
    return "+OK Message sent\n"


def uuid_break(core: SwitchCore, args: str) -> str:
    if not args.strip():
        return "-USAGE: <uuid> [all]\n"
    channel = core.live(args.strip().split(" ")[0])
    if channel is None:
        return "-ERR No such channel!\n"
    media.stop_playback(core, channel)
    return "+OK\n"


def uuid_send_dtmf(core: SwitchCore, args: str) -> str:
    argv = _args(args, 2)
    if len(argv) < 2 or not argv[0] or not argv[1]:
        return "-USAGE: <uuid> <dtmf_data>\n"
    channel = core.live(argv[0])
    if channel is None:
        return "-ERR Cannot locate session!\n"
    if not media.send_dtmf(core, channel, argv[1]):
        return "-ERR Operation failed\n"
    return f"+OK {argv[0]} sent DTMF {argv[1]}.\n"


def uuid_record(core: SwitchCore, args: str) -> str:
    usage = "-USAGE: <uuid> [start|stop|mask|unmask] <path> [<limit>] [<recording_vars>]\n"
    argv = _args(args, 5)
    if len(argv) < 3 or not all(argv[:3]):
        return usage
    channel = core.live(argv[0])
    if channel is None:
        return "-ERR Cannot locate session!\n"
    action, path = argv[1].lower(), argv[2]
    if action == "start":
        limit = leading_number(argv[3]) if len(argv) > 3 else 0
        if not media.start_recording(core, channel, path, limit):
            return "-ERR Cannot record session!\n"
        return "+OK Success\n"
    if action == "stop":
        if not media.stop_recordings(core, channel, path):
            return "-ERR Cannot stop record session!\n"
        return "+OK Success\n"
    return usage


def sched_hangup(core: SwitchCore, args: str) -> str:
    argv = _args(args, 4)
    if len(argv) < 1 or not argv[0]:
        return "-USAGE: [+]<time> <uuid> [<cause>]\n"
    channel = core.live(argv[1]) if len(argv) > 1 else None
    if channel is None:
        return "-ERR No such channel!\n"
    cause = cause_name(argv[2]) if len(argv) > 2 else "ALLOTTED_TIMEOUT"
    when = argv[0]
    seconds = leading_number(when.removeprefix("+"))
    if not when.startswith("+"):
        seconds = max(0, seconds - core.clock.now_us() // 1_000_000)
    if seconds == 0:
        kill(core, channel, cause)
    else:
        core.spawn_for(channel, float(seconds), lambda: kill(core, channel, cause))
    return "+OK\n"


def hupall(core: SwitchCore, args: str) -> str:
    cause = cause_name(args.split(" ")[0] if args.strip() else None)
    for channel in list(core.channels.values()):
        if channel.up:
            kill(core, channel, cause)
    return f"+OK hangup all channels with cause {cause}\n"


def uuid_dump(core: SwitchCore, args: str) -> str:
    argv = _args(args, 2)
    if not argv:
        return "-USAGE: <uuid> [format]\n"
    channel = core.live(argv[0])
    if channel is None:
        return "-ERR No such channel!\n"
    rows = [("Event-Name", "CHANNEL_DATA"), ("Core-UUID", core.core_uuid)]
    rows += channel.headers("CHANNEL_DATA")
    if len(argv) > 1 and argv[1].lower() == "json":
        return serialize_json(rows).decode("utf-8")
    return serialize_plain(rows).decode("ascii")


def show(core: SwitchCore, args: str) -> str:
    argv = _args(args, 8)
    if not argv or argv[0].lower() != "channels":
        return "-USAGE: channels [count] [as json]\n"
    listed = [c for c in core.history.values() if core.listing.listed(c.uuid, not c.destroyed)]
    rows = [c.show_row(core.config.hostname) for c in listed]
    rows.sort(key=lambda row: int(row["created_epoch"]))
    lowered = [arg.lower() for arg in argv]
    fmt = lowered[lowered.index("as") + 1] if "as" in lowered[:-1] else ""
    if len(argv) > 1 and lowered[1] == "count":
        if fmt == "json":
            return json.dumps({"row_count": len(rows)}, separators=(",", ":"))
        return f"\n{len(rows)} total.\n"
    if fmt == "json":
        if not rows:
            return '{"row_count": 0}\n'
        return json.dumps({"row_count": len(rows), "rows": rows}, separators=(",", ":"))
    if fmt:
        return f"-ERR Cannot find format {argv[-1]}\n"
    columns = list(rows[0]) if rows else list(_empty_row_columns())
    lines = [",".join(columns)]
    lines += [",".join(row[column] for column in columns) for row in rows]
    return "\n".join(lines) + f"\n\n{len(rows)} total.\n"


def _empty_row_columns() -> list[str]:
    probe = Channel("", "", "", CallerProfile("", "", "", "", "", "", 0), ChannelTimes(0), "")
    return list(probe.show_row(""))


def status(core: SwitchCore, args: str) -> str:
    up = max(0, core.clock.now_us() - core.started_us)
    seconds, micro = divmod(up, 1_000_000)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    years, days = divmod(days, 365)

    def unit(count: int, name: str) -> str:
        return f"{count} {name}{'' if count == 1 else 's'}"

    live = len([c for c in core.channels.values() if not c.destroyed])
    return (
        f"UP {unit(years, 'year')}, {unit(days, 'day')}, {unit(hours, 'hour')}, "
        f"{unit(minutes, 'minute')}, {unit(seconds, 'second')}, "
        f"{unit(micro // 1000, 'millisecond')}, {unit(micro % 1000, 'microsecond')}\n"
        f"FreeSWITCH (Version {VERSION}) is ready\n"
        f"{core.session_count} session(s) since startup\n"
        f"{live} session(s) - peak {max(live, 1)}, last 5min {live} \n"
        "0 session(s) per Sec out of max 30, peak 1, last 5min 1 \n"
        "1000 session(s) max\n"
        "min idle cpu 0.00/100.00\n"
        "Current Stack Size/Max 240K/8192K\n"
    )


def version(core: SwitchCore, args: str) -> str:
    return f"FreeSWITCH Version 1.10.12-release~64bit ({VERSION})\n"


HANDLERS: dict[str, Handler] = {
    "uuid_kill": uuid_kill,
    "uuid_answer": _answer_like(answer),
    "uuid_pre_answer": _answer_like(pre_answer),
    "uuid_ring_ready": uuid_ring_ready,
    "uuid_getvar": uuid_getvar,
    "uuid_setvar": uuid_setvar,
    "uuid_exists": uuid_exists,
    "uuid_bridge": uuid_bridge_api,
    "uuid_broadcast": uuid_broadcast,
    "uuid_break": uuid_break,
    "uuid_record": uuid_record,
    "uuid_send_dtmf": uuid_send_dtmf,
    "uuid_dump": uuid_dump,
    "sched_hangup": sched_hangup,
    "hupall": hupall,
    "show": show,
    "status": status,
    "version": version,
}


def execute(core: SwitchCore, command: str, args: str, report: Report) -> None:
    """Run one api command; `report` gets its reply once (later, for originate)."""
    rows = [("API-Command", command)]
    if args:
        rows.append(("API-Command-Argument", args))
    core.fire("API", rows)
    if command == "originate":
        try:
            request = parse_originate(args)
        except OriginateRejected as rejected:
            report(rejected.reply)
            return
        originate(core, request, report)
        return
    handler = HANDLERS.get(command)
    if handler is None:
        report(f"-ERR {command} Command not found!\n")
        return
    report(handler(core, args))
