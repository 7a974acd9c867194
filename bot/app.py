"""Wiring: bridge + scheduler + a channel (Telegram or the terminal)."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import fcntl
import logging
import secrets
import sys
from pathlib import Path
from typing import IO, Any, Dict, List, Optional

import httpx
from telegram.error import TelegramError
from telegram.ext import Application

from bot.bridge import Bridge, RasaClient, RasaUnavailable
from bot.launcher import Services
from bot.local_chat import TerminalChannel, chat_loop, stdin_reader
from bot.scheduler import Scheduler
from regiecoach.config import Settings
from regiecoach.storage import conversations, open_db, privacy, turns

log = logging.getLogger(__name__)

ALLOWED_UPDATES = ["message", "callback_query"]


def make_scheduler(db: Any, bridge: Bridge, settings: Settings) -> Scheduler:
    return Scheduler(db, bridge, tz=settings.tz)


HOUSEKEEPING_EVERY = 6 * 3600
KEEP_DAYS = 30
# Telegram redelivers an unconfirmed update for about a day; longer, an old
# key could only make a new bot's update with the same id look handled.
KEEP_UPDATE_KEYS = dt.timedelta(hours=24)


OWNER_TAKEN = ("Regiecoach draait al op deze database (bijvoorbeeld `make run` in een ander venster). "
               "Stop die eerst; twee bots op één database nemen elkaars berichten.")


def claim_owner(settings: Settings) -> Optional[IO[str]]:
    """One process owns the bridge and the scheduler of a database: an fcntl
    lock on a file next to it, freed by the kernel when the process dies.
    Returns the open lock file (keep it open), or None if another owns it."""
    path = Path(f"{settings.db_path}.owner.lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = path.open("w")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        return None
    return handle


def housekeeping(db: Any, settings: Settings, now: Optional[dt.datetime] = None) -> int:
    """Store the minimum: drop sent outbox rows, old buttons and Rasa tracker
    events older than 30 days (flow state lives in drafts), handled update
    ids older than a day and applied flow steps older than two days."""
    now = now or dt.datetime.now(dt.timezone.utc)
    cutoff = now - dt.timedelta(days=KEEP_DAYS)
    removed = conversations.prune_outbox(db, cutoff, updates_before=now - KEEP_UPDATE_KEYS)
    removed += turns.prune(db, now)
    removed += privacy.prune_tracker(settings.tracker_db, cutoff.timestamp())
    return removed


async def _housekeeping_loop(db: Any, settings: Settings, stop: asyncio.Event) -> None:
    while not stop.is_set():
        try:
            housekeeping(db, settings)
        except Exception:
            log.exception("housekeeping failed")  # a 6-hourly chore must never stop the bot; retried next time
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=HOUSEKEEPING_EVERY)


SUPERVISE_EVERY = 2.0  # seconds between health checks of Rasa and the action server


class SupervisedRasa(RasaClient):
    """Refuses at once while Rasa or the action server is down or restarting,
    so the bridge answers from the crisis lexicon or with "even niet
    bereikbaar" (and keeps the message) without waiting for a timeout, and
    answers kept messages only once both are back."""

    def __init__(self, base_url: str, token: str, services: Services) -> None:
        super().__init__(base_url, token)
        self.services = services

    def _refuse_if_down(self) -> None:
        down = self.services.down()
        if down:
            raise RasaUnavailable(f"{', '.join(down)} down")

    async def message(self, sender: str, text: str, update_key: Optional[str] = None) -> List[Dict[str, Any]]:
        self._refuse_if_down()
        replies = await super().message(sender, text, update_key)
        if not replies and not await self._actions_answer():
            # The action server died during the turn, before supervision saw it:
            # Rasa then answers 200 without replies. Kept like any message while
            # a service is down (the flows skip a step they already applied).
            service = self.services.services.get("actieserver")
            if service is not None:
                service.up = False  # refuse the next messages at once, until supervision sees it back
            raise RasaUnavailable("actieserver down during the turn")
        return replies

    async def _actions_answer(self) -> bool:
        try:
            url = f"http://127.0.0.1:{self.services.settings.actions_port}/health"
            return (await self.http.get(url, timeout=2)).status_code == 200
        except httpx.HTTPError:
            return False

    async def trigger_intent(self, sender: str, intent: str, entities: Dict[str, Any]) -> List[Dict[str, Any]]:
        self._refuse_if_down()
        return await super().trigger_intent(sender, intent, entities)

    async def healthy(self) -> bool:
        return not self.services.down() and await super().healthy()


async def _supervise(services: Services, stop: asyncio.Event) -> None:
    """Restart a service that died or hangs, with backoff (launcher.Services.supervise)."""
    while not stop.is_set() and services.owned:
        health = await asyncio.to_thread(services.probe)
        services.supervise(health)  # spawns on this (the main) thread: PDEATHSIG stays valid
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=SUPERVISE_EVERY)


async def run_local(settings: Settings, services: Services, chat_id: str = "local") -> int:
    """The terminal chat; services that die are restarted meanwhile.
    When another process owns this database (make run), the chat runs as a
    client: only its own chat, no scheduler, no housekeeping."""
    owner = claim_owner(settings)
    if owner is None:
        print(f"Regiecoach draait al op deze database. Deze chat doet alleen gesprek '{chat_id}': "
              "geen herinneringen, geen berichten van anderen.", file=sys.stderr, flush=True)
    db = open_db(settings.db_path)
    channel = TerminalChannel()
    rasa = SupervisedRasa(settings.rasa_url, services.token, services)
    bridge = Bridge(db, rasa, channel, tracker_db=str(settings.tracker_db), min_interval=0,
                    only_chat=None if owner else chat_id)
    await bridge.resend_pending()
    stop = asyncio.Event()
    tasks = [asyncio.create_task(_supervise(services, stop)), asyncio.create_task(bridge.run_forever(stop))]
    scheduler = make_scheduler(db, bridge, settings) if owner else None
    if owner:
        tasks.append(asyncio.create_task(_housekeeping_loop(db, settings, stop)))
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
    if owner:
        owner.close()
    return 0


def run_telegram(settings: Settings, services: Services, owner: Optional[IO[str]] = None) -> None:
    from bot.telegram_app import TelegramChannel, build_application, register_commands, start_intake

    assert settings.telegram_token
    owner = owner or claim_owner(settings)
    if owner is None:
        raise SystemExit(OWNER_TAKEN)
    state: dict = {}

    async def post_init(application: Application) -> None:
        db = open_db(settings.db_path)
        rasa = SupervisedRasa(settings.rasa_url, services.token, services)
        bridge = Bridge(db, rasa, TelegramChannel(application), tracker_db=str(settings.tracker_db))
        application.bot_data["bridge"] = bridge
        start_intake(application)
        try:
            await register_commands(application)
        except TelegramError as error:  # Telegram unreachable at boot: the bot starts anyway
            log.warning("could not register the commands: %s", type(error).__name__)
        await bridge.resend_pending()
        stop = asyncio.Event()
        scheduler = make_scheduler(db, bridge, settings)
        state.update(db=db, rasa=rasa, stop=stop, tasks=[asyncio.create_task(_housekeeping_loop(db, settings, stop)),
                                                         asyncio.create_task(bridge.run_forever(stop)),
                                                         asyncio.create_task(scheduler.run_forever(stop))])
        state["tasks"].append(asyncio.create_task(_supervise(services, stop)))

    async def post_shutdown(application: Application) -> None:
        if state:
            state["stop"].set()
            await asyncio.gather(*state["tasks"], return_exceptions=True)
            await state["rasa"].close()
            state["db"].close()

    application = build_application(settings.telegram_token, settings.telegram_base_url,
                                    settings.telegram_base_file_url, post_init=post_init,
                                    post_shutdown=post_shutdown, db_path=settings.db_path)
    # Never drop_pending_updates: updates that arrived while we were down are answered.
    if settings.webhook_url:
        # The secret token makes PTB refuse webhook calls that do not come from Telegram.
        application.run_webhook(listen="127.0.0.1", port=settings.webhook_port, webhook_url=settings.webhook_url,
                                allowed_updates=ALLOWED_UPDATES, secret_token=secrets.token_urlsafe(32))
    else:
        application.run_polling(allowed_updates=ALLOWED_UPDATES)

