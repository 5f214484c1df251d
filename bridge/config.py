"""Typed, validated configuration for `cxml-bridge serve`.

Values come from a TOML file (`--config` or CXML_BRIDGE_CONFIG) and are then
overridden by environment variables (CXML_BRIDGE_*), so that containers can
inject secrets without a file. Everything is checked once, at start, and a
bad value stops the bridge with a message naming the key and the source.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bridge.cxml.models import HttpMethod
from bridge.sip import SipUri, SipUriError, parse_sip_uri
from bridge.switch import check_profile
from bridge.switch.commands import RECORDING_PATH_PATTERN

# SignalWire project ids are UUIDs; Twilio account sids are AC + 32 hex.
_ACCOUNT_SID = re.compile(
    r"^(AC[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$"
)
_HOST = re.compile(r"^[A-Za-z0-9.:_-]{1,253}$")


class ConfigError(ValueError):
    """A configuration value is missing or wrong; the message names key and source."""


@dataclass(frozen=True, slots=True)
class Route:
    """Which voice URL answers calls to a called number.

    `number` matches the called number exactly; `pattern` is a regular
    expression that must match the whole called number. The first matching
    route in file order wins.
    """

    url: str
    method: HttpMethod = HttpMethod.POST
    number: str | None = None
    pattern: re.Pattern[str] | None = None
    fallback_url: str | None = None
    fallback_method: HttpMethod = HttpMethod.POST
    status_callback: str | None = None
    status_callback_method: HttpMethod = HttpMethod.POST

    def matches(self, called: str) -> bool:
        if self.number is not None:
            return called == self.number
        assert self.pattern is not None
        return self.pattern.fullmatch(called) is not None


@dataclass(frozen=True)
class EventSocketSettings:
    # FreeSWITCH's own defaults (event_socket.conf.xml in the vanilla config).
    host: str = "127.0.0.1"
    port: int = 8021
    password: str = "ClueCon"
    connect_timeout: float = 5.0
    command_timeout: float = 10.0


@dataclass(frozen=True)
class HttpSettings:
    host: str = "127.0.0.1"
    port: int = 8080
    # The address customers' servers and REST clients use to reach this bridge
    # (RecordingUrl, subresource URIs). Defaults to http://host:port.
    public_url: str | None = None

    @property
    def base_url(self) -> str:
        return self.public_url or f"http://{self.host}:{self.port}"


@dataclass(frozen=True, slots=True)
class WebhookSettings:
    connect_timeout: float = 5.0
    read_timeout: float = 15.0
    callback_max_attempts: int = 5
    callback_retry_base: float = 1.0
    max_redirects: int = 10


@dataclass(frozen=True, slots=True)
class MediaSettings:
    """What `<Say>` and `<Play>` need from FreeSWITCH (freeswitch-conf/README.md).

    `tts_engine`: the TTS module `speak` uses (e.g. "flite" with mod_flite);
    None makes `<Say>` an error. `playback_prefix`: put before a `<Play>` URL,
    "" for mod_httapi (plays http:// and https:// itself) or "http_cache://"
    for mod_http_cache.
    """

    tts_engine: str | None = None
    tts_voice: str = "kal"  # DEFAULT_TTS_VOICE
    playback_prefix: str = ""


DEFAULT_TTS_VOICE = "kal"  # flite's default voice

PLAYBACK_PREFIXES = ("", "http_cache://")
_MODULE_WORD = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")

DEFAULT_DATABASE = "var/cxml-bridge.sqlite3"
DEFAULT_RECORDINGS_DIR = "var/recordings"


@dataclass(frozen=True)
class Settings:
    account_sid: str
    api_token: str
    signing_key: str
    sofia_profile: str = "external"
    database: str = DEFAULT_DATABASE
    recordings_dir: str = DEFAULT_RECORDINGS_DIR
    esl: EventSocketSettings = field(default_factory=EventSocketSettings)
    http: HttpSettings = field(default_factory=HttpSettings)
    webhooks: WebhookSettings = field(default_factory=WebhookSettings)
    media: MediaSettings = field(default_factory=MediaSettings)
    routes: tuple[Route, ...] = ()
    # Seconds `serve` lets calls in progress finish after SIGTERM/SIGINT before
    # it ends them.
    shutdown_grace: float = 30.0
    # Where REST-created calls to a phone number go: a SIP URI without user or
    # headers (`sip:carrier.example.com:5060;transport=udp`); the number becomes
    # its user part. None: the REST API refuses numbers, only SIP URIs can be called.
    outbound_number_gateway: SipUri | None = None

    def route_for(self, called: str) -> Route | None:
        return next((r for r in self.routes if r.matches(called)), None)


# Environment variable -> dotted key in the file's structure.
ENVIRONMENT: Mapping[str, str] = {
    "CXML_BRIDGE_ACCOUNT_SID": "account_sid",
    "CXML_BRIDGE_API_TOKEN": "api_token",
    "CXML_BRIDGE_SIGNING_KEY": "signing_key",
    "CXML_BRIDGE_SOFIA_PROFILE": "sofia_profile",
    "CXML_BRIDGE_DATABASE": "database",
    "CXML_BRIDGE_RECORDINGS_DIR": "recordings_dir",
    "CXML_BRIDGE_ESL_HOST": "esl.host",
    "CXML_BRIDGE_ESL_PORT": "esl.port",
    "CXML_BRIDGE_ESL_PASSWORD": "esl.password",
    "CXML_BRIDGE_HTTP_HOST": "http.host",
    "CXML_BRIDGE_HTTP_PORT": "http.port",
    "CXML_BRIDGE_PUBLIC_URL": "http.public_url",
    "CXML_BRIDGE_OUTBOUND_NUMBER_GATEWAY": "outbound_number_gateway",
}


def load_settings(
    path: str | os.PathLike[str] | None = None, environ: Mapping[str, str] | None = None
) -> Settings:
    """Read the file (if any), apply the environment, validate everything."""
    environ = os.environ if environ is None else environ
    raw: dict[str, Any] = {}
    source = "defaults"
    if path is None and environ.get("CXML_BRIDGE_CONFIG"):
        path = environ["CXML_BRIDGE_CONFIG"]
    if path is not None:
        source = str(path)
        try:
            raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"{source}: no such configuration file") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{source}: not valid TOML: {exc}") from None
    for var, key in ENVIRONMENT.items():
        if var in environ:
            _set_dotted(raw, key, environ[var], f"${var}")
    return _build(raw, source)


def _set_dotted(raw: dict[str, Any], key: str, value: str, _origin: str) -> None:
    node = raw
    *parents, leaf = key.split(".")
    for part in parents:
        node = node.setdefault(part, {})
    node[leaf] = value


class _Reader:
    """Pulls typed values out of one TOML table, remembering where it is."""

    def __init__(self, table: Mapping[str, Any], where: str, source: str) -> None:
        self.table = dict(table)
        self.where = where
        self.source = source

    def fail(self, key: str, message: str) -> ConfigError:
        return ConfigError(f"{self.source}: {self.where}{key}: {message}")

    def text(self, key: str, default: str | None = None, *, required: bool = False) -> str | None:
        value = self.table.pop(key, default)
        if value is None:
            if required:
                raise self.fail(key, "is required")
            return None
        if not isinstance(value, str) or not value:
            raise self.fail(key, "must be a non-empty string")
        if any(ord(c) < 32 for c in value):
            raise self.fail(key, "must not contain control characters")
        return value

    def number(self, key: str, default: float, low: float, high: float) -> float:
        value = self.table.pop(key, default)
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise self.fail(key, f"must be a number, got {value!r}") from None
        if not low <= number <= high:
            raise self.fail(key, f"must be between {low:g} and {high:g}, got {number:g}")
        return number

    def integer(self, key: str, default: int, low: int, high: int) -> int:
        value = self.table.pop(key, default)
        if isinstance(value, str) and value.isdigit():
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool):
            raise self.fail(key, f"must be an integer, got {value!r}")
        if not low <= value <= high:
            raise self.fail(key, f"must be between {low} and {high}, got {value}")
        return value

    def url(self, key: str, *, required: bool = False) -> str | None:
        value = self.text(key, required=required)
        if value is not None:
            parts = urlsplit(value)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise self.fail(key, f"must be an absolute http(s) URL, got {value!r}")
        return value

    def method(self, key: str) -> HttpMethod:
        value = self.text(key, "POST") or "POST"
        try:
            return HttpMethod(value)
        except ValueError:
            raise self.fail(key, f"must be GET or POST, got {value!r}") from None

    def table_of(self, key: str) -> _Reader:
        value = self.table.pop(key, {})
        if not isinstance(value, Mapping):
            raise self.fail(key, "must be a table")
        return _Reader(value, f"{self.where}{key}.", self.source)

    def finish(self) -> None:
        if self.table:
            unknown = ", ".join(sorted(self.table))
            where = self.where or "top level: "
            raise ConfigError(f"{self.source}: {where}unknown keys: {unknown}")


def _build(raw: Mapping[str, Any], source: str) -> Settings:
    top = _Reader(raw, "", source)
    account_sid = top.text("account_sid", required=True)
    assert account_sid is not None
    if not _ACCOUNT_SID.fullmatch(account_sid):
        raise top.fail("account_sid", "must be AC followed by 32 lowercase hex digits, or a UUID")
    api_token = top.text("api_token", required=True)
    assert api_token is not None
    signing_key = top.text("signing_key") or api_token
    profile = top.text("sofia_profile", "external")
    assert profile is not None
    try:
        check_profile(profile)
    except ValueError as exc:
        raise top.fail("sofia_profile", str(exc)) from None
    database = top.text("database", DEFAULT_DATABASE)
    recordings_dir = top.text("recordings_dir", DEFAULT_RECORDINGS_DIR)
    _check_recordings_dir(top, recordings_dir or DEFAULT_RECORDINGS_DIR)
    shutdown_grace = top.number("shutdown_grace", 30.0, 0, 3600)
    number_gateway = _number_gateway(top)

    esl_table = top.table_of("esl")
    esl_host = esl_table.text("host", EventSocketSettings.host)
    assert esl_host is not None
    if not _HOST.fullmatch(esl_host):
        raise esl_table.fail("host", f"is not a host name or address: {esl_host!r}")
    esl = EventSocketSettings(
        host=esl_host,
        port=esl_table.integer("port", EventSocketSettings.port, 1, 65535),
        password=esl_table.text("password", EventSocketSettings.password) or "",
        connect_timeout=esl_table.number("connect_timeout", 5.0, 0.1, 120),
        command_timeout=esl_table.number("command_timeout", 10.0, 0.1, 600),
    )
    if any(c in esl.password for c in " \r\n\0"):
        raise esl_table.fail("password", "must not contain spaces or line breaks")
    esl_table.finish()

    http_table = top.table_of("http")
    http = HttpSettings(
        host=http_table.text("host", HttpSettings.host) or HttpSettings.host,
        port=http_table.integer("port", HttpSettings.port, 0, 65535),
        public_url=http_table.url("public_url"),
    )
    http_table.finish()

    hooks_table = top.table_of("webhooks")
    webhooks = WebhookSettings(
        connect_timeout=hooks_table.number("connect_timeout", 5.0, 0.05, 60),
        read_timeout=hooks_table.number("read_timeout", 15.0, 0.05, 300),
        callback_max_attempts=hooks_table.integer("callback_max_attempts", 5, 1, 50),
        callback_retry_base=hooks_table.number("callback_retry_base", 1.0, 0.001, 600),
        max_redirects=hooks_table.integer("max_redirects", 10, 1, 100),
    )
    hooks_table.finish()

    media_table = top.table_of("media")
    tts_engine = media_table.text("tts_engine")
    tts_voice = media_table.text("tts_voice", DEFAULT_TTS_VOICE) or DEFAULT_TTS_VOICE
    for key, word in (("tts_engine", tts_engine), ("tts_voice", tts_voice)):
        if word is not None and not _MODULE_WORD.match(word):
            raise media_table.fail(key, "may hold only letters, digits, '_', '-' and '.'")
    prefix = media_table.table.pop("playback_prefix", "")
    if prefix not in PLAYBACK_PREFIXES:
        raise media_table.fail(
            "playback_prefix", f"must be one of {', '.join(map(repr, PLAYBACK_PREFIXES))}"
        )
    media = MediaSettings(tts_engine=tts_engine, tts_voice=tts_voice, playback_prefix=prefix)
    media_table.finish()

    routes_raw = top.table.pop("routes", [])
    if not isinstance(routes_raw, list):
        raise top.fail("routes", "must be an array of tables ([[routes]])")
    routes = tuple(_route(entry, i, source) for i, entry in enumerate(routes_raw))
    top.finish()
    return Settings(
        account_sid=account_sid,
        api_token=api_token,
        signing_key=signing_key,
        sofia_profile=profile,
        database=database or DEFAULT_DATABASE,
        recordings_dir=recordings_dir or DEFAULT_RECORDINGS_DIR,
        esl=esl,
        http=http,
        webhooks=webhooks,
        media=media,
        routes=routes,
        shutdown_grace=shutdown_grace,
        outbound_number_gateway=number_gateway,
    )


def _number_gateway(top: _Reader) -> SipUri | None:
    text = top.text("outbound_number_gateway")
    if text is None:
        return None
    try:
        uri = parse_sip_uri(text)
    except SipUriError as error:
        raise top.fail("outbound_number_gateway", str(error)) from None
    if uri.user is not None or uri.headers:
        raise top.fail(
            "outbound_number_gateway",
            "give only sip:host[:port][;transport=...]: the number becomes the user part",
        )
    return uri


def _check_recordings_dir(top: _Reader, recordings_dir: str) -> None:
    # FreeSWITCH is handed <recordings_dir>/<AccountSid>/<RecordingSid>.wav in
    # uuid_record: refuse at start a directory the switch layer would refuse
    # on every recorded call.
    absolute = os.path.abspath(recordings_dir)
    parts = absolute.split("/")
    if RECORDING_PATH_PATTERN.fullmatch(absolute) is None or "." in parts or ".." in parts:
        raise top.fail(
            "recordings_dir",
            f"{absolute!r} is given to FreeSWITCH: it may hold only letters, digits, "
            "'_', '.', '-' and '/'",
        )


def _route(entry: Any, index: int, source: str) -> Route:
    if not isinstance(entry, Mapping):
        raise ConfigError(f"{source}: routes[{index}]: must be a table")
    reader = _Reader(entry, f"routes[{index}].", source)
    number = reader.text("number")
    pattern_text = reader.text("pattern")
    if (number is None) == (pattern_text is None):
        raise reader.fail("number", "give exactly one of 'number' or 'pattern'")
    pattern = None
    if pattern_text is not None:
        try:
            pattern = re.compile(pattern_text)
        except re.error as exc:
            raise reader.fail("pattern", f"is not a valid regular expression: {exc}") from None
    url = reader.url("url", required=True)
    assert url is not None
    route = Route(
        url=url,
        method=reader.method("method"),
        number=number,
        pattern=pattern,
        fallback_url=reader.url("fallback_url"),
        fallback_method=reader.method("fallback_method"),
        status_callback=reader.url("status_callback"),
        status_callback_method=reader.method("status_callback_method"),
    )
    reader.finish()
    return route


def with_overrides(settings: Settings, **changes: Any) -> Settings:
    """A copy with some fields replaced (used by tests and the CLI's flags)."""
    return replace(settings, **changes)
