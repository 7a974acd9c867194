"""Helpers for tests that talk to a real Rasa through the bridge: a user's
chat with a clock the test moves (for the retry loop), and an HTTP proxy that
forwards everything and lets a test act on an answer before passing it on."""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, List, Optional, Tuple

import httpx

from bot.bridge import Bridge, RasaClient
from regiecoach.storage import open_db
from tests.fakes import RecordingChannel

# (path, request body, status, answer body) -> None to pass the answer on, or (status, body) instead.
AfterHook = Callable[[str, bytes, int, bytes], Optional[Tuple[int, bytes]]]


class ForwardingProxy(ThreadingHTTPServer):
    """Forwards every request to `upstream`; `after` sees each whole answer first."""

    daemon_threads = True

    def __init__(self, upstream: str, after: Optional[AfterHook] = None) -> None:
        super().__init__(("127.0.0.1", 0), _ProxyHandler)
        self.upstream = upstream.rstrip("/")
        self.after = after
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _ProxyHandler(BaseHTTPRequestHandler):
    server: ForwardingProxy

    def _forward(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
        try:
            answer = httpx.request(self.command, self.server.upstream + self.path, content=body, headers=headers,
                                   timeout=120)
        except httpx.HTTPError:
            self.send_error(502)
            return
        status, content = answer.status_code, answer.content
        if self.server.after is not None:
            status, content = self.server.after(self.path, body, status, content) or (status, content)
        try:
            self.send_response(status)
            self.send_header("Content-Type", answer.headers.get("content-type", "text/plain"))
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)
        except OSError:
            pass  # the caller is gone (a test killed it)

    do_GET = do_POST = _forward

    def log_message(self, format: str, *args: Any) -> None:
        pass


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime.now(dt.timezone.utc)

    def __call__(self) -> dt.datetime:
        return self.now


class Chat:
    """One user talking to Rasa (at `rasa_url`, or through `client`) via the bridge, as Telegram would."""

    def __init__(self, settings: Any, token: str, chat_id: str, rasa_url: Optional[str] = None,
                 client: Optional[Callable[[], RasaClient]] = None) -> None:
        self.settings, self.token, self.chat_id = settings, token, chat_id
        self.client = client or (lambda: RasaClient(rasa_url or settings.rasa_url, token))
        self.channel, self.clock, self.n = RecordingChannel(), Clock(), 0

    def _run(self, work: Callable[[Bridge], Any]) -> str:
        async def turn() -> List[str]:
            db = open_db(self.settings.db_path)
            rasa = self.client()
            bridge = Bridge(db, rasa, self.channel, tracker_db=str(self.settings.tracker_db), clock=self.clock,
                            min_interval=0)
            before = len(self.channel.delivered)
            try:
                await work(bridge)
            finally:
                await rasa.close()
                db.close()
            return [m.text for _, m, _ in self.channel.delivered[before:]]

        return "\n".join(asyncio.run(turn()))

    def next_key(self) -> str:
        return f"test:{self.chat_id}:{self.n + 1}"

    def say(self, text: str) -> str:
        key = self.next_key()
        self.n += 1
        return self._run(lambda bridge: bridge.handle_text(self.chat_id, text, key))

    def retry_later(self, minutes: float = 1) -> str:
        """What the bridge's retry loop does `minutes` later."""
        self.clock.now += dt.timedelta(minutes=minutes)
        return self._run(lambda bridge: bridge.retry_once())

    def goals(self) -> List[str]:
        db = open_db(self.settings.db_path)
        try:
            return [row[0] for row in db.execute("select text from goals where chat_id = ?", [self.chat_id])]
        finally:
            db.close()


def to_the_goal_question(chat: Chat) -> None:
    """Consent and a meeting with the bedrijfsarts, up to "Wat wil je bereikt hebben?"."""
    chat.say("/voorbereiden")
    for answer in ("Ja, dat is goed", "In dienst bij een werkgever", "Bedrijfsarts", "volgende week dinsdag om 10 uur"):
        chat.say(answer)
    asked = chat.say("Ja")
    assert "bereikt" in asked, asked
