"""Wiring: bridge + scheduler + a channel (Telegram or the terminal)."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import secrets
import sys
from typing import Any, Dict, List, Optional, Tuple

from telegram.ext import Application

from bot.bridge import Bridge, RasaClient, RasaUnavailable
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


SUPERVISE_EVERY = 2.0  # seconds between health checks of Rasa and the action server


class SupervisedRasa(RasaClient):
    """Refuses at once while Rasa or the action server is down or restarting,
    so the bridge answers from the crisis lexicon or with "even niet
    bereikbaar" without waiting for a timeout."""

    def __init__(self, base_url: str, token: str, services: Services) -> None:
        super().__init__(base_url, token)
        self.services = services

    def _refuse_if_down(self) -> None:
        down = self.services.down()
        if down:
            raise RasaUnavailable(f"{', '.join(down)} down")

    async def message(self, sender: str, text: str) -> List[Dict[str, Any]]:
        self._refuse_if_down()
        return await super().message(sender, text)

    async def trigger_intent(self, sender: str, intent: str, entities: Dict[str, Any]) -> List[Dict[str, Any]]:
        self._refuse_if_down()
        return await super().trigger_intent(sender, intent, entities)


class HoldingBridge(Bridge):
    """Keeps a message the bridge could not handle because a service was down
    (it leaves such an update unprocessed) and handles it, under the same
    update key, once the services answer again. The update key makes a
    Telegram redelivery of the same message harmless."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.held: List[Tuple[str, str, str]] = []  # (chat_id, text, update_key), in arrival order

    async def handle_text(self, chat_id: str, text: str, update_key: str) -> None:
        await super().handle_text(chat_id, text, update_key)
        if not conversations.is_processed(self.db, update_key):
            self.held.append((str(chat_id), text, update_key))

    async def answer_held(self) -> int:
        """Handle the held messages (again held if a service went down meanwhile)."""
        held, self.held = self.held, []
        for chat_id, text, update_key in held:
            await self.handle_text(chat_id, text, update_key)
        return len(held)


async def _supervise(services: Services, bridge: HoldingBridge, stop: asyncio.Event) -> None:
    """Restart a service that died or hangs (launcher.Services.supervise) and
    answer held messages once everything is healthy again."""
    while not stop.is_set():
        health = await asyncio.to_thread(services.probe)
        if services.owned:
            services.supervise(health)  # spawns on this (the main) thread: PDEATHSIG stays valid
        if bridge.held and all(health.values()) and not services.down():
            try:
                await bridge.answer_held()
            except Exception:  # a failing send must not end supervision; the outbox keeps the reply
                log.exception("answering held messages failed")
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=SUPERVISE_EVERY)


async def run_local(settings: Settings, services: Services, chat_id: str = "local") -> int:
    """The terminal chat. Services that die are restarted meanwhile."""
    db = open_db(settings.db_path)
    channel = TerminalChannel()
    rasa = SupervisedRasa(settings.rasa_url, services.token, services)
    bridge = HoldingBridge(db, rasa, channel, tracker_db=str(settings.tracker_db), min_interval=0)
    await bridge.resend_pending()
    scheduler = make_scheduler(db, bridge, settings)
    stop = asyncio.Event()
    tasks = [asyncio.create_task(_supervise(services, bridge, stop)),
             asyncio.create_task(_housekeeping_loop(db, settings, stop))]
    if scheduler is not None:
        tasks.append(asyncio.create_task(scheduler.run_forever(stop)))
    interactive = sys.stdin.isatty()
    if interactive:
        print("Regiecoach lokaal. Typ je bericht; stoppen met Ctrl-D of Ctrl-C.", flush=True)
    chat = asyncio.create_task(chat_loop(bridge, channel, chat_id, stdin_reader(), interactive))
    stopper = asyncio.create_task(stop.wait())
    await asyncio.wait({chat, stopper}, return_when=asyncio.FIRST_COMPLETED)
    stop.set()
    for task in [chat, stopper, *tasks]:
        task.cancel()
    await asyncio.gather(chat, stopper, *tasks, return_exceptions=True)
    await rasa.close()
    db.close()
    return 0


def run_telegram(settings: Settings, services: Services) -> None:
    from bot.telegram_app import TelegramChannel, build_application, register_commands

    assert settings.telegram_token
    state: dict = {}

    async def post_init(application: Application) -> None:
        db = open_db(settings.db_path)
        rasa = SupervisedRasa(settings.rasa_url, services.token, services)
        bridge = HoldingBridge(db, rasa, TelegramChannel(application), tracker_db=str(settings.tracker_db))
        application.bot_data["bridge"] = bridge
        await register_commands(application)
        await bridge.resend_pending()
        stop = asyncio.Event()
        scheduler = make_scheduler(db, bridge, settings)
        state.update(db=db, rasa=rasa, stop=stop, tasks=[asyncio.create_task(_housekeeping_loop(db, settings, stop))])
        if scheduler is not None:
            state["tasks"].append(asyncio.create_task(scheduler.run_forever(stop)))
        state["tasks"].append(asyncio.create_task(_supervise(services, bridge, stop)))

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

