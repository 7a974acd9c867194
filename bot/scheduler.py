"""The scheduler in the bot process: sends due reminders through the bridge.

SQLite is the source of truth. Each round claims due rows (at most 100 at a
time), drops the ones that no longer make sense, moves the ones that should
wait (quiet hours, a user who is chatting, the weekly cap) and delivers the
rest with a stable source key `reminder:<id>`. Up to `concurrency` reminders
are rendered and sent at once (one at a time per chat); the next batch is
claimed only when the previous one is under way, so memory stays bounded
however many are due. Sends are marked as background for the shared rate
limiter (bot/ratelimit.py). Every check uses the clock at the moment a
reminder is handled, not the start of the round, so a long round that runs
past 21:00 moves the rest to the morning. The bridge stores what it
renders under that key, so delivering the same reminder twice (after a crash
between sending and marking) never sends a second message.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import datetime as dt
import logging
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any, Protocol

from sqlite_utils import Database

from bot import ratelimit
from regiecoach.storage import meetings, open_db, parse_iso, users, utcnow
from regiecoach.storage import reminders as store

log = logging.getLogger(__name__)

BATCH = 100
CONCURRENCY = 16  # enough to keep ~28 sends/s busy while Rasa renders in 50-500 ms
POLL_SECONDS = 30.0
MEETING_MORNING_KINDS = ("meeting_before", "meeting_morning")
LATE_AFTER = dt.timedelta(days=7)  # a look-back invitation older than this is no use


class Deliverer(Protocol):
    """The bridge's side. `trigger` makes Rasa render the intent with these
    entities, stores the replies in the outbox under `source_key` and sends
    them. Returns True when delivered. The same `source_key` again must never
    render or send a second time (it returns True for an earlier delivery)."""

    async def trigger(self, chat_id: str, intent: str, entities: dict[str, Any], source_key: str) -> bool: ...


Clock = Callable[[], dt.datetime]


class ChatLocks:
    """One reminder at a time per chat (the weekly cap and merges depend on
    order); a lock lives only while someone holds or waits for it."""

    def __init__(self) -> None:
        self._locks: dict[str, asyncio.Lock] = {}
        self._users: collections.Counter[str] = collections.Counter()

    @contextlib.asynccontextmanager
    async def hold(self, chat_id: str) -> AsyncIterator[None]:
        lock = self._locks.setdefault(chat_id, asyncio.Lock())
        self._users[chat_id] += 1
        try:
            async with lock:
                yield
        finally:
            self._users[chat_id] -= 1
            if not self._users[chat_id]:
                del self._users[chat_id], self._locks[chat_id]


class Scheduler:
    def __init__(
        self,
        db: str | Path | Database,
        deliverer: Deliverer,
        clock: Clock = utcnow,
        tz: dt.tzinfo | None = None,
        concurrency: int = CONCURRENCY,
    ) -> None:
        self.db = db if isinstance(db, Database) else open_db(db)
        self.deliverer = deliverer
        self.clock = clock
        self.concurrency = concurrency
        if tz is None:
            from regiecoach.config import get_settings

            tz = get_settings().tz
        self.tz = tz
        self.stopping = asyncio.Event()

    def stop(self) -> None:
        self.stopping.set()

    async def run_forever(self, stop: asyncio.Event | None = None) -> None:
        """Send what is due, then sleep until the next due time (at most 30 s,
        so reminders added by another process are seen soon). Ends when `stop`
        (or `self.stopping`, see `stop()`) is set."""
        if stop is not None:
            self.stopping = stop
        while not self.stopping.is_set():
            try:
                await self.run_once(self.clock())
            except Exception:  # keep running: the next round retries
                log.exception("scheduler round failed")
            await self._sleep(self._seconds_to_next())

    def _seconds_to_next(self) -> float:
        due = store.next_due_at(self.db)
        if due is None:
            return POLL_SECONDS
        return max(0.5, min(POLL_SECONDS, (due - self.clock()).total_seconds()))

    async def _sleep(self, seconds: float) -> None:
        try:
            await asyncio.wait_for(self.stopping.wait(), timeout=seconds)
        except asyncio.TimeoutError:
            pass

    async def run_once(self, now: dt.datetime) -> int:
        """One round starting at `now`. Returns how many reminders were delivered."""
        started = self.clock()

        def moment() -> dt.datetime:
            # `now` plus the time that passed since the round began.
            return now + (self.clock() - started)

        slots = asyncio.Semaphore(self.concurrency)
        chats = ChatLocks()
        tasks: set[asyncio.Task[bool]] = set()
        failures: list[asyncio.Task[bool]] = []
        delivered = 0

        async def one(row: dict[str, Any]) -> bool:
            ratelimit.BACKGROUND.set(True)  # this task's context only
            try:
                async with chats.hold(row["chat_id"]):
                    return await self._handle(row, moment())
            finally:
                slots.release()

        def done(task: asyncio.Task[bool]) -> None:
            nonlocal delivered
            tasks.discard(task)
            if task.cancelled() or task.exception() is not None:
                failures.append(task)  # raised after the round
            elif task.result():
                delivered += 1

        try:
            for _ in range(100_000):  # a bound, not a plan: each row leaves 'due' once handled
                if failures or self.stopping.is_set():
                    break  # an error, or shutting down: claim no more, finish what runs
                rows = store.claim_due(self.db, moment(), BATCH)
                if not rows:
                    break
                for row in rows:
                    await slots.acquire()
                    task = asyncio.create_task(one(row))
                    tasks.add(task)
                    task.add_done_callback(done)
            while tasks:
                await asyncio.wait(set(tasks))
        except asyncio.CancelledError:
            # Rows left 'claimed' are claimed again after the lease; the source key prevents a double send.
            for task in tasks:
                task.cancel()
            raise
        for task in failures:
            error = None if task.cancelled() else task.exception()
            if error is not None:
                raise error
        return delivered

    async def _handle(self, row: dict[str, Any], now: dt.datetime) -> bool:
        rid = int(row["id"])
        reason = self._obsolete(row, now)
        if reason:
            store.mark_dropped(self.db, rid, reason, now, self.tz)
            return False
        later = self._wait_until(row, now)
        if later is not None:
            if row["kind"] == "meeting_before" and not row["payload"].get("merged") and self._past_eve(row, later):
                store.mark_dropped(self.db, rid, "late: the morning reminder covers it")
            else:
                store.reschedule(self.db, rid, later)
            return False
        try:
            ok = await self.deliverer.trigger(
                row["chat_id"], "manage_reminders", {"reminder_id": str(rid)}, source_key=f"reminder:{rid}"
            )
        except Exception:  # a failed delivery is retried with backoff (mark_failed), it must not end the round
            log.exception("delivering reminder %s failed", rid)
            ok = False
        if not ok:
            store.mark_failed(self.db, rid, now, self.tz)
            return False
        # A check-in's successor is planned in the same transaction; the check-in
        # flow replans it when the user takes part.
        store.mark_sent(self.db, rid, now, self.tz)
        return True

    def _obsolete(self, row: dict[str, Any], now: dt.datetime) -> str | None:
        chat_id = row["chat_id"]
        user = users.get_user(self.db, chat_id)
        if user is None or user.get("consent") != "yes":
            return "no consent"
        if user.get("blocked"):
            return "blocked"
        paused = int(user.get("reminders_paused") or 0)
        if paused >= store.STOPPED_ALL:
            return "reminders off"
        kind = row["kind"]
        payload = row["payload"]
        if kind in store.CHECKIN_KINDS and paused >= store.PAUSED_CHECKINS:
            return "check-ins paused"
        if kind in store.MEETING_KINDS:
            meeting = meetings.get_meeting(self.db, chat_id, payload.get("meeting_id"))
            if meeting is None or meeting.get("status") == "cancelled":
                return "meeting cancelled"
            starts = parse_iso(meeting.get("starts_at"))
            if starts is None or meeting.get("starts_at") != payload.get("starts_at"):
                return "meeting moved"
            if kind in MEETING_MORNING_KINDS and now >= starts:
                return "meeting started"
            if kind == "meeting_after" and (meeting.get("reviewed_at") or now - starts > LATE_AFTER):
                return "look-back done or too late"
        if kind == "nudge":
            original = store.get(self.db, int(payload.get("for") or 0))
            if original is None or original["status"] != "sent":
                return "nothing to nudge"
            if store.active_since(self.db, chat_id, parse_iso(original.get("sent_at"))):
                return "user answered"
        return None

    def _wait_until(self, row: dict[str, Any], now: dt.datetime) -> dt.datetime | None:
        """When this row should be tried again instead of now, or None to send now."""
        user = users.get_user(self.db, row["chat_id"]) or {}
        morning = store.MORNING if row["kind"] in store.MEETING_KINDS else store.daypart_time(user)
        if store.in_quiet_hours(now, self.tz):
            return store.out_of_quiet_hours(now, self.tz, morning)
        payload = row["payload"]
        if payload.get("manual"):
            return None
        busy = store.busy_until(self.db, row["chat_id"], now)
        if busy is not None:
            return store.out_of_quiet_hours(busy, self.tz, morning)
        if payload.get("requested"):
            return None
        sent = store.sent_in_week(self.db, row["chat_id"], now)
        if len(sent) >= store.WEEKLY_CAP:
            frees = sent[-store.WEEKLY_CAP] + dt.timedelta(days=7, minutes=1)
            return store.out_of_quiet_hours(frees, self.tz, morning)
        return None

    def _past_eve(self, row: dict[str, Any], later: dt.datetime) -> bool:
        starts = parse_iso(row["payload"].get("starts_at"))
        return bool(starts and later.astimezone(self.tz).date() >= starts.astimezone(self.tz).date())
