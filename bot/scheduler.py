"""The scheduler in the bot process: sends due reminders through the bridge.

SQLite is the source of truth. Each round claims due rows (at most 100 at a
time), drops the ones that no longer make sense, moves the ones that should
wait (quiet hours, a user who is chatting, the weekly cap) and delivers the
rest with a stable source key `reminder:<id>`. The bridge stores what it
renders under that key, so delivering the same reminder twice (after a crash
between sending and marking) never sends a second message.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from sqlite_utils import Database

from bot.storage import open_db, parse_iso, users, utcnow
from bot.storage import reminders as store

log = logging.getLogger(__name__)

BATCH = 100
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


class Scheduler:
    def __init__(
        self,
        db: str | Path | Database,
        deliverer: Deliverer,
        clock: Clock = utcnow,
        tz: dt.tzinfo | None = None,
    ) -> None:
        self.db = db if isinstance(db, Database) else open_db(db)
        self.deliverer = deliverer
        self.clock = clock
        if tz is None:
            from bot.config import get_settings

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
        """One round at `now`. Returns how many reminders were delivered."""
        delivered = 0
        for _ in range(100_000):  # a bound, not a plan: each row leaves 'due' once handled
            rows = store.claim_due(self.db, now, BATCH)
            if not rows:
                break
            for row in rows:
                if await self._handle(row, now):
                    delivered += 1
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
        except Exception:
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
            meeting = store.meeting(self.db, int(payload.get("meeting_id") or 0))
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
