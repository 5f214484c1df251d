"""Configuration: file plus environment, validated at start with clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from bridge.config import ConfigError, load_settings

SID = "AC" + "0" * 31 + "1"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "bridge.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_file_with_routes_and_defaults(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        f"""
account_sid = "{SID}"
api_token = "secret"

[[routes]]
number = "15551234"
url = "https://app.example.com/voice"
method = "GET"
fallback_url = "https://backup.example.com/voice"

[[routes]]
pattern = "\\\\+1555.*"
url = "https://app.example.com/other"
""",
    )
    settings = load_settings(path, environ={})
    assert settings.esl.host == "127.0.0.1"
    assert settings.esl.port == 8021
    assert settings.esl.password == "ClueCon"
    assert settings.sofia_profile == "external"
    assert settings.signing_key == "secret"  # defaults to the API token
    route = settings.route_for("15551234")
    assert route is not None and route.url == "https://app.example.com/voice"
    assert route.method == "GET"
    other = settings.route_for("+15559999")
    assert other is not None and other.url.endswith("/other")
    assert settings.route_for("999") is None


def test_environment_overrides_file(tmp_path: Path) -> None:
    path = write(tmp_path, f'account_sid = "{SID}"\napi_token = "a"\n')
    settings = load_settings(
        path,
        environ={"CXML_BRIDGE_ESL_PORT": "18021", "CXML_BRIDGE_ESL_PASSWORD": "pw"},
    )
    assert settings.esl.port == 18021
    assert settings.esl.password == "pw"


def test_environment_alone_is_enough() -> None:
    settings = load_settings(
        None, environ={"CXML_BRIDGE_ACCOUNT_SID": SID, "CXML_BRIDGE_API_TOKEN": "t"}
    )
    assert settings.account_sid == SID


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('api_token = "t"', "account_sid: is required"),
        ('account_sid = "bogus"\napi_token = "t"', "account_sid: must be AC"),
        (f'account_sid = "{SID}"\napi_token = "t"\nsofia_profile = "a b"', "sofia_profile"),
        (f'account_sid = "{SID}"\napi_token = "t"\nsofia_profile = "gateway"', "sofia_profile"),
        (f'account_sid = "{SID}"\napi_token = "t"\nsofia_profile = "ext\\n"', "sofia_profile"),
        (f'account_sid = "{SID}"\napi_token = "t"\n[esl]\nport = 70000', "esl.port: must be"),
        (f'account_sid = "{SID}"\napi_token = "t"\ncolour = "red"', "unknown keys: colour"),
        (
            f'account_sid = "{SID}"\napi_token = "t"\n[[routes]]\nnumber = "1"\nurl = "ftp://x"',
            "routes[0].url: must be an absolute http(s) URL",
        ),
        (
            f'account_sid = "{SID}"\napi_token = "t"\n[[routes]]\nurl = "http://x/"',
            "routes[0].number: give exactly one",
        ),
        (
            f'account_sid = "{SID}"\napi_token = "t"\n[[routes]]\npattern = "("\nurl = "http://x/"',
            "routes[0].pattern: is not a valid regular expression",
        ),
        (f'account_sid = "{SID}"\napi_token = "t"\n[esl]\npassword = "a b"', "esl.password"),
        ("account_sid = [", "not valid TOML"),
        (
            f'account_sid = "{SID}"\napi_token = "t"\nrecordings_dir = "/var/rec ordings"',
            "recordings_dir: '/var/rec ordings' is given to FreeSWITCH",
        ),
    ],
)
def test_bad_values_name_key_and_file(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_settings(path, environ={})
    assert message in str(info.value)
    assert str(path) in str(info.value)


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such configuration file"):
        load_settings(tmp_path / "absent.toml", environ={})


EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "bridge.toml"


def test_the_example_configuration_loads() -> None:
    settings = load_settings(EXAMPLE, environ={})
    assert settings.route_for("+15551234") is not None
    assert settings.route_for("+15559999") is not None  # the pattern route
    assert settings.route_for("+4930123") is None
    assert settings.media.tts_engine is None and settings.media.playback_prefix == ""


def test_media_settings(tmp_path: Path) -> None:
    base = f'account_sid = "{SID}"\napi_token = "t"\n'
    settings = load_settings(
        write(
            tmp_path, base + '[media]\ntts_engine = "flite"\nplayback_prefix = "http_cache://"\n'
        ),
        environ={},
    )
    assert (settings.media.tts_engine, settings.media.tts_voice) == ("flite", "kal")
    assert settings.media.playback_prefix == "http_cache://"
    with pytest.raises(ConfigError, match=r"media\.playback_prefix"):
        load_settings(write(tmp_path, base + '[media]\nplayback_prefix = "file://"\n'), environ={})
    with pytest.raises(ConfigError, match=r"media\.tts_engine"):
        load_settings(write(tmp_path, base + '[media]\ntts_engine = "flite|x"\n'), environ={})
