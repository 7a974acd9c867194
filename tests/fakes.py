"""Test doubles for the edges we cannot reach in tests: Telegram's servers
(a PTB request class that never touches the network) and, for bridge unit
tests only, a scripted Rasa. End-to-end tests use the real Rasa server."""

from __future__ import annotations

import asyncio
import json
from typing import Any, Dict, List, Optional, Tuple

from telegram.request import BaseRequest, RequestData

from bot.bridge import RasaTimeout, RasaUnavailable

BOT_USER = {"id": 999, "is_bot": True, "first_name": "Regiecoach", "username": "RegiecoachBot"}


class FakeTelegramRequest(BaseRequest):
    """Records every Bot API call and answers like Telegram would."""

    def __init__(self, bot_id: int = BOT_USER["id"]) -> None:  # type: ignore[assignment]
        self.bot_user = {**BOT_USER, "id": bot_id}
        self.calls: List[Tuple[str, Dict[str, Any]]] = []
        self.fail_with: Dict[str, Tuple[int, Dict[str, Any]]] = {}  # method -> (status, body), once
        self._message_id = 100

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    @property
    def read_timeout(self) -> Optional[float]:
        return 1.0

    def sent(self, method: str) -> List[Dict[str, Any]]:
        return [params for name, params in self.calls if name == method]

    async def do_request(self, url: str, method: str, request_data: Optional[RequestData] = None,
                         read_timeout: Any = None, write_timeout: Any = None, connect_timeout: Any = None,
                         pool_timeout: Any = None) -> Tuple[int, bytes]:
        name = url.rsplit("/", 1)[-1]
        params: Dict[str, Any] = dict(request_data.parameters) if request_data else {}
        if request_data and request_data.multipart_data:
            params["_files"] = list(request_data.multipart_data)
        self.calls.append((name, params))
        if name in self.fail_with:
            status, body = self.fail_with.pop(name)
            return status, json.dumps(body).encode()
        result: Any = True
        if name == "getMe":
            result = self.bot_user
        elif name in ("sendMessage", "sendDocument", "sendPhoto", "editMessageReplyMarkup"):
            self._message_id += 1
            result = {"message_id": self._message_id, "date": 0, "chat": {"id": int(params.get("chat_id", 1)),
                                                                          "type": "private"},
                      "text": params.get("text", "")}
        elif name == "getUpdates":
            result = []
        return 200, json.dumps({"ok": True, "result": result}).encode()


class ScriptedRasa:
    """Stands in for RasaClient in bridge unit tests. With `timeouts`, that
    many calls run the turn (it lands in the tracker) but answer like a
    request that timed out; `delay` makes each turn slow."""

    def __init__(self, replies: Optional[List[Dict[str, Any]]] = None, down: bool = False,
                 timeouts: int = 0, delay: float = 0.0) -> None:
        self.replies = replies if replies is not None else [{"recipient_id": "1", "text": "Hoi!"}]
        self.down = down
        self.timeouts = timeouts
        self.delay = delay
        self.messages: List[Tuple[str, str]] = []
        self.triggers: List[Tuple[str, str, Dict[str, Any]]] = []
        self.tracker: Dict[str, List[Dict[str, Any]]] = {}  # update key -> the replies Rasa gave

    async def message(self, sender: str, text: str, update_key: Optional[str] = None) -> List[Dict[str, Any]]:
        if self.down:
            raise RasaUnavailable("down")
        if self.delay:
            await asyncio.sleep(self.delay)
        self.messages.append((sender, text))
        replies = [dict(r) for r in self.replies]
        if update_key:
            self.tracker[update_key] = replies
        if self.timeouts:
            self.timeouts -= 1
            raise RasaTimeout("ReadTimeout")
        return replies

    async def turn_replies(self, sender: str, update_key: str) -> Optional[List[Dict[str, Any]]]:
        if self.down:
            raise RasaUnavailable("down")
        return self.tracker.get(update_key)

    async def healthy(self) -> bool:
        return not self.down

    async def trigger_intent(self, sender: str, intent: str, entities: Dict[str, Any]) -> List[Dict[str, Any]]:
        if self.down:
            raise RasaUnavailable("down")
        self.triggers.append((sender, intent, entities))
        return list(self.replies)

    async def close(self) -> None:
        pass


class RecordingChannel:
    """Records what would reach the user. `fail` is raised on every send,
    `fail_times` only on the first that many."""

    def __init__(self, fail: Optional[Exception] = None, fail_times: Optional[int] = None) -> None:
        self.delivered: List[Tuple[str, Any, List[str]]] = []
        self.fail = fail
        self.fail_times = fail_times

    async def deliver(self, chat_id: str, message: Any, button_ids: Any) -> None:
        if self.fail is not None and (self.fail_times is None or self.fail_times > 0):
            if self.fail_times is not None:
                self.fail_times -= 1
            raise self.fail
        self.delivered.append((chat_id, message, list(button_ids)))

    @property
    def texts(self) -> List[str]:
        return [m.text for _, m, _ in self.delivered]
