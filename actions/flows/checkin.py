"""The check-in's own validators and actions. The steps, their order and
their texts are in content/flows/checkin.yml and content/checkin.yml.

It remembers: it opens with last time's step and scores, keeps the answers
to "wat maakt dat het een 5 is en geen 3?" and reflects them back. After a
crisis it opens with how the person is now and leaves out the scores."""

from __future__ import annotations

import datetime as dt
import re
from typing import List

from actions.card import card_dir
from actions.flows.answers import is_non_answer, kind_of, own_words
from actions.flows.base import FlowContext, Reply, Turn
from actions.flows.registry import Verdict, accept, action, asker, validator
from actions.flows.table import Step
from actions.progress_chart import chart_replies
from regiecoach.dutch.dates import format_dutch, parse_meeting_time
from regiecoach.dutch.text import shorten
from regiecoach.storage import checkins, meetings, parse_iso, reminders, users
from regiecoach.texts import say

NEGATIVE = re.compile(
    r"\b(slecht|moe|vermoeid|zwaar|kapot|rot|beroerd|uitgeput|somber|verdrietig|ellendig|pijn|"
    r"niet (zo |echt |zo heel )?(goed|best|lekker)|gaat niet|kan niet meer|waardeloos|klote|k[uo]t)\b",
    re.IGNORECASE,
)
POSITIVE = re.compile(r"\b(goed|beter|prima|fijn|lekker|top|redelijk|oke|ok|positief)\b", re.IGNORECASE)
# The regie question comes on the 1st, 4th, 7th, ... check-in: often enough to
# see a change, rare enough not to turn the check-in into a form.
REGIE_EVERY = 3


def mood_of(turn: Turn) -> str:
    kind = kind_of(turn.clean)
    if kind == "mixed":
        return "mixed"
    if turn.intent == "mood_negative" or NEGATIVE.search(turn.clean) or kind == "negative":
        return "negative"
    if turn.intent == "mood_positive" or POSITIVE.search(turn.clean):
        return "positive"
    return "empty" if kind == "empty" else "neutral"


# --- validators ------------------------------------------------------------------

@validator("checkin.mood")
def mood(ctx: FlowContext, turn: Turn, step: Step) -> Verdict:
    """How it goes: the kind picks the reply; only negative / positive / neutral is kept."""
    kind = mood_of(turn)
    extra = {"mood_kind": kind}
    if kind != "empty":
        extra["mood_text"] = turn.clean[:2000]  # for the summary in their words
    return Verdict(True, kind if kind in ("negative", "positive") else "neutral", kind, extra=extra)


@validator("checkin.day")
def day(ctx: FlowContext, turn: Turn, step: Step) -> Verdict:
    """When the next step happens: an ISO date for a day in the future, else the words themselves."""
    text = turn.clean
    if turn.option == "no_date" or text.lower() == say("checkin", "no_date").lower() or turn.intent == "deny":
        return accept(None, "empty")
    result = parse_meeting_time(text, ctx.now, ctx.tz)
    if result.moment is not None and not result.in_past:
        return accept(result.moment.astimezone(ctx.tz).date().isoformat())
    return accept(shorten(text, 60))


# --- actions ------------------------------------------------------------------------

@action("checkin.opening")
def opening(ctx: FlowContext, step: Step) -> List[Reply]:
    """Remember last time (its step and scores) and whether a crisis came since."""
    user = users.get_user(ctx.db, ctx.chat_id) or {}
    last = checkins.last_checkin(ctx.db, ctx.chat_id)
    crisis = parse_iso(user.get("last_crisis_at"))
    since = parse_iso(last["created_at"]) if last else None
    ctx.data["first_time"] = last is None
    ctx.data["ask_regie"] = checkins.count_checkins(ctx.db, ctx.chat_id) % REGIE_EVERY == 0
    if ctx.trigger.get("reminder_id"):  # the trigger is not kept between turns; the draft is
        ctx.data["reminder_id"] = str(ctx.trigger["reminder_id"])
    if crisis is not None and (since is None or crisis > since):
        ctx.data["after_crisis"] = True
        ctx.data["ask_regie"] = False  # no scores after a crisis
        return []
    if last and last.get("next_step"):
        ctx.data["last_step"] = shorten(last["next_step"])
        ctx.data["last_scores"] = _scores_text(last)
    return [Reply(say("checkin", "intro"))]


def _scores_text(last: dict) -> str:
    parts = []
    if last.get("energy") is not None:
        parts.append(say("checkin", "last_energy", energy=last["energy"]))
    if last.get("confidence") is not None:
        parts.append(say("checkin", "last_confidence", confidence=last["confidence"]))
    return f" {say('checkin', 'last_and')} ".join(parts)


@action("checkin.later")
def later(ctx: FlowContext, step: Step) -> List[Reply]:
    reminder_id = ctx.data.get("reminder_id")
    if reminder_id and users.has_consent(ctx.db, ctx.chat_id):
        row = reminders.snooze(ctx.db, ctx.chat_id, int(reminder_id), "tomorrow", ctx.now, ctx.tz)
        if row:
            when = parse_iso(row["due_at"])
            assert when is not None
            return [Reply(say("checkin", "later_snoozed", when=format_dutch(when, ctx.tz)))]
    return [Reply(say("checkin", "later_plain"))]


@asker("checkin.goals_question")
def goals_question(ctx: FlowContext, step: Step) -> List[Reply]:
    goals = meetings.open_goals(ctx.db, ctx.chat_id, limit=3)
    if goals:
        listing = "\n".join(f"• {shorten(g['text'])}" for g in goals)
        return [Reply(say("checkin", "goals_with_list", goals=listing))]
    return [Reply(say("checkin", "goals_none"))]


@action("checkin.finish")
def finish(ctx: FlowContext, step: Step) -> List[Reply]:
    """Store the check-in; the summary comes with the check that follows."""
    data = ctx.data
    ctx.data["checkin_id"] = checkins.add_checkin(
        ctx.db, ctx.chat_id, ctx.now,
        mood=data.get("mood"), energy=data.get("energy"), confidence=data.get("confidence"),
        regie=data.get("regie"), energy_why=data.get("energy_why"), confidence_why=data.get("confidence_why"),
        goals_update=data.get("goals_update"), went_well=data.get("went_well"),
        next_step=data.get("next_step"), next_step_date=data.get("next_step_date"),
        summary=summary_text(ctx),
    )
    return []


@asker("checkin.check_question")
def check_question(ctx: FlowContext, step: Step) -> List[Reply]:
    return [Reply(f"{summary_text(ctx)}\n{say('engine', 'check')}")]


@action("checkin.add_to_summary")
def add_to_summary(ctx: FlowContext, step: Step) -> List[Reply]:
    addition = ctx.data.pop("addition", None)
    if ctx.data.get("check") == "addition" and addition:
        checkins.add_to_summary(ctx.db, ctx.chat_id, int(ctx.data.get("checkin_id") or 0),
                                say("checkin", "sum_added", text=addition))
        ctx.data["addition"] = addition  # for the reply, gone with the draft
    return []


@action("checkin.after_check")
def after_check(ctx: FlowContext, step: Step) -> List[Reply]:
    # The chart after each check-in with scores: seeing the line grow is part of the point.
    # Not after a crisis, when the scores were left out on purpose.
    data = ctx.data
    scored = data.get("energy") is not None or data.get("confidence") is not None
    chart = chart_replies(ctx.db, ctx.chat_id, card_dir(ctx.chat_id), ctx.tz, ctx.now) if scored else []
    return [Reply(say("checkin", "closing")), *chart]


def summary_text(ctx: FlowContext) -> str:
    """A short summary in the user's own words."""
    data = ctx.data
    parts = [say("checkin", "summary_intro")]
    mood_kept = data.get("mood")
    if mood_kept == "after_crisis":
        parts.append(say("checkin", "sum_after_crisis"))
    elif data.get("mood_text"):
        kind = data.get("mood_kind") if data.get("mood_kind") in ("negative", "positive", "mixed") else mood_kept
        parts.append(say("checkin", f"sum_mood_{kind}", words=own_words(data["mood_text"])))
    for score in ("energy", "confidence"):
        if data.get(score) is not None:
            parts.append(say("checkin", f"sum_{score}", **{score: data[score]}))
            if data.get(f"{score}_why"):
                parts.append(say("checkin", f"sum_{score}_why", text=own_words(data[f"{score}_why"])))
    if data.get("regie") is not None:
        parts.append(say("checkin", "sum_regie", regie=data["regie"]))
        if data.get("regie_why"):
            parts.append(say("checkin", "sum_regie_why", text=own_words(data["regie_why"])))
    if data.get("goals_update") and not is_non_answer(data["goals_update"]):
        parts.append(say("checkin", "sum_goals", text=own_words(data["goals_update"])))
    if data.get("went_well"):
        parts.append(say("checkin", "sum_went_well", text=own_words(data["went_well"])))
    if data.get("next_step"):
        when = data.get("next_step_date")
        if when and re.fullmatch(r"\d{4}-\d{2}-\d{2}", when):
            parts.append(say("checkin", "sum_next_when", text=shorten(data["next_step"]),
                             day=_day(dt.date.fromisoformat(when))))
        elif when:
            parts.append(say("checkin", "sum_next_when", text=shorten(data["next_step"]), day=shorten(when, 30)))
        else:
            parts.append(say("checkin", "sum_next", text=shorten(data["next_step"])))
    if len(parts) <= 2 and not data.get("next_step"):
        parts.append(say("checkin", "sum_nothing"))
    return " ".join(parts)


@action("checkin.plan_next")
def plan_next(ctx: FlowContext, step: Step) -> List[Reply]:
    first_time = bool(ctx.data.get("first_time"))
    if first_time:  # the part of the day they have time now is a good first guess
        reminders.set_daypart(ctx.db, ctx.chat_id, reminders.daypart_of(ctx.now, ctx.tz))
    rid = reminders.schedule_checkin(ctx.db, ctx.chat_id, ctx.now, ctx.tz)
    row = reminders.get(ctx.db, rid) if rid else None
    if row is None:
        return [Reply(say("checkin", "next_paused"))]
    when = parse_iso(row["due_at"])
    assert when is not None
    if not first_time:
        return [Reply(say("checkin", "next_planned", when=format_dutch(when, ctx.tz)))]
    user = users.get_user(ctx.db, ctx.chat_id) or {}
    return [Reply(say("checkin", "next_planned_first", weeks=int(user.get("checkin_weeks") or reminders.DEFAULT_WEEKS),
                      daypart=say("checkin", f"in_the_{user.get('checkin_daypart') or 'ochtend'}"),
                      when=format_dutch(when, ctx.tz)))]


def _day(day: dt.date) -> str:
    from actions.flows.timeline import format_day

    return format_day(day, weekday=True).rsplit(" ", 1)[0]
