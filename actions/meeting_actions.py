"""Rasa actions around meetings: /doelen (goals by meeting, with buttons to
mark reached, edit or delete), /kaart (the latest conversation card again)
and /voortgang (the user's own numbers)."""

from __future__ import annotations

import re
from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlite_utils import Database

from actions import card, scherpe_foto
from actions.common import chat_id, entities, get_db, now, page_buttons, send, tz
from actions.flows.base import Reply
from actions.progress_chart import chart_replies
from regiecoach.commands import intent_payload, parse_payload
from regiecoach.dutch.dates import format_dutch
from regiecoach.dutch.text import clean_text, shorten
from regiecoach.storage import checkins, meetings, parse_iso, users
from regiecoach.texts import say


def _entities(tracker: Tracker) -> Dict[str, Any]:
    # The payload's own entities as a fallback for "/list_goals{...}" typed or sent without NLU entity parsing.
    return {**parse_payload((tracker.latest_message or {}).get("text") or "")[1], **entities(tracker)}


# --- /voortgang ----------------------------------------------------------------------


def progress_text(db: Database, chat_id_: str, compare: bool = True) -> str:
    """The user's own numbers, with the study's numbers beside them, kindly
    (`compare`: only when asked for, with /voortgang, not after a look back)."""
    numbers = meetings.progress_numbers(db, chat_id_)
    if numbers.meetings_prepared == 0 and numbers.meetings_reviewed == 0:
        return say("debrief", "progress_none")
    lines = [say("debrief", "progress_prepared", n=numbers.meetings_prepared)]
    if numbers.goals_share is not None:
        lines.append(say("debrief", "progress_goals", share=numbers.goals_share))
    else:
        lines.append(say("debrief", "progress_goals_none"))
    if numbers.heard_share is not None:
        lines.append(say("debrief", "progress_heard", share=numbers.heard_share))
    if compare and (numbers.goals_share is not None or numbers.heard_share is not None):
        lines.append(say("debrief", "progress_compare"))
    return "\n".join(lines)


def progress_extras(db: Database, chat_id_: str) -> List[Reply]:
    """Once there are check-ins: the latest scores and a chart of them."""
    found = checkins.list_checkins(db, chat_id_)
    if not found:
        return []
    latest = found[-1]
    text = say("card", "progress_checkins", count=len(found), energy=_score(latest.get("energy")),
               confidence=_score(latest.get("confidence")))
    return [Reply(text), *chart_replies(db, chat_id_, card.card_dir(chat_id_), tz(), now())]


def _score(value: object) -> str:
    return "-" if value is None else str(value)


class ActionShowProgress(Action):
    def name(self) -> str:
        return "action_show_progress"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        db, cid = get_db(), chat_id(tracker)
        if not users.has_consent(db, cid):
            send(dispatcher, [Reply(say("card", "no_consent"))])
            return []
        send(dispatcher, [Reply(progress_text(db, cid))] + progress_extras(db, cid))
        return []


# --- /doelen ------------------------------------------------------------------------------


PAGE_GOALS = 3  # goals per part of /doelen (each has up to three buttons)


def goal_pages(groups: List[Any]) -> List[List[Any]]:
    """Meetings packed into parts of about PAGE_GOALS goals; a meeting is never split."""
    pages: List[List[Any]] = [[]]
    count = 0
    for meeting, goals in groups:
        if pages[-1] and count + len(goals) > PAGE_GOALS:
            pages.append([])
            count = 0
        pages[-1].append((meeting, goals))
        count += len(goals)
    return pages


def goals_replies(db: Database, chat_id_: str, page: int = 1) -> List[Reply]:
    """One message per meeting: its goals with status, and buttons per goal;
    a long list comes in parts with buttons to page through."""
    groups = meetings.list_goals_by_meeting(db, chat_id_)
    if not groups:
        return [Reply(say("card", "goals_none"))]
    pages = goal_pages(groups)
    page = min(max(1, page), len(pages))
    replies = [Reply(say("card", "goals_header"))]
    for meeting, goals in pages[page - 1]:
        starts_at = parse_iso(meeting.get("starts_at"))
        when = f" ({format_dutch(starts_at, tz(), with_time=False)})" if starts_at else ""
        lines = [say("card", "goals_meeting", who=card.who_label(meeting.get("with_whom")), when=when)]
        buttons = []
        for n, goal in enumerate(goals, 1):
            status = say("card", f"status_{goal['status'] or 'open'}")
            lines.append(say("card", "goal_line", n=n, goal=shorten(goal["text"]), status=status))
            short = shorten(goal["text"], 24)
            if goal["status"] != "reached":
                buttons.append((say("card", "button_reached", short=short),
                                intent_payload("list_goals", goal_id=goal["id"], goal_op="reached")))
            buttons.append((say("card", "button_edit", short=short), intent_payload("add_goal", edit_goal_id=goal["id"])))
            buttons.append((say("card", "button_delete", short=short),
                            intent_payload("list_goals", goal_id=goal["id"], goal_op="delete")))
        replies.append(Reply("\n".join(lines), buttons=buttons))
    if len(pages) > 1:
        nav = page_buttons(page, len(pages), lambda n: intent_payload("list_goals", goal_op=f"page_{n}"))
        replies.append(Reply(say("pages", "page", page=page, pages=len(pages)), buttons=nav))
    return replies


def goal_operation(db: Database, chat_id_: str, goal_id: Any, op: str) -> List[Reply]:
    goal = meetings.get_goal(db, chat_id_, goal_id)
    if goal is None:
        return [Reply(say("card", "goal_missing"))]
    short = shorten(goal["text"])
    if op == "reached":
        meetings.set_goal_status(db, chat_id_, goal["id"], "reached")
        return [Reply(say("card", "goal_marked", goal=short))]
    if op == "delete":
        meetings.delete_goal(db, chat_id_, goal["id"])
        return [Reply(say("card", "goal_deleted", goal=short))]
    return []


class ActionListGoals(Action):
    def name(self) -> str:
        return "action_list_goals"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        db, cid = get_db(), chat_id(tracker)
        if not users.has_consent(db, cid):
            send(dispatcher, [Reply(say("card", "no_consent"))])
            return []
        entities = _entities(tracker)
        op, goal_id = entities.get("goal_op"), entities.get("goal_id")
        paging = re.fullmatch(r"page_(\d{1,3})", str(op or ""))
        if paging:
            send(dispatcher, goals_replies(db, cid, page=int(paging.group(1))))
            return []
        if op in ("reached", "delete") and goal_id:
            send(dispatcher, goal_operation(db, cid, goal_id, op))
            return []
        send(dispatcher, goals_replies(db, cid))
        return []


# --- /kaart ------------------------------------------------------------------------------------


SHARP_PHOTO = "scherpe_foto"


def sharp_photo_replies(db: Database, chat_id_: str, meeting_id: int) -> List[Reply]:
    """The scherpe foto for one meeting, with a button to put it in the user's own words."""
    meeting = meetings.get_meeting(db, chat_id_, meeting_id)
    photo = scherpe_foto.build(db, chat_id_, meeting_id, tz(), clean_text) if meeting else None
    if meeting is None or photo is None:
        return [Reply(say("scherpe_foto", "no_meeting"))]
    who = card.who_label(meeting.get("with_whom"))
    intro = say("scherpe_foto", "offer_own" if photo.own_text else "offer", who=who)
    edit = (say("scherpe_foto", "button_edit"), intent_payload("prepare_meeting", meeting_id=meeting_id,
                                                         card_version=SHARP_PHOTO))
    return [Reply(intro + "\n\n" + photo.text()), Reply(say("scherpe_foto", "check"), buttons=[edit])]


class ActionShowCard(Action):
    def name(self) -> str:
        return "action_show_card"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        db, cid = get_db(), chat_id(tracker)
        given = _entities(tracker)
        version = str(given.get("card_version") or "").lower()
        if version == SHARP_PHOTO and users.has_consent(db, cid):
            chosen = meetings.get_meeting(db, cid, given.get("meeting_id")) or meetings.next_meeting(db, cid, now())
            if chosen is not None:
                send(dispatcher, sharp_photo_replies(db, cid, chosen["id"]))
                return []
        meeting = meetings.latest_prepared_meeting(db, cid) if users.has_consent(db, cid) else None
        if meeting is None:
            send(dispatcher, [Reply(say("card", "no_card"))])
            return []
        manager = version in ("manager", "leidinggevende")
        replies = [Reply(say("card", "card_manager" if manager else "card_again"))]
        replies += card.card_replies(db, cid, meeting["id"], for_manager=manager, tz=tz())
        if not manager:
            button = (say("card", "manager_button"), intent_payload("show_card", card_version="manager"))
            replies.append(Reply(say("card", "manager_offer"), buttons=[button]))
        send(dispatcher, replies)
        return []


__all__ = ["ActionListGoals", "ActionShowCard", "ActionShowProgress", "progress_extras", "progress_text"]
