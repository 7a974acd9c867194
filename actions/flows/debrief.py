"""The look back's own actions. Its steps, order and texts are in
content/flows/debrief.yml and content/debrief.yml.

Per goal reached / partly / not (and what got in the way), whether the user
felt heard, what was agreed, what they take to the next meeting (kept as a
draft goal for the next preparation) and when the next meeting is (which
creates that meeting and its reminders). Ends with their own numbers."""

from __future__ import annotations

import datetime as dt
from typing import Any, Dict, List

from actions import card
from actions.calendar_ics import ics_replies
from actions.flows.answers import own_words
from actions.flows.base import FlowContext, Reply
from actions.flows.meeting import schedule_reminders
from actions.flows.registry import action, asker
from actions.flows.table import Step, step_buttons
from regiecoach.dutch.dates import format_dutch
from regiecoach.dutch.text import clean_text, shorten
from regiecoach.storage import meetings, parse_iso
from regiecoach.texts import say


def _meeting(ctx: FlowContext) -> Dict[str, Any]:
    return meetings.get_meeting(ctx.db, ctx.chat_id, ctx.data.get("meeting_id")) or {}


def _pick_meeting(ctx: FlowContext) -> Dict[str, Any]:
    wanted = ctx.trigger.get("meeting_id")
    if wanted:
        meeting = meetings.get_meeting(ctx.db, ctx.chat_id, wanted)
        if meeting:
            return meeting
    due = meetings.meetings_due_for_debrief(ctx.db, ctx.chat_id, ctx.now)
    return due[0] if due else {}


def _goal_id(ctx: FlowContext) -> int:
    return int(ctx.data["goal_ids"][int(ctx.data.get("goal_index") or 0)])


def _remember_goal(ctx: FlowContext) -> None:
    """The goal asked about now, for the reply in its own words."""
    index = int(ctx.data.get("goal_index") or 0)
    if index < len(ctx.data.get("goal_ids") or []):
        goal = meetings.get_goal(ctx.db, ctx.chat_id, _goal_id(ctx)) or {"text": ""}
        ctx.data["goal_text"] = own_words(goal["text"])


@action("debrief.opening")
def opening(ctx: FlowContext, step: Step) -> List[Reply]:
    meeting = _pick_meeting(ctx)
    if not meeting:
        return []
    ctx.data["meeting_id"] = int(meeting["id"])
    ctx.data["goal_ids"] = [g["id"] for g in meetings.list_goals(ctx.db, ctx.chat_id, meeting["id"])]
    ctx.data["goal_index"] = 0
    ctx.data["more_goals"] = bool(ctx.data["goal_ids"])
    _remember_goal(ctx)
    ctx.data["who"] = card.who_label(meeting.get("with_whom"))
    starts_at = parse_iso(meeting.get("starts_at"))
    when = format_dutch(starts_at, ctx.tz, with_time=False) if starts_at else ""
    replies = [Reply(say("debrief", "intro", who=ctx.data["who"], when=when))]
    if not ctx.data["goal_ids"]:
        replies.append(Reply(say("debrief", "no_goals")))
    return replies


@asker("debrief.goal_question")
def goal_question(ctx: FlowContext, step: Step) -> List[Reply]:
    goal = meetings.get_goal(ctx.db, ctx.chat_id, _goal_id(ctx)) or {"text": ""}
    return [Reply(say("debrief", "ask_goal", goal=shorten(goal["text"])), buttons=step_buttons(step))]


@action("debrief.save_goal_status")
def save_goal_status(ctx: FlowContext, step: Step) -> List[Reply]:
    meetings.set_goal_status(ctx.db, ctx.chat_id, _goal_id(ctx), str(ctx.data["goal_status"]))
    return []


@action("debrief.save_obstacle")
def save_obstacle(ctx: FlowContext, step: Step) -> List[Reply]:
    if ctx.data.get("obstacle"):
        text = clean_text(ctx.data["obstacle"])
        meetings.set_goal_obstacle(ctx.db, ctx.chat_id, _goal_id(ctx), text)
        ctx.data.setdefault("blocks", {})[str(ctx.data.get("goal_index") or 0)] = text  # for the summary
    return []


@action("debrief.next_goal")
def next_goal(ctx: FlowContext, step: Step) -> List[Reply]:
    index = int(ctx.data.get("goal_index") or 0) + 1
    ctx.data["goal_index"] = index
    ctx.data["more_goals"] = index < len(ctx.data.get("goal_ids") or [])
    ctx.data.pop("obstacle", None)
    _remember_goal(ctx)
    return []


@action("debrief.save_heard")
def save_heard(ctx: FlowContext, step: Step) -> List[Reply]:
    meetings.record_debrief(ctx.db, ctx.chat_id, ctx.data["meeting_id"], ctx.now, felt_heard=ctx.data["heard"])
    return []


@action("debrief.save_agreements")
def save_agreements(ctx: FlowContext, step: Step) -> List[Reply]:
    if ctx.data.get("agreed"):
        meetings.record_debrief(ctx.db, ctx.chat_id, ctx.data["meeting_id"], ctx.now,
                                agreements=clean_text(ctx.data["agreed"]))
    return []


@action("debrief.save_take_away")
def save_take_away(ctx: FlowContext, step: Step) -> List[Reply]:
    if ctx.data.get("take_away"):
        meetings.carry_goal(ctx.db, ctx.chat_id, ctx.data["meeting_id"], clean_text(ctx.data["take_away"]),
                            ctx.now)
    return []


@action("debrief.save_next")
def save_next(ctx: FlowContext, step: Step) -> List[Reply]:
    starts_at = dt.datetime.fromisoformat(ctx.data["when_pending"])
    who = _meeting(ctx).get("with_whom") or "bedrijfsarts"
    next_id = meetings.create_meeting(ctx.db, ctx.chat_id, who, ctx.now, starts_at=starts_at)
    ctx.data["next_meeting_id"] = next_id
    schedule_reminders(ctx, next_id, starts_at)
    replies = [Reply(say("debrief", "next_saved", when=format_dutch(starts_at, ctx.tz)))]
    carried = meetings.carried_goal(ctx.db, ctx.chat_id)
    if ctx.data.get("take_away") and carried and carried["from_meeting_id"] == ctx.data["meeting_id"]:
        # The next meeting has a date: what they take along is its goal now.
        meetings.add_goal(ctx.db, ctx.chat_id, next_id, carried["text"], ctx.now)
        meetings.use_carried_goal(ctx.db, ctx.chat_id, int(carried["id"]), ctx.now)
        replies.append(Reply(say("debrief", "take_along_saved")))
    return replies + ics_replies(ctx.db, ctx.chat_id, next_id, ctx.tz, ctx.now)


@action("debrief.finish")
def finish(ctx: FlowContext, step: Step) -> List[Reply]:
    meetings.record_debrief(ctx.db, ctx.chat_id, ctx.data["meeting_id"], ctx.now, finished=True)
    return []


@asker("debrief.check_question")
def check_question(ctx: FlowContext, step: Step) -> List[Reply]:
    return [Reply(f"{summary_text(ctx)}\n{say('engine', 'check')}")]


def summary_text(ctx: FlowContext) -> str:
    """The look back in the user's own words."""
    goals = meetings.list_goals(ctx.db, ctx.chat_id, ctx.data["meeting_id"])
    parts = [say("debrief", "summary_intro")]
    if goals:
        counts = {status: sum(1 for g in goals if g["status"] == status) for status in ("reached", "partly", "not")}
        # Each answer counted as given: "deels" is not "grotendeels".
        parts.append(say("debrief", "summary_goals", total=len(goals), reached=counts["reached"],
                         partly=counts["partly"], not_reached=counts["not"]))
        blocks = ctx.data.get("blocks") or {}
        for index, goal in enumerate(goals):
            if goal["status"] in ("reached", "partly", "not"):
                parts.append(say("debrief", f"summary_goal_{goal['status']}", goal=own_words(goal["text"])))
            if blocks.get(str(index)):
                parts.append(say("debrief", "summary_block", text=own_words(blocks[str(index)])))
    else:
        parts.append(say("debrief", "summary_no_goals"))
    heard = ctx.data.get("heard") or "none"
    parts.append(say("debrief", f"summary_heard_{heard}"))
    if ctx.data.get("heard_need"):
        parts.append(say("debrief", "summary_heard_need", text=own_words(ctx.data["heard_need"])))
    for key, summary_key in (("agreed", "summary_agreed"), ("take_away", "summary_take_along")):
        if ctx.data.get(key):
            parts.append(say("debrief", summary_key, text=own_words(ctx.data[key])))
    return " ".join(" ".join(parts).split())


@action("debrief.add_to_agreements")
def add_to_agreements(ctx: FlowContext, step: Step) -> List[Reply]:
    addition = ctx.data.get("addition")
    if ctx.data.get("check") == "addition" and addition:
        meeting = _meeting(ctx)
        agreed = " ".join(filter(None, [meeting.get("agreements"), clean_text(addition)]))
        meetings.record_debrief(ctx.db, ctx.chat_id, ctx.data["meeting_id"], ctx.now, agreements=agreed)
    return []


@action("debrief.closing")
def closing(ctx: FlowContext, step: Step) -> List[Reply]:
    from actions.meeting_actions import progress_text  # late: meeting_actions imports rasa_sdk

    return [Reply(say("debrief", "closing")), Reply(progress_text(ctx.db, ctx.chat_id, compare=False))]


@action("debrief.back")
def back(ctx: FlowContext, step: Step) -> List[Reply]:
    """"terug" to a goal (or what got in the way of it) asks about the goal before, not the next one."""
    came_from = ctx.data.get("_came_from")
    if ctx.step in ("goal", "obstacle") and came_from != "obstacle":
        ctx.data["goal_index"] = max(int(ctx.data.get("goal_index") or 0) - 1, 0)
        ctx.data["more_goals"] = True
        _remember_goal(ctx)
    return []
