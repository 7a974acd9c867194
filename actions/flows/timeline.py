"""The personal Poortwachter timeline (/tijdlijn): from the first sick day to
the dates of the steps in the two-year process, with a reminder a week before
each step that is still to come. Only for employees ("in dienst")."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from actions.flows.base import DONE, Flow, FlowContext, Reply, Turn, advance
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


class TimelineFlow(Flow):
    name = "timeline"
    first_step = "status"

    def start(self, ctx: FlowContext) -> list[Reply]:
        user = users.get_user(ctx.db, ctx.chat_id) or {}
        status = user.get("work_status")
        if status in ("contract_ended", "self_employed"):
            ctx.step = DONE
            return [Reply(say("timeline", f"not_employed_{status}"))]
        if status != "employed":
            ctx.step = "status"
            return []
        if user.get("first_sick_day"):
            return self._show(ctx, dt.date.fromisoformat(user["first_sick_day"]))
        ctx.step = "sick_day"
        return []

    def ask(self, ctx: FlowContext) -> list[Reply]:
        if ctx.step == "status":
            keys = ("status_employed", "status_contract_ended", "status_self_employed")
            buttons = [(say("timeline", k), say("timeline", k)) for k in keys]
            return [Reply(say("timeline", "ask_status"), buttons=buttons)]
        if ctx.step == "sick_day":
            return [Reply(say("timeline", "ask_sick_day"))]
        if ctx.step == "offer":
            return [Reply(say("timeline", "ask_reminders"), buttons=[
                (say("timeline", "button_yes"), say("timeline", "button_yes")),
                (say("timeline", "button_no"), say("timeline", "button_no")),
                (say("timeline", "change_day"), say("timeline", "change_day")),
            ])]
        return []

    def handle(self, ctx: FlowContext, turn: Turn) -> list[Reply]:
        if ctx.step == "status":
            return self._status(ctx, turn)
        if ctx.step == "sick_day":
            return self._sick_day(ctx, turn)
        if ctx.step == "offer":
            return self._offer(ctx, turn)
        ctx.step = DONE
        return []

    def _status(self, ctx: FlowContext, turn: Turn) -> list[Reply]:
        text = turn.clean.lower()
        if "dienst" in text or "werkgever" in text:
            status = "employed"
        elif "contract" in text or "afgelopen" in text or "uitzend" in text:
            status = "contract_ended"
        elif "zzp" in text or "zelfstandig" in text or "eigen bedrijf" in text:
            status = "self_employed"
        else:
            return [Reply(say("timeline", "status_unclear"))]
        users.update_settings(ctx.db, ctx.chat_id, work_status=status)
        if status != "employed":
            ctx.step = DONE
            return [Reply(say("timeline", f"not_employed_{status}"))]
        advance(ctx, "sick_day")
        return []

    def _sick_day(self, ctx: FlowContext, turn: Turn) -> list[Reply]:
        today = ctx.local_now.date()
        day = parse_sick_day(turn.clean, today)
        if day is None:
            return [Reply(say("timeline", "sick_day_unclear"))]
        if day > today:
            return [Reply(say("timeline", "sick_day_future"))]
        if today - day > MAX_AGE:
            return [Reply(say("timeline", "sick_day_too_old"))]
        users.update_settings(ctx.db, ctx.chat_id, first_sick_day=day.isoformat())
        # A new date makes old milestone reminders wrong.
        reminders.cancel_milestones(ctx.db, ctx.chat_id)
        ctx.data.setdefault("_history", []).append(ctx.step)
        return self._show(ctx, day)

    def _show(self, ctx: FlowContext, first_sick_day: dt.date) -> list[Reply]:
        today = ctx.local_now.date()
        ctx.data["first_sick_day"] = first_sick_day.isoformat()
        text = "\n".join([say("timeline", "timeline_intro", day=format_day(first_sick_day)), "",
                          *timeline_lines(first_sick_day, today)])
        replies = [Reply(text), Reply(say("timeline", "timeline_note"))]
        if not upcoming(first_sick_day, today):
            ctx.step = DONE
            return [*replies, Reply(say("timeline", "all_behind"))]
        ctx.step = "offer"
        return replies

    def _offer(self, ctx: FlowContext, turn: Turn) -> list[Reply]:
        if turn.clean.lower().startswith(say("timeline", "change_day").lower()[:6]):
            advance(ctx, "sick_day")
            return []
        answer = turn.yes_no()
        if not answer:
            return [Reply(say("timeline", "yes_no_unclear"))]
        ctx.step = DONE
        if answer == "no":
            reminders.cancel_milestones(ctx.db, ctx.chat_id)
            return [Reply(say("timeline", "reminders_off"))]
        first = dt.date.fromisoformat(ctx.data["first_sick_day"])
        count = schedule_milestone_reminders(ctx, first)
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
