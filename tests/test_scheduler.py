"""The scheduler with a controllable clock, delivering through the real bridge
on a fresh database (only Rasa is scripted): what the user receives, when,
and that nothing arrives twice."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import tracemalloc
from zoneinfo import ZoneInfo

import pytest

from bot import scheduler as sched_mod
from bot.bridge import Bridge
from bot.scheduler import Scheduler
from regiecoach.storage import iso, parse_iso, users
from regiecoach.storage import reminders as rem
from tests.fakes import RecordingChannel, ScriptedRasa

AMS = ZoneInfo("Europe/Amsterdam")
UTC = dt.timezone.utc


def local(y, m, d, h, mi=0):
    return dt.datetime(y, m, d, h, mi, tzinfo=AMS).astimezone(UTC)


class Crash(BaseException):
    """The process dies (kill -9) right after the message went out."""


class CrashingChannel(RecordingChannel):
    """Records what reached the user; with `crash_after_send` the process dies
    right after the first message went out."""

    def __init__(self, crash_after_send: bool = False) -> None:
        super().__init__()
        self.crash_after_send = crash_after_send

    async def deliver(self, chat_id, message, button_ids):
        await super().deliver(chat_id, message, button_ids)
        if self.crash_after_send:
            self.crash_after_send = False
            raise Crash()


class LiveBridge(Bridge):
    """The real bridge (outbox, dedupe by source key, per-chat order) on the
    test's database; only Rasa is scripted and the channel records. `calls`
    lists the scheduler's deliveries; `received` counts what reached each user."""

    def __init__(self, db, fail: bool = False, crash_after_send: bool = False):
        self.scripted = ScriptedRasa(replies=[{"recipient_id": "x", "text": "Tijd voor een check-in. Hoe gaat het?"}],
                                     down=fail)
        self.recorder = CrashingChannel(crash_after_send)
        super().__init__(db, self.scripted, self.recorder, min_interval=0.0)
        self.calls: list[tuple[str, str, dict, str]] = []

    async def trigger(self, chat_id, intent, entities, source_key):
        self.calls.append((chat_id, intent, dict(entities), source_key))
        return await super().trigger(chat_id, intent, entities, source_key)

    def restart(self) -> LiveBridge:
        """A new bridge process on the same file, after its start-up pass."""
        again = LiveBridge(self.db)
        again.recorder = self.recorder
        again.channel = self.recorder
        again.calls = self.calls
        asyncio.run(again.resend_pending())
        return again

    @property
    def received(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for chat_id, _message, _buttons in self.recorder.delivered:
            counts[chat_id] = counts.get(chat_id, 0) + 1
        return counts


class CountingDeliverer:
    """For the throughput and memory tests only (10,000 reminders): counts
    deliveries per chat without rendering or storing them."""

    def __init__(self, fail: bool = False, crash_after_send: bool = False, keep_calls: bool = True):
        self.calls: list[tuple[str, str, dict, str]] = []
        self.outbox: dict[str, str] = {}
        self.received: dict[str, int] = {}
        self.fail = fail
        self.crash_after_send = crash_after_send
        self.keep_calls = keep_calls
        self.count = 0

    async def trigger(self, chat_id, intent, entities, *, source_key):
        self.count += 1
        if self.keep_calls:
            self.calls.append((chat_id, intent, dict(entities), source_key))
        if self.fail:
            raise ConnectionError("rasa is down")
        if source_key not in self.outbox:
            self.outbox[source_key] = chat_id
            self.received[chat_id] = self.received.get(chat_id, 0) + 1
        if self.crash_after_send:
            self.crash_after_send = False
            raise Crash()
        return True


def run(scheduler, now):
    return asyncio.run(scheduler.run_once(now))


def make(db, bridge=None):
    bridge = bridge or LiveBridge(db)
    return Scheduler(db, bridge, clock=lambda: dt.datetime(2026, 1, 1, tzinfo=UTC), tz=AMS), bridge


def add_meeting(db, chat_id, starts_at, status="planned"):
    table = db["meetings"].insert({"chat_id": chat_id, "with_whom": "bedrijfsarts", "starts_at": iso(starts_at),
                                   "status": status})
    return table.last_pk


def status(db, rid):
    return rem.get(db, rid)["status"]


def test_due_checkin_is_delivered_once_with_a_stable_key(fresh_db, consenting_user):
    due = local(2026, 11, 23, 9, 30)
    rid = rem.add_manual(fresh_db, consenting_user, "checkin", due, due - dt.timedelta(days=1))
    scheduler, bridge = make(fresh_db)
    assert run(scheduler, due - dt.timedelta(minutes=1)) == 0
    assert run(scheduler, due) == 1
    assert run(scheduler, due + dt.timedelta(minutes=10)) == 0
    assert bridge.calls == [(consenting_user, "manage_reminders", {"reminder_id": str(rid)}, f"reminder:{rid}")]
    assert status(fresh_db, rid) == "sent"


def test_sent_checkin_plans_the_next_one_and_a_single_nudge(fresh_db, consenting_user):
    first = local(2026, 11, 23, 9, 30)
    rem.schedule_checkin(fresh_db, consenting_user, first - dt.timedelta(weeks=4), AMS)
    scheduler, _bridge = make(fresh_db)
    assert run(scheduler, first) == 1
    upcoming = rem.list_upcoming(fresh_db, consenting_user, first)
    assert sorted(r["kind"] for r in upcoming) == ["checkin", "nudge"]
    nudge = next(r for r in upcoming if r["kind"] == "nudge")
    assert parse_iso(nudge["due_at"]) == local(2026, 11, 25, 9, 30)
    assert run(scheduler, local(2026, 11, 25, 9, 30)) == 1  # the one nudge
    assert [r["kind"] for r in rem.list_upcoming(fresh_db, consenting_user, first)] == ["checkin"]


def test_no_nudge_when_the_user_answered(fresh_db, consenting_user):
    first = local(2026, 11, 23, 9, 30)
    rem.schedule_checkin(fresh_db, consenting_user, first - dt.timedelta(weeks=4), AMS)
    scheduler, bridge = make(fresh_db)
    run(scheduler, first)
    users.touch(fresh_db, consenting_user, first + dt.timedelta(hours=1))
    assert run(scheduler, local(2026, 11, 25, 9, 30)) == 0
    assert len(bridge.calls) == 1


def test_quiet_hours_move_a_due_reminder_to_the_morning(fresh_db, consenting_user):
    late = local(2026, 11, 23, 22, 15)
    rid = rem.add_manual(fresh_db, consenting_user, "meeting_after", late, late, {"meeting_id": 0})
    rem.add_manual(fresh_db, consenting_user, "checkin", late, late)
    scheduler, _bridge = make(fresh_db)
    # the meeting reminder has no meeting: dropped; the check-in waits for the morning
    assert run(scheduler, late) == 0
    assert status(fresh_db, rid) == "dropped"
    checkin = rem.next_checkin(fresh_db, consenting_user)
    assert parse_iso(checkin["due_at"]) == local(2026, 11, 24, 9, 30)
    assert run(scheduler, local(2026, 11, 24, 9, 29)) == 0
    assert run(scheduler, local(2026, 11, 24, 9, 30)) == 1


@pytest.mark.parametrize(
    "night,morning_utc",
    [
        # 29 March 2026: clocks go forward at 02:00 -> 08:00 is 06:00 UTC
        (local(2026, 3, 29, 1, 30), dt.datetime(2026, 3, 29, 6, 0, tzinfo=UTC)),
        (local(2026, 3, 28, 23, 0), dt.datetime(2026, 3, 29, 6, 0, tzinfo=UTC)),
        # 25 October 2026: clocks go back at 03:00 -> 08:00 is 07:00 UTC
        (local(2026, 10, 24, 22, 0), dt.datetime(2026, 10, 25, 7, 0, tzinfo=UTC)),
        (dt.datetime(2026, 10, 25, 0, 30, tzinfo=UTC), dt.datetime(2026, 10, 25, 7, 0, tzinfo=UTC)),
        # 28 March 2027
        (local(2027, 3, 27, 21, 0), dt.datetime(2027, 3, 28, 6, 0, tzinfo=UTC)),
    ],
)
def test_quiet_hours_across_dst(fresh_db, consenting_user, night, morning_utc):
    start = night + dt.timedelta(days=2)
    mid = add_meeting(fresh_db, consenting_user, start)
    rid = rem.add_manual(fresh_db, consenting_user, "meeting_after", night, night,
                         {"meeting_id": mid, "starts_at": iso(start)})
    db = fresh_db
    db.execute("update meetings set starts_at = ? where id = ?", [iso(night - dt.timedelta(hours=3)), mid])
    db.execute("update reminders set payload = ? where id = ?",
               [f'{{"meeting_id": {mid}, "starts_at": "{iso(night - dt.timedelta(hours=3))}", "manual": true}}', rid])
    db.conn.commit()
    scheduler, _bridge = make(fresh_db)
    assert run(scheduler, night) == 0
    assert parse_iso(rem.get(fresh_db, rid)["due_at"]) == morning_utc
    assert run(scheduler, morning_utc - dt.timedelta(minutes=1)) == 0
    assert run(scheduler, morning_utc) == 1


@pytest.mark.parametrize("day", [dt.date(2026, 3, 29), dt.date(2026, 10, 25), dt.date(2027, 3, 28)])
def test_meeting_reminders_on_a_dst_day_keep_local_times(fresh_db, consenting_user, day):
    start = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(10, 0), tzinfo=AMS)
    mid = add_meeting(fresh_db, consenting_user, start)
    now = start - dt.timedelta(days=5)
    rem.schedule_meeting_reminders(fresh_db, consenting_user, mid, start, now, AMS)
    upcoming = rem.list_upcoming(fresh_db, consenting_user, now)
    rows = {r["kind"]: parse_iso(r["due_at"]).astimezone(AMS) for r in upcoming}
    assert rows["meeting_before"] == dt.datetime.combine(day, dt.time(19, 0), tzinfo=AMS)
    scheduler, _bridge = make(fresh_db)
    before = rows["meeting_before"].astimezone(UTC)
    assert run(scheduler, before - dt.timedelta(minutes=1)) == 0
    assert run(scheduler, before) == 1
    assert run(scheduler, rows["meeting_morning"].astimezone(UTC)) == 1


@pytest.mark.parametrize("weeks", [4, 5, 6])
def test_chosen_interval_spaces_checkins_outside_quiet_hours(fresh_db, consenting_user, weeks):
    rem.set_daypart(fresh_db, consenting_user, "avond")
    start = local(2026, 2, 1, 12)  # crosses the March 2026 DST change
    rem.set_interval(fresh_db, consenting_user, weeks, start, AMS)
    scheduler, _bridge = make(fresh_db)
    sent_days = []
    for _ in range(4):
        row = rem.next_checkin(fresh_db, consenting_user)
        due = parse_iso(row["due_at"])
        assert not rem.in_quiet_hours(due, AMS)
        assert due.astimezone(AMS).time() == dt.time(19, 30)
        users.touch(fresh_db, consenting_user, due - dt.timedelta(hours=2))  # the user was active: no nudge in between
        assert run(scheduler, due) == 1
        sent_days.append(due.astimezone(AMS).date())
    gaps = {(b - a).days for a, b in itertools.pairwise(sent_days)}
    assert gaps == {7 * weeks}


def test_snooze_later_today_arrives_three_hours_later(fresh_db, consenting_user):
    due = local(2026, 11, 23, 9, 30)
    rid = rem.add_manual(fresh_db, consenting_user, "checkin", due, due)
    scheduler, bridge = make(fresh_db)
    run(scheduler, due)
    snoozed = rem.snooze(fresh_db, consenting_user, rid, "later_today", due + dt.timedelta(minutes=2), AMS)
    assert parse_iso(snoozed["due_at"]) == due + dt.timedelta(hours=3, minutes=2)
    users.touch(fresh_db, consenting_user, due + dt.timedelta(minutes=2))
    assert run(scheduler, due + dt.timedelta(hours=3, minutes=2)) == 1
    assert bridge.calls[-1][3] == f"reminder:{snoozed['id']}"


def test_paused_checkins_are_not_sent_but_meeting_reminders_are(fresh_db, consenting_user):
    now = local(2026, 11, 20, 12)
    start = local(2026, 11, 25, 10, 30)
    mid = add_meeting(fresh_db, consenting_user, start)
    rem.schedule_meeting_reminders(fresh_db, consenting_user, mid, start, now, AMS)
    checkin = rem.schedule_checkin(fresh_db, consenting_user, now - dt.timedelta(weeks=4, days=-5), AMS)
    users.update_settings(fresh_db, consenting_user, reminders_paused=1)  # paused elsewhere, row still pending
    scheduler, bridge = make(fresh_db)
    assert run(scheduler, local(2026, 11, 25, 9, 45)) == 2  # evening before and morning
    assert status(fresh_db, checkin) == "dropped"
    assert all(call[0] == consenting_user for call in bridge.calls)


def test_crash_between_send_and_mark_gives_one_message(fresh_db, consenting_user):
    due = local(2026, 11, 23, 9, 30)
    rid = rem.add_manual(fresh_db, consenting_user, "checkin", due, due)
    bridge = LiveBridge(fresh_db, crash_after_send=True)
    scheduler, _ = make(fresh_db, bridge)
    with pytest.raises(Crash):
        run(scheduler, due)
    assert status(fresh_db, rid) == "claimed"
    # restart: a new bridge and scheduler on the same file
    bridge = bridge.restart()
    restarted, _ = make(fresh_db, bridge)
    assert run(restarted, due + dt.timedelta(minutes=1)) == 0  # still within the lease
    assert run(restarted, due + dt.timedelta(minutes=6)) == 1
    assert [c[3] for c in bridge.calls] == [f"reminder:{rid}", f"reminder:{rid}"]
    assert bridge.received == {consenting_user: 1}
    assert status(fresh_db, rid) == "sent"


def test_restart_catches_up_once_and_drops_obsolete(fresh_db, consenting_user):
    start = local(2026, 11, 25, 10, 0)
    mid = add_meeting(fresh_db, consenting_user, start)
    plan_time = local(2026, 11, 20, 12)
    ids = rem.schedule_meeting_reminders(fresh_db, consenting_user, mid, start, plan_time, AMS)
    checkin = rem.add_manual(fresh_db, consenting_user, "checkin", local(2026, 11, 25, 9, 30), plan_time)
    users.set_consent(fresh_db, "77", True, plan_time)
    gone_meeting = add_meeting(fresh_db, "77", start)
    rem.schedule_meeting_reminders(fresh_db, "77", gone_meeting, start, plan_time, AMS)
    fresh_db.execute("update meetings set status = 'cancelled' where id = ?", [gone_meeting])
    fresh_db.conn.commit()
    # the bot was down from the 24th 18:00 until the 25th 11:00
    scheduler, bridge = make(fresh_db)
    back = local(2026, 11, 25, 11, 0)
    assert run(scheduler, back) == 1
    assert run(scheduler, back + dt.timedelta(minutes=1)) == 0
    assert [c[3] for c in bridge.calls] == [f"reminder:{checkin}"]
    by_kind = {rem.get(fresh_db, i)["kind"]: rem.get(fresh_db, i) for i in ids}
    assert by_kind["meeting_before"]["status"] == "dropped"
    assert by_kind["meeting_morning"]["status"] == "dropped"
    assert by_kind["meeting_after"]["status"] == "pending"
    assert run(scheduler, local(2026, 11, 25, 12, 0)) == 1
    assert bridge.received == {consenting_user: 2}


def test_at_most_three_proactive_messages_a_week(fresh_db, consenting_user):
    now = local(2026, 11, 20, 12)
    for day in (23, 24, 25, 26):
        rem.schedule_milestone(fresh_db, consenting_user, f"m{day}", dt.date(2026, 11, day), {}, now, AMS)
    scheduler, bridge = make(fresh_db)
    for day in (23, 24, 25, 26):
        run(scheduler, local(2026, 11, day, 9, 30))
    assert len(bridge.calls) == 3
    waiting = rem.list_upcoming(fresh_db, consenting_user, now)
    assert len(waiting) == 1
    assert parse_iso(waiting[0]["due_at"]) == local(2026, 11, 30, 9, 31)
    assert run(scheduler, local(2026, 11, 30, 9, 31)) == 1


def test_busy_user_is_not_interrupted(fresh_db, consenting_user):
    due = local(2026, 11, 23, 14, 0)
    rem.schedule_milestone(fresh_db, consenting_user, "m", dt.date(2026, 11, 23), {}, due - dt.timedelta(days=3), AMS)
    users.touch(fresh_db, consenting_user, local(2026, 11, 23, 9, 20))
    scheduler, _bridge = make(fresh_db)
    assert run(scheduler, local(2026, 11, 23, 9, 30)) == 0
    assert rem.list_upcoming(fresh_db, consenting_user, due)[0]["due_at"] == iso(local(2026, 11, 23, 10, 0))
    assert run(scheduler, local(2026, 11, 23, 10, 0)) == 1


def test_blocked_or_withdrawn_users_get_nothing(fresh_db, consenting_user):
    due = local(2026, 11, 23, 9, 30)
    blocked = rem.add_manual(fresh_db, consenting_user, "checkin", due, due)
    users.mark_blocked(fresh_db, consenting_user)
    users.set_consent(fresh_db, "8", True, due)
    withdrawn = rem.add_manual(fresh_db, "8", "checkin", due, due)
    users.set_consent(fresh_db, "8", False, due)
    scheduler, bridge = make(fresh_db)
    assert run(scheduler, due) == 0
    assert bridge.calls == []
    assert status(fresh_db, blocked) == "dropped" and status(fresh_db, withdrawn) == "dropped"


def test_failing_bridge_retries_then_gives_up(fresh_db, consenting_user):
    due = local(2026, 11, 23, 9, 30)
    rid = rem.add_manual(fresh_db, consenting_user, "milestone", due, due)
    scheduler, bridge = make(fresh_db, LiveBridge(fresh_db, fail=True))
    for _ in range(200):  # each round at the row's next due time (retry or the end of quiet hours)
        if status(fresh_db, rid) != "pending":
            break
        run(scheduler, parse_iso(rem.get(fresh_db, rid)["due_at"]))
    assert status(fresh_db, rid) == "failed"
    assert len(bridge.calls) == rem.MAX_ATTEMPTS


def test_a_crash_while_planning_the_next_checkin_does_not_end_the_series(fresh_db, consenting_user, monkeypatch):
    first = local(2026, 11, 23, 9, 30)
    rid = rem.schedule_checkin(fresh_db, consenting_user, first - dt.timedelta(weeks=4), AMS)
    real_schedule = rem.schedule_checkin

    def killed(*args, **kwargs):
        raise Crash()  # the process dies after the check-in went out, before the next is planned

    monkeypatch.setattr(rem, "schedule_checkin", killed)
    scheduler, bridge = make(fresh_db)
    with pytest.raises(Crash):
        run(scheduler, first)
    monkeypatch.setattr(rem, "schedule_checkin", real_schedule)
    restarted, _ = make(fresh_db, bridge)  # after a restart the lease has run out
    run(restarted, first + rem.LEASE + dt.timedelta(minutes=1))
    assert status(fresh_db, rid) == "sent"
    assert bridge.received == {consenting_user: 1}
    following = rem.next_checkin(fresh_db, consenting_user)
    assert following is not None and parse_iso(following["due_at"]) > first + dt.timedelta(weeks=3)


def test_a_user_who_blocked_the_bot_gets_check_ins_again_after_writing(fresh_db, consenting_user):
    first = local(2026, 11, 23, 9, 30)
    rem.schedule_checkin(fresh_db, consenting_user, first - dt.timedelta(weeks=4), AMS)
    users.mark_blocked(fresh_db, consenting_user)
    scheduler, bridge = make(fresh_db)
    assert run(scheduler, first) == 0  # blocked: nothing is sent, but the series goes on
    following = rem.next_checkin(fresh_db, consenting_user)
    assert following is not None
    users.touch(fresh_db, consenting_user, first + dt.timedelta(days=3))  # they come back and write
    assert not users.get_user(fresh_db, consenting_user)["blocked"]
    assert run(scheduler, parse_iso(following["due_at"])) == 1
    assert len(bridge.calls) == 1


def test_run_forever_stops_on_request(fresh_db, consenting_user):
    due = local(2026, 11, 23, 9, 30)
    rem.add_manual(fresh_db, consenting_user, "checkin", due, due)
    bridge = LiveBridge(fresh_db)
    scheduler = Scheduler(fresh_db, bridge, clock=lambda: due, tz=AMS)

    async def main():
        task = asyncio.create_task(scheduler.run_forever())
        for _ in range(100):
            await asyncio.sleep(0)
            if bridge.calls:
                break
        scheduler.stop()
        await asyncio.wait_for(task, timeout=5)

    asyncio.run(main())
    assert len(bridge.calls) == 1


def test_ten_thousand_due_reminders_in_bounded_batches(fresh_db, monkeypatch):
    created = iso(local(2026, 11, 1, 12))
    due = local(2026, 11, 23, 9, 30)
    fresh_db["users"].insert_all(
        ({"chat_id": str(1000 + i), "consent": "yes", "created_at": created} for i in range(10_000)), batch_size=1000
    )
    fresh_db["reminders"].insert_all(
        ({"chat_id": str(1000 + i), "kind": "milestone", "due_at": iso(due), "payload": "{}", "status": "pending",
          "attempts": 0, "dedupe_key": f"bulk:{i}", "created_at": created} for i in range(10_000)),
        batch_size=1000,
    )
    batches: list[int] = []
    claim = rem.claim_due

    def spy(db, now, limit=100):
        rows = claim(db, now, limit)
        batches.append(len(rows))
        return rows

    monkeypatch.setattr(sched_mod.store, "claim_due", spy)
    fresh_db.execute("PRAGMA synchronous = NORMAL")  # speed only; the logic is the same
    bridge = CountingDeliverer(keep_calls=False)
    scheduler, _ = make(fresh_db, bridge)
    tracemalloc.start()
    try:
        delivered = run(scheduler, due)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert delivered == 10_000
    assert len(bridge.outbox) == 10_000
    assert max(batches) <= 100
    assert peak < 50 * 1024 * 1024
    assert run(scheduler, due + dt.timedelta(minutes=10)) == 0


def add_due_checkins(db, count, due, first_chat=5000):
    created = iso(due - dt.timedelta(days=30))
    db["users"].insert_all(
        {"chat_id": str(first_chat + i), "consent": "yes", "created_at": created} for i in range(count))
    db["reminders"].insert_all(
        {"chat_id": str(first_chat + i), "kind": "checkin", "due_at": iso(due), "payload": "{}", "status": "pending",
          "attempts": 0, "dedupe_key": f"bulk-checkin:{i}", "created_at": created} for i in range(count))
    db.conn.commit()


class SlowBridge(CountingDeliverer):
    """Each delivery takes a while (Rasa renders, Telegram answers)."""

    def __init__(self, seconds=0.02):
        super().__init__(keep_calls=False)
        self.seconds = seconds
        self.in_flight = 0
        self.most_in_flight = 0

    async def trigger(self, chat_id, intent, entities, *, source_key):
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await asyncio.sleep(self.seconds)
            return await super().trigger(chat_id, intent, entities, source_key=source_key)
        finally:
            self.in_flight -= 1


def test_reminders_go_out_concurrently_but_never_more_than_the_bound(fresh_db):
    due = local(2026, 11, 23, 9, 30)
    add_due_checkins(fresh_db, 250, due)
    bridge = SlowBridge()
    scheduler = Scheduler(fresh_db, bridge, clock=lambda: due, tz=AMS, concurrency=16)
    assert run(scheduler, due) == 250
    assert len(bridge.received) == 250
    assert bridge.most_in_flight == 16


def test_one_chat_gets_its_reminders_one_after_another(fresh_db, consenting_user):
    now = local(2026, 11, 20, 12)
    for day in (23, 24, 25, 26):  # all four due at once after a restart; the weekly cap allows three
        rem.schedule_milestone(fresh_db, consenting_user, f"m{day}", dt.date(2026, 11, day), {}, now, AMS)
    bridge = SlowBridge()
    scheduler = Scheduler(fresh_db, bridge, clock=lambda: now, tz=AMS)
    assert run(scheduler, local(2026, 11, 26, 9, 30)) == 3
    assert bridge.most_in_flight == 1


def test_quiet_hours_are_checked_when_each_reminder_goes_out(fresh_db):
    start = local(2026, 11, 23, 20, 50)
    add_due_checkins(fresh_db, 30, start - dt.timedelta(minutes=5))
    moment = [start]
    sent_at: list[dt.datetime] = []

    class MinuteBridge(CountingDeliverer):
        async def trigger(self, chat_id, intent, entities, *, source_key):
            sent_at.append(moment[0])
            moment[0] += dt.timedelta(minutes=1)  # a long, slow round
            await asyncio.sleep(0)
            return await super().trigger(chat_id, intent, entities, source_key=source_key)

    bridge = MinuteBridge(keep_calls=False)
    scheduler = Scheduler(fresh_db, bridge, clock=lambda: moment[0], tz=AMS)
    delivered = run(scheduler, start)
    assert 0 < delivered < 30
    assert all(m.astimezone(AMS).time() < dt.time(21, 0) for m in sent_at)
    waiting = rem.list_pending(fresh_db)
    morning = [r for r in waiting if r["kind"] == "checkin" and parse_iso(r["due_at"]).date() == dt.date(2026, 11, 24)]
    assert len(morning) == 30 - delivered
    assert {parse_iso(r["due_at"]).astimezone(AMS).time() for r in morning} == {dt.time(9, 30)}


def test_stopping_during_a_mass_send_leaves_the_rest_for_the_next_start(fresh_db):
    due = local(2026, 11, 23, 9, 30)
    add_due_checkins(fresh_db, 400, due)
    scheduler = None

    class StoppingBridge(SlowBridge):
        async def trigger(self, chat_id, intent, entities, *, source_key):
            if self.count >= 20:
                scheduler.stop()  # Ctrl-C while the check-ins go out
            return await super().trigger(chat_id, intent, entities, source_key=source_key)

    bridge = StoppingBridge(seconds=0.001)
    scheduler = Scheduler(fresh_db, bridge, clock=lambda: due, tz=AMS)
    first = run(scheduler, due)
    assert 20 <= first <= 100  # the batch under way finishes, no new one is claimed
    restarted = Scheduler(fresh_db, bridge, clock=lambda: due, tz=AMS)
    assert run(restarted, due + dt.timedelta(minutes=1)) == 400 - first
    assert len(bridge.received) == 400 and set(bridge.received.values()) == {1}
