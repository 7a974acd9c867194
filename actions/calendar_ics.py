"""A planned meeting as an .ics file for the phone's calendar app.

The event is in Europe/Amsterdam wall time with a VTIMEZONE, so 10:00 stays
10:00 across daylight-saving changes; an alarm goes off the evening before
(19:00, like the bot's own reminder). Moving or cancelling the meeting gives a
file with the same UID and a higher SEQUENCE, so the calendar replaces the
event instead of adding a second one.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from pathlib import Path
from typing import Any, Dict, List, Optional

from icalendar import Alarm, Calendar, Event, Timezone, TimezoneDaylight, TimezoneStandard
from sqlite_utils import Database

from actions.card import card_dir, who_label
from actions.flows.base import Reply
from regiecoach.commands import intent_payload
from regiecoach.config import BOT_USERNAME_FILE, get_settings
from regiecoach.storage import meetings, parse_iso
from regiecoach.texts import say

ALARM_AT = dt.time(19, 0)  # the evening before, like the meeting_before reminder
DURATION = dt.timedelta(hours=1)  # we never ask how long a meeting takes; an hour is a fair default
TZID = "Europe/Amsterdam"
USERNAME_RE = re.compile(r"[A-Za-z][A-Za-z0-9_]{3,31}")


def bot_username(data_dir: Optional[Path] = None) -> Optional[str]:
    """The bot's Telegram username, when the Telegram process has told us."""
    path = (data_dir or get_settings().data_dir) / BOT_USERNAME_FILE
    try:
        name = path.read_text(encoding="utf-8").strip()
    except OSError:
        return None
    return name if USERNAME_RE.fullmatch(name) else None


def event_uid(chat_id: str, meeting: Dict[str, Any]) -> str:
    """Stable per meeting, unique across installs, and it does not reveal the chat id."""
    seed = f"regiecoach:{chat_id}:{meeting['id']}:{meeting.get('created_at') or ''}"
    return f"{uuid.uuid5(uuid.NAMESPACE_URL, seed)}@regiecoach"


def alarm_offset(starts_at: dt.datetime, tz: Any) -> dt.timedelta:
    """From the start back to 19:00 local time the evening before (real elapsed time, so DST is counted)."""
    eve = starts_at.astimezone(tz).date() - dt.timedelta(days=1)
    alarm = dt.datetime.combine(eve, ALARM_AT, tzinfo=tz)
    return alarm - starts_at


def meeting_calendar(chat_id: str, meeting: Dict[str, Any], tz: Any, now: dt.datetime,
                     username: Optional[str] = None) -> Calendar:
    starts_at = parse_iso(meeting.get("starts_at"))
    if starts_at is None:
        raise ValueError("meeting has no start time")
    cancelled = meeting.get("status") == "cancelled"
    who = who_label(meeting.get("with_whom"))
    calendar = Calendar()
    calendar.add("prodid", "-//Regiecoach//Gesprek//NL")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "CANCEL" if cancelled else "PUBLISH")
    event = Event()
    event.add("uid", event_uid(chat_id, meeting))
    event.add("dtstamp", now.astimezone(dt.timezone.utc))
    local_start = starts_at.astimezone(tz)
    event.add("dtstart", local_start)
    event.add("dtend", (starts_at + DURATION).astimezone(tz))
    event.add("summary", say("calendar", "summary", who=who))
    event.add("sequence", int(meeting.get("ics_sequence") or 0))
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    link = f"https://t.me/{username}" if username else None
    event.add("description", say("calendar", "description_link", link=link) if link else say("calendar", "description"))
    if link:
        event.add("url", link)
    if not cancelled:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", say("calendar", "alarm", who=who, time=f"{local_start:%H:%M}"))
        alarm.add("trigger", alarm_offset(starts_at, tz))
        event.add_component(alarm)
    calendar.add_component(amsterdam_timezone())
    calendar.add_component(event)
    return calendar


def amsterdam_timezone() -> Timezone:
    """Europe/Amsterdam as EU rules since 1996: summer time from the last Sunday of
    March 02:00 to the last Sunday of October 03:00. Short, and valid past 2038."""
    zone = Timezone()
    zone.add("tzid", TZID)
    for kind, start, month, before, after, name in (
        (TimezoneDaylight, dt.datetime(1996, 3, 31, 2, 0), 3, dt.timedelta(hours=1), dt.timedelta(hours=2), "CEST"),
        (TimezoneStandard, dt.datetime(1996, 10, 27, 3, 0), 10, dt.timedelta(hours=2), dt.timedelta(hours=1), "CET"),
    ):
        part = kind()
        part.add("tzname", name)
        part.add("dtstart", start)
        part.add("rrule", {"freq": "yearly", "bymonth": month, "byday": "-1su"})
        part.add("tzoffsetfrom", before)
        part.add("tzoffsetto", after)
        zone.add_component(part)
    return zone


def write_ics(db: Database, chat_id: str, meeting_id: int, tz: Any, now: dt.datetime,
              out_dir: Optional[Path] = None) -> Optional[Path]:
    """The meeting's .ics under the user's card folder; None when it has no start time."""
    meeting = meetings.get_meeting(db, chat_id, meeting_id)
    if meeting is None or not meeting.get("starts_at"):
        return None
    out_dir = Path(out_dir or card_dir(chat_id))
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"gesprek-{int(meeting_id)}.ics"
    path.write_bytes(meeting_calendar(chat_id, meeting, tz, now, bot_username()).to_ical())
    return path


def ics_replies(db: Database, chat_id: str, meeting_id: int, tz: Any, now: dt.datetime) -> List[Reply]:
    """The file as a document (it opens in the phone's calendar app), with buttons to move or cancel."""
    path = write_ics(db, chat_id, meeting_id, tz, now)
    if path is None:
        return []
    meeting = meetings.get_meeting(db, chat_id, meeting_id) or {}
    document = {"document": {"path": str(path.resolve()), "filename": "gesprek.ics"}}
    if meeting.get("status") == "cancelled":
        return [Reply(say("calendar", "cancelled_file"), custom=document)]
    key = "moved_file" if int(meeting.get("ics_sequence") or 0) > 0 else "offer"
    buttons = [
        (say("calendar", "button_move"),
         intent_payload("prepare_meeting", meeting_id=meeting_id, reminder_action="move_meeting")),
        (say("calendar", "button_cancel"),
         intent_payload("manage_reminders", meeting_id=meeting_id, reminder_action="cancel_meeting")),
    ]
    return [Reply(say("calendar", key), buttons=buttons, custom=document)]
