"""Parse `originate` arguments the way FreeSWITCH tokenizes them (pure).

`originate <call url> <exten>|&<app>(<args>) [<dialplan>] [<context>]
[<cid_name>] [<cid_num>] [<timeout_sec>]` (mod_commands.c). The call url may
start with `{a=b,c=d}` blocks (switch_event_create_brackets) whose separator a
leading `^^X` changes to X; values may be quoted with `'...'` or use `\\`
escapes, as switch_separate_string allows. Malformed input raises
`OriginateRejected` carrying the exact reply FreeSWITCH gives.
"""

from __future__ import annotations

from dataclasses import dataclass

ORIGINATE_SYNTAX = (
    "<call url> <exten>|&<application_name>(<app_args>) [<dialplan>] [<context>] "
    "[<cid_name>] [<cid_num>] [<timeout_sec>]"
)
_UNESCAPES = {"n": "\n", "r": "\r", "t": "\t", "s": " "}


def leading_number(text: str) -> int:
    """atoi/atol: the digits at the start (after spaces), 0 when there are none."""
    digits = ""
    for char in text.lstrip(" "):
        if not char.isdigit():
            break
        digits += char
    return int(digits) if digits else 0


class OriginateRejected(Exception):
    """The originate fails before any channel exists; `reply` is the api result."""

    def __init__(self, reply: str) -> None:
        super().__init__(reply.strip())
        self.reply = reply


def _cleanup(token: str, delim: str) -> str:
    """cleanup_separated_string: drop quotes and escapes, trim spaces."""
    out: list[str] = []
    end = 0
    inside = False
    i = 0
    token = token.lstrip(" ")
    while i < len(token):
        char = token[i]
        if char == "\\" and i + 1 < len(token):
            nxt = token[i + 1]
            unescaped = _UNESCAPES.get(nxt, nxt)
            if nxt in ("'", '"', "\\") or (delim and nxt == delim) or unescaped != nxt:
                out.append(unescaped)
                end = len(out)
                i += 2
                continue
        if char == "'" and (inside or "'" in token[i + 1 :]):
            inside = not inside
            if inside:
                end = len(out)
        else:
            out.append(char)
            if char != " " or inside:
                end = len(out)
        i += 1
    return "".join(out[:end])


def separate(text: str, delim: str, limit: int) -> list[str]:
    """switch_separate_string: split on `delim` outside quotes; the last of
    `limit` pieces keeps the rest; a leading `^^X` makes X the delimiter."""
    if text.startswith("^^") and len(text) >= 4:
        delim = text[2]
        text = text[3:]
    pieces: list[str] = []
    start: int | None = None
    inside = False
    i = 0
    while i < len(text) and (start is not None or len(pieces) < limit):
        char = text[i]
        if start is None:
            if delim == " " and char == " ":
                i += 1
                continue
            start = i
            if len(pieces) == limit - 1:
                pieces.append(text[start:])
                start = None
                break
        if char == "\\":
            i += 2
            continue
        if char == "'" and (delim == " " or inside or "'" in text[i + 1 :]):
            inside = not inside
        elif char == delim and not inside:
            pieces.append(text[start:i])
            start = None
        i += 1
    if start is not None:
        pieces.append(text[start:])
    return [_cleanup(piece, "" if delim == " " else delim) for piece in pieces]


def _end_of_block(text: str, opening: str, closing: str) -> int:
    """Index of the bracket closing the block that starts at text[0], or -1."""
    depth = 0
    for index, char in enumerate(text):
        if char == opening:
            depth += 1
        elif char == closing:
            depth -= 1
            if depth == 0:
                return index
    return -1


def parse_variable_block(inner: str) -> list[tuple[str, str]]:
    """`a=b,c=d` (or `^^;a=b;c=d`) into pairs; items without `=` are ignored."""
    pairs: list[tuple[str, str]] = []
    for item in separate(inner, ",", 1024):
        name_value = separate(item, "=", 2)
        if len(name_value) == 2 and name_value[0]:
            pairs.append((name_value[0], name_value[1]))
    return pairs


@dataclass(frozen=True, slots=True)
class DialTarget:
    """The part of `sofia/<profile>/<target>` after the profile."""

    text: str
    scheme: str
    user: str
    host: str
    port: int | None
    params: tuple[tuple[str, str], ...]

    @property
    def hostport(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port is None else f"{host}:{self.port}"

    @property
    def user_at_hostport(self) -> str:
        return f"{self.user}@{self.hostport}" if self.user else self.hostport

    @property
    def transport(self) -> str:
        for name, value in self.params:
            if name.lower() == "transport":
                return value.lower()
        return "tls" if self.scheme == "sips" else "udp"

    @property
    def request_uri(self) -> str:
        """The dialled target without its scheme: what sip_req_uri holds."""
        return self.text.split(":", 1)[1] if self.scheme else self.text


def parse_target(text: str) -> DialTarget | None:
    """`[sip:|sips:][user@]host[:port][;params][?headers]`, or None when it is no URI."""
    rest = text
    scheme = ""
    lowered = rest.lower()
    for candidate in ("sips:", "sip:"):
        if lowered.startswith(candidate):
            scheme = candidate[:-1]
            rest = rest[len(candidate) :]
            break
    rest = rest.split("?", 1)[0]
    address, *raw_params = rest.split(";")
    user, at, hostport = address.rpartition("@")
    if not at:
        user, hostport = "", address
    port: int | None = None
    if hostport.startswith("["):
        host, bracket, after = hostport[1:].partition("]")
        if not bracket:
            return None
        if after:
            if not after.startswith(":") or not after[1:].isdigit():
                return None
            port = int(after[1:])
    else:
        host, colon, port_text = hostport.partition(":")
        if colon:
            if not port_text.isdigit():
                return None
            port = int(port_text)
    if not host or any(char in host for char in " ,|<>\"'"):
        return None
    params = []
    for raw in raw_params:
        name, _, value = raw.partition("=")
        if name:
            params.append((name, value))
    return DialTarget(text, scheme, user, host.lower(), port, tuple(params))


@dataclass(frozen=True, slots=True)
class OriginateRequest:
    call_url: str
    variables: tuple[tuple[str, str], ...]
    endpoint: str  # "sofia" or "error"
    profile: str  # the sofia profile, or the cause name for error/<cause>
    target: DialTarget | None
    application: str  # "park", or "" for a dialplan extension
    app_args: str
    extension: str
    dialplan: str
    context: str
    cid_name: str | None
    cid_num: str | None
    timeout: int

    def variable(self, name: str) -> str | None:
        found = None
        for key, value in self.variables:
            if key == name:
                found = value
        return found


def _strip_blocks(call_url: str, opening: str, closing: str) -> tuple[list[tuple[str, str]], str]:
    pairs: list[tuple[str, str]] = []
    rest = call_url
    while rest.startswith(opening):
        end = _end_of_block(rest, opening, closing)
        if end < 0:
            raise OriginateRejected("-ERR DESTINATION_OUT_OF_ORDER\n")
        pairs += parse_variable_block(rest[1:end])
        rest = rest[end + 1 :].lstrip(" ")
    return pairs, rest


def parse_originate(args: str) -> OriginateRequest:
    """The arguments after `originate `, as the api (or bgapi) received them."""
    argv = separate(args, " ", 10) if args.strip() else []
    if len(argv) < 2 or len(argv) > 7:
        raise OriginateRejected(f"-USAGE: {ORIGINATE_SYNTAX}\n")
    values: list[str | None] = [None if arg.lower() == "undef" else arg for arg in argv]
    values += [None] * (7 - len(values))
    call_url, exten = values[0], values[1]
    if call_url is None or exten is None:
        raise OriginateRejected("-ERR DESTINATION_OUT_OF_ORDER\n")
    global_vars, rest = _strip_blocks(call_url, "{", "}")
    leg_vars, rest = _strip_blocks(rest, "[", "]")
    variables = tuple(global_vars + leg_vars)
    endpoint, _, after = rest.partition("/")
    endpoint = endpoint.lower()
    target: DialTarget | None = None
    if endpoint == "sofia":
        profile, slash, target_text = after.partition("/")
        if not slash or not target_text:
            raise OriginateRejected("-ERR DESTINATION_OUT_OF_ORDER\n")
        target = parse_target(target_text)
        if target is None:
            raise OriginateRejected("-ERR INVALID_URL\n")
    elif endpoint == "error":
        profile = after
    else:
        raise OriginateRejected("-ERR CHAN_NOT_IMPLEMENTED\n")
    application, app_args = "", ""
    if exten.startswith("&") and len(exten) > 1:
        name = exten[1:].split(")", 1)[0]
        application, _, app_args = name.partition("(")
    timeout_text = values[6]
    timeout = 60 if timeout_text is None else leading_number(timeout_text)
    return OriginateRequest(
        call_url=call_url,
        variables=variables,
        endpoint=endpoint,
        profile=profile,
        target=target,
        application=application,
        app_args=app_args,
        extension="" if application else exten,
        dialplan=values[2] or "XML",
        context=values[3] or "default",
        cid_name=values[4],
        cid_num=values[5],
        timeout=timeout,
    )
