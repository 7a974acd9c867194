"""Preparing a meeting: with whom, when, one or two goals, what I can and
can't do (with examples), energy, a proposal and questions; then a summary,
the conversation card and reminders. Every answer is stored at once."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Callable, Dict, List, Optional

from actions import card
from actions.calendar_ics import ics_replies
from actions.flows.answers import check_answer, is_non_answer, own_words, reply_key
from actions.flows.base import ASKED_AGAIN, DONE, Flow, FlowContext, Reply, Turn, advance, propose_moment
from regiecoach.dutch.dates import combine, format_day, format_dutch, parse_meeting_time, parse_time_only
from regiecoach.dutch.roles import MEETING_ROLES
from regiecoach.dutch.text import clean_text, shorten
from regiecoach.storage import drafts, meetings, parse_iso
from regiecoach.storage.reminders import schedule_meeting_reminders
from regiecoach.texts import load, say

# A long story is kept whole (the engine caps input at the bridge's limit); quotes and the card shorten it.
MAX_TEXT = 2000
MAX_PHOTO_TEXT = 600  # the scherpe foto in the user's own words covers four things
# Trigger values that open one step for an existing meeting, outside a preparation.
SIDE_TRIGGERS = {"scherpe_foto": "photo_edit", "move_meeting": "when"}
SIDE_STEPS = ("edit_goal", "photo_edit")
MAX_GOALS = 2  # "één of twee doelen", as the Werkwijzer advises
PRIVACY_WHO = ("leidinggevende", "casemanager")
PROPOSAL_KEYS = ("proposal_hours", "proposal_tasks", "proposal_home", "proposal_breaks", "proposal_flex")
# Words that alone do not make a goal concrete ("een goed gesprek", "duidelijkheid").
VAGUE_WORDS = frozenset(
    """beter goed goede gesprek duidelijkheid duidelijk helder helderheid fijn fijne prettig prettige positief
    positieve rustig rust oke ok prima alles iets weten snappen begrip begrepen gehoord uitkomst resultaat
    ik wil een het de dat er is zijn worden word krijgen hebben hoop graag meer gewoon echt heel veel maken
    gaan samen we mijn me mij op over voor met en om te in van wat weer voel voelen voelt zo mogelijk
    eruit uit komen komt dingen zaken verder vooruit stap stappen""".split()
)
WHEN_STEPS = ("when", "when_time", "when_day", "when_confirm")
# Open questions whose answer goes on the card: "ja" or "weet ik niet" is asked once more, then may be skipped.
OPEN_STEPS = {"goal": "goal_non_answer", "can": "can_non_answer", "can_example": "example_non_answer",
              "cannot": "cannot_non_answer", "cannot_example": "example_non_answer"}
UNKNOWN_RE = re.compile(r"^(ik )?weet (ik )?(het )?(nog )?niet|^nog niet bekend|^geen idee|^nog geen datum")
KEEP_WORDS = ("nee", "weet ik niet", "weet niet", "geen idee", "laat maar", "zo is het goed", "zo laten", "is goed")


def is_vague(goal: str) -> bool:
    words = re.findall(r"[a-zà-ÿ0-9]+", goal.lower())
    if len(goal.strip()) < 10:
        return True
    return all(word in VAGUE_WORDS for word in words)


def split_questions(text: str) -> List[str]:
    """One question per line or per question mark; at most five."""
    parts: List[str] = []
    for line in re.split(r"[\n;]+", text):
        pieces = re.findall(r"[^?]+\?|[^?]+$", line)
        parts.extend(p.strip(" -•*") for p in pieces if p.strip(" -•*"))
    return [clean_text(p) for p in parts if clean_text(p)][:5]


def schedule_reminders(ctx: FlowContext, meeting_id: int, starts_at: dt.datetime) -> bool:
    """Ask the reminders module for the meeting reminders; False when it is not there."""
    if schedule_meeting_reminders is None or starts_at <= ctx.now:
        return False
    schedule_meeting_reminders(ctx.db, ctx.chat_id, meeting_id, starts_at, ctx.now, ctx.tz)
    return True


class MeetingFlow(Flow):
    name = "meeting"
    first_step = "who"
    question_steps = ("questions", "check", "check_more")  # an addition at the check goes on the card
    optional_steps = ("can_example", "cannot_example", "energy", "questions", "photo_edit", "check", "check_more")

    # --- helpers ---------------------------------------------------------------

    @staticmethod
    def _who_text(ctx: FlowContext) -> str:
        meeting = meetings.get_meeting(ctx.db, ctx.chat_id, ctx.data.get("meeting_id"))
        return card.who_label(meeting.get("with_whom") if meeting else None)

    @staticmethod
    def _meeting(ctx: FlowContext) -> Dict[str, Any]:
        return meetings.get_meeting(ctx.db, ctx.chat_id, ctx.data.get("meeting_id")) or {}

    def _privacy(self, ctx: FlowContext, text: str) -> List[Reply]:
        """The hint, once per preparation, when a diagnosis shows up in a meeting with the employer's side."""
        who = (self._meeting(ctx).get("with_whom") or "").lower()
        if who in PRIVACY_WHO and not ctx.data.get("privacy_hinted") and card.mentions_diagnosis(text):
            ctx.data["privacy_hinted"] = True
            return [Reply(say("meeting", "privacy_hint"))]
        return []

    @staticmethod
    def _back_to(ctx: FlowContext, step: str) -> None:
        history: List[str] = ctx.data.setdefault("_history", [])
        while history:
            if history.pop() == step:
                break
        ctx.step = step

    def _goal_count(self, ctx: FlowContext) -> int:
        meeting_id = ctx.data.get("meeting_id")
        return len(meetings.list_goals(ctx.db, ctx.chat_id, meeting_id)) if meeting_id else 0

    # --- flow API ------------------------------------------------------------------

    def _stash(self, ctx: FlowContext) -> None:
        """Starting with a trigger replaces the draft: keep an unfinished preparation to restore after."""
        stash = drafts.load_draft(ctx.db, ctx.chat_id, self.name)
        if stash and stash["step"] not in (DONE, *SIDE_STEPS) and not stash["data"].get("_side") \
                and not stash["data"].get("edit_goal_id"):
            ctx.data["_stash"] = {"step": stash["step"], "data": stash["data"]}
        ctx.data["_side"] = True

    def _unstash(self, ctx: FlowContext, replies: List[Reply]) -> List[Reply]:
        stash = ctx.data.get("_stash")
        if stash:  # put the unfinished preparation back and carry on with it
            ctx.data = stash["data"]
            ctx.step = stash["step"]
            replies.append(Reply(say("meeting", "resume_other")))
        else:
            ctx.step = DONE
        return replies

    def start(self, ctx: FlowContext) -> List[Reply]:
        edit_id = ctx.trigger.get("edit_goal_id")
        if edit_id:
            goal = meetings.get_goal(ctx.db, ctx.chat_id, edit_id)
            if goal is None:
                ctx.step = DONE
                return [Reply(say("meeting", "edit_goal_missing"))]
            self._stash(ctx)
            ctx.data["edit_goal_id"] = int(goal["id"])
            ctx.step = "edit_goal"
            return []
        side_step = SIDE_TRIGGERS.get(str(ctx.trigger.get("card_version") or ctx.trigger.get("reminder_action") or ""))
        if side_step:
            meeting = meetings.get_meeting(ctx.db, ctx.chat_id, ctx.trigger.get("meeting_id"))
            if meeting is None or meeting.get("status") == "cancelled":
                ctx.step = DONE
                return [Reply(say("scherpe_foto", "no_meeting"))]
            self._stash(ctx)
            ctx.data["meeting_id"] = int(meeting["id"])
            ctx.data["moving"] = side_step == "when"
            ctx.step = side_step
            return []
        # "add_goal" starts with a trigger, which would replace an unfinished preparation: carry on with it instead.
        draft = drafts.load_draft(ctx.db, ctx.chat_id, self.name) if ctx.trigger else None
        if draft and draft["step"] not in (DONE, self.first_step, "_resume", *SIDE_STEPS, "use_existing") \
                and not draft["data"].get("_side"):
            ctx.data = draft["data"]
            ctx.step = draft["step"]
            return [Reply(say("meeting", "resume_draft"))]
        upcoming = meetings.next_meeting(ctx.db, ctx.chat_id, ctx.now)
        if upcoming:
            ctx.data["offer_meeting_id"] = int(upcoming["id"])
            ctx.step = "use_existing"
            return []
        ctx.step = self.first_step
        return [Reply(say("meeting", "intro"))]

    def ask(self, ctx: FlowContext) -> List[Reply]:
        step = ctx.step
        yes, no = say("meeting", "answer_yes"), say("meeting", "answer_no")
        yes_no_buttons = [(yes, yes), (no, no)]
        if step == "use_existing":
            meeting = meetings.get_meeting(ctx.db, ctx.chat_id, ctx.data.get("offer_meeting_id")) or {}
            when = parse_iso(meeting.get("starts_at"))
            text = say("meeting", "existing_offer", who=card.who_label(meeting.get("with_whom")),
                       when=format_dutch(when, ctx.tz) if when else "")
            return [Reply(text, buttons=[(say("meeting", "existing_yes"), say("meeting", "existing_yes")),
                                         (say("meeting", "existing_no"), say("meeting", "existing_no"))])]
        if step == "who":
            keys = [f"who_{k}" for k in MEETING_ROLES] + ["who_other"]
            return [Reply(say("meeting", "ask_who"), buttons=[(say("meeting", k), say("meeting", k)) for k in keys])]
        if step == "who_other":
            return [Reply(say("meeting", "ask_who_other"))]
        if step == "when":
            unknown = say("meeting", "when_unknown_button")
            return [Reply(say("meeting", "ask_when", who=self._who_text(ctx)), buttons=[(unknown, unknown)])]
        if step == "when_time":
            day = dt.date.fromisoformat(ctx.data["when_date"])
            return [Reply(say("meeting", "ask_time", day=format_day(day)))]
        if step == "when_day":
            hour, minute = ctx.data["when_time"]
            return [Reply(say("meeting", "when_need_day", time=f"{hour:02d}:{minute:02d}"))]
        if step == "when_confirm":
            pending = format_dutch(dt.datetime.fromisoformat(ctx.data["when_pending"]), ctx.tz)
            return [Reply(say("meeting", "confirm_when", when=pending), buttons=yes_no_buttons)]
        if step == "goal":
            replace = meetings.get_goal(ctx.db, ctx.chat_id, ctx.data.get("replace_goal_id"))
            if replace:
                return [Reply(say("meeting", "goal_replace", goal=shorten(replace["text"])))]
            key = "ask_goal_first" if self._goal_count(ctx) == 0 else "ask_goal_next"
            return [Reply(say("meeting", key))]
        if step == "goal_concrete":
            goal = meetings.get_goal(ctx.db, ctx.chat_id, (ctx.data.get("goal_ids") or [0])[-1]) or {"text": ""}
            return [Reply(say("meeting", "goal_vague", goal=shorten(goal["text"])))]
        if step == "check":
            return [Reply(f"{self._summary_text(ctx)}\n{say('engine', 'check')}")]
        if step == "check_more":
            return [Reply(say("engine", "check_what"))]
        if step == "goal_more":
            return [Reply(say("meeting", "ask_more_goals"),
                          buttons=[(say("meeting", "more_yes"), say("meeting", "more_yes")),
                                   (say("meeting", "more_no"), say("meeting", "more_no"))])]
        if step in ("can", "can_example", "cannot", "cannot_example", "energy", "proposal_other", "questions"):
            return [Reply(say("meeting", f"ask_{step}"))]
        if step == "proposal":
            keys = list(PROPOSAL_KEYS) + ["proposal_other"]
            buttons = [(say("meeting", k), say("meeting", k)) for k in keys]
            return [Reply(say("meeting", "ask_proposal"), buttons=buttons)]
        if step == "photo_edit":
            return [Reply(say("scherpe_foto", "ask_edit"))]
        if step == "edit_goal":
            goal = meetings.get_goal(ctx.db, ctx.chat_id, ctx.data.get("edit_goal_id")) or {"text": ""}
            return [Reply(say("meeting", "edit_goal_ask", goal=shorten(goal["text"])))]
        return []

    def handle(self, ctx: FlowContext, turn: Turn) -> List[Reply]:
        handler = getattr(self, f"_handle_{ctx.step}", None)
        if handler is None:  # an unknown step (old draft): start over rather than crash
            ctx.step = self.first_step
            return []
        return handler(ctx, turn)

    def back(self, ctx: FlowContext) -> bool:
        came_from = ctx.step
        if not super().back(ctx):
            return False
        ctx.data.pop("replace_goal_id", None)
        goal_ids = ctx.data.get("goal_ids") or []
        if ctx.step == "goal" and came_from in ("goal_more", "goal_concrete") and goal_ids:
            ctx.data["replace_goal_id"] = goal_ids[-1]  # correcting the goal just given
        if ctx.step == "goal_concrete":  # nothing to ask there: back to the goal itself
            return self.back(ctx) or True
        return True

    def skip(self, ctx: FlowContext) -> List[Reply]:
        if ctx.step == "questions":
            return self._finish(ctx)
        if ctx.step in ("check", "check_more"):
            return self._after_check(ctx, [Reply(say("engine", "check_fine"))])
        if ctx.step == "goal":
            replies = [] if self._goal_count(ctx) else [Reply(say("meeting", "no_goal_yet"))]
            return replies + self._after_goals(ctx)
        if ctx.step == "photo_edit":
            return self._unstash(ctx, [Reply(say("scherpe_foto", "kept"))])
        return super().skip(ctx)

    def next_step_after(self, ctx: FlowContext, step: str) -> str:
        # A skipped statement takes its example with it.
        return {"energy": "proposal", "questions": DONE, "can": "cannot", "can_example": "cannot",
                "cannot": "energy", "cannot_example": "energy"}.get(step, DONE)

    def _non_answer(self, ctx: FlowContext, text: str) -> Optional[List[Reply]]:
        """"ja", "ok" or "weet ik niet" is not stored: an example, and the question once more."""
        if ctx.step in OPEN_STEPS and is_non_answer(text):
            return [Reply(say("meeting", OPEN_STEPS[ctx.step]))]
        return None

    def may_skip(self, ctx: FlowContext) -> bool:
        return super().may_skip(ctx) or (ctx.step in OPEN_STEPS and ctx.data.get(ASKED_AGAIN) == ctx.step)

    def way_out(self, ctx: FlowContext) -> str:
        if ctx.step in WHEN_STEPS:
            return say("meeting", "when_way_out")
        if ctx.step in OPEN_STEPS:
            return say("meeting", "open_way_out")
        return super().way_out(ctx)

    def give_up(self, ctx: FlowContext) -> Optional[List[Reply]]:
        if ctx.step in WHEN_STEPS:  # the date stays open; the preparation goes on
            return self._no_date(ctx)
        if ctx.step == "goal":  # says itself that we go on without a goal
            return self.skip(ctx)
        return super().give_up(ctx)

    def _no_date(self, ctx: FlowContext) -> List[Reply]:
        if ctx.data.get("moving"):  # moving a planned meeting: it keeps its time
            return self._unstash(ctx, [Reply(say("calendar", "move_kept"))])
        for key in ("when_pending", "when_date", "when_time"):
            ctx.data.pop(key, None)
        advance(ctx, "goal")
        return [Reply(say("meeting", "when_unknown"))]

    # --- steps ---------------------------------------------------------------------------

    def _too_long(self, text: str) -> Optional[List[Reply]]:
        if len(text) > MAX_TEXT:
            return [Reply(say("meeting", "too_long", max=MAX_TEXT))]
        return None

    def _handle_use_existing(self, ctx: FlowContext, turn: Turn) -> List[Reply]:
        answer = turn.yes_no()
        if turn.clean.lower() == say("meeting", "existing_no").lower():
            answer = "no"
        if answer == "yes":
            meeting_id = int(ctx.data["offer_meeting_id"])
            ctx.data["meeting_id"] = meeting_id
            ctx.data["existing"] = True
            ctx.data["goal_ids"] = [g["id"] for g in meetings.list_goals(ctx.db, ctx.chat_id, meeting_id)]
            if len(ctx.data["goal_ids"]) >= MAX_GOALS:
                ctx.step = DONE
                return [Reply(say("meeting", "existing_full"))]
            advance(ctx, "goal")
            return []
        if answer == "no":
            advance(ctx, "who")
            return [Reply(say("meeting", "intro"))]
        return [Reply(say("meeting", "unclear"))]

    def _handle_who(self, ctx: FlowContext, turn: Turn) -> List[Reply]:
        text = turn.clean.lower().strip(" .!")
        chosen = next((k for k in MEETING_ROLES if k in text or say("meeting", f"who_{k}").lower() == text), None)
        if chosen is None and (text == say("meeting", "who_other").lower() or text in ("anders", "iemand anders")):
            advance(ctx, "who_other")
            return []
        if chosen is None:
            # A typed name or role that is not one of the buttons: take it as "someone else".
            if len(text) > 60 or not text:
                return [Reply(say("meeting", "unclear"))]
            return self._set_who(ctx, clean_text(turn.clean))
        return self._set_who(ctx, chosen)

    def _handle_who_other(self, ctx: FlowContext, turn: Turn) -> List[Reply]:
        text = clean_text(turn.clean)
        if len(text) > 60:
            return [Reply(say("meeting", "too_long", max=60))]
        lowered = text.lower()
        chosen = next((k for k in MEETING_ROLES if k in lowered), None)
        return self._set_who(ctx, chosen or text)

    def _set_who(self, ctx: FlowContext, with_whom: str) -> List[Reply]:
        if ctx.data.get("meeting_id") and meetings.get_meeting(ctx.db, ctx.chat_id, ctx.data["meeting_id"]):
            meetings.update_meeting(ctx.db, ctx.chat_id, ctx.data["meeting_id"], with_whom=with_whom)
        else:
            ctx.data["meeting_id"] = meetings.create_meeting(ctx.db, ctx.chat_id, with_whom, ctx.now)
        advance(ctx, "when")
        return []

    def _take_moment(self, ctx: FlowContext, moment: dt.datetime) -> List[Reply]:
        past = say("meeting", "when_past", when=format_dutch(moment, ctx.tz))
        return propose_moment(ctx, moment, past, "when_pending", "when_confirm")

    def _moved(self, ctx: FlowContext, starts_at: dt.datetime) -> List[Reply]:
        """A meeting moved from its calendar file: new time, reminders and an updated file."""
        meeting_id = int(ctx.data["meeting_id"])
        meetings.move_meeting(ctx.db, ctx.chat_id, meeting_id, starts_at)
        schedule_reminders(ctx, meeting_id, starts_at)
        replies = [Reply(say("calendar", "moved", when=format_dutch(starts_at, ctx.tz)))]
        replies += ics_replies(ctx.db, ctx.chat_id, meeting_id, ctx.tz, ctx.now)
        return self._unstash(ctx, replies)

    def _handle_when(self, ctx: FlowContext, turn: Turn) -> List[Reply]:
        if UNKNOWN_RE.search(turn.clean.lower()) and ctx.data.get("moving"):
            return self._unstash(ctx, [Reply(say("calendar", "move_kept"))])
        if UNKNOWN_RE.search(turn.clean.lower()):
            return self._no_date(ctx)
        result = parse_meeting_time(turn.clean, ctx.now, ctx.tz)
        if result.moment is None:
            if result.time_only:
                ctx.data["when_time"] = list(result.time_only)
                advance(ctx, "when_day")
                return []
            return [Reply(say("meeting", "when_unclear"))]
        if result.in_past:
            when = format_dutch(result.moment, ctx.tz, with_time=result.has_time)
            return [Reply(say("meeting", "when_past", when=when))]
        if not result.has_time:
            ctx.data["when_date"] = result.moment.date().isoformat()
            advance(ctx, "when_time")
            return []
        return self._take_moment(ctx, result.moment)

    def _handle_when_time(self, ctx: FlowContext, turn: Turn) -> List[Reply]:
        if UNKNOWN_RE.search(turn.clean.lower()):
            return self._no_date(ctx)
        result = parse_meeting_time(turn.clean, ctx.now, ctx.tz)
        if result.moment is not None and result.has_time:  # they gave a whole new date and time
            if result.in_past:
                return [Reply(say("meeting", "when_past", when=format_dutch(result.moment, ctx.tz)))]
            return self._take_moment(ctx, result.moment)
        time = parse_time_only(turn.clean)
        if time is None:
            return [Reply(say("meeting", "time_unclear"))]
        return self._take_moment(ctx, combine(dt.date.fromisoformat(ctx.data["when_date"]), time, ctx.tz))

    def _handle_when_day(self, ctx: FlowContext, turn: Turn) -> List[Reply]:
        if UNKNOWN_RE.search(turn.clean.lower()):
            return self._no_date(ctx)
        result = parse_meeting_time(turn.clean, ctx.now, ctx.tz)
        if result.moment is None:
            return [Reply(say("meeting", "when_unclear"))]
        if result.has_time:
            moment = result.moment
        else:
            moment = combine(result.moment.astimezone(ctx.tz).date(), tuple(ctx.data["when_time"]), ctx.tz)
        if moment <= ctx.now:
            return [Reply(say("meeting", "when_past", when=format_dutch(moment, ctx.tz)))]
        return self._take_moment(ctx, moment)

    def _handle_when_confirm(self, ctx: FlowContext, turn: Turn) -> List[Reply]:
        answer = turn.yes_no()
        if answer == "no":
            self._back_to(ctx, "when")
            ctx.data.pop("when_pending", None)
            return [Reply(say("meeting", "confirm_no"))]
        if answer != "yes":
            # Maybe they typed a corrected date straight away.
            result = parse_meeting_time(turn.clean, ctx.now, ctx.tz)
            if result.moment is not None and result.has_time and not result.in_past:
                ctx.data["when_pending"] = result.moment.isoformat()
                return []
            return [Reply(say("meeting", "confirm_unclear"))]
        starts_at = dt.datetime.fromisoformat(ctx.data["when_pending"])
        if ctx.data.get("moving"):
            return self._moved(ctx, starts_at)
        meetings.update_meeting(ctx.db, ctx.chat_id, ctx.data["meeting_id"], starts_at=starts_at)
        ctx.data["starts_at"] = starts_at.isoformat()
        advance(ctx, "goal")
        return []

    def _handle_goal(self, ctx: FlowContext, turn: Turn) -> List[Reply]:
        text = clean_text(turn.clean)
        too_long = self._too_long(text) or self._non_answer(ctx, text)
        if too_long:
            return too_long
        replies = self._privacy(ctx, text)
        goal_ids: List[int] = ctx.data.setdefault("goal_ids", [])
        replace_id = ctx.data.pop("replace_goal_id", None)
        if replace_id and meetings.update_goal_text(ctx.db, ctx.chat_id, replace_id, text):
            goal_id = int(replace_id)
        else:
            goal_id = meetings.add_goal(ctx.db, ctx.chat_id, ctx.data["meeting_id"], text, ctx.now)
            goal_ids.append(goal_id)
        followed_up: List[int] = ctx.data.setdefault("vague_asked", [])
        if is_vague(text) and goal_id not in followed_up:
            followed_up.append(goal_id)  # one follow-up per goal, never a second
            advance(ctx, "goal_concrete")
            return replies
        return replies + self._after_goal(ctx, goal=text)

    def _handle_goal_concrete(self, ctx: FlowContext, turn: Turn) -> List[Reply]:
        text = clean_text(turn.clean)
        too_long = self._too_long(text)
        if too_long:
            return too_long
        goal_id = ctx.data["goal_ids"][-1]
        replies = self._privacy(ctx, text)
        lowered = text.lower().strip(" .!")
        if lowered in KEEP_WORDS or len(lowered) < 3:
            goal = meetings.get_goal(ctx.db, ctx.chat_id, goal_id) or {"text": ""}
            replies.append(Reply(say("meeting", "goal_kept", goal=shorten(goal["text"]))))
        else:
            meetings.update_goal_text(ctx.db, ctx.chat_id, goal_id, text)
            replies.append(Reply(say("meeting", "goal_saved", goal=shorten(text))))
        return replies + self._after_goal(ctx, announce=False)

    def _after_goal(self, ctx: FlowContext, announce: bool = True, goal: str = "") -> List[Reply]:
        replies: List[Reply] = []
        if announce:
            replies.append(Reply(say("meeting", "goal_reflect", goal=shorten(goal))))
        if self._goal_count(ctx) >= MAX_GOALS:
            replies.append(Reply(say("meeting", "goals_max")))
            return replies + self._after_goals(ctx)
        advance(ctx, "goal_more")
        return replies

    def _after_goals(self, ctx: FlowContext) -> List[Reply]:
        if ctx.data.get("existing") and self._meeting(ctx).get("status") in ("prepared", "done"):
            return self._finish(ctx, goals_only=True)
        advance(ctx, "can")
        return []

    def _handle_goal_more(self, ctx: FlowContext, turn: Turn) -> List[Reply]:
        text = turn.clean.lower().strip(" .!")
        answer = turn.yes_no()
        if text == say("meeting", "more_no").lower():
            answer = "no"
        if answer == "yes":
            advance(ctx, "goal")
            return []
        if answer == "no":
            return self._after_goals(ctx)
        # A new goal typed straight away counts as "yes" plus the goal.
        if len(text) >= 10:
            ctx.data.setdefault("_history", []).append("goal_more")
            ctx.step = "goal"
            return self._handle_goal(ctx, turn)
        return [Reply(say("meeting", "unclear"))]

    def _statement(self, ctx: FlowContext, turn: Turn, kind: str, field: str, next_step: str) -> List[Reply]:
        text = clean_text(turn.clean)
        too_long = self._too_long(text) or self._non_answer(ctx, text)
        if too_long:
            return too_long
        replies = self._privacy(ctx, text) + self._reflect(ctx, text)
        meetings.set_statement(ctx.db, ctx.chat_id, ctx.data["meeting_id"], kind, ctx.now, **{field: text})
        advance(ctx, next_step)
        return replies

    def _reflect(self, ctx: FlowContext, text: str) -> List[Reply]:
        """What they just said, in their own words, before the next question."""
        key = f"{ctx.step.removesuffix('_other')}_reply"
        if is_non_answer(text) or key not in load("meeting"):
            return []
        key = reply_key("meeting", key, text)  # "lukt weinig" gets no "goed dat je"
        return [Reply(say("meeting", key, words=own_words(text)))]

    def _handle_can(self, ctx: FlowContext, turn: Turn) -> List[Reply]:
        return self._statement(ctx, turn, "can", "text", "can_example")

    def _handle_can_example(self, ctx: FlowContext, turn: Turn) -> List[Reply]:
        return self._statement(ctx, turn, "can", "example", "cannot")

    def _handle_cannot(self, ctx: FlowContext, turn: Turn) -> List[Reply]:
        return self._statement(ctx, turn, "cannot", "text", "cannot_example")

    def _handle_cannot_example(self, ctx: FlowContext, turn: Turn) -> List[Reply]:
        return self._statement(ctx, turn, "cannot", "example", "energy")

    def _handle_energy(self, ctx: FlowContext, turn: Turn) -> List[Reply]:
        return self._save_text(ctx, clean_text(turn.clean), meetings.set_energy, "proposal")

    def _handle_proposal(self, ctx: FlowContext, turn: Turn) -> List[Reply]:
        text = clean_text(turn.clean)
        lowered = text.lower()
        if lowered == say("meeting", "proposal_other").lower() or lowered in ("anders", "iets anders"):
            advance(ctx, "proposal_other")
            return []
        return self._save_proposal(ctx, text)

    def _handle_proposal_other(self, ctx: FlowContext, turn: Turn) -> List[Reply]:
        return self._save_proposal(ctx, clean_text(turn.clean))

    def _save_proposal(self, ctx: FlowContext, text: str) -> List[Reply]:
        return self._save_text(ctx, text, meetings.set_proposal, "questions")

    def _save_text(self, ctx: FlowContext, text: str, store: Callable[..., Any], next_step: str) -> List[Reply]:
        """Check length, give the privacy hint if needed, store, move on."""
        too_long = self._too_long(text)
        if too_long:
            return too_long
        replies = self._privacy(ctx, text)
        replies += self._reflect(ctx, text)
        store(ctx.db, ctx.chat_id, ctx.data["meeting_id"], text)
        advance(ctx, next_step)
        return replies

    def _handle_questions(self, ctx: FlowContext, turn: Turn) -> List[Reply]:
        text = turn.text or ""
        too_long = self._too_long(clean_text(text))
        if too_long:
            return too_long
        replies = self._privacy(ctx, text)
        meeting_id = ctx.data["meeting_id"]
        meetings.clear_questions(ctx.db, ctx.chat_id, meeting_id)  # answering again replaces, not adds
        for question in split_questions(text):
            meetings.add_question(ctx.db, ctx.chat_id, meeting_id, question, ctx.now)
        return replies + self._finish(ctx)

    def _handle_edit_goal(self, ctx: FlowContext, turn: Turn) -> List[Reply]:
        text = clean_text(turn.clean)
        too_long = self._too_long(text)
        if too_long:
            return too_long
        if not meetings.update_goal_text(ctx.db, ctx.chat_id, int(ctx.data.get("edit_goal_id") or 0), text):
            ctx.step = DONE
            return [Reply(say("meeting", "edit_goal_missing"))]
        return self._unstash(ctx, [Reply(say("meeting", "edit_goal_done", goal=shorten(text)))])

    def _handle_photo_edit(self, ctx: FlowContext, turn: Turn) -> List[Reply]:
        """The user's own words for the scherpe foto: stored as they wrote it, used from now on."""
        text = clean_text(turn.clean)
        if len(text) > MAX_PHOTO_TEXT:
            return [Reply(say("scherpe_foto", "too_long", max=MAX_PHOTO_TEXT))]
        if not text:
            return [Reply(say("scherpe_foto", "ask_edit"))]
        if text.lower().strip(" .!") in KEEP_WORDS or len(text) < 3:  # "laat maar": nothing to store
            return self._unstash(ctx, [Reply(say("scherpe_foto", "kept"))])
        replies = self._privacy(ctx, text)
        meetings.save_sharp_photo(ctx.db, ctx.chat_id, int(ctx.data["meeting_id"]), text, ctx.now)
        return self._unstash(ctx, replies + [Reply(say("scherpe_foto", "saved"))])

    def _finish(self, ctx: FlowContext, goals_only: bool = False) -> List[Reply]:
        meeting_id = int(ctx.data["meeting_id"])
        meeting = self._meeting(ctx)
        if meeting.get("status") != "done":
            meetings.update_meeting(ctx.db, ctx.chat_id, meeting_id, status="prepared")
        if goals_only:
            who = card.who_label(meeting.get("with_whom"))
            return self._send_card(ctx, [Reply(say("meeting", "goals_added", who=who))], goals_only=True)
        advance(ctx, "check")  # the summary in their words, and "Klopt dit? Wil je iets toevoegen?"
        return []

    def _summary_text(self, ctx: FlowContext) -> str:
        meeting = self._meeting(ctx)
        meeting_id = int(ctx.data["meeting_id"])
        who = card.who_label(meeting.get("with_whom"))
        starts_at = parse_iso(meeting.get("starts_at"))
        parts = [say("meeting", "summary_intro")]
        if starts_at:
            parts.append(say("meeting", "sum_who_when", who=who, when=format_dutch(starts_at, ctx.tz)))
        else:
            parts.append(say("meeting", "sum_who", who=who))
        goals = [own_words(g["text"]) for g in meetings.list_goals(ctx.db, ctx.chat_id, meeting_id)]
        if len(goals) == 1:
            parts.append(say("meeting", "sum_goal", text=goals[0]))
        elif goals:
            parts.append(say("meeting", "sum_goals", first=goals[0], second=goals[1]))
        for kind in ("can", "cannot"):
            rows = meetings.list_statements(ctx.db, ctx.chat_id, meeting_id, kind)
            if rows and rows[0].get("text"):
                parts.append(say("meeting", f"sum_{kind}", text=own_words(rows[0]["text"])))
        if meeting.get("proposal"):
            parts.append(say("meeting", "sum_proposal", text=own_words(meeting["proposal"])))
        questions = meetings.list_questions(ctx.db, ctx.chat_id, meeting_id)
        if questions:
            parts.append(say("meeting", "sum_question", text=own_words(questions[0]["text"])))
        return " ".join(parts)

    def _handle_check(self, ctx: FlowContext, turn: Turn) -> List[Reply]:
        text = clean_text(turn.clean)
        answer = check_answer(text) if ctx.step == "check" else ("fine" if is_non_answer(text) else "addition")
        if answer == "change":
            advance(ctx, "check_more")
            return []
        if answer == "fine":
            return self._after_check(ctx, [Reply(say("engine", "check_fine"))])
        too_long = self._too_long(text)
        if too_long:
            return too_long
        meetings.add_question(ctx.db, ctx.chat_id, int(ctx.data["meeting_id"]), text, ctx.now)  # on the card
        return self._after_check(ctx, [Reply(say("engine", "check_added", text=own_words(text, limit=140)))])

    _handle_check_more = _handle_check

    def _after_check(self, ctx: FlowContext, replies: List[Reply]) -> List[Reply]:
        return self._send_card(ctx, replies + [Reply(say("meeting", "prepared"))])

    def _send_card(self, ctx: FlowContext, replies: List[Reply], goals_only: bool = False) -> List[Reply]:
        meeting_id = int(ctx.data["meeting_id"])
        starts_at = parse_iso(self._meeting(ctx).get("starts_at"))
        replies.append(Reply(say("meeting", "card_intro")))
        replies.extend(card.card_replies(ctx.db, ctx.chat_id, meeting_id, tz=ctx.tz))
        if starts_at and schedule_reminders(ctx, meeting_id, starts_at) and not goals_only:
            replies.append(Reply(say("meeting", "reminders_set")))
        if starts_at and not goals_only:
            replies.extend(ics_replies(ctx.db, ctx.chat_id, meeting_id, ctx.tz, ctx.now))
        ctx.step = DONE
        return replies
