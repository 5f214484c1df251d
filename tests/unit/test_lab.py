"""The docker-compose lab's own files stay valid as the code moves on."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from bridge.config import load_settings
from bridge.cxml import parse_document
from bridge.cxml.models import Dial

LAB = Path(__file__).resolve().parents[2] / "lab"


def test_lab_configuration_loads_and_routes_the_sipp_number() -> None:
    settings = load_settings(LAB / "bridge.toml", environ={})
    route = settings.route_for("15551234")
    assert route is not None and route.url == "http://127.0.0.1:8000/voice"


def test_lab_app_answers_with_a_valid_dial() -> None:
    spec = importlib.util.spec_from_file_location("lab_app", LAB / "app.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    client = module.create_app("sip:alice@127.0.0.1:5090;transport=udp").test_client()
    reply = client.post("/voice", data={"CallSid": "CA" + "0" * 32})
    assert reply.status_code == 200
    assert reply.content_type.startswith("text/xml")
    document = parse_document(reply.data, source_url="http://127.0.0.1:8000/voice")
    dial = document.verbs[0]
    assert isinstance(dial, Dial)
    assert dial.action == "http://127.0.0.1:8000/after-dial"
    assert dial.sips[0].status_callback == "http://127.0.0.1:8000/status"
