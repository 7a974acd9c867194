"""The Telegram front end (python-telegram-bot 22).

Private chats only. Text goes through the bridge; Rasa buttons become inline
keyboards whose callback_data is a short id; non-text messages get a short
Dutch reply. Updates of one chat are handled in order, different chats
concurrently (PerChatUpdateProcessor). Each message is written to the inbox
before Telegram learns we have it (InboxQueue), and a crisis message gets its
reply before it waits for anything.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Awaitable, Callable, Coroutine, Dict, Optional, Sequence, Set, Union

import sqlite_utils
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    BaseUpdateProcessor,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.bridge import CRISIS_PAYLOAD, Bridge, ChatBlocked, OutMessage, PermanentSendError, utf16_fit
from bot.ratelimit import RateLimiter
from bot.telegram_manners import introduce, typing_while_slow
from regiecoach.commands import payload_for_typed
from regiecoach.config import get_settings
from regiecoach.crisis import is_crisis
from regiecoach.storage import conversations
from regiecoach.storage.db import utcnow
from regiecoach.texts import say

log = logging.getLogger(__name__)

CAPTION_LIMIT = 1024


def update_key(bot: Bot, update: Update) -> str:
    """Update ids are per bot (a new bot starts anywhere), so the key names the bot."""
    return f"tg:{bot.id}:{update.update_id}"


@dataclass
class Incoming:
    chat_id: str
    key: str
    text: str  # what Rasa gets: the text, a command's payload or a button's payload
    typed: str  # what the user typed (or the caption): checked for crisis


def incoming(update: Update, bot: Bot, button_payload: Callable[[str, str], Optional[str]]) -> Optional[Incoming]:
    """The message in a private-chat update, or None for anything else."""
    chat = update.effective_chat
    if chat is None or chat.type != "private":
        return None
    key, chat_id = update_key(bot, update), str(chat.id)
    if update.callback_query is not None:
        payload = button_payload(chat_id, update.callback_query.data or "")
        return Incoming(chat_id, key, payload, "") if payload else None
    message = update.message
    if message is None:
        return None
    if message.text is not None:
        return Incoming(chat_id, key, payload_for_typed(message.text), message.text)
    caption = message.caption or ""
    return Incoming(chat_id, key, CRISIS_PAYLOAD, caption) if is_crisis(caption) else None


class InboxQueue(asyncio.Queue):  # type: ignore[type-arg]
    """PTB's update queue. Polling confirms an update to Telegram with the next
    getUpdates, and a webhook answers 200 as soon as the update is in this
    queue; so each message is first written to the inbox here (on its own
    connection with a short timeout, so a locked database never holds up
    intake). After a crash the bridge answers it from there."""

    def __init__(self, db_path: Optional[Union[str, Path]] = None) -> None:
        super().__init__()
        self.bot: Optional[Bot] = None  # set once the bot knows its id
        self._db = (sqlite_utils.Database(sqlite3.connect(str(db_path), timeout=1.0, check_same_thread=False))
                    if db_path is not None else None)
        self._db_lock = threading.Lock()

    async def put(self, item: Any) -> None:
        if self._db is not None and self.bot is not None and isinstance(item, Update):
            try:
                await asyncio.to_thread(self._record, item)
            except sqlite3.Error as error:
                log.warning("could not keep an incoming message in the inbox: %s", error)
        await super().put(item)

    def _record(self, update: Update) -> None:
        db, bot = self._db, self.bot
        assert db is not None and bot is not None
        with self._db_lock:
            found = incoming(update, bot, lambda chat, button: conversations.peek_button(db, chat, button))
            if found is not None:
                conversations.record_incoming(db, found.chat_id, found.key, found.text, utcnow())


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Concurrent across chats, in order within one chat. The chat's lock is
    taken before the limit on concurrent updates, so a burst from one chat
    waits in its own line and never takes the slots of the others. Before
    both, `first` sees the update (the crisis reply goes out at once)."""

    def __init__(self, max_concurrent_updates: int = 64) -> None:
        # PTB takes its own limit before do_process_update: made wide, ours comes after the chat's lock.
        super().__init__(1_000_000)
        self._limit = asyncio.Semaphore(max_concurrent_updates)
        self._locks: Dict[int, asyncio.Lock] = {}
        self.first: Optional[Callable[[object], Coroutine[Any, Any, None]]] = None
        self._first_tasks: Set[asyncio.Task[None]] = set()

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        if self.first is not None:
            # Its own task: nothing is awaited before the chat's lock, so updates keep their order.
            task = asyncio.create_task(self.first(update))
            self._first_tasks.add(task)
            task.add_done_callback(self._first_tasks.discard)
        chat_id = update.effective_chat.id if isinstance(update, Update) and update.effective_chat else 0
        lock = self._locks.setdefault(chat_id, asyncio.Lock())
        async with lock:
            async with self._limit:
                await coroutine

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass


class TelegramChannel:
    """Sends bridge messages with the PTB bot; waits out 429s, never drops.
    Replies and reminders share one rate limiter (PTB's AIORateLimiter lets
    bursts of 30 through and does not pace private chats)."""

    def __init__(self, application: Application, max_attempts: int = 5,
                 limiter: Optional[RateLimiter] = None) -> None:
        self.application = application
        self.max_attempts = max_attempts
        self.limiter = limiter or RateLimiter()

    async def deliver(self, chat_id: str, message: OutMessage, button_ids: Sequence[str]) -> None:
        markup = None
        if message.buttons:
            markup = InlineKeyboardMarkup(
                [[InlineKeyboardButton(title[:64], callback_data=button_id)]
                 for (title, _), button_id in zip(message.buttons, button_ids)]
            )
        if not str(chat_id).lstrip("-").isdigit():  # e.g. the local chat's "local": never a Telegram chat
            raise PermanentSendError("not a Telegram chat id")
        for attempt in range(self.max_attempts):
            try:
                async with self.limiter.sending():  # counts until Telegram has answered
                    await self._send(int(chat_id), message, markup)
                return
            except Forbidden as error:
                raise ChatBlocked(str(chat_id)) from error
            except BadRequest as error:
                raise PermanentSendError(f"Telegram refused it: {type(error).__name__}") from error
            except FileNotFoundError as error:
                raise PermanentSendError("its file is gone") from error
            except RetryAfter as error:
                delay = error.retry_after if isinstance(error.retry_after, (int, float)) else error.retry_after.total_seconds()
                log.warning("Telegram asked to wait %.0f s (attempt %d)", delay, attempt + 1)
                await asyncio.sleep(float(delay))
        raise RuntimeError("Telegram kept rate limiting; message stays pending")

    async def _send(self, chat_id: int, message: OutMessage, markup: Optional[InlineKeyboardMarkup]) -> None:
        bot = self.application.bot
        caption = message.text[:utf16_fit(message.text, CAPTION_LIMIT)] or None
        if message.photo:
            with Path(message.photo["path"]).open("rb") as handle:
                await bot.send_photo(chat_id, photo=handle, caption=caption, reply_markup=markup)
            return
        if message.document:
            path = Path(message.document["path"])
            filename = message.document.get("filename") or path.name
            with path.open("rb") as handle:
                await bot.send_document(chat_id, document=handle, filename=filename, caption=caption,
                                        reply_markup=markup)
            if message.document.get("delete_after_send"):
                path.unlink(missing_ok=True)
            return
        await bot.send_message(chat_id, text=message.text or "…", reply_markup=markup)


def _bridge(context: ContextTypes.DEFAULT_TYPE) -> Bridge:
    return context.application.bot_data["bridge"]


async def crisis_first(application: Application, update: object) -> None:
    """Runs before the update waits for its chat or for Rasa: a crisis in a
    text, a command or a caption gets the crisis reply at once."""
    bridge = application.bot_data.get("bridge")
    if bridge is None or not isinstance(update, Update) or update.message is None:
        return
    found = incoming(update, application.bot, lambda chat, button: None)
    if found is not None and found.typed:
        await bridge.crisis_first(found.chat_id, found.typed, found.key)


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    found = incoming(update, context.bot, lambda chat, button: None)
    if found is not None:
        async with typing_while_slow(context.bot, int(found.chat_id)):
            await _bridge(context).handle_text(found.chat_id, found.text, found.key, crisis_text=found.typed)


async def _answer(query: Any, text: Optional[str] = None) -> None:
    """Stop the button's spinner. Cosmetic: a press that comes late ("query is
    too old") or a Telegram hiccup here never loses the press."""
    try:
        await query.answer(text)
    except TelegramError as error:
        log.info("could not answer a button press: %s", type(error).__name__)


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    if query is None or update.effective_chat is None:
        return
    bridge = _bridge(context)
    chat_id = str(update.effective_chat.id)
    if conversations.peek_button(bridge.db, chat_id, query.data or "") is None:
        await _answer(query, say("bridge", "old_button"))
        return
    await _answer(query)
    button = bridge.press_button(chat_id, query.data or "")
    if button is None:  # pressed twice at once: the other press counts
        return
    try:
        # Remove the keyboard and show what was chosen, so old buttons can't be pressed twice.
        await query.edit_message_reply_markup(reply_markup=None)
    except TelegramError:  # the message may be too old to edit; the press still counts
        log.info("could not remove a keyboard")
    async with typing_while_slow(context.bot, update.effective_chat.id):
        await bridge.handle_text(chat_id, button["payload"], update_key(context.bot, update), crisis_text="")


async def on_other(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if update.effective_chat is None:
        return
    caption = update.message.caption or "" if update.message else ""
    await _bridge(context).handle_unsupported(str(update.effective_chat.id), update_key(context.bot, update), caption)


def build_application(token: str, base_url: Optional[str] = None, base_file_url: Optional[str] = None,
                      request: Any = None, post_init: Any = None, post_shutdown: Any = None,
                      db_path: Optional[Union[str, Path]] = None) -> Application:
    """With db_path, every message is kept in the inbox before Telegram hears
    we have it; the bot is told its id in `start_intake`."""
    processor = PerChatUpdateProcessor()
    builder: ApplicationBuilder = (
        Application.builder()
        .token(token)
        .rate_limiter(AIORateLimiter(max_retries=3))
        .concurrent_updates(processor)
        .update_queue(InboxQueue(db_path))
    )
    if base_url:
        builder = builder.base_url(base_url)
    if base_file_url:
        builder = builder.base_file_url(base_file_url)
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    if post_init is not None:
        builder = builder.post_init(post_init)
    if post_shutdown is not None:
        builder = builder.post_shutdown(post_shutdown)
    application = builder.build()

    async def first(update: object) -> None:
        await crisis_first(application, update)

    processor.first = first
    private = filters.ChatType.PRIVATE
    application.add_handler(MessageHandler(private & filters.TEXT, on_text))
    application.add_handler(CallbackQueryHandler(on_button))
    application.add_handler(MessageHandler(private & ~filters.TEXT & ~filters.StatusUpdate.ALL, on_other))
    return application


def start_intake(application: Application) -> None:
    """After initialize (the bot knows its id): keep incoming messages in the inbox."""
    queue = application.update_queue
    if isinstance(queue, InboxQueue):
        queue.bot = application.bot


async def register_commands(application: Application) -> None:
    """The command menu, the Dutch description and the username for t.me links (bot/telegram_manners.py)."""
    await introduce(application, get_settings().data_dir)
