"""Looking back after a meeting: per goal reached / partly / not, whether
the user felt heard, what was agreed and when the next meeting is (which
creates that meeting and its reminders). Ends with their own numbers."""

from __future__ import annotations

import datetime as dt
from typing import Any, Dict, List, Optional

from actions import card
from actions.calendar_ics import ics_replies
from actions.flows.answers import check_answer, is_non_answer, own_words
from actions.flows.base import DONE, Flow, FlowContext, Reply, Turn, advance, propose_moment
from actions.flows.meeting import MAX_TEXT, UNKNOWN_RE, schedule_reminders
from regiecoach.dutch.dates import combine, format_day, format_dutch, parse_meeting_time, parse_time_only
from regiecoach.dutch.text import clean_text, shorten
from regiecoach.storage import meetings, parse_iso
from regiecoach.texts import say

NEXT_STEPS = ("next", "next_time", "next_confirm")
GOAL_ANSWERS = {"reached": ("bereikt", "gelukt", "ja"), "partly": ("deels", "een beetje", "half", "beetje"),
                "not": ("niet", "nee", "niet bereikt", "niet gelukt")}
HEARD_ANSWERS = {"ja": ("ja", "zeker", "jazeker", "wel"), "deels": ("deels", "een beetje", "beetje", "half"),
                 "nee": ("nee", "niet", "helemaal niet")}


def _choice(text: str, options: Dict[str, tuple]) -> str:
    lowered = text.lower().strip(" .!")
    for value, words in options.items():
        if lowered in words:
            return value
    for value, words in options.items():  # then the first word: "deels wel" -> deels
        if lowered.split(" ")[0] in words:
            return value
    return ""


class DebriefFlow(Flow):
    name = "debrief"
    first_step = "goal_0"
    optional_steps = ("heard_need", "agreed", "take_along", "next", "check", "check_more")

    # --- helpers -------------------------------------------------------------

    @staticmethod
    def _meeting(ctx: FlowContext) -> Dict[str, Any]:
        return meetings.get_meeting(ctx.db, ctx.chat_id, ctx.data.get("meeting_id")) or {}

    @staticmethod
    def _goal_step(ctx: FlowContext, index: int) -> str:
        return f"goal_{index}" if index < len(ctx.data.get("goal_ids") or []) else "heard"

    def _pick_meeting(self, ctx: FlowContext) -> Dict[str, Any]:
        wanted = ctx.trigger.get("meeting_id")
        if wanted:
            meeting = meetings.get_meeting(ctx.db, ctx.chat_id, wanted)
            if meeting:
                return meeting
        due = meetings.meetings_due_for_debrief(ctx.db, ctx.chat_id, ctx.now)
        return due[0] if due else {}

    # --- flow API ----------------------------------------------------------------

    def start(self, ctx: FlowContext) -> List[Reply]:
        meeting = self._pick_meeting(ctx)
        if not meeting:
            ctx.step = "none_offer"
            return []
        ctx.data["meeting_id"] = int(meeting["id"])
        ctx.data["goal_ids"] = [g["id"] for g in meetings.list_goals(ctx.db, ctx.chat_id, meeting["id"])]
        starts_at = parse_iso(meeting.get("starts_at"))
        when = format_dutch(starts_at, ctx.tz, with_time=False) if starts_at else ""
        replies = [Reply(say("debrief", "intro", who=card.who_label(meeting.get("with_whom")), when=when))]
        if not ctx.data["goal_ids"]:
            replies.append(Reply(say("debrief", "no_goals")))
        ctx.step = self._goal_step(ctx, 0)
        return replies

    def ask(self, ctx: FlowContext) -> List[Reply]:
        step = ctx.step
        yes, no = say("debrief", "answer_yes"), say("debrief", "answer_no")
        yes_no_buttons = [(yes, yes), (no, no)]
        if step == "none_offer":
            return [Reply(say("debrief", "none_found"), buttons=yes_no_buttons)]
        if step.startswith("block_"):
            status = "partly" if ctx.data.get("partly_" + step[6:]) else "not"
            return [Reply(say("debrief", f"ask_block_{status}"))]
        if step == "check":
            return [Reply(f"{self._summary_text(ctx)}\n{say('engine', 'check')}")]
        if step == "check_more":
            return [Reply(say("engine", "check_what"))]
        if step == "take_along":
            return [Reply(say("debrief", "ask_take_along"))]
        if step.startswith("goal_"):
            goal = meetings.get_goal(ctx.db, ctx.chat_id, ctx.data["goal_ids"][int(step[5:])]) or {"text": ""}
            keys = ("goal_reached", "goal_partly", "goal_not")
            return [Reply(say("debrief", "ask_goal", goal=shorten(goal["text"])),
                          buttons=[(say("debrief", k), say("debrief", k)) for k in keys])]
        if step == "heard":
            keys = ("heard_yes", "heard_partly", "heard_no")
            return [Reply(say("debrief", "ask_heard"), buttons=[(say("debrief", k), say("debrief", k)) for k in keys])]
        if step == "heard_need":
            return [Reply(say("debrief", f"ask_heard_need_{ctx.data.get('heard', 'nee')}"))]
        if step == "agreed":
            return [Reply(say("debrief", "ask_agreed"))]
        if step == "next":
            unknown = say("debrief", "next_unknown")
            who = card.who_label(self._meeting(ctx).get("with_whom"))
            return [Reply(say("debrief", "ask_next", who=who), buttons=[(unknown, unknown)])]
        if step == "next_time":
            day = format_day(dt.date.fromisoformat(ctx.data["next_date"]))
            return [Reply(say("debrief", "ask_next_time", day=day))]
        if step == "next_confirm":
            when = format_dutch(dt.datetime.fromisoformat(ctx.data["next_pending"]), ctx.tz)
            return [Reply(say("debrief", "confirm_next", when=when), buttons=yes_no_buttons)]
        return []

    def handle(self, ctx: FlowContext, turn: Turn) -> List[Reply]:
        step = ctx.step
        if step == "none_offer":
            return self._handle_none_offer(ctx, turn)
        if step.startswith("goal_"):
            return self._handle_goal(ctx, turn, int(step[5:]))
        if step.startswith("block_"):
            return self._handle_block(ctx, turn, int(step[6:]))
        handler = getattr(self, f"_handle_{step}", None)
        if handler is None:
            ctx.step = DONE
            return []
        return handler(ctx, turn)

    def next_step_after(self, ctx: FlowContext, step: str) -> str:
        return {"heard_need": "agreed", "agreed": "take_along", "take_along": "next"}.get(step, DONE)

    def may_skip(self, ctx: FlowContext) -> bool:
        return super().may_skip(ctx) or ctx.step.startswith("block_")

    def skip(self, ctx: FlowContext) -> List[Reply]:
        if ctx.step == "next":
            return self._finish(ctx)
        if ctx.step.startswith("block_"):
            advance(ctx, self._goal_step(ctx, int(ctx.step[6:]) + 1))
            return []
        if ctx.step in ("check", "check_more"):
            return self._after_check(ctx, [Reply(say("engine", "check_fine"))])
        return super().skip(ctx)

    def way_out(self, ctx: FlowContext) -> str:
        return say("debrief", "next_way_out") if ctx.step in NEXT_STEPS else super().way_out(ctx)

    def give_up(self, ctx: FlowContext) -> Optional[List[Reply]]:
        """Never a third time: the date stays open, a goal stays open, "heard" stays unsaid."""
        if ctx.step in NEXT_STEPS:
            return [Reply(say("debrief", "next_left_open"))] + self._finish(ctx)
        if ctx.step.startswith("goal_"):
            advance(ctx, self._goal_step(ctx, int(ctx.step[5:]) + 1))
            return [Reply(say("debrief", "moved_on"))]
        if ctx.step == "heard":
            advance(ctx, "agreed")
            return [Reply(say("debrief", "moved_on"))]
        return super().give_up(ctx)

    # --- steps -----------------------------------------------------------------------

    def _handle_none_offer(self, ctx: FlowContext, turn: Turn) -> List[Reply]:
        answer = turn.yes_no()
        if answer == "yes":
            ctx.step = DONE
            ctx.switch_to = "meeting"
            return []
        if answer == "no":
            ctx.step = DONE
            return [Reply(say("debrief", "none_later"))]
        return [Reply(say("debrief", "unclear"))]

    def _handle_goal(self, ctx: FlowContext, turn: Turn, index: int) -> List[Reply]:
        status = _choice(turn.clean, GOAL_ANSWERS)
        if not status:
            return [Reply(say("debrief", "goal_unclear"))]
        goal_id = ctx.data["goal_ids"][index]
        meetings.set_goal_status(ctx.db, ctx.chat_id, goal_id, status)
        goal = (meetings.get_goal(ctx.db, ctx.chat_id, goal_id) or {}).get("text") or ""
        reply = [Reply(say("debrief", f"goal_{status}_reply", goal=own_words(goal)))]
        if status == "reached":
            advance(ctx, self._goal_step(ctx, index + 1))
            return reply
        # Not (quite) reached: what got in the way, before the next goal.
        ctx.data.pop(f"partly_{index}", None)
        if status == "partly":
            ctx.data[f"partly_{index}"] = True
        advance(ctx, f"block_{index}")
        return reply

    def _handle_block(self, ctx: FlowContext, turn: Turn, index: int) -> List[Reply]:
        text = clean_text(turn.clean)
        advance(ctx, self._goal_step(ctx, index + 1))
        if is_non_answer(text):
            return [Reply(say("debrief", "block_reply_empty"))]
        ctx.data.setdefault("blocks", {})[str(index)] = text[:MAX_TEXT]  # for the summary
        key = "block_reply_partly" if ctx.data.get(f"partly_{index}") else "block_reply"
        return [Reply(say("debrief", key, words=own_words(text)))]

    def _handle_heard(self, ctx: FlowContext, turn: Turn) -> List[Reply]:
        heard = _choice(turn.clean, HEARD_ANSWERS)
        if not heard and turn.intent in ("affirm", "deny"):
            heard = "ja" if turn.intent == "affirm" else "nee"
        if not heard:
            return [Reply(say("debrief", "unclear"))]
        meetings.record_debrief(ctx.db, ctx.chat_id, ctx.data["meeting_id"], ctx.now, felt_heard=heard)
        ctx.data["heard"] = heard
        if heard == "ja":
            advance(ctx, "agreed")
            return []
        # Not (quite) heard: empathy first, then what they would have needed.
        advance(ctx, "heard_need")
        return [Reply(say("debrief", f"heard_{heard}_reply"))]

    def _handle_heard_need(self, ctx: FlowContext, turn: Turn) -> List[Reply]:
        text = clean_text(turn.clean)
        advance(ctx, "agreed")
        if is_non_answer(text):
            return [Reply(say("debrief", "heard_need_reply_empty"))]
        ctx.data["heard_need"] = text  # only for the summary; the draft goes when the look back ends
        return [Reply(say("debrief", "heard_need_reply", text=shorten(text)))]

    def _handle_agreed(self, ctx: FlowContext, turn: Turn) -> List[Reply]:
        text = clean_text(turn.clean)
        if len(text) > MAX_TEXT:
            return [Reply(say("meeting", "too_long", max=MAX_TEXT))]
        meetings.record_debrief(ctx.db, ctx.chat_id, ctx.data["meeting_id"], ctx.now, agreements=text)
        advance(ctx, "take_along")
        if is_non_answer(text):
            return [Reply(say("debrief", "agreed_reply_empty"))]
        ctx.data["agreed"] = text
        return [Reply(say("debrief", "agreed_reply", words=own_words(text)))]

    def _handle_take_along(self, ctx: FlowContext, turn: Turn) -> List[Reply]:
        text = clean_text(turn.clean)
        if len(text) > MAX_TEXT:
            return [Reply(say("meeting", "too_long", max=MAX_TEXT))]
        advance(ctx, "next")
        if is_non_answer(text):
            return [Reply(say("debrief", "take_along_reply_empty"))]
        ctx.data["take_along"] = text  # becomes a goal of the next meeting, once it has a date
        return [Reply(say("debrief", "take_along_reply", words=own_words(text)))]

    def _handle_next(self, ctx: FlowContext, turn: Turn) -> List[Reply]:
        text = turn.clean
        if text.lower() == say("debrief", "next_unknown").lower() or UNKNOWN_RE.search(text.lower()):
            return self._finish(ctx)
        result = parse_meeting_time(text, ctx.now, ctx.tz)
        if result.moment is None:
            return [Reply(say("debrief", "next_unclear"))]
        if result.in_past:
            return [Reply(say("debrief", "next_past",
                              when=format_dutch(result.moment, ctx.tz, with_time=result.has_time)))]
        if not result.has_time:
            ctx.data["next_date"] = result.moment.astimezone(ctx.tz).date().isoformat()
            advance(ctx, "next_time")
            return []
        return self._take_next(ctx, result.moment)

    def _take_next(self, ctx: FlowContext, moment: dt.datetime) -> List[Reply]:
        past = say("debrief", "next_past", when=format_dutch(moment, ctx.tz))
        return propose_moment(ctx, moment, past, "next_pending", "next_confirm")

    def _handle_next_time(self, ctx: FlowContext, turn: Turn) -> List[Reply]:
        if UNKNOWN_RE.search(turn.clean.lower()):
            return self._finish(ctx)
        result = parse_meeting_time(turn.clean, ctx.now, ctx.tz)
        if result.moment is not None and result.has_time:
            return self._take_next(ctx, result.moment)
        time = parse_time_only(turn.clean)
        if time is None:
            return [Reply(say("debrief", "time_unclear"))]
        return self._take_next(ctx, combine(dt.date.fromisoformat(ctx.data["next_date"]), time, ctx.tz))

    def _handle_next_confirm(self, ctx: FlowContext, turn: Turn) -> List[Reply]:
        answer = turn.yes_no()
        if answer == "no":
            history: List[str] = ctx.data.setdefault("_history", [])
            while history and history.pop() != "next":
                pass
            ctx.step = "next"
            return [Reply(say("debrief", "confirm_no"))]
        if answer != "yes":
            return [Reply(say("debrief", "confirm_unclear"))]
        starts_at = dt.datetime.fromisoformat(ctx.data["next_pending"])
        who = self._meeting(ctx).get("with_whom") or "bedrijfsarts"
        next_id = meetings.create_meeting(ctx.db, ctx.chat_id, who, ctx.now, starts_at=starts_at)
        ctx.data["next_meeting_id"] = next_id
        schedule_reminders(ctx, next_id, starts_at)
        replies = [Reply(say("debrief", "next_saved", when=format_dutch(starts_at, ctx.tz)))]
        if ctx.data.get("take_along"):
            meetings.add_goal(ctx.db, ctx.chat_id, next_id, ctx.data["take_along"], ctx.now)
            replies.append(Reply(say("debrief", "take_along_saved")))
        return replies + ics_replies(ctx.db, ctx.chat_id, next_id, ctx.tz, ctx.now) + self._finish(ctx)

    def _finish(self, ctx: FlowContext) -> List[Reply]:
        meetings.record_debrief(ctx.db, ctx.chat_id, ctx.data["meeting_id"], ctx.now, finished=True)
        advance(ctx, "check")  # the summary in their words, and "Klopt dit? Wil je iets toevoegen?"
        return []

    def _summary_text(self, ctx: FlowContext) -> str:
        meeting_id = ctx.data["meeting_id"]
        goals = meetings.list_goals(ctx.db, ctx.chat_id, meeting_id)
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
        for key in ("agreed", "take_along"):
            if ctx.data.get(key):
                parts.append(say("debrief", f"summary_{key}", text=own_words(ctx.data[key])))
        return " ".join(" ".join(parts).split())

    def _handle_check(self, ctx: FlowContext, turn: Turn) -> List[Reply]:
        text = clean_text(turn.clean)
        answer = check_answer(text) if ctx.step == "check" else ("fine" if is_non_answer(text) else "addition")
        if answer == "change":
            advance(ctx, "check_more")
            return []
        if answer == "fine":
            return self._after_check(ctx, [Reply(say("engine", "check_fine"))])
        if len(text) > MAX_TEXT:
            return [Reply(say("meeting", "too_long", max=MAX_TEXT))]
        meeting = self._meeting(ctx)
        agreed = " ".join(filter(None, [meeting.get("agreements"), text]))
        meetings.record_debrief(ctx.db, ctx.chat_id, ctx.data["meeting_id"], ctx.now, agreements=agreed)
        return self._after_check(ctx, [Reply(say("engine", "check_added", text=own_words(text, limit=140)))])

    _handle_check_more = _handle_check

    def _after_check(self, ctx: FlowContext, replies: List[Reply]) -> List[Reply]:
        from actions.meeting_actions import progress_text  # late: meeting_actions imports rasa_sdk

        ctx.step = DONE
        return replies + [Reply(say("debrief", "closing")), Reply(progress_text(ctx.db, ctx.chat_id, compare=False))]
