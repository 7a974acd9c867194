"""A local Telegram Bot API for the bench (127.0.0.1 only, aiohttp).

Unlike tests/fake_bot_api.py it long-polls like Telegram (getUpdates waits
until there is an update or the timeout passes), remembers when each update
was first offered to the bot, and enforces Telegram's limits: a send to a chat
that got a message less than a second ago, or the 31st send of the bot within
one second, is answered with 429 and retry_after. Nothing is sent anywhere.
"""

from __future__ import annotations

import asyncio
import collections
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Deque, Dict, List, Optional

from aiohttp import web

SEND_METHODS = {"sendMessage", "sendPhoto", "sendDocument"}
BOT_PER_SECOND = 30
CHAT_SECONDS = 1.0


@dataclass
class Sent:
    chat_id: int
    at: float
    text: str
    buttons: List[Dict[str, str]]  # {"text": title, "callback_data": id}


@dataclass
class FakeBotApi:
    clock: Callable[[], float] = time.perf_counter
    updates: Dict[int, Dict[str, Any]] = field(default_factory=dict)
    offered_at: Dict[int, float] = field(default_factory=dict)
    sent: List[Sent] = field(default_factory=list)
    rejected_429: int = 0
    calls: collections.Counter = field(default_factory=collections.Counter)
    first_get_updates: Optional[float] = None
    keep_sent: bool = True

    def __post_init__(self) -> None:
        self._ids = itertools.count(1)
        self._message_ids = itertools.count(1)
        self._new_update = asyncio.Event()
        self._recent: Deque[float] = collections.deque()
        self._last_to_chat: Dict[int, float] = {}
        self._listeners: Dict[int, List[asyncio.Future]] = collections.defaultdict(list)
        self.sent_count = 0
        self.first_sent: Optional[float] = None
        self.last_sent: Optional[float] = None
        self._runner: Optional[web.AppRunner] = None
        self.port = 0

    # --- the bench's side ---------------------------------------------------------

    async def start(self, port: int = 0) -> FakeBotApi:
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    def _user(self, chat_id: int) -> Dict[str, Any]:
        return {"id": chat_id, "is_bot": False, "first_name": "Bench"}

    def _chat(self, chat_id: int) -> Dict[str, Any]:
        return {"id": chat_id, "type": "private", "first_name": "Bench"}

    def offer_text(self, chat_id: int, text: str) -> int:
        update_id = next(self._ids)
        self.updates[update_id] = {"update_id": update_id, "message": {
            "message_id": next(self._message_ids), "date": int(time.time()), "text": text,
            "chat": self._chat(chat_id), "from": self._user(chat_id)}}
        self._new_update.set()
        return update_id

    def offer_button(self, chat_id: int, message_id: int, callback_data: str) -> int:
        update_id = next(self._ids)
        self.updates[update_id] = {"update_id": update_id, "callback_query": {
            "id": str(update_id), "from": self._user(chat_id), "chat_instance": str(chat_id), "data": callback_data,
            "message": {"message_id": message_id, "date": int(time.time()), "chat": self._chat(chat_id), "text": "…"}}}
        self._new_update.set()
        return update_id

    def last_to_chat(self, chat_id: int) -> float:
        """When the latest message to this chat arrived (-inf: never)."""
        return self._last_to_chat.get(chat_id, float("-inf"))

    def next_message(self, chat_id: int) -> asyncio.Future:
        """Resolves with the next message sent to this chat."""
        future: asyncio.Future = asyncio.get_running_loop().create_future()
        self._listeners[chat_id].append(future)
        return future

    # --- the bot's side -----------------------------------------------------------

    async def _params(self, request: web.Request) -> Dict[str, Any]:
        if request.content_type == "application/json":
            return dict(await request.json())
        form = await request.post()
        return {key: value for key, value in form.items() if isinstance(value, str)}

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await self._params(request)
        self.calls[method] += 1
        if method == "getUpdates":
            return self._ok(await self._get_updates(params))
        if method == "getMe":
            return self._ok({"id": 1, "is_bot": True, "first_name": "Regiecoach", "username": "RegiecoachBot"})
        if method in SEND_METHODS:
            return self._send(method, params)
        return self._ok(True)

    async def _get_updates(self, params: Dict[str, Any]) -> List[Dict[str, Any]]:
        if self.first_get_updates is None:
            self.first_get_updates = self.clock()
        offset = int(params.get("offset") or 0)
        for update_id in [u for u in self.updates if u < offset]:  # confirmed by the bot
            del self.updates[update_id]
        deadline = self.clock() + float(params.get("timeout") or 0)
        while not self.updates and self.clock() < deadline:
            self._new_update.clear()
            try:
                await asyncio.wait_for(self._new_update.wait(), timeout=max(0.0, deadline - self.clock()))
            except asyncio.TimeoutError:
                break
        now = self.clock()
        batch = [self.updates[u] for u in sorted(self.updates)][:100]
        for update in batch:
            self.offered_at.setdefault(update["update_id"], now)
        return batch

    def _send(self, method: str, params: Dict[str, Any]) -> web.Response:
        now = self.clock()
        chat_id = int(params.get("chat_id") or 0)
        while self._recent and now - self._recent[0] >= 1.0:
            self._recent.popleft()
        if len(self._recent) >= BOT_PER_SECOND or now - self._last_to_chat.get(chat_id, -10.0) < CHAT_SECONDS:
            self.rejected_429 += 1
            body = {"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 1",
                    "parameters": {"retry_after": 1}}
            return web.json_response(body, status=429)
        self._recent.append(now)
        self._last_to_chat[chat_id] = now
        markup = params.get("reply_markup")
        if isinstance(markup, str):
            markup = json.loads(markup or "{}")
        buttons = [b for row in (markup or {}).get("inline_keyboard", []) for b in row]
        text = str(params.get("text") or params.get("caption") or "")
        self.sent_count += 1
        self.first_sent = self.first_sent if self.first_sent is not None else now
        self.last_sent = now
        message = Sent(chat_id, now, text, buttons)
        if self.keep_sent:
            self.sent.append(message)
        message_id = next(self._message_ids)
        for future in self._listeners.pop(chat_id, []):
            if not future.done():
                future.set_result((message_id, message))
        result: Dict[str, Any] = {"message_id": message_id, "date": int(time.time()), "chat": self._chat(chat_id)}
        if method == "sendMessage":
            result["text"] = text
        return self._ok(result)

    def _ok(self, result: Any) -> web.Response:
        return web.json_response({"ok": True, "result": result})
