"""Telegram manners: what a new user sees before the first message (a Dutch
description and command menu), and "typing…" while a reply takes a while.

Kept apart from bot/telegram_app.py so the sending path stays small.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from pathlib import Path
from typing import Any, AsyncIterator, Optional

from telegram import BotCommand
from telegram.constants import ChatAction
from telegram.error import TelegramError

from regiecoach.commands import COMMANDS
from regiecoach.config import BOT_USERNAME_FILE
from regiecoach.texts import say

log = logging.getLogger(__name__)

TYPING_AFTER = 1.0  # seconds: a quick reply needs no "typing…"
TYPING_REPEAT = 4.5  # Telegram shows the status for about 5 seconds
LANGUAGES = (None, "nl")  # the default (any language) and Dutch explicitly


async def register_profile(bot: Any) -> None:
    """Description, short description and command menu, for every language and for Dutch."""
    commands = [BotCommand(name, description) for name, (_, description) in COMMANDS.items()]
    for language in LANGUAGES:
        await bot.set_my_description(say("telegram", "description"), language_code=language)
        await bot.set_my_short_description(say("telegram", "short_description"), language_code=language)
        await bot.set_my_commands(commands, language_code=language)


def remember_username(username: Optional[str], data_dir: Path) -> None:
    """Tell the action server the bot's name, so calendar files can link back to the chat."""
    if not username:
        return
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / BOT_USERNAME_FILE).write_text(username, encoding="utf-8")


async def introduce(application: Any, data_dir: Path) -> None:
    """At start (post_init): the profile, and the username for t.me links."""
    try:
        await register_profile(application.bot)
    except TelegramError as error:  # the bot still works without a description; try again next start
        log.warning("could not set the bot description or commands: %s", type(error).__name__)
    remember_username(application.bot.username, data_dir)


@contextlib.asynccontextmanager
async def typing_while_slow(bot: Any, chat_id: int, after: Optional[float] = None) -> AsyncIterator[None]:
    """Show "typing…" once the block has run `after` seconds, and keep it up
    until the block ends. Runs beside the reply; it never delays it."""
    delay = TYPING_AFTER if after is None else after

    async def keep_typing() -> None:
        await asyncio.sleep(delay)
        while True:
            try:
                await bot.send_chat_action(chat_id, ChatAction.TYPING)
            except TelegramError:  # a missed typing status is harmless; the reply is what counts
                log.info("could not send a typing status")
            await asyncio.sleep(TYPING_REPEAT)

    task = asyncio.create_task(keep_typing())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
