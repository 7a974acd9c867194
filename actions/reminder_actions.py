"""`action_manage_reminders`, in two roles.

1. The scheduler triggers intent `manage_reminders` with entity `reminder_id`:
   render that reminder (it opens with a neutral line, for lock screens).
2. The user asks (/herinneringen, "zet mijn herinneringen uit", or a button with
   `reminder_action`): list what is planned, cancel, snooze, pause, resume,
   stop, or change the check-in interval or part of the day.
"""

from __future__ import annotations

import datetime as dt
import json
import re

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlite_utils import Database

from actions.calendar_ics import ics_replies
from actions.card import who_label
from actions.common import chat_id, entities, get_db, now, page_buttons, send, tz
from actions.flows.base import Button, Reply
from actions.flows.timeline import BY_KEY, format_day
from regiecoach.commands import intent_payload
from regiecoach.dutch.dates import format_dutch
from regiecoach.dutch.roles import ROLES
from regiecoach.storage import meetings, parse_iso, users
from regiecoach.storage import reminders as store
from regiecoach.texts import say

SNOOZE_ACTIONS = {"snooze_today": "later_today", "snooze_tomorrow": "tomorrow", "snooze_week": "next_week"}
MAX_LISTED = 6
STOP_RE = re.compile(r"\b(uit|uitzetten|stop|stoppen|geen herinneringen)\b", re.IGNORECASE)
PAUSE_RE = re.compile(r"\b(pauze|pauzeer|pauzeren|even niet)\b", re.IGNORECASE)
RESUME_RE = re.compile(r"\b(weer aan|aanzetten|aan zetten|hervat|hervatten)\b", re.IGNORECASE)


def when_text(moment: dt.datetime, zone: dt.tzinfo) -> str:
    return format_dutch(moment, zone)


def daypart_words(daypart: str | None) -> str:
    """A part of the day in words ("in de ochtend"), as the check-in says it."""
    return say("checkin", f"in_the_{daypart if daypart in store.DAYPARTS else 'ochtend'}")


def who_text(with_whom: str | None) -> str:
    value = (with_whom or "").strip()
    if not value:
        return say("reminders", "who_default")
    if value.lower() in ROLES:
        return f"de {value.lower()}"
    return value if len(value) <= 40 else value[:39] + "…"


def action_payload(action: str, reminder_id: int | str | None = None) -> str:
    entities: dict[str, str] = {"reminder_action": action}
    if reminder_id is not None:
        entities["reminder_id"] = str(reminder_id)
    return "/manage_reminders" + json.dumps(entities, separators=(",", ":"))


def snooze_buttons(reminder_id: int) -> list[Button]:
    return [
        (say("reminders", "button_now"), f'/checkin{{"reminder_id":"{reminder_id}"}}'),
        (say("reminders", "button_later_today"), action_payload("snooze_today", reminder_id)),
        (say("reminders", "button_tomorrow"), action_payload("snooze_tomorrow", reminder_id)),
        (say("reminders", "button_next_week"), action_payload("snooze_week", reminder_id)),
    ]


def render_reminder(db: Database, chat: str, reminder_id: int, moment: dt.datetime, zone: dt.tzinfo) -> list[Reply]:
    """The proactive message for one reminder; nothing when it is not this user's."""
    row = store.get(db, reminder_id)
    if row is None or row["chat_id"] != str(chat):
        return []
    kind, payload = row["kind"], row["payload"]
    opening = say("reminders", "neutral_opening")
    body: str
    buttons: list[Button] = []
    if kind in store.MEETING_KINDS:
        meeting = meetings.get_meeting(db, row["chat_id"], payload.get("meeting_id")) or {}
        starts = parse_iso(meeting.get("starts_at") or payload.get("starts_at"))
        if starts is None:
            return []
        who = who_text(meeting.get("with_whom"))
        local = starts.astimezone(zone)
        days_ahead = (local.date() - moment.astimezone(zone).date()).days
        time = f"{local:%H:%M}"
        if kind == "meeting_after":
            body = say("reminders", "meeting_after", who=who)
            buttons = [(say("reminders", "button_debrief"), "/meeting_debrief")]
        else:
            if days_ahead == 0:
                body = say("reminders", "meeting_morning", time=time, who=who)
            elif days_ahead == 1:
                key = "meeting_before_early" if payload.get("merged") else "meeting_before"
                body = say("reminders", key, time=time, who=who)
            else:
                body = say("reminders", "meeting_soon", when=when_text(starts, zone), who=who)
            buttons = [(say("reminders", "button_card"), "/show_card"),
                       (say("reminders", "button_goals"), "/list_goals")]
            if days_ahead == 1 and meeting.get("id"):  # the evening before: time to check the scherpe foto
                payload = intent_payload("show_card", card_version="scherpe_foto", meeting_id=meeting["id"])
                buttons.insert(0, (say("scherpe_foto", "button_show"), payload))
    elif kind in store.CHECKIN_KINDS:
        body = say("reminders", kind)
        buttons = snooze_buttons(int(row["id"]))
    elif kind == "milestone":
        key = payload.get("milestone") or ""
        milestone = BY_KEY.get(key)
        label = say("timeline", f"label_{key}") if milestone else say("reminders", "label_milestone")
        due = payload.get("due")
        day = format_day(dt.date.fromisoformat(due)).rsplit(" ", 1)[0] if due else ""
        hint_key = f"milestone_hint_{key}" if milestone else "milestone_hint_default"
        body = say("reminders", "milestone", label=label, day=day) + "\n\n" + say("reminders", hint_key)
    else:
        return []
    return [Reply(f"{opening}\n\n{body}", buttons=buttons)]


def list_replies(db: Database, chat: str, moment: dt.datetime, zone: dt.tzinfo, page: int = 1) -> list[Reply]:
    """What is planned, MAX_LISTED at a time with buttons to page, a button to
    cancel each, and the check-in settings."""
    rows = store.list_upcoming(db, chat, moment)
    user = users.get_user(db, chat) or {}
    paused = int(user.get("reminders_paused") or 0)
    lines: list[str] = []
    buttons: list[Button] = []
    pages = max(1, -(-len(rows) // MAX_LISTED))
    page = min(max(1, page), pages)
    if rows:
        lines.append(say("reminders", "list_intro"))
        for row in rows[(page - 1) * MAX_LISTED:page * MAX_LISTED]:
            due = parse_iso(row["due_at"])
            assert due is not None
            label = say("reminders", f"label_{row['kind']}")
            if row["kind"] == "milestone" and row["payload"].get("milestone") in BY_KEY:
                label = say("timeline", f"label_{row['payload']['milestone']}")
            lines.append(say("reminders", "list_item", when=when_text(due, zone), label=label))
            short_day = f"{due.astimezone(zone).day}-{due.astimezone(zone).month}"
            buttons.append((say("reminders", "button_cancel", label=say("reminders", f"label_{row['kind']}"),
                                day=short_day), action_payload("cancel", row["id"])))
        if pages > 1:
            lines.append(say("pages", "page", page=page, pages=pages))
            buttons.extend(page_buttons(page, pages, lambda n: action_payload(f"page_{n}")))
    else:
        lines.append(say("reminders", "list_empty"))
    if paused >= store.STOPPED_ALL:
        lines.append(say("reminders", "list_all_off"))
        buttons.append((say("reminders", "button_resume"), action_payload("resume")))
    else:
        if paused >= store.PAUSED_CHECKINS:
            lines.append(say("reminders", "list_checkins_paused"))
            buttons.append((say("reminders", "button_resume"), action_payload("resume")))
        else:
            lines.append(say("reminders", "list_interval", weeks=int(user.get("checkin_weeks") or 4),
                             daypart=daypart_words(user.get("checkin_daypart"))))
            buttons.append((say("reminders", "button_pause"), action_payload("pause")))
        current = int(user.get("checkin_weeks") or 4)
        buttons.extend((say("reminders", "button_interval", weeks=w), action_payload(f"interval_{w}"))
                       for w in store.CHECKIN_WEEKS if w != current)
        buttons.extend((say("reminders", f"button_daypart_{part}"), action_payload(f"daypart_{part}"))
                       for part in store.DAYPARTS if part != (user.get("checkin_daypart") or "ochtend"))
        buttons.append((say("reminders", "button_stop"), action_payload("stop")))
    return [Reply("\n".join(lines)), Reply(say("reminders", "list_choose"), buttons=buttons)]


def cancel_meeting(db: Database, chat: str, meeting_id: object, moment: dt.datetime, zone: dt.tzinfo,
                   confirmed: bool = False) -> list[Reply]:
    """The meeting does not take place: no more reminders, and a file that takes it
    out of the calendar. Asked once more first: a button is easily pressed by mistake."""
    meeting = meetings.get_meeting(db, chat, meeting_id)
    if meeting is None or meeting.get("status") == "cancelled":
        return [Reply(say("calendar", "cancel_failed"))]
    who = who_label(meeting.get("with_whom"))
    if not confirmed:
        buttons = [(say("calendar", "button_cancel_yes"),
                    intent_payload("manage_reminders", meeting_id=meeting["id"], reminder_action="cancel_meeting_sure")),
                   (say("calendar", "button_cancel_no"), action_payload("keep_meeting"))]
        return [Reply(say("calendar", "cancel_sure", who=who), buttons=buttons)]
    meetings.cancel_meeting(db, chat, meeting["id"])
    store.cancel_meeting_reminders(db, meeting["id"])
    replies = [Reply(say("calendar", "cancelled", who=who))]
    return replies + ics_replies(db, chat, meeting["id"], zone, moment)


def apply_action(
    db: Database, chat: str, action: str, reminder_id: str | None, moment: dt.datetime, zone: dt.tzinfo,
    meeting_id: object = None,
) -> list[Reply]:
    """Carry out one reminder_action and confirm it in words."""
    if action in ("cancel_meeting", "cancel_meeting_sure"):
        return cancel_meeting(db, chat, meeting_id, moment, zone, confirmed=action == "cancel_meeting_sure")
    if action == "keep_meeting":
        return [Reply(say("calendar", "cancel_kept"))]
    if action in SNOOZE_ACTIONS and reminder_id:
        row = store.snooze(db, chat, int(reminder_id), SNOOZE_ACTIONS[action], moment, zone)
        if row is None:
            return [Reply(say("reminders", "snooze_failed"))]
        due = parse_iso(row["due_at"])
        assert due is not None
        return [Reply(say("reminders", "snoozed", when=f"op {when_text(due, zone)}"))]
    if action == "cancel" and reminder_id:
        ok = store.cancel(db, chat, int(reminder_id))
        return [Reply(say("reminders", "cancelled" if ok else "cancel_failed"))]
    if action == "pause":
        store.pause_checkins(db, chat)
        return [Reply(say("reminders", "paused"))]
    if action == "stop":
        store.stop_all(db, chat)
        return [Reply(say("reminders", "stopped"))]
    if action == "resume":
        rid = store.resume(db, chat, moment, zone)
        row = store.get(db, rid) if rid else None
        if row is None:
            return [Reply(say("reminders", "resumed"))]
        due = parse_iso(row["due_at"])
        assert due is not None
        return [Reply(say("reminders", "resumed_next", when=when_text(due, zone)))]
    paging = re.fullmatch(r"page_(\d{1,3})", action)
    if paging:
        return list_replies(db, chat, moment, zone, page=int(paging.group(1)))
    part = re.fullmatch(r"daypart_(ochtend|middag|avond)", action)
    if part:
        row = store.set_daypart(db, chat, part.group(1), moment, zone)
        if row is None:
            return [Reply(say("reminders", "daypart_set_none", daypart=daypart_words(part.group(1))))]
        due = parse_iso(row["due_at"])
        assert due is not None
        return [Reply(say("reminders", "daypart_set", daypart=daypart_words(part.group(1)), when=when_text(due, zone)))]
    match = re.fullmatch(r"interval_([456])", action)
    if match:
        weeks = int(match.group(1))
        rid = store.set_interval(db, chat, weeks, moment, zone)
        row = store.get(db, rid) if rid else None
        if row is None:
            return [Reply(say("reminders", "interval_paused", weeks=weeks))]
        due = parse_iso(row["due_at"])
        assert due is not None
        return [Reply(say("reminders", "interval_set", weeks=weeks, when=when_text(due, zone)))]
    return list_replies(db, chat, moment, zone)


def action_from_text(text: str) -> str:
    """A spoken request: "zet mijn herinneringen uit" -> stop; "even pauze" -> pause."""
    if PAUSE_RE.search(text):
        return "pause"
    if RESUME_RE.search(text):
        return "resume"
    if STOP_RE.search(text):
        # "zet de check-ins uit" is about check-ins only; meeting reminders stay.
        return "pause" if "check" in text.lower() else "stop"
    return "list"


class ActionManageReminders(Action):
    def name(self) -> str:
        return "action_manage_reminders"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        db, chat, moment, zone = get_db(), chat_id(tracker), now(), tz()
        given = entities(tracker)
        action = given.get("reminder_action")
        reminder_id = given.get("reminder_id")
        if reminder_id is not None and not str(reminder_id).isdigit():
            reminder_id = None  # a garbled button payload: show the list instead
        if reminder_id and not action:
            replies = render_reminder(db, chat, int(reminder_id), moment, zone)
        elif not users.has_consent(db, chat):
            replies = [Reply(say("reminders", "needs_consent"))]
        else:
            text = (tracker.latest_message or {}).get("text") or ""
            if not action:
                action = "list" if text.strip().startswith("/") else action_from_text(text)
            replies = apply_action(db, chat, str(action), reminder_id, moment, zone, given.get("meeting_id"))
        send(dispatcher, replies)
        # Entities are per message: clear the slots so an old id is never reused.
        return [SlotSet("reminder_id", None), SlotSet("reminder_action", None)]
