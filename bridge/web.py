"""The bridge's own HTTP endpoint in front of the REST API: `GET /health`.

`/health` answers for the whole bridge, which the REST app cannot see: 200
with `{"status": "ok", ...}` when the Event Socket is connected, 503 with
`"status": "degraded"` while it is connecting, reconnecting, or given up
(so that a load balancer or an orchestrator stops sending calls to it), plus
the number of live calls and whether new calls are taken. Every other
request goes to the wrapped WSGI app (the REST API).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from typing import Any

HEALTH_PATH = "/health"

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


@dataclass(frozen=True)
class Health:
    freeswitch: str  # "connected", "connecting", "reconnecting", "gave up", "closed"
    live_calls: int
    accepting_calls: bool

    @property
    def ok(self) -> bool:
        return self.freeswitch == "connected" and self.accepting_calls

    def body(self) -> bytes:
        data = {"status": "ok" if self.ok else "degraded", **asdict(self)}
        return json.dumps(data).encode("utf-8")


def with_health(app: WsgiApp, probe: Callable[[], Health]) -> WsgiApp:
    def health_first(
        environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != HEALTH_PATH:
            return app(environ, start_response)
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            start_response("405 Method Not Allowed", [("Allow", "GET, HEAD")])
            return [b""]
        health = probe()
        body = health.body()
        status = "200 OK" if health.ok else "503 Service Unavailable"
        start_response(
            status,
            [
                ("Content-Type", "application/json"),
                ("Content-Length", str(len(body))),
                ("Cache-Control", "no-store"),
            ],
        )
        return [b"" if environ.get("REQUEST_METHOD") == "HEAD" else body]

    return health_first
