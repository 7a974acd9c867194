"""Reminder storage: when meeting reminders and check-ins are planned, and the
user's controls (cancel, snooze, pause, stop)."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest

from regiecoach.storage import ConsentRequired, users
from regiecoach.storage import reminders as rem

AMS = ZoneInfo("Europe/Amsterdam")
UTC = dt.timezone.utc


def local(y, m, d, h, mi=0):
    return dt.datetime(y, m, d, h, mi, tzinfo=AMS)


def add_meeting(db, chat_id, starts_at, status="planned"):
    table = db["meetings"].insert({"chat_id": chat_id, "with_whom": "bedrijfsarts", "starts_at": rem.iso(starts_at),
                                   "status": status})
    return table.last_pk


def by_kind(db, chat_id, now):
    return {r["kind"]: r for r in rem.list_upcoming(db, chat_id, now)}


def test_meeting_reminders_evening_before_morning_and_after(fresh_db, consenting_user, now):
    start = local(2026, 11, 25, 10, 30)
    mid = add_meeting(fresh_db, consenting_user, start)
    ids = rem.schedule_meeting_reminders(fresh_db, consenting_user, mid, start, now, AMS)
    assert len(ids) == 3
    rows = by_kind(fresh_db, consenting_user, now)
    assert rem.parse_iso(rows["meeting_before"]["due_at"]).astimezone(AMS) == local(2026, 11, 24, 19)
    assert rem.parse_iso(rows["meeting_morning"]["due_at"]).astimezone(AMS) == local(2026, 11, 25, 8)
    assert rem.parse_iso(rows["meeting_after"]["due_at"]).astimezone(AMS) == local(2026, 11, 25, 12, 30)


def test_scheduling_twice_keeps_the_same_reminders(fresh_db, consenting_user, now):
    start = local(2026, 11, 25, 10, 30)
    mid = add_meeting(fresh_db, consenting_user, start)
    first = rem.schedule_meeting_reminders(fresh_db, consenting_user, mid, start, now, AMS)
    second = rem.schedule_meeting_reminders(fresh_db, consenting_user, mid, start, now, AMS)
    assert first == second
    assert len(rem.list_upcoming(fresh_db, consenting_user, now)) == 3


def test_early_meeting_gets_one_evening_reminder_instead_of_two(fresh_db, consenting_user, now):
    start = local(2026, 11, 25, 8, 30)
    mid = add_meeting(fresh_db, consenting_user, start)
    rem.schedule_meeting_reminders(fresh_db, consenting_user, mid, start, now, AMS)
    rows = by_kind(fresh_db, consenting_user, now)
    assert set(rows) == {"meeting_before", "meeting_after"}
    assert rows["meeting_before"]["payload"]["merged"] is True
    assert rem.parse_iso(rows["meeting_before"]["due_at"]).astimezone(AMS) == local(2026, 11, 24, 19)


def test_late_meeting_look_back_waits_until_morning(fresh_db, consenting_user, now):
    start = local(2026, 11, 25, 19, 30)  # + 2 h = 21:30, quiet hours
    mid = add_meeting(fresh_db, consenting_user, start)
    rem.schedule_meeting_reminders(fresh_db, consenting_user, mid, start, now, AMS)
    after = by_kind(fresh_db, consenting_user, now)["meeting_after"]
    assert rem.parse_iso(after["due_at"]).astimezone(AMS) == local(2026, 11, 26, 8)


def test_past_reminders_are_skipped(fresh_db, consenting_user):
    start = local(2026, 11, 25, 10, 30)
    mid = add_meeting(fresh_db, consenting_user, start)
    rem.schedule_meeting_reminders(fresh_db, consenting_user, mid, start, local(2026, 11, 25, 9), AMS)
    assert set(by_kind(fresh_db, consenting_user, local(2026, 11, 25, 9))) == {"meeting_after"}


def test_moving_a_meeting_replaces_its_reminders(fresh_db, consenting_user, now):
    start = local(2026, 11, 25, 10, 30)
    mid = add_meeting(fresh_db, consenting_user, start)
    old = rem.schedule_meeting_reminders(fresh_db, consenting_user, mid, start, now, AMS)
    moved = local(2026, 12, 2, 8, 15)
    new = rem.schedule_meeting_reminders(fresh_db, consenting_user, mid, moved, now, AMS)
    assert not set(old) & set(new)
    rows = by_kind(fresh_db, consenting_user, now)
    assert set(rows) == {"meeting_before", "meeting_after"}
    assert rem.parse_iso(rows["meeting_before"]["due_at"]).astimezone(AMS) == local(2026, 12, 1, 19)
    assert all(rem.get(fresh_db, i)["status"] == "cancelled" for i in old)


def test_no_reminders_without_consent(fresh_db, now):
    users.ensure_user(fresh_db, "7", now)
    with pytest.raises(ConsentRequired):
        rem.schedule_meeting_reminders(fresh_db, "7", 1, local(2026, 11, 25, 10), now, AMS)


@pytest.mark.parametrize("weeks", [4, 5, 6])
@pytest.mark.parametrize("daypart,hour,minute", [("ochtend", 9, 30), ("middag", 14, 0), ("avond", 19, 30)])
def test_checkin_at_chosen_distance_and_daypart(fresh_db, consenting_user, now, weeks, daypart, hour, minute):
    rem.set_daypart(fresh_db, consenting_user, daypart)
    rem.set_interval(fresh_db, consenting_user, weeks, now, AMS)
    row = rem.next_checkin(fresh_db, consenting_user)
    due = rem.parse_iso(row["due_at"]).astimezone(AMS)
    assert due.date() == now.astimezone(AMS).date() + dt.timedelta(weeks=weeks)
    assert (due.hour, due.minute) == (hour, minute)
    assert not rem.in_quiet_hours(due, AMS)
    assert len([r for r in rem.list_upcoming(fresh_db, consenting_user, now) if r["kind"] == "checkin"]) == 1


def test_checkin_default_is_four_weeks_and_replans_once(fresh_db, consenting_user, now):
    rem.schedule_checkin(fresh_db, consenting_user, now, AMS)
    rem.schedule_checkin(fresh_db, consenting_user, now + dt.timedelta(days=3), AMS)
    checkins = [r for r in rem.list_upcoming(fresh_db, consenting_user, now) if r["kind"] == "checkin"]
    assert len(checkins) == 1
    due = rem.parse_iso(checkins[0]["due_at"]).astimezone(AMS)
    assert due.date() == dt.date(2026, 11, 22) + dt.timedelta(days=3, weeks=4)


def test_checkin_across_dst_keeps_local_time(fresh_db, consenting_user):
    before_dst = local(2026, 3, 10, 12)  # CET; four weeks later is CEST
    rem.schedule_checkin(fresh_db, consenting_user, before_dst.astimezone(UTC), AMS)
    due = rem.parse_iso(rem.next_checkin(fresh_db, consenting_user)["due_at"])
    assert due.astimezone(AMS).time() == dt.time(9, 30)
    assert due.hour == 7  # 09:30 CEST is 07:30 UTC


def test_cancel_only_own_open_reminder(fresh_db, consenting_user, now):
    rid = rem.schedule_checkin(fresh_db, consenting_user, now, AMS)
    users.set_consent(fresh_db, "99", True, now)
    assert rem.cancel(fresh_db, "99", rid) is False
    assert rem.cancel(fresh_db, consenting_user, rid) is True
    assert rem.list_upcoming(fresh_db, consenting_user, now) == []
    assert rem.cancel(fresh_db, consenting_user, rid) is False


def test_snooze_options(fresh_db, consenting_user):
    afternoon = local(2026, 11, 23, 15).astimezone(UTC)
    assert rem.snooze_time("later_today", afternoon, AMS, None).astimezone(AMS) == local(2026, 11, 23, 18)
    evening = local(2026, 11, 23, 19).astimezone(UTC)  # +3 h is 22:00: quiet, so tomorrow
    assert rem.snooze_time("later_today", evening, AMS, {"checkin_daypart": "middag"}).astimezone(AMS) == \
        local(2026, 11, 24, 14)
    assert rem.snooze_time("tomorrow", afternoon, AMS, {"checkin_daypart": "avond"}).astimezone(AMS) == \
        local(2026, 11, 24, 19, 30)
    assert rem.snooze_time("next_week", afternoon, AMS, None).astimezone(AMS) == local(2026, 11, 30, 9, 30)


def test_snooze_a_sent_checkin_makes_one_follow_up(fresh_db, consenting_user, now):
    rid = rem.schedule_checkin(fresh_db, consenting_user, now, AMS)
    rem.mark_sent(fresh_db, rid, now)
    first = rem.snooze(fresh_db, consenting_user, rid, "tomorrow", now, AMS)
    second = rem.snooze(fresh_db, consenting_user, rid, "next_week", now, AMS)
    assert first["id"] == second["id"]
    assert rem.parse_iso(second["due_at"]).astimezone(AMS) == local(2026, 11, 29, 9, 30)
    assert [r["kind"] for r in rem.list_upcoming(fresh_db, consenting_user, now)] == ["checkin"]


def test_pause_resume_and_stop(fresh_db, consenting_user, now):
    start = local(2026, 11, 25, 10, 30)
    mid = add_meeting(fresh_db, consenting_user, start)
    rem.schedule_meeting_reminders(fresh_db, consenting_user, mid, start, now, AMS)
    rem.schedule_checkin(fresh_db, consenting_user, now, AMS)
    rem.pause_checkins(fresh_db, consenting_user)
    kinds = {r["kind"] for r in rem.list_upcoming(fresh_db, consenting_user, now)}
    assert kinds == {"meeting_before", "meeting_morning", "meeting_after"}
    assert rem.schedule_checkin(fresh_db, consenting_user, now, AMS) is None
    rem.stop_all(fresh_db, consenting_user)
    assert rem.list_upcoming(fresh_db, consenting_user, now) == []
    rem.resume(fresh_db, consenting_user, now, AMS)
    kinds = {r["kind"] for r in rem.list_upcoming(fresh_db, consenting_user, now)}
    assert kinds == {"meeting_before", "meeting_morning", "meeting_after", "checkin"}


def test_claim_is_exclusive_and_reclaims_after_lease(fresh_db, consenting_user, now):
    rid = rem.add_manual(fresh_db, consenting_user, "checkin", now, now)
    assert rem.ids(rem.claim_due(fresh_db, now)) == [rid]
    assert rem.claim_due(fresh_db, now + dt.timedelta(minutes=1)) == []
    assert rem.ids(rem.claim_due(fresh_db, now + dt.timedelta(minutes=6))) == [rid]


def test_failed_delivery_retries_with_backoff_then_gives_up(fresh_db, consenting_user, now):
    rid = rem.add_manual(fresh_db, consenting_user, "milestone", now, now)
    moment = now
    for attempt in range(1, rem.MAX_ATTEMPTS):
        rem.claim_due(fresh_db, moment)
        assert rem.mark_failed(fresh_db, rid, moment) == "pending"
        due = rem.parse_iso(rem.get(fresh_db, rid)["due_at"])
        assert due - moment == dt.timedelta(minutes=min(2 ** (attempt - 1), 60))
        moment = due
    rem.claim_due(fresh_db, moment)
    assert rem.mark_failed(fresh_db, rid, moment) == "failed"
    assert rem.claim_due(fresh_db, moment + dt.timedelta(days=1)) == []


def test_a_checkin_outlives_a_long_outage_and_the_series_goes_on(fresh_db, consenting_user, now):
    rid = rem.schedule_checkin(fresh_db, consenting_user, now - dt.timedelta(weeks=4), AMS)
    moment = rem.parse_iso(rem.get(fresh_db, rid)["due_at"])
    outage_end = moment + dt.timedelta(hours=12)
    while moment < outage_end:  # Rasa down for twelve hours: every attempt fails
        assert [r["id"] for r in rem.claim_due(fresh_db, moment)] == [rid]
        assert rem.mark_failed(fresh_db, rid, moment, AMS) == "pending"
        moment = rem.parse_iso(rem.get(fresh_db, rid)["due_at"])
    while rem.get(fresh_db, rid)["status"] != "failed":  # an outage of a day or more: given up on ...
        rem.claim_due(fresh_db, moment)
        rem.mark_failed(fresh_db, rid, moment, AMS)
        moment = rem.parse_iso(rem.get(fresh_db, rid)["due_at"])
    following = rem.next_checkin(fresh_db, consenting_user)  # ... but the next one of the series is planned
    assert following is not None and rem.parse_iso(following["due_at"]) > moment + dt.timedelta(weeks=3)


def test_a_reminder_cancelled_while_the_scheduler_holds_it_stays_cancelled(fresh_db, consenting_user, now):
    rid = rem.schedule_checkin(fresh_db, consenting_user, now - dt.timedelta(weeks=4), AMS)
    due = rem.parse_iso(rem.get(fresh_db, rid)["due_at"])
    for settle in (lambda: rem.reschedule(fresh_db, rid, due + dt.timedelta(hours=1)),
                   lambda: rem.mark_failed(fresh_db, rid, due, AMS),
                   lambda: rem.mark_sent(fresh_db, rid, due, AMS)):
        fresh_db.execute("update reminders set status = 'pending', claimed_at = null where id = ?", [rid])
        fresh_db.conn.commit()
        assert [r["id"] for r in rem.claim_due(fresh_db, due)] == [rid]
        assert rem.cancel(fresh_db, consenting_user, rid)  # the user cancels it meanwhile
        settle()
        assert rem.get(fresh_db, rid)["status"] == "cancelled"
        assert rem.claim_due(fresh_db, due + dt.timedelta(days=1)) == []
        assert rem.list_upcoming(fresh_db, consenting_user, due) == []


def test_an_open_series_checkin_exists_at_most_once(fresh_db, consenting_user, now):
    import sqlite3

    rid = rem.schedule_checkin(fresh_db, consenting_user, now, AMS)
    row = rem.get(fresh_db, rid)
    with pytest.raises(sqlite3.IntegrityError):
        fresh_db.execute(
            "insert into reminders (chat_id, kind, due_at, payload, status, dedupe_key) values (?, 'checkin', ?, '{}',"
            " 'pending', ?)", [consenting_user, row["due_at"], f"checkin:{consenting_user}:2099-01-01"])
    fresh_db.conn.rollback()
    # A snoozed follow-up is not part of the series and may exist next to it.
    rem.add_manual(fresh_db, consenting_user, "checkin", now + dt.timedelta(days=1), now)
    assert len([r for r in rem.list_upcoming(fresh_db, consenting_user, now) if r["kind"] == "checkin"]) == 2


def test_replanning_while_another_process_plans_a_checkin_leaves_one_open(fresh_db, consenting_user, now):
    """The action server (check-in flow) plans a check-in while the bot replans
    the series: the bot's read-modify-write waits for the other writer and then
    sees its row, instead of reading first and inserting a second open one."""
    import sqlite3
    import threading
    import time

    import sqlite_utils

    other = sqlite3.connect(str(fresh_db.path), timeout=10)
    other.isolation_level = None
    other.execute("BEGIN IMMEDIATE")
    other.execute(
        "insert into reminders (chat_id, kind, due_at, payload, status, attempts, dedupe_key, created_at)"
        " values (?, 'checkin', ?, '{\"weeks\": 5}', 'pending', 0, ?, ?)",
        [consenting_user, rem.iso(now + dt.timedelta(weeks=5)), f"checkin:{consenting_user}:2026-12-27", rem.iso(now)])
    errors: list = []
    bot = sqlite_utils.Database(sqlite3.connect(str(fresh_db.path), timeout=10, check_same_thread=False))

    def replan():
        try:
            rem.schedule_checkin(bot, consenting_user, now, AMS, 6)
        except Exception as error:  # collected: the assertion below names it
            errors.append(error)

    thread = threading.Thread(target=replan)
    thread.start()
    time.sleep(0.5)
    other.execute("COMMIT")
    thread.join()
    other.close()
    assert errors == []
    open_checkins = [r for r in rem.list_upcoming(fresh_db, consenting_user, now) if r["kind"] == "checkin"]
    assert [r["payload"] for r in open_checkins] == [{"weeks": 6}]


def test_milestone_reminder_in_future_only(fresh_db, consenting_user, now):
    assert rem.schedule_milestone(fresh_db, consenting_user, "week6", dt.date(2026, 11, 1), {}, now, AMS) is None
    rid = rem.schedule_milestone(fresh_db, consenting_user, "week8", dt.date(2026, 12, 1), {"week": 8}, now, AMS)
    assert rem.get(fresh_db, rid)["kind"] == "milestone"
    assert rem.cancel_milestones(fresh_db, consenting_user) == 1


def test_operator_cli_add_and_list(fresh_db, consenting_user, capsys):
    from bot.reminders_cli import main

    assert main(["reminders", "add", "--user", consenting_user, "--kind", "checkin", "--due", "2026-11-23T09:30"]) == 0
    added = json.loads(capsys.readouterr().out)
    assert added["due"] == "2026-11-23T08:30:00+00:00"  # local time without zone: Amsterdam
    assert main(["reminders", "add", "--user", consenting_user, "--due", "now"]) == 0
    capsys.readouterr()
    assert main(["reminders", "list"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(lines) == 2
    assert set(lines[0]) == {"id", "user", "kind", "due", "status"}
    mine = next(line for line in lines if line["id"] == added["id"])
    assert mine == {"id": added["id"], "user": consenting_user, "kind": "checkin",
                    "due": "2026-11-23T08:30:00+00:00", "status": "pending"}
    assert main(["reminders", "add", "--user", "nobody", "--due", "now"]) == 1
    assert main(["reminders", "add", "--user", consenting_user, "--due", "morgen"]) == 2
