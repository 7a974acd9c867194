"""Rasa input channel for the Regiecoach bridge: Rasa's REST channel plus a
shared-secret check.

Rasa's `--auth-token` protects the HTTP API but not the REST webhook, so any
local process could post as any chat id. This channel refuses requests without
the token the launcher generated (header `X-Regiecoach-Token`). The bridge's
metadata (the update key) is kept on the user event in the tracker, so the
bridge can read a turn's replies back after a timeout.
"""

from __future__ import annotations

import hmac
import os
from typing import Any, Awaitable, Callable, Dict, Optional

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request

TOKEN_HEADER = "X-Regiecoach-Token"


class RegiecoachInput(RestInput):
    @classmethod
    def name(cls) -> str:
        return "regiecoach"

    def __init__(self, token: Optional[str]) -> None:
        self.token = token or ""

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[str, Any]]) -> RegiecoachInput:
        return cls(os.environ.get("REGIECOACH_RASA_TOKEN") or (credentials or {}).get("token"))

    def get_metadata(self, request: Request) -> Optional[Dict[str, Any]]:
        metadata = (request.json or {}).get("metadata")
        return metadata if isinstance(metadata, dict) else None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        blueprint = super().blueprint(on_new_message)

        @blueprint.on_request
        async def check_token(request: Request) -> Any:
            given = request.headers.get(TOKEN_HEADER, "")
            if not self.token or not hmac.compare_digest(given, self.token):
                return response.json({"error": "forbidden"}, status=403)
            return None

        return blueprint
