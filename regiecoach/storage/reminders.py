"""Reminders: the table the scheduler works from (SQLite is the source of truth,
so nothing is lost when the bot restarts).

Life of a row: pending -> claimed -> sent, or cancelled / dropped / failed.
A row stays unique by its `dedupe_key`, so scheduling twice never sends twice.
All times are computed in local wall time (Europe/Amsterdam) and stored in UTC,
so 08:00 stays 08:00 across a DST change.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from typing import Any

from sqlite_utils import Database

from regiecoach.storage import drafts, meetings, users
from regiecoach.storage.db import atomic, iso, parse_iso

QUIET_START = dt.time(21, 0)
QUIET_END = dt.time(8, 0)
EVENING = dt.time(19, 0)
MORNING = dt.time(8, 0)
DAYPARTS: dict[str, dt.time] = {"ochtend": dt.time(9, 30), "middag": dt.time(14, 0), "avond": dt.time(19, 30)}
CHECKIN_WEEKS = (4, 5, 6)
DEFAULT_WEEKS = 4
LEASE = dt.timedelta(minutes=5)  # a row claimed longer ago than this was left by a crash
MAX_ATTEMPTS = 30  # with the backoff below: about a day of retries
MAX_RETRY_MINUTES = 60
WEEKLY_CAP = 3
ACTIVE_WINDOW = dt.timedelta(minutes=30)
NUDGE_AFTER = dt.timedelta(days=2)
MEETING_KINDS = ("meeting_before", "meeting_morning", "meeting_after")
CHECKIN_KINDS = ("checkin", "nudge")
SNOOZE_OPTIONS = ("later_today", "tomorrow", "next_week")
# users.reminders_paused: 0 = on, 1 = check-ins paused, 2 = all reminders off.
PAUSED_CHECKINS = 1
STOPPED_ALL = 2


# --- time helpers -----------------------------------------------------------

def at_local(day: dt.date, time: dt.time, tz: dt.tzinfo) -> dt.datetime:
    """Local wall time on `day` as an aware UTC datetime (zoneinfo picks the right offset)."""
    return dt.datetime.combine(day, time, tzinfo=tz).astimezone(dt.timezone.utc)


def in_quiet_hours(moment: dt.datetime, tz: dt.tzinfo) -> bool:
    local = moment.astimezone(tz).time()
    return local >= QUIET_START or local < QUIET_END


def out_of_quiet_hours(moment: dt.datetime, tz: dt.tzinfo, morning: dt.time = MORNING) -> dt.datetime:
    """`moment` itself, or the next `morning` (local) when it falls in quiet hours."""
    if not in_quiet_hours(moment, tz):
        return moment.astimezone(dt.timezone.utc)
    local = moment.astimezone(tz)
    day = local.date() + dt.timedelta(days=1) if local.time() >= QUIET_START else local.date()
    return at_local(day, morning, tz)


def daypart_time(user: dict[str, Any] | None) -> dt.time:
    part = (user or {}).get("checkin_daypart") or "ochtend"
    return DAYPARTS.get(part, DAYPARTS["ochtend"])


# --- rows -------------------------------------------------------------------

def _row(row: Any) -> dict[str, Any]:
    data = dict(row)
    data["payload"] = json.loads(data.get("payload") or "{}")
    return data


def get(db: Database, reminder_id: int) -> dict[str, Any] | None:
    rows = list(db.query("select * from reminders where id = ?", [int(reminder_id)]))
    return _row(rows[0]) if rows else None


def _by_key(db: Database, key: str) -> dict[str, Any] | None:
    rows = list(db.query("select * from reminders where dedupe_key = ?", [key]))
    return _row(rows[0]) if rows else None


def _retire(db: Database, row: dict[str, Any], status: str | None = "cancelled") -> None:
    """Free the dedupe key of an old row (so a new one can take it); cancel it if still open."""
    new_status = status if row["status"] in ("pending", "claimed") and status else row["status"]
    db.execute(
        "update reminders set dedupe_key = ?, status = ? where id = ?",
        [f"{row['dedupe_key']}#{row['id']}", new_status, row["id"]],
    )


def _put(
    db: Database, chat_id: str, kind: str, due: dt.datetime, payload: dict[str, Any], key: str, now: dt.datetime
) -> int | None:
    """Insert or keep the row for `key`. The same due time and payload keep the
    existing row (idempotent); a change retires the old row and inserts anew.
    Returns None when the same reminder was already sent."""
    existing = _by_key(db, key)
    if existing is not None:
        same = existing["due_at"] == iso(due) and existing["payload"] == payload
        if same and existing["status"] in ("pending", "claimed"):
            return int(existing["id"])
        if same and existing["status"] == "sent":
            return None
        _retire(db, existing)
    cursor = db.execute(
        "insert into reminders (chat_id, kind, due_at, payload, status, attempts, dedupe_key, created_at)"
        " values (?, ?, ?, ?, 'pending', 0, ?, ?)",
        [str(chat_id), kind, iso(due), json.dumps(payload, ensure_ascii=False, sort_keys=True), key, iso(now)],
    )
    return int(cursor.lastrowid or 0)


def _cancel_where(db: Database, where: str, params: Sequence[Any]) -> int:
    sql = f"select * from reminders where status in ('pending', 'claimed') and {where}"
    rows = [_row(r) for r in db.query(sql, params)]
    for row in rows:
        _retire(db, row)
    return len(rows)


# --- meetings -----------------------------------------------------------------

@atomic
def schedule_meeting_reminders(
    db: Database, chat_id: str, meeting_id: int, starts_at: dt.datetime, now: dt.datetime, tz: dt.tzinfo
) -> list[int]:
    """The day before (19:00), the morning of (08:00) and after (start + 2 h) a
    meeting. A meeting before 09:00 gets one reminder, the evening before,
    instead of two. Past ones are skipped. Calling again is harmless; a new
    start time cancels the old reminders and makes new ones."""
    users.require_consent(db, chat_id)
    user = users.get_user(db, chat_id) or {}
    local_start = starts_at.astimezone(tz)
    eve = local_start.date() - dt.timedelta(days=1)
    early = local_start.time() < dt.time(9, 0)
    base = {"meeting_id": int(meeting_id), "starts_at": iso(starts_at)}
    wanted: dict[str, tuple] = {
        "meeting_before": (at_local(eve, EVENING, tz), {**base, "merged": early}),
        "meeting_after": (out_of_quiet_hours(starts_at + dt.timedelta(hours=2), tz), base),
    }
    if not early:
        wanted["meeting_morning"] = (at_local(local_start.date(), MORNING, tz), base)
    ids: list[int] = []
    for kind in MEETING_KINDS:
        key = f"meeting:{int(meeting_id)}:{kind}"
        if kind not in wanted or (user.get("reminders_paused") or 0) >= STOPPED_ALL:
            _cancel_where(db, "dedupe_key = ?", [key])
            continue
        due, payload = wanted[kind]
        if due <= now:
            _cancel_where(db, "dedupe_key = ?", [key])  # an old time for a moved meeting
            continue
        new_id = _put(db, chat_id, kind, due, payload, key, now)
        if new_id:
            ids.append(new_id)
    return ids


@atomic
def cancel_meeting_reminders(db: Database, meeting_id: int) -> int:
    count = _cancel_where(db, "dedupe_key like ?", [f"meeting:{int(meeting_id)}:%"])
    return count


# --- check-ins ------------------------------------------------------------------

@atomic
def schedule_checkin(
    db: Database, chat_id: str, now: dt.datetime, tz: dt.tzinfo, weeks: int | None = None
) -> int | None:
    """The next check-in, `weeks` (default: the user's choice, else 4) from
    today, at the user's part of the day. Replaces any other open check-in.
    Nothing is scheduled while check-ins are paused."""
    users.require_consent(db, chat_id)
    user = users.get_user(db, chat_id) or {}
    if weeks is None:
        weeks = int(user.get("checkin_weeks") or DEFAULT_WEEKS)
    if weeks not in CHECKIN_WEEKS:
        raise ValueError(f"check-in interval must be one of {CHECKIN_WEEKS}")
    if (user.get("reminders_paused") or 0) >= PAUSED_CHECKINS:
        return None
    day = now.astimezone(tz).date() + dt.timedelta(weeks=weeks)
    due = out_of_quiet_hours(at_local(day, daypart_time(user), tz), tz, daypart_time(user))
    key = f"checkin:{chat_id}:{day.isoformat()}"
    _cancel_where(db, "chat_id = ? and kind in ('checkin', 'nudge') and dedupe_key != ?", [str(chat_id), key])
    new_id = _put(db, chat_id, "checkin", due, {"weeks": weeks}, key, now)
    return new_id


def next_checkin(db: Database, chat_id: str) -> dict[str, Any] | None:
    rows = list(db.query(
        "select * from reminders where chat_id = ? and kind = 'checkin' and status = 'pending' order by due_at limit 1",
        [str(chat_id)],
    ))
    return _row(rows[0]) if rows else None


@atomic
def set_interval(db: Database, chat_id: str, weeks: int, now: dt.datetime, tz: dt.tzinfo) -> int | None:
    if weeks not in CHECKIN_WEEKS:
        raise ValueError(f"check-in interval must be one of {CHECKIN_WEEKS}")
    users.update_settings(db, chat_id, checkin_weeks=weeks)
    return schedule_checkin(db, chat_id, now, tz, weeks)


@atomic
def set_daypart(
    db: Database, chat_id: str, daypart: str, now: dt.datetime | None = None, tz: dt.tzinfo | None = None
) -> dict[str, Any] | None:
    """The part of the day for check-ins. With `now` and `tz`, the open check-in
    moves to the new time on the same day (when that is still ahead); returns it."""
    if daypart not in DAYPARTS:
        raise ValueError(f"daypart must be one of {sorted(DAYPARTS)}")
    users.update_settings(db, chat_id, checkin_daypart=daypart)
    row = next_checkin(db, chat_id)
    if row is None or now is None or tz is None:
        return row
    due = parse_iso(row["due_at"])
    assert due is not None
    moved = out_of_quiet_hours(at_local(due.astimezone(tz).date(), DAYPARTS[daypart], tz), tz, DAYPARTS[daypart])
    if moved > now:
        db.execute("update reminders set due_at = ? where id = ? and status = 'pending'", [iso(moved), row["id"]])
    return get(db, row["id"])


def daypart_of(moment: dt.datetime, tz: dt.tzinfo) -> str:
    """The part of the day a moment falls in (the night counts as morning)."""
    hour = moment.astimezone(tz).hour
    return "middag" if 12 <= hour < 17 else "avond" if 17 <= hour < 23 else "ochtend"


@atomic
def pause_checkins(db: Database, chat_id: str) -> int:
    """Pause check-ins (meeting and milestone reminders go on). Returns how many were cancelled."""
    users.update_settings(db, chat_id, reminders_paused=PAUSED_CHECKINS)
    count = _cancel_where(db, "chat_id = ? and kind in ('checkin', 'nudge')", [str(chat_id)])
    return count


@atomic
def stop_all(db: Database, chat_id: str) -> int:
    """All proactive messages off: cancel every open reminder of this user."""
    users.update_settings(db, chat_id, reminders_paused=STOPPED_ALL)
    count = _cancel_where(db, "chat_id = ?", [str(chat_id)])
    return count


@atomic
def resume(db: Database, chat_id: str, now: dt.datetime, tz: dt.tzinfo) -> int | None:
    """Reminders back on: the next check-in, and reminders for planned meetings still ahead."""
    users.update_settings(db, chat_id, reminders_paused=0)
    for row in meetings.upcoming_meetings(db, chat_id, now):
        start = parse_iso(row["starts_at"])
        if start is not None:
            schedule_meeting_reminders(db, chat_id, row["id"], start, now, tz)
    return schedule_checkin(db, chat_id, now, tz)


# --- milestones (Poortwachter timeline) -------------------------------------------

@atomic
def schedule_milestone(
    db: Database, chat_id: str, key: str, due_day: dt.date, payload: dict[str, Any], now: dt.datetime, tz: dt.tzinfo
) -> int | None:
    """A reminder on `due_day` at the user's part of the day (skipped when past)."""
    users.require_consent(db, chat_id)
    user = users.get_user(db, chat_id) or {}
    due = at_local(due_day, daypart_time(user), tz)
    if due <= now or (user.get("reminders_paused") or 0) >= STOPPED_ALL:
        return None
    new_id = _put(db, chat_id, "milestone", due, payload, f"milestone:{chat_id}:{key}", now)
    return new_id


@atomic
def cancel_milestones(db: Database, chat_id: str) -> int:
    count = _cancel_where(db, "chat_id = ? and kind = 'milestone'", [str(chat_id)])
    return count


# --- what the user sees and changes --------------------------------------------------

def list_upcoming(db: Database, chat_id: str, now: dt.datetime) -> list[dict[str, Any]]:
    return [_row(r) for r in db.query(
        "select * from reminders where chat_id = ? and status in ('pending', 'claimed') order by due_at, id",
        [str(chat_id)],
    )]


@atomic
def cancel(db: Database, chat_id: str, reminder_id: int) -> bool:
    """Cancel one of the user's own open reminders. False if not theirs or not open."""
    row = get(db, reminder_id)
    if row is None or row["chat_id"] != str(chat_id) or row["status"] not in ("pending", "claimed"):
        return False
    _retire(db, row)
    return True


def snooze_time(option: str, now: dt.datetime, tz: dt.tzinfo, user: dict[str, Any] | None) -> dt.datetime:
    part = daypart_time(user)
    today = now.astimezone(tz).date()
    if option == "later_today":
        later = now + dt.timedelta(hours=3)
        if not in_quiet_hours(later, tz) and later.astimezone(tz).date() == today:
            return later.astimezone(dt.timezone.utc)
        return at_local(today + dt.timedelta(days=1), part, tz)
    if option == "tomorrow":
        return at_local(today + dt.timedelta(days=1), part, tz)
    if option == "next_week":
        return at_local(today + dt.timedelta(days=7), part, tz)
    raise ValueError(f"unknown snooze option {option!r}")


@atomic
def snooze(
    db: Database, chat_id: str, reminder_id: int, option: str, now: dt.datetime, tz: dt.tzinfo
) -> dict[str, Any] | None:
    """Ask again later. An open reminder moves; a sent one gets one follow-up
    row (snoozing again moves that row). Returns the reminder that will come."""
    users.require_consent(db, chat_id)
    row = get(db, reminder_id)
    if row is None or row["chat_id"] != str(chat_id):
        return None
    due = snooze_time(option, now, tz, users.get_user(db, chat_id))
    if row["status"] == "pending":
        payload = {**row["payload"], "requested": True}
        db.execute(
            "update reminders set due_at = ?, payload = ? where id = ?",
            [iso(due), json.dumps(payload, ensure_ascii=False, sort_keys=True), row["id"]],
        )
        return get(db, row["id"])
    if row["status"] not in ("sent", "claimed"):
        return None
    kind = "checkin" if row["kind"] == "nudge" else row["kind"]
    payload = {**row["payload"], "requested": True, "snoozed_from": int(row["id"])}
    # The user answered: no nudge for the original any more.
    _cancel_where(db, "dedupe_key = ?", [f"nudge:{row['id']}"])
    key = f"snooze:{row['id']}"
    existing = _by_key(db, key)
    if existing is not None and existing["status"] == "pending":
        db.execute("update reminders set due_at = ? where id = ?", [iso(due), existing["id"]])
        return get(db, existing["id"])
    if existing is not None:
        _retire(db, existing)
    new_id = _put(db, chat_id, kind, due, payload, key, now)
    return get(db, new_id) if new_id else None


@atomic
def add_manual(
    db: Database, chat_id: str, kind: str, due: dt.datetime, now: dt.datetime, payload: dict[str, Any] | None = None
) -> int:
    """Operator command: a reminder scheduled by hand (not held back by the weekly
    cap or by recent activity; quiet hours still apply)."""
    body = {**(payload or {}), "manual": True}
    key = f"manual:{chat_id}:{kind}:{iso(now)}:{iso(due)}"
    new_id = _put(db, chat_id, kind, due, body, key, now)
    return int(new_id or 0)


def list_pending(db: Database, limit: int = 1000) -> list[dict[str, Any]]:
    return [_row(r) for r in db.query(
        "select * from reminders where status in ('pending', 'claimed') order by due_at, id limit ?", [int(limit)]
    )]


# --- the scheduler's side ------------------------------------------------------------

@atomic
def claim_due(db: Database, now: dt.datetime, limit: int = 100) -> list[dict[str, Any]]:
    """Atomically move up to `limit` due rows to 'claimed' and return them.
    Rows left 'claimed' by a crash (older than the lease) are claimed again,
    so a restart catches up; the deliverer's source key prevents a double send."""
    stale = iso(now - LEASE)
    cursor = db.conn.execute(
        "update reminders set status = 'claimed', claimed_at = ? where id in ("
        " select id from reminders where (status = 'pending' and due_at <= ?)"
        " or (status = 'claimed' and claimed_at <= ?) order by due_at, id limit ?) returning *",
        [iso(now), iso(now), stale, int(limit)],
    )
    names = [d[0] for d in cursor.description]
    rows = [_row(dict(zip(names, values))) for values in cursor.fetchall()]
    rows.sort(key=lambda r: (r["due_at"], r["id"]))
    return rows


def next_due_at(db: Database) -> dt.datetime | None:
    rows = list(db.query("select min(due_at) as due from reminders where status = 'pending'"))
    return parse_iso(rows[0]["due"]) if rows else None


@atomic
def mark_sent(db: Database, reminder_id: int, now: dt.datetime, tz: dt.tzinfo | None = None) -> bool:
    """The reminder went out. For a check-in of the series, the next one (and a
    nudge) is planned in the same transaction, so no crash in between ends the
    series. A reminder cancelled while the scheduler held it stays cancelled.
    Returns False when the row was no longer held."""
    row = get(db, reminder_id)
    if row is None or row["status"] != "claimed":
        return False
    db.execute("update reminders set status = 'sent', sent_at = ? where id = ?", [iso(now), row["id"]])
    if row["kind"] == "checkin" and tz is not None:
        plan_next_checkin(db, row["chat_id"], now, tz)
        schedule_nudge(db, row, now, tz)
    return True


def plan_next_checkin(db: Database, chat_id: str, now: dt.datetime, tz: dt.tzinfo) -> int | None:
    """Keep the 4-6-weekly series going (nothing while paused or without consent)."""
    if not users.has_consent(db, chat_id):
        return None
    return schedule_checkin(db, chat_id, now, tz)


def retry_delay(attempts: int) -> dt.timedelta:
    """1, 2, 4, ... minutes, at most an hour: a long outage is waited out."""
    return dt.timedelta(minutes=min(2 ** (attempts - 1), MAX_RETRY_MINUTES))


@atomic
def mark_failed(db: Database, reminder_id: int, now: dt.datetime, tz: dt.tzinfo | None = None) -> str:
    """One more failed attempt: retry later with backoff, give up after
    MAX_ATTEMPTS (about a day). A check-in given up on still plans the next
    one, so the series goes on. Returns the new status."""
    row = get(db, reminder_id)
    if row is None:
        return "missing"
    if row["status"] != "claimed":
        return str(row["status"])  # cancelled while held: it stays so
    attempts = int(row["attempts"] or 0) + 1
    if attempts >= MAX_ATTEMPTS:
        db.execute("update reminders set status = 'failed', attempts = ? where id = ?", [attempts, row["id"]])
        if row["kind"] == "checkin" and tz is not None:
            plan_next_checkin(db, row["chat_id"], now, tz)
        return "failed"
    db.execute(
        "update reminders set status = 'pending', attempts = ?, due_at = ?, claimed_at = null where id = ?",
        [attempts, iso(now + retry_delay(attempts)), row["id"]],
    )
    return "pending"


@atomic
def mark_dropped(db: Database, reminder_id: int, reason: str, now: dt.datetime | None = None,
                 tz: dt.tzinfo | None = None) -> None:
    """Not sent on purpose (obsolete, blocked, no consent, paused); the reason goes in the payload.
    A check-in dropped because the user blocked the bot plans the next one:
    the series goes on when they come back."""
    row = get(db, reminder_id)
    if row is None or row["status"] not in ("pending", "claimed"):
        return
    payload = {**row["payload"], "dropped": reason}
    db.execute(
        "update reminders set status = 'dropped', payload = ? where id = ?",
        [json.dumps(payload, ensure_ascii=False, sort_keys=True), row["id"]],
    )
    if reason == "blocked" and row["kind"] == "checkin" and now is not None and tz is not None:
        plan_next_checkin(db, row["chat_id"], now, tz)


@atomic
def reschedule(db: Database, reminder_id: int, due: dt.datetime, reason: str = "") -> bool:
    """Back to pending at a later time (quiet hours, busy user, weekly cap).
    Only a row the scheduler holds: a cancelled one never comes back."""
    cursor = db.execute(
        "update reminders set status = 'pending', due_at = ?, claimed_at = null where id = ? and status = 'claimed'",
        [iso(due), int(reminder_id)],
    )
    return cursor.rowcount == 1


def sent_in_week(db: Database, chat_id: str, now: dt.datetime) -> list[dt.datetime]:
    """When proactive messages went to this user in the last 7 days (oldest first)."""
    rows = db.query(
        "select sent_at from reminders where chat_id = ? and status = 'sent' and sent_at > ? order by sent_at",
        [str(chat_id), iso(now - dt.timedelta(days=7))],
    )
    return [moment for moment in (parse_iso(r["sent_at"]) for r in rows) if moment is not None]


def busy_until(db: Database, chat_id: str, now: dt.datetime) -> dt.datetime | None:
    """If the user is mid-conversation (active or a draft touched in the last 30
    minutes), the moment to try again; else None."""
    user = users.get_user(db, chat_id) or {}
    moments: list[dt.datetime] = []
    active = parse_iso(user.get("last_active_at"))
    if active is not None:
        moments.append(active)
    draft = drafts.last_touched(db, chat_id)
    if draft is not None:
        moments.append(draft)
    latest = max(moments) if moments else None
    if latest is not None and now - latest < ACTIVE_WINDOW:
        return now + ACTIVE_WINDOW
    return None


@atomic
def schedule_nudge(db: Database, row: dict[str, Any], now: dt.datetime, tz: dt.tzinfo) -> int | None:
    """One gentle follow-up, two days after a check-in invitation, dropped if the
    user has been active since. Never a nudge for a nudge."""
    if row["kind"] != "checkin":
        return None
    user = users.get_user(db, row["chat_id"]) or {}
    due = out_of_quiet_hours(
        at_local((now + NUDGE_AFTER).astimezone(tz).date(), daypart_time(user), tz), tz, daypart_time(user)
    )
    new_id = _put(db, row["chat_id"], "nudge", due, {"for": int(row["id"])}, f"nudge:{row['id']}", now)
    return new_id


def active_since(db: Database, chat_id: str, moment: dt.datetime | None) -> bool:
    user = users.get_user(db, chat_id) or {}
    active = parse_iso(user.get("last_active_at"))
    return bool(active and moment and active > moment)



def ids(rows: Iterable[dict[str, Any]]) -> list[int]:
    return [int(r["id"]) for r in rows]
