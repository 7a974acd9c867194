"""A tiny local Telegram Bot API server for end-to-end tests of the real
Telegram path (`TELEGRAM_BASE_URL=http://127.0.0.1:<port>/bot`)."""

from __future__ import annotations

import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List, Tuple


class FakeBotApi:
    def __init__(self) -> None:
        self.calls: List[Tuple[str, Dict[str, Any]]] = []
        self.updates: List[Dict[str, Any]] = []
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/bot"

    def start(self) -> FakeBotApi:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()

    def sent(self, method: str) -> List[Dict[str, Any]]:
        with self.lock:
            return [params for name, params in self.calls if name == method]

    def _handler(self):
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # keep test output clean
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode("utf-8", errors="replace")
                if "json" in (self.headers.get("Content-Type") or ""):
                    params = json.loads(body or "{}")
                else:
                    params = {k: v[0] for k, v in urllib.parse.parse_qs(body).items()}
                method = self.path.rsplit("/", 1)[-1]
                result: Any = True
                with api.lock:
                    api.calls.append((method, params))
                    if method == "getMe":
                        result = {"id": 1, "is_bot": True, "first_name": "Regiecoach", "username": "RegiecoachBot"}
                    elif method == "getUpdates":
                        offset = int(params.get("offset") or 0)
                        result = [u for u in api.updates if u["update_id"] >= offset]
                    elif method in ("sendMessage", "sendDocument", "sendPhoto"):
                        result = {"message_id": len(api.calls), "date": 0,
                                  "chat": {"id": int(params.get("chat_id", 0) or 0), "type": "private"}}
                data = json.dumps({"ok": True, "result": result}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST

        return Handler
