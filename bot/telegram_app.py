"""The Telegram front end (python-telegram-bot 22).

Private chats only. Text goes through the bridge; Rasa buttons become inline
keyboards whose callback_data is a short id; non-text messages get a short
Dutch reply. Updates of one chat are handled in order, different chats
concurrently (PerChatUpdateProcessor).
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any, Awaitable, Dict, Optional, Sequence

from telegram import BotCommand, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import Forbidden, RetryAfter
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

from actions.content import say
from bot.bridge import Bridge, ChatBlocked, OutMessage
from bot.commands import COMMANDS, payload_for_command
from bot.ratelimit import RateLimiter

log = logging.getLogger(__name__)


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Concurrent across chats, in order within one chat."""

    def __init__(self, max_concurrent_updates: int = 64) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: Dict[int, asyncio.Lock] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        chat_id = update.effective_chat.id if isinstance(update, Update) and update.effective_chat else 0
        lock = self._locks.setdefault(chat_id, asyncio.Lock())
        async with lock:
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
        for attempt in range(self.max_attempts):
            await self.limiter.acquire()
            try:
                await self._send(int(chat_id), message, markup)
                return
            except Forbidden as error:
                raise ChatBlocked(str(chat_id)) from error
            except RetryAfter as error:
                delay = error.retry_after if isinstance(error.retry_after, (int, float)) else error.retry_after.total_seconds()
                log.warning("Telegram asked to wait %.0f s (attempt %d)", delay, attempt + 1)
                await asyncio.sleep(float(delay))
        raise RuntimeError("Telegram kept rate limiting; message stays pending")

    async def _send(self, chat_id: int, message: OutMessage, markup: Optional[InlineKeyboardMarkup]) -> None:
        bot = self.application.bot
        if message.document:
            path = Path(message.document["path"])
            filename = message.document.get("filename") or path.name
            caption = message.text[:1024] or None
            with path.open("rb") as handle:
                if filename.endswith(".png"):  # the /voortgang chart shows as a picture
                    await bot.send_photo(chat_id, photo=handle, caption=caption, reply_markup=markup)
                else:
                    await bot.send_document(chat_id, document=handle, filename=filename, caption=caption,
                                            reply_markup=markup)
            if message.document.get("delete_after_send"):
                path.unlink(missing_ok=True)
            return
        await bot.send_message(chat_id, text=message.text or "…", reply_markup=markup)


def _bridge(context: ContextTypes.DEFAULT_TYPE) -> Bridge:
    return context.application.bot_data["bridge"]


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is None or update.effective_chat is None:
        return
    text = message.text or ""
    if text.startswith("/"):
        payload = payload_for_command(text)
        text = payload if payload else "/help"
    await _bridge(context).handle_text(str(update.effective_chat.id), text, f"tg:{update.update_id}")


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    if query is None or update.effective_chat is None:
        return
    bridge = _bridge(context)
    chat_id = str(update.effective_chat.id)
    button = bridge.press_button(chat_id, query.data or "")
    if button is None:
        await query.answer(say("bridge", "old_button"))
        return
    await query.answer()
    try:
        # Remove the keyboard and show what was chosen, so old buttons can't be pressed twice.
        await query.edit_message_reply_markup(reply_markup=None)
    except Exception:  # the message may be too old to edit; the press still counts
        log.info("could not remove a keyboard")
    await bridge.handle_text(chat_id, button["payload"], f"tg:{update.update_id}")


async def on_other(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if update.effective_chat is None:
        return
    await _bridge(context).handle_unsupported(str(update.effective_chat.id), f"tg:{update.update_id}")


def build_application(token: str, base_url: Optional[str] = None, base_file_url: Optional[str] = None,
                      request: Any = None, post_init: Any = None, post_shutdown: Any = None) -> Application:
    builder: ApplicationBuilder = (
        Application.builder()
        .token(token)
        .rate_limiter(AIORateLimiter(max_retries=3))
        .concurrent_updates(PerChatUpdateProcessor())
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
    private = filters.ChatType.PRIVATE
    application.add_handler(MessageHandler(private & filters.TEXT, on_text))
    application.add_handler(CallbackQueryHandler(on_button))
    application.add_handler(MessageHandler(private & ~filters.TEXT & ~filters.StatusUpdate.ALL, on_other))
    return application


async def register_commands(application: Application) -> None:
    await application.bot.set_my_commands([BotCommand(name, description) for name, (_, description) in COMMANDS.items()])
