"""The action server: rasa_sdk's app, listening on 127.0.0.1, that accepts
only calls carrying the launcher's token.

rasa-sdk has no authentication of its own, so any local process could post a
forged tracker for any user. Rasa sends the token as a header (endpoints.yml,
`action_endpoint.headers`); a request middleware compares it in constant time.
Only /health stays open: the launcher's health check reads no user data.
"""

from __future__ import annotations

import hmac
import logging
import os
from typing import Optional

from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

TOKEN_HEADER = "X-Regiecoach-Actions-Token"
TOKEN_ENV = "REGIECOACH_ACTIONS_TOKEN"
OPEN_PATHS = frozenset({"/health"})


def require_token(app: Sanic, token: str) -> None:
    """Refuse (401) every request but /health without the right token."""
    expected = token.encode()

    @app.middleware("request")
    async def check_token(request: Request) -> Optional[HTTPResponse]:
        if request.path in OPEN_PATHS:
            return None
        given = (request.headers.get(TOKEN_HEADER) or "").encode()
        if not hmac.compare_digest(given, expected):
            return response.json({"error": "unauthorized"}, status=401)
        return None


def main() -> None:
    token = os.environ.get(TOKEN_ENV, "")
    if not token:
        raise SystemExit(f"{TOKEN_ENV} ontbreekt")
    port = int(os.environ.get("ACTIONS_PORT") or 5055)
    from rasa_sdk import utils
    from rasa_sdk.endpoint import create_app

    utils.configure_colored_logging(logging.INFO)
    utils.update_sanic_log_level()
    # No CORS: only Rasa on this machine calls us, never a browser.
    app = create_app("actions", cors_origins=None)
    require_token(app, token)
    app.run("127.0.0.1", port, workers=1, access_log=False)


if __name__ == "__main__":
    main()
