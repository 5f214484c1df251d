"""A customer web application for the lab: answers every call with a <Dial><Sip>
to the SIPp callee and prints each status callback and action request it gets.

Run by docker-compose.yml (service `app`); by hand:
    .venv/bin/python lab/app.py --port 8000 --callee sip:alice@127.0.0.1:5090;transport=udp
"""

from __future__ import annotations

import argparse
import sys
from xml.sax.saxutils import escape

from flask import Flask, Response, request


def create_app(callee: str) -> Flask:
    app = Flask(__name__)

    def log(kind: str) -> None:
        params = request.values.to_dict(flat=True)
        print(f"{kind}: {params}", file=sys.stderr, flush=True)

    @app.route("/voice", methods=["GET", "POST"])
    def voice() -> Response:
        log("voice")
        document = (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Response><Dial action="/after-dial" timeout="20">'
            '<Sip statusCallback="/status"'
            ' statusCallbackEvent="initiated ringing answered completed">'
            f"{escape(callee)}</Sip></Dial></Response>"
        )
        return Response(document, content_type="text/xml")

    @app.route("/after-dial", methods=["GET", "POST"])
    def after_dial() -> Response:
        log("action")
        return Response("<Response><Hangup/></Response>", content_type="text/xml")

    @app.route("/status", methods=["GET", "POST"])
    def status() -> tuple[str, int]:
        log("status")
        return "", 204

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--callee", default="sip:alice@127.0.0.1:5090;transport=udp")
    args = parser.parse_args()
    create_app(args.callee).run(host=args.host, port=args.port)


if __name__ == "__main__":
    main()
