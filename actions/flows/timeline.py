"""The personal Poortwachter timeline (/tijdlijn): from the first sick day to
the dates of the steps in the two-year process, with a reminder a week before
each step that is still to come. Only for employees ("in dienst"). The steps
are in content/flows/timeline.yml; here the milestones and the table's actions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from actions.flows.base import FlowContext, Reply, Turn
from actions.flows.registry import Verdict, accept, action, retry, validator
from actions.flows.table import Step
from regiecoach.dutch import dates
from regiecoach.storage import reminders, users
from regiecoach.texts import say

MAX_AGE = dt.timedelta(days=731)  # two years back, leap day included


@dataclass(frozen=True)
class Milestone:
    key: str
    week: int  # the step is due by the end of this week
    topic: str  # the Werkwijzer topic the reminder points to
    start_week: int = 0  # a step with a window (weeks 46-52) starts here

    def due(self, first_sick_day: dt.date) -> dt.date:
        """Week N ends on the first sick day + 7N - 1 days (feiten.md)."""
        return first_sick_day + dt.timedelta(days=7 * self.week - 1)

    def starts(self, first_sick_day: dt.date) -> dt.date:
        if not self.start_week:
            return self.due(first_sick_day)
        return first_sick_day + dt.timedelta(days=7 * (self.start_week - 1))

    def remind_on(self, first_sick_day: dt.date) -> dt.date:
        """A week before the step (before the window opens, for the evaluation)."""
        if self.start_week:
            return self.starts(first_sick_day) - dt.timedelta(days=7)
        return self.due(first_sick_day) - dt.timedelta(days=7)


MILESTONES = (
    Milestone("probleemanalyse", 6, "probleemanalyse"),
    Milestone("plan_van_aanpak", 8, "plan_van_aanpak"),
    Milestone("ziekmelding_uwv", 42, "poortwachter"),
    Milestone("eerstejaarsevaluatie", 52, "eerstejaarsevaluatie", start_week=46),
    Milestone("wia_brief", 88, "wia"),
    Milestone("wia_aanvraag", 93, "wia"),
    Milestone("einde_loon", 104, "loon"),
)
BY_KEY = {m.key: m for m in MILESTONES}


def format_day(day: dt.date, weekday: bool = True) -> str:
    """"dinsdag 1 december 2026": milestones lie up to two years ahead, so with the year."""
    return dates.format_day(day, weekday=weekday, year=True)


def parse_sick_day(text: str, today: dt.date) -> dt.date | None:
    """A day in the past: "12-3-2026", "12/3", "12 maart 2026", "gisteren"."""
    return dates.parse_past_day(text, today)


def timeline_lines(first_sick_day: dt.date, today: dt.date) -> list[str]:
    lines: list[str] = []
    marked_next = False
    for milestone in MILESTONES:
        label = say("timeline", f"label_{milestone.key}")
        if milestone.start_week:
            when = say("timeline", "when_range", start=format_day(milestone.starts(first_sick_day), False),
                       end=format_day(milestone.due(first_sick_day), False))
        else:
            when = say("timeline", "when_by", day=format_day(milestone.due(first_sick_day)))
        if milestone.due(first_sick_day) < today:
            lines.append(say("timeline", "line_past", label=label, when=when))
        elif not marked_next:
            marked_next = True
            lines.append(say("timeline", "line_next", label=label, when=when))
        else:
            lines.append(say("timeline", "line_future", label=label, when=when))
    return lines


def upcoming(first_sick_day: dt.date, today: dt.date) -> list[Milestone]:
    return [m for m in MILESTONES if m.due(first_sick_day) >= today]


@action("timeline.opening")
def opening(ctx: FlowContext, step: Step) -> list[Reply]:
    user = users.get_user(ctx.db, ctx.chat_id) or {}
    status = user.get("work_status")
    ctx.data["work_status"] = status
    if status in ("contract_ended", "self_employed"):
        return [Reply(say("timeline", f"not_employed_{status}"))]
    if status == "employed" and user.get("first_sick_day"):
        ctx.data["first_sick_day"] = user["first_sick_day"]
    return []


@action("timeline.save_status")
def save_status(ctx: FlowContext, step: Step) -> list[Reply]:
    status = str(ctx.data["work_status"])
    users.update_settings(ctx.db, ctx.chat_id, work_status=status)
    return [Reply(say("timeline", f"not_employed_{status}"))] if status != "employed" else []


@validator("timeline.sick_day")
def sick_day(ctx: FlowContext, turn: Turn, step: Step) -> Verdict:
    """A day in the past, at most two years back."""
    today = ctx.local_now.date()
    day = parse_sick_day(turn.clean, today)
    if day is None:
        return retry(Reply(say("timeline", step.texts["unclear"])))
    if day > today:
        return retry(Reply(say("timeline", step.texts["future"])))
    if today - day > MAX_AGE:
        return retry(Reply(say("timeline", step.texts["too_old"])))
    return accept(day.isoformat())


@action("timeline.save_sick_day")
def save_sick_day(ctx: FlowContext, step: Step) -> list[Reply]:
    users.update_settings(ctx.db, ctx.chat_id, first_sick_day=str(ctx.data["first_sick_day"]))
    # A new date makes old milestone reminders wrong.
    reminders.cancel_milestones(ctx.db, ctx.chat_id)
    return []


@action("timeline.show")
def show(ctx: FlowContext, step: Step) -> list[Reply]:
    first_sick_day = dt.date.fromisoformat(str(ctx.data["first_sick_day"]))
    today = ctx.local_now.date()
    text = "\n".join([say("timeline", "timeline_intro", day=format_day(first_sick_day)), "",
                      *timeline_lines(first_sick_day, today)])
    replies = [Reply(text), Reply(say("timeline", "timeline_note"))]
    ctx.data["all_behind"] = not upcoming(first_sick_day, today)
    if ctx.data["all_behind"]:
        replies.append(Reply(say("timeline", "all_behind")))
    return replies


@validator("timeline.offer")
def offer(ctx: FlowContext, turn: Turn, step: Step) -> Verdict:
    """Reminders yes or no, or another first sick day."""
    if turn.option in step.options:
        return accept(step.options[turn.option].value)
    if turn.clean.lower().startswith(say("timeline", "change_day").lower()[:6]):
        return accept("change")
    answer = turn.yes_no()
    return accept(answer) if answer else retry()


@action("timeline.save_reminders")
def save_reminders(ctx: FlowContext, step: Step) -> list[Reply]:
    answer = ctx.data.get("wants_reminders")
    if answer == "change":
        return []
    if answer == "no":
        reminders.cancel_milestones(ctx.db, ctx.chat_id)
        return [Reply(say("timeline", "reminders_off"))]
    count = schedule_milestone_reminders(ctx, dt.date.fromisoformat(str(ctx.data["first_sick_day"])))
    if not count:
        return [Reply(say("timeline", "reminders_on_none"))]
    return [Reply(say("timeline", "reminders_on", count=count))]


def schedule_milestone_reminders(ctx: FlowContext, first_sick_day: dt.date) -> int:
    count = 0
    for milestone in upcoming(first_sick_day, ctx.local_now.date()):
        payload = {"milestone": milestone.key, "topic": milestone.topic, "week": milestone.week,
                   "due": milestone.due(first_sick_day).isoformat()}
        if reminders.schedule_milestone(ctx.db, ctx.chat_id, milestone.key, milestone.remind_on(first_sick_day),
                                        payload, ctx.now, ctx.tz):
            count += 1
    return count
