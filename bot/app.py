"""Wiring: bridge + scheduler + a channel (Telegram or the terminal)."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import secrets
import sys
from typing import Any, Optional

from telegram.ext import Application

from bot.bridge import Bridge, RasaClient
from bot.config import Settings
from bot.launcher import Services
from bot.local_chat import TerminalChannel, chat_loop, stdin_reader
from bot.storage import conversations, open_db, privacy

log = logging.getLogger(__name__)

ALLOWED_UPDATES = ["message", "callback_query"]


def make_scheduler(db: Any, bridge: Bridge, settings: Settings) -> Optional[Any]:
    try:
        from bot.scheduler import Scheduler
    except ImportError:  # pragma: no cover - during development only
        return None
    return Scheduler(db, bridge, tz=settings.tz)


HOUSEKEEPING_EVERY = 6 * 3600
KEEP_DAYS = 30


def housekeeping(db: Any, settings: Settings, now: Optional[dt.datetime] = None) -> int:
    """Store the minimum: drop sent outbox rows, handled update ids, old buttons
    and Rasa tracker events older than 30 days (flow state lives in drafts)."""
    now = now or dt.datetime.now(dt.timezone.utc)
    cutoff = now - dt.timedelta(days=KEEP_DAYS)
    removed = conversations.prune_outbox(db, cutoff)
    removed += privacy.prune_tracker(settings.tracker_db, cutoff.timestamp())
    return removed


async def _housekeeping_loop(db: Any, settings: Settings, stop: asyncio.Event) -> None:
    while not stop.is_set():
        try:
            housekeeping(db, settings)
        except Exception:
            log.exception("housekeeping failed")
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=HOUSEKEEPING_EVERY)


def _report_dead(services: Services) -> bool:
    dead = services.dead() if services.owned else []
    if dead:
        print(f"Fout: {', '.join(dead)} is gestopt. Regiecoach stopt ook; zie var/logs.", file=sys.stderr, flush=True)
    return bool(dead)


async def _watch(services: Services, stop: asyncio.Event) -> None:
    """A child that dies is reported and ends the launcher (no orphans)."""
    while not stop.is_set():
        if _report_dead(services):
            stop.set()
            return
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=2)


async def run_local(settings: Settings, services: Services, chat_id: str = "local") -> int:
    """The terminal chat. Returns 1 when a service died, else 0."""
    db = open_db(settings.db_path)
    channel = TerminalChannel()
    rasa = RasaClient(settings.rasa_url, services.token)
    bridge = Bridge(db, rasa, channel, tracker_db=str(settings.tracker_db), min_interval=0)
    await bridge.resend_pending()
    scheduler = make_scheduler(db, bridge, settings)
    stop = asyncio.Event()
    tasks = [asyncio.create_task(_watch(services, stop)),
             asyncio.create_task(_housekeeping_loop(db, settings, stop))]
    if scheduler is not None:
        tasks.append(asyncio.create_task(scheduler.run_forever(stop)))
    interactive = sys.stdin.isatty()
    if interactive:
        print("Regiecoach lokaal. Typ je bericht; stoppen met Ctrl-D of Ctrl-C.", flush=True)
    chat = asyncio.create_task(chat_loop(bridge, channel, chat_id, stdin_reader(), interactive))
    stopper = asyncio.create_task(stop.wait())
    await asyncio.wait({chat, stopper}, return_when=asyncio.FIRST_COMPLETED)
    stop_reason_dead = stopper.done() and services.owned and bool(services.dead())
    stop.set()
    for task in [chat, stopper, *tasks]:
        task.cancel()
    await asyncio.gather(chat, stopper, *tasks, return_exceptions=True)
    await rasa.close()
    db.close()
    # The chat may end (end of input) before the watcher saw a dead service.
    return 1 if stop_reason_dead or _report_dead(services) else 0


def run_telegram(settings: Settings, services: Services) -> None:
    from bot.telegram_app import TelegramChannel, build_application, register_commands

    assert settings.telegram_token
    state: dict = {}

    async def post_init(application: Application) -> None:
        db = open_db(settings.db_path)
        rasa = RasaClient(settings.rasa_url, services.token)
        bridge = Bridge(db, rasa, TelegramChannel(application), tracker_db=str(settings.tracker_db))
        application.bot_data["bridge"] = bridge
        await register_commands(application)
        await bridge.resend_pending()
        stop = asyncio.Event()
        scheduler = make_scheduler(db, bridge, settings)
        state.update(db=db, rasa=rasa, stop=stop, tasks=[asyncio.create_task(_housekeeping_loop(db, settings, stop))])
        if scheduler is not None:
            state["tasks"].append(asyncio.create_task(scheduler.run_forever(stop)))

        async def watch() -> None:
            await _watch(services, stop)
            if services.dead():
                application.stop_running()

        state["tasks"].append(asyncio.create_task(watch()))

    async def post_shutdown(application: Application) -> None:
        if state:
            state["stop"].set()
            await asyncio.gather(*state["tasks"], return_exceptions=True)
            await state["rasa"].close()
            state["db"].close()

    application = build_application(settings.telegram_token, settings.telegram_base_url,
                                    settings.telegram_base_file_url, post_init=post_init,
                                    post_shutdown=post_shutdown)
    # Never drop_pending_updates: updates that arrived while we were down are answered.
    if settings.webhook_url:
        # The secret token makes PTB refuse webhook calls that do not come from Telegram.
        application.run_webhook(listen="127.0.0.1", port=settings.webhook_port, webhook_url=settings.webhook_url,
                                allowed_updates=ALLOWED_UPDATES, secret_token=secrets.token_urlsafe(32))
    else:
        application.run_polling(allowed_updates=ALLOWED_UPDATES)

