"""The conversation bridge: the only code that talks to Rasa.

Telegram, the terminal chat and the scheduler all go through it, so every
channel behaves the same. For each incoming message it:
1. sends the crisis reply at once when the crisis lexicon matches anywhere in
   the text: before the chat's lock, without Rasa, even when the database
   fails (Rasa's own crisis reply is then left out, so it comes once);
2. keeps the message in the inbox until its reply is stored, and skips an
   update it already handled (Telegram redelivers after a crash);
3. asks Rasa (the update key goes along as metadata, so it is in Rasa's
   tracker), stores the replies in the outbox together with the update key
   (one transaction), then sends from the outbox and marks each row sent.
When Rasa does not answer in time, or the bot died during the call, the
outcome is read back from Rasa's tracker instead of asking Rasa again.
`run_forever` retries failed sends with backoff, in order, and answers kept
messages once Rasa is back. See "Delivery guarantees" in the README.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import sqlite3
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Protocol, Sequence, Set, Tuple

import httpx
from sqlite_utils import Database

from regiecoach.crisis import is_crisis
from regiecoach.storage import conversations, privacy, users
from regiecoach.storage.db import parse_iso, utcnow
from regiecoach.texts import say

log = logging.getLogger(__name__)

TELEGRAM_LIMIT = 4096
MAX_INPUT_CHARS = 2000
TOKEN_HEADER = "X-Regiecoach-Token"
CRISIS_PAYLOAD = "/crisis"  # tells Rasa about a crisis its own check cannot see (a command, a long text)

RETRY_DELAYS = (2.0, 10.0, 30.0, 120.0, 300.0)  # a failed send is tried again after these (seconds)
RETRY_EVERY = 2.0  # how often run_forever looks for work
PENDING_FOR = dt.timedelta(hours=24)  # a reply not sent by then is out of date
ANSWER_KEPT_AFTER = dt.timedelta(seconds=30)  # a kept message is tried again once Rasa is back
LOST_AFTER = dt.timedelta(minutes=10)  # Rasa's tracker never showed the turn: ask again


class ChatBlocked(Exception):
    """The user blocked the bot (Telegram 403): stop sending, no retry loop."""


class PermanentSendError(Exception):
    """This message can never be sent (its file is gone, Telegram refuses it):
    marked failed, the next messages go on."""


@dataclass
class OutMessage:
    text: str = ""
    buttons: List[Tuple[str, str]] = field(default_factory=list)  # (title, payload)
    document: Optional[Dict[str, Any]] = None
    photo: Optional[Dict[str, Any]] = None  # {"path": ...}; the text goes along as its caption

    def to_json(self) -> Dict[str, Any]:
        return {"text": self.text, "buttons": self.buttons, "document": self.document, "photo": self.photo}

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> OutMessage:
        return cls(text=data.get("text") or "", buttons=[tuple(b) for b in data.get("buttons") or []],  # type: ignore[misc]
                   document=data.get("document"), photo=data.get("photo"))


class Channel(Protocol):
    """Where messages go: Telegram or the terminal."""

    async def deliver(self, chat_id: str, message: OutMessage, button_ids: Sequence[str]) -> None: ...


class RasaUnavailable(Exception):
    """Rasa did not take the message (down, refused): it may be asked again."""


class RasaTimeout(RasaUnavailable):
    """Rasa got the message but did not answer in time: it may still run the
    turn, so the outcome is read from its tracker, never asked again."""


class RasaClient:
    """HTTP client for our token-checked Rasa channel and Rasa's HTTP API."""

    def __init__(self, base_url: str, token: str, timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.http = httpx.AsyncClient(timeout=timeout)

    async def close(self) -> None:
        await self.http.aclose()

    async def message(self, sender: str, text: str, update_key: Optional[str] = None) -> List[Dict[str, Any]]:
        body: Dict[str, Any] = {"sender": sender, "message": text}
        if update_key:
            body["metadata"] = {"update_key": update_key}
        return await self._post(
            f"{self.base_url}/webhooks/regiecoach/webhook", body, headers={TOKEN_HEADER: self.token},
        )

    async def turn_replies(self, sender: str, update_key: str) -> Optional[List[Dict[str, Any]]]:
        """Rasa's replies to the message with this update key, read from its
        tracker; None when the tracker holds no finished turn for it."""
        try:
            response = await self.http.get(f"{self.base_url}/conversations/{sender}/tracker",
                                           params={"token": self.token, "include_events": "ALL"})
        except httpx.HTTPError as error:
            raise RasaUnavailable(type(error).__name__) from error
        if response.status_code >= 400:
            raise RasaUnavailable(f"HTTP {response.status_code}")
        return replies_in_tracker(response.json().get("events") or [], update_key)

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
        except (httpx.ReadTimeout, httpx.RemoteProtocolError) as error:
            # The request reached Rasa; whether it ran the turn is unknown.
            raise RasaTimeout(type(error).__name__) from error
        except httpx.HTTPError as error:
            raise RasaUnavailable(type(error).__name__) from error
        if response.status_code >= 400:
            raise RasaUnavailable(f"HTTP {response.status_code}")
        return response.json()


def replies_in_tracker(events: List[Dict[str, Any]], update_key: str) -> Optional[List[Dict[str, Any]]]:
    """The bot messages after the user message with this update key, in the
    REST channel's format; None when that message is not in the tracker (Rasa
    stores a turn only when it is finished) or got no reply."""
    start = None
    for index, event in enumerate(events):
        if event.get("event") == "user" and (event.get("metadata") or {}).get("update_key") == update_key:
            start = index
    if start is None:
        return None
    replies: List[Dict[str, Any]] = []
    for event in events[start + 1:]:
        if event.get("event") == "user":
            break
        if event.get("event") == "bot":
            data = event.get("data") or {}
            reply: Dict[str, Any] = {"text": event.get("text")}
            if data.get("buttons"):
                reply["buttons"] = data["buttons"]
            if data.get("custom"):
                reply["custom"] = data["custom"]
            replies.append(reply)
    return replies or None


def merge_rasa_messages(messages: List[Dict[str, Any]]) -> List[OutMessage]:
    """Join consecutive texts into one message (keyboard on the last), so a
    normal turn costs one Telegram message; split what exceeds 4,096 chars."""
    merged: List[OutMessage] = []
    current: Optional[OutMessage] = None
    for message in messages:
        custom = message.get("custom") or {}
        text = (message.get("text") or "").strip()
        buttons = [(b.get("title", ""), b.get("payload", "")) for b in message.get("buttons") or []]
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
        if not (out.text or out.buttons or out.document or out.photo):
            continue
        result.extend(split_long(out))
    return result


def utf16_len(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units (an emoji counts 2)."""
    return len(text.encode("utf-16-le")) // 2


def utf16_fit(text: str, limit: int) -> int:
    """How many characters of `text` fit in `limit` UTF-16 code units."""
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return index
    return len(text)


def split_long(message: OutMessage, limit: int = TELEGRAM_LIMIT) -> List[OutMessage]:
    if utf16_len(message.text) <= limit:
        return [message]
    parts: List[str] = []
    text = message.text
    while utf16_len(text) > limit:
        fit = utf16_fit(text, limit)
        cut = text.rfind("\n", 0, fit)
        if cut < fit // 2:
            cut = text.rfind(" ", 0, fit)
        if cut < fit // 2:
            cut = fit
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
        only_chat: Optional[str] = None,
    ) -> None:
        self.db = db
        self.rasa = rasa
        self.channel = channel
        self.tracker_db = tracker_db
        self.clock = clock
        self.min_interval = min_interval  # per-chat pace for bursts (Telegram ~1 msg/s)
        # A client next to the process that owns this database touches no other chat.
        self.only_chat = str(only_chat) if only_chat is not None else None
        self._last_sent: Dict[str, float] = {}
        self._locks: Dict[str, asyncio.Lock] = {}
        self._crisis_sent: OrderedDict[str, None] = OrderedDict()  # also works when the database does not
        self._held: Set[str] = set()  # update keys told "even niet bereikbaar": answered as soon as Rasa is back

    def lock_for(self, chat_id: str) -> asyncio.Lock:
        return self._locks.setdefault(str(chat_id), asyncio.Lock())

    # --- incoming messages -------------------------------------------------

    async def crisis_first(self, chat_id: str, text: str, update_key: str) -> bool:
        """Send the crisis reply now if the lexicon matches anywhere in `text`.
        Needs neither Rasa, nor the chat's lock, nor a working database; a
        second call for the same update sends nothing. True on a match."""
        if not is_crisis(text or ""):
            return False
        chat_id, key = str(chat_id), f"crisis:{update_key}"
        if key in self._crisis_sent or self._answered_before(update_key, key):
            return True
        self._crisis_sent[key] = None
        while len(self._crisis_sent) > 10_000:
            self._crisis_sent.popitem(last=False)
        message = OutMessage(say("crisis", "reply"))
        status = "sent"
        try:
            await self._send_direct(chat_id, message)
        except ChatBlocked:
            status = "failed"
        except Exception as error:  # any failure at the channel edge: kept as pending, the retry loop sends it
            log.warning("sending the crisis reply failed (%s); it is retried", type(error).__name__)
            status = "pending"
        try:
            now = self.clock()
            users.mark_crisis(self.db, chat_id, now)
            conversations.store_replies(self.db, chat_id, key, [message.to_json()], now, mark_update=False,
                                        status=status)
        except sqlite3.Error as error:
            log.error("database unavailable (%s): the crisis reply was %s but not recorded", error, status)
        return True

    def _answered_before(self, update_key: str, crisis_key: str) -> bool:
        try:
            return conversations.is_processed(self.db, update_key) or conversations.has_outbox(self.db, crisis_key)
        except sqlite3.Error:
            return False  # rather twice than never

    async def handle_text(self, chat_id: str, text: str, update_key: str, crisis_text: Optional[str] = None,
                          replay: bool = False) -> None:
        """Handle one user message; safe to call again for the same update.
        `crisis_text` is what the user typed when `text` is what Rasa gets
        (a command's payload); `replay` is a kept message tried again."""
        chat_id = str(chat_id)
        crisis = await self.crisis_first(chat_id, text if crisis_text is None else crisis_text, update_key)
        async with self.lock_for(chat_id):
            try:
                await self._handle(chat_id, (text or "").strip(), update_key, crisis, replay)
            except sqlite3.OperationalError as error:
                # Locked or full: nothing was stored. Say so; the crisis reply went out already.
                log.warning("database unavailable for a message: %s", error)
                if not crisis and not replay:
                    await self._send_direct(chat_id, OutMessage(say("bridge", "db_busy")))

    async def handle_unsupported(self, chat_id: str, update_key: str, caption: str = "") -> None:
        """Voice, photo, sticker, document: we read text only. A crisis in a
        photo's caption gets the crisis reply (and Rasa hears of it)."""
        chat_id = str(chat_id)
        if await self.crisis_first(chat_id, caption, update_key):
            await self.handle_text(chat_id, CRISIS_PAYLOAD, update_key, crisis_text=caption)
            return
        async with self.lock_for(chat_id):
            if conversations.is_processed(self.db, update_key):
                return
            await self._reply_now(chat_id, update_key, [OutMessage(say("bridge", "text_only"))])

    async def _handle(self, chat_id: str, text: str, update_key: str, crisis: bool, replay: bool) -> None:
        if conversations.is_processed(self.db, update_key):
            await self._flush(chat_id)
            return
        now = self.clock()
        conversations.record_incoming(self.db, chat_id, update_key, text, now)
        users.touch(self.db, chat_id, now)
        await self._settle_earlier_turns(chat_id, update_key)
        if not text:
            await self._reply_now(chat_id, update_key, [OutMessage(say("bridge", "empty"))])
            return
        if crisis and (len(text) > MAX_INPUT_CHARS or not is_crisis(text)):
            text = CRISIS_PAYLOAD  # Rasa would not see the crisis in a command or in the cut text
        if len(text) > MAX_INPUT_CHARS:
            await self._reply_now(chat_id, update_key, [OutMessage(say("bridge", "too_long", max=MAX_INPUT_CHARS))])
            return
        row = conversations.incoming(self.db, update_key) or {}
        if row.get("asked_at"):
            raw = await self._outcome(chat_id, row)  # Rasa got it before a crash or a timeout
        else:
            raw = await self._finished_before(chat_id, update_key) if replay else None
            if raw is None:
                raw = await self._ask_rasa(chat_id, text, update_key, crisis, replay)
        if raw is None:
            return  # kept in the inbox; run_forever answers it
        if crisis:
            crisis_reply = say("crisis", "reply").strip()
            raw = [m for m in raw if (m.get("text") or "").strip() != crisis_reply]
        replies = merge_rasa_messages(raw)
        if not replies and not crisis:
            replies = [OutMessage(say("bridge", "no_reply"))]
        await self._reply_now(chat_id, update_key, replies)
        self._apply_erasure(chat_id)
        if self.tracker_db and (users.get_user(self.db, chat_id) or {}).get("consent") == "no":
            privacy.purge_tracker(self.tracker_db, chat_id)

    async def _ask_rasa(self, chat_id: str, text: str, update_key: str, crisis: bool,
                        replay: bool) -> Optional[List[Dict[str, Any]]]:
        conversations.mark_asked(self.db, update_key, self.clock())
        try:
            return await self.rasa.message(chat_id, text, update_key=update_key)
        except RasaTimeout as error:
            log.warning("Rasa did not answer in time (%s); its reply is read from the tracker later", error)
            if not crisis and not replay:
                await self._send_direct(chat_id, OutMessage(say("bridge", "slow")))
            return None
        except RasaUnavailable as error:
            log.warning("Rasa unavailable for a message: %s", error)
            conversations.clear_asked(self.db, update_key)
            if crisis:
                return []  # the crisis reply went out; nothing else to say
            self._held.add(update_key)
            if not replay:
                await self._send_direct(chat_id, OutMessage(say("bridge", "rasa_down")))
            return None

    async def _finished_before(self, chat_id: str, update_key: str) -> Optional[List[Dict[str, Any]]]:
        """A kept message may have been handled by Rasa while its answer was
        lost (an HTTP error after the turn): then the tracker has the replies
        and Rasa is not asked again."""
        try:
            return await self.rasa.turn_replies(chat_id, update_key)
        except RasaUnavailable:
            return None

    async def _outcome(self, chat_id: str, row: Dict[str, Any]) -> Optional[List[Dict[str, Any]]]:
        """Rasa's replies to a message it already got, from its tracker. When
        the tracker never shows the turn, the message is asked again later."""
        try:
            raw = await self.rasa.turn_replies(chat_id, row["update_key"])
        except RasaUnavailable as error:
            log.warning("Rasa's tracker unavailable: %s", error)
            return None
        if raw is None:
            asked = parse_iso(row.get("asked_at")) or self.clock()
            if self.clock() - asked > LOST_AFTER:
                log.warning("Rasa never finished a turn; the message is asked again")
                conversations.clear_asked(self.db, row["update_key"])
        return raw

    async def _settle_earlier_turns(self, chat_id: str, update_key: str) -> None:
        """Earlier messages of this chat are answered before this one, in
        order: replies Rasa gave after a timeout, and messages kept while Rasa
        was away (else a kept answer would reach the flow after, and be filed
        under, the question this message answers). The chat's lock is held."""
        for row in conversations.inbox(self.db, chat_id=chat_id):
            if row["update_key"] == update_key:
                break  # the rows after this one come later
            if row.get("asked_at"):
                raw = await self._outcome(chat_id, row)
                if raw is not None:
                    await self._reply_now(chat_id, row["update_key"], merge_rasa_messages(raw))
            else:
                crisis = await self.crisis_first(chat_id, row["text"], row["update_key"])
                await self._handle(chat_id, row["text"] or "", row["update_key"], crisis, replay=True)

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
            await self._flush(chat_id)
            statuses = conversations.outbox_statuses(self.db, source_key)
            # 'unknown': in flight at a crash, maybe seen; a reminder is at most once, so it counts as done
            # (and the check-in series goes on) instead of being retried for a day.
            return bool(statuses) and all(status in ("sent", "unknown") for status in statuses)

    # --- sending -------------------------------------------------------------

    async def resend_pending(self) -> int:
        """At start: send what is pending, apply erasures. Never raises for
        one bad row or an unreachable Telegram: run_forever retries."""
        abandoned = conversations.abandon_in_flight(self.db)
        if abandoned:
            log.warning("%d reminder messages were in flight at a crash; not resent", abandoned)
        conversations.expire_pending(self.db, self.clock() - PENDING_FOR)
        chats = [chat for chat in {row["chat_id"] for row in conversations.pending_outbox(self.db)}
                 if self._mine(chat)]
        for chat_id in chats:
            async with self.lock_for(chat_id):
                await self._flush(chat_id)
        self._apply_erasure(self.only_chat)
        return len(chats)

    async def run_forever(self, stop: asyncio.Event) -> None:
        """Retry failed sends (with backoff, in order), answer messages kept
        while Rasa was away, and finish erasures, until `stop` is set."""
        while not stop.is_set():
            try:
                await self.retry_once()
            except (sqlite3.Error, RasaUnavailable) as error:
                log.warning("retry round failed: %s", error)
            try:
                await asyncio.wait_for(stop.wait(), timeout=RETRY_EVERY)
            except asyncio.TimeoutError:
                pass

    async def retry_once(self) -> None:
        now = self.clock()
        expired = conversations.expire_pending(self.db, now - PENDING_FOR)
        if expired:
            log.warning("%d replies could not be sent for %s; given up", expired, PENDING_FOR)
        for chat_id in conversations.chats_with_pending(self.db, now):
            if self._mine(chat_id):
                async with self.lock_for(chat_id):
                    await self._flush(chat_id)
        # A message still on its way through the intake waits ANSWER_KEPT_AFTER before it
        # counts as kept; one that was told "even niet bereikbaar" needs no wait.
        kept = [row for row in conversations.inbox(self.db) if self._mine(row["chat_id"]) and (
                row["update_key"] in self._held or (parse_iso(row["received_at"]) or now) <= now - ANSWER_KEPT_AFTER)]
        self._held.intersection_update(row["update_key"] for row in kept)
        if kept and await self.rasa.healthy():
            for row in kept:
                if now - (parse_iso(row["received_at"]) or now) > PENDING_FOR:
                    log.warning("a kept message could not be answered for %s; given up", PENDING_FOR)
                    conversations.drop_incoming(self.db, row["update_key"])
                    continue
                await self.handle_text(row["chat_id"], row["text"], row["update_key"], replay=True)
        self._apply_erasure(self.only_chat)

    def _mine(self, chat_id: str) -> bool:
        return self.only_chat is None or str(chat_id) == self.only_chat

    def _apply_erasure(self, chat_id: Optional[str]) -> None:
        """Delete Rasa's tracker events of erased users (the one owner of that)."""
        if self.tracker_db:
            privacy.apply_erasures(self.db, self.tracker_db, self.clock(), chat_id=chat_id)

    async def _reply_now(self, chat_id: str, update_key: str, replies: List[OutMessage]) -> None:
        conversations.store_replies(self.db, chat_id, update_key, [r.to_json() for r in replies], self.clock())
        await self._flush(chat_id)

    async def _flush(self, chat_id: str) -> bool:
        """Send this chat's pending rows in order. A row that fails waits with
        backoff and holds back the rows after it (order is kept); a row that
        can never be sent is marked failed. True when nothing is left."""
        for row in conversations.pending_outbox(self.db, chat_id=chat_id):
            if not conversations.claim_outbox_row(self.db, row["id"]):
                continue  # another flush sends it
            message = OutMessage.from_json(row["payload"])
            try:
                await self._send_direct(chat_id, message)
            except ChatBlocked:
                users.mark_blocked(self.db, chat_id)
                conversations.set_outbox_status(self.db, row["id"], "failed")
                return False
            except PermanentSendError as error:
                log.warning("outbox row %d can never be sent (%s); marked failed", row["id"], error)
                conversations.set_outbox_status(self.db, row["id"], "failed")
                continue
            except Exception as error:  # any failure at the channel edge (network, Telegram): retried later
                attempts = row.get("attempts", 0)
                delay = RETRY_DELAYS[min(attempts, len(RETRY_DELAYS) - 1)]
                attempts = conversations.retry_outbox_row(self.db, row["id"], self.clock() + dt.timedelta(seconds=delay))
                log.warning("sending outbox row %d failed (%s, attempt %d); retry in %.0f s",
                            row["id"], type(error).__name__, attempts, delay)
                return False
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
