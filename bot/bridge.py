"""The conversation bridge: the only code that talks to Rasa.

Telegram, the terminal chat and the scheduler all go through it, so every
channel behaves the same. For each incoming message it:
1. skips an update it already handled (Telegram redelivers after a crash);
2. checks the crisis lexicon first, so the crisis reply goes out even when
   Rasa is down;
3. asks Rasa, stores the replies in the outbox together with the update key
   (one transaction), then sends from the outbox and marks each row sent.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Protocol, Sequence, Tuple

import httpx
from sqlite_utils import Database

from actions.content import say
from bot.crisis import is_crisis
from bot.storage import conversations, privacy, users
from bot.storage.db import utcnow

log = logging.getLogger(__name__)

TELEGRAM_LIMIT = 4096
MAX_INPUT_CHARS = 2000
TOKEN_HEADER = "X-Regiecoach-Token"


class ChatBlocked(Exception):
    """The user blocked the bot (Telegram 403): stop sending, no retry loop."""


@dataclass
class OutMessage:
    text: str = ""
    buttons: List[Tuple[str, str]] = field(default_factory=list)  # (title, payload)
    document: Optional[Dict[str, Any]] = None
    photo: Optional[Dict[str, Any]] = None  # {"path": ...}; the text goes along as its caption
    erased: bool = False

    def to_json(self) -> Dict[str, Any]:
        return {"text": self.text, "buttons": self.buttons, "document": self.document, "photo": self.photo,
                "erased": self.erased}

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> OutMessage:
        return cls(text=data.get("text") or "", buttons=[tuple(b) for b in data.get("buttons") or []],  # type: ignore[misc]
                   document=data.get("document"), photo=data.get("photo"), erased=bool(data.get("erased")))


class Channel(Protocol):
    """Where messages go: Telegram or the terminal."""

    async def deliver(self, chat_id: str, message: OutMessage, button_ids: Sequence[str]) -> None: ...


class RasaUnavailable(Exception):
    pass


class RasaClient:
    """HTTP client for our token-checked Rasa channel and Rasa's HTTP API."""

    def __init__(self, base_url: str, token: str, timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.http = httpx.AsyncClient(timeout=timeout)

    async def close(self) -> None:
        await self.http.aclose()

    async def message(self, sender: str, text: str) -> List[Dict[str, Any]]:
        return await self._post(
            f"{self.base_url}/webhooks/regiecoach/webhook",
            {"sender": sender, "message": text},
            headers={TOKEN_HEADER: self.token},
        )

    async def trigger_intent(self, sender: str, intent: str, entities: Dict[str, Any]) -> List[Dict[str, Any]]:
        body = await self._post(
            f"{self.base_url}/conversations/{sender}/trigger_intent",
            {"name": intent, "entities": entities},
            params={"token": self.token, "include_events": "NONE"},
        )
        return body.get("messages", []) if isinstance(body, dict) else []

    async def healthy(self) -> bool:
        try:
            response = await self.http.get(f"{self.base_url}/status", params={"token": self.token})
            return response.status_code == 200
        except httpx.HTTPError:
            return False

    async def _post(self, url: str, body: Dict[str, Any], headers: Optional[Dict[str, str]] = None,
                    params: Optional[Dict[str, str]] = None) -> Any:
        try:
            response = await self.http.post(url, json=body, headers=headers, params=params)
        except httpx.HTTPError as error:
            raise RasaUnavailable(type(error).__name__) from error
        if response.status_code >= 400:
            raise RasaUnavailable(f"HTTP {response.status_code}")
        return response.json()


def merge_rasa_messages(messages: List[Dict[str, Any]]) -> List[OutMessage]:
    """Join consecutive texts into one message (keyboard on the last), so a
    normal turn costs one Telegram message; split what exceeds 4,096 chars."""
    merged: List[OutMessage] = []
    current: Optional[OutMessage] = None
    for message in messages:
        custom = message.get("custom") or {}
        text = (message.get("text") or "").strip()
        buttons = [(b.get("title", ""), b.get("payload", "")) for b in message.get("buttons") or []]
        if custom.get("erased"):
            merged.append(OutMessage(erased=True))
        document, photo = custom.get("document"), custom.get("photo")
        if current is None or current.buttons or document or photo:
            current = OutMessage()
            merged.append(current)
        text = text or ((document or photo or {}).get("caption") or "").strip()
        if text:
            current.text = f"{current.text}\n\n{text}" if current.text else text
        current.buttons = buttons
        if document or photo:
            current.document, current.photo = document, photo
            current = None
    result: List[OutMessage] = []
    for out in merged:
        if not (out.text or out.buttons or out.document or out.photo or out.erased):
            continue
        result.extend(split_long(out))
    return result


def split_long(message: OutMessage, limit: int = TELEGRAM_LIMIT) -> List[OutMessage]:
    if len(message.text) <= limit:
        return [message]
    parts: List[str] = []
    text = message.text
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit)
        if cut < limit // 2:
            cut = text.rfind(" ", 0, limit)
        if cut < limit // 2:
            cut = limit
        parts.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    parts.append(text)
    out = [OutMessage(text=part) for part in parts]
    out[-1].buttons, out[-1].document, out[-1].photo = message.buttons, message.document, message.photo
    return out


class Bridge:
    def __init__(
        self,
        db: Database,
        rasa: RasaClient,
        channel: Channel,
        tracker_db: Optional[str] = None,
        clock: Callable[[], dt.datetime] = utcnow,
        min_interval: float = 1.0,
    ) -> None:
        self.db = db
        self.rasa = rasa
        self.channel = channel
        self.tracker_db = tracker_db
        self.clock = clock
        self.min_interval = min_interval  # per-chat pace for bursts (Telegram ~1 msg/s)
        self._last_sent: Dict[str, float] = {}
        self._locks: Dict[str, asyncio.Lock] = {}

    def lock_for(self, chat_id: str) -> asyncio.Lock:
        return self._locks.setdefault(str(chat_id), asyncio.Lock())

    async def handle_text(self, chat_id: str, text: str, update_key: str) -> None:
        """Handle one user message; safe to call again for the same update."""
        chat_id = str(chat_id)
        async with self.lock_for(chat_id):
            if conversations.is_processed(self.db, update_key):
                await self._flush(chat_id)
                return
            now = self.clock()
            users.touch(self.db, chat_id, now)
            text = (text or "").strip()
            crisis = is_crisis(text)
            if not text:
                await self._reply_now(chat_id, update_key, [OutMessage(say("bridge", "empty"))])
                return
            if len(text) > MAX_INPUT_CHARS and not crisis:
                await self._reply_now(chat_id, update_key, [OutMessage(say("bridge", "too_long", max=MAX_INPUT_CHARS))])
                return
            try:
                raw = await self.rasa.message(chat_id, text[:MAX_INPUT_CHARS])
                replies = merge_rasa_messages(raw)
                if not replies:
                    replies = [OutMessage(say("bridge", "no_reply"))]
            except RasaUnavailable as error:
                log.warning("Rasa unavailable for a message: %s", error)
                if crisis:
                    users.mark_crisis(self.db, chat_id, now)
                    replies = [OutMessage(say("crisis", "reply"))]
                else:
                    # Not marked processed: a redelivered update gets a new try.
                    await self._send_direct(chat_id, OutMessage(say("bridge", "rasa_down")))
                    return
            await self._reply_now(chat_id, update_key, replies)
            if self.tracker_db and (users.get_user(self.db, chat_id) or {}).get("consent") == "no":
                privacy.purge_tracker(self.tracker_db, chat_id)

    async def handle_unsupported(self, chat_id: str, update_key: str) -> None:
        """Voice, photo, sticker, document: we read text only."""
        async with self.lock_for(str(chat_id)):
            if conversations.is_processed(self.db, update_key):
                return
            await self._reply_now(str(chat_id), update_key, [OutMessage(say("bridge", "text_only"))])

    async def trigger(self, chat_id: str, intent: str, entities: Dict[str, Any], source_key: str) -> bool:
        """Deliver a scheduled message (the scheduler's Deliverer). Rasa renders
        it once; the result is stored before sending, so a second call with the
        same source_key never renders or sends it again."""
        chat_id = str(chat_id)
        async with self.lock_for(chat_id):
            if not conversations.has_outbox(self.db, source_key):
                raw = await self.rasa.trigger_intent(chat_id, intent, entities)
                replies = merge_rasa_messages(raw)
                if not replies:
                    return False
                conversations.store_replies(self.db, chat_id, source_key, [r.to_json() for r in replies],
                                            self.clock(), mark_update=False)
            return await self._flush(chat_id, source_key)

    async def resend_pending(self) -> int:
        """At start: never resend what may have gone out; send what did not."""
        abandoned = conversations.abandon_in_flight(self.db)
        if abandoned:
            log.warning("%d outbox messages were in flight at a crash; not resent", abandoned)
        chats = {row["chat_id"] for row in conversations.pending_outbox(self.db)}
        for chat_id in chats:
            async with self.lock_for(chat_id):
                await self._flush(chat_id)
        return len(chats)

    async def _reply_now(self, chat_id: str, update_key: str, replies: List[OutMessage]) -> None:
        conversations.store_replies(self.db, chat_id, update_key, [r.to_json() for r in replies], self.clock())
        await self._flush(chat_id, update_key)

    async def _flush(self, chat_id: str, source_key: Optional[str] = None) -> bool:
        for row in conversations.pending_outbox(self.db, chat_id=chat_id, source_key=source_key):
            message = OutMessage.from_json(row["payload"])
            if message.erased:
                if self.tracker_db:
                    privacy.purge_tracker(self.tracker_db, chat_id)
                conversations.set_outbox_status(self.db, row["id"], "sent", self.clock())
                continue
            conversations.set_outbox_status(self.db, row["id"], "sending")
            try:
                await self._send_direct(chat_id, message)
            except ChatBlocked:
                users.mark_blocked(self.db, chat_id)
                conversations.set_outbox_status(self.db, row["id"], "failed")
                return False
            except Exception:
                # Not sent: back to pending so a later flush retries it.
                conversations.set_outbox_status(self.db, row["id"], "pending")
                raise
            conversations.set_outbox_status(self.db, row["id"], "sent", self.clock())
        return True

    async def _send_direct(self, chat_id: str, message: OutMessage) -> None:
        loop = asyncio.get_running_loop()
        wait = self._last_sent.get(chat_id, 0.0) + self.min_interval - loop.time()
        if wait > 0:
            await asyncio.sleep(wait)
        button_ids = [
            conversations.register_button(self.db, chat_id, title, payload, self.clock())
            for title, payload in message.buttons
        ]
        await self.channel.deliver(chat_id, message, button_ids)
        self._last_sent[chat_id] = loop.time()

    def press_button(self, chat_id: str, button_id: str) -> Optional[Dict[str, str]]:
        return conversations.use_button(self.db, str(chat_id), button_id, self.clock())
