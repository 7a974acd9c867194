"""The coaching check-in, in the style of motivational interviewing: an open
question first, empathy before anything else when it goes badly, two scaling
questions with a follow-up (at most every third time a third one, about
regie), goals, what went well, one small next step, and a summary built from
the answers. After a crisis it opens with how the person
is now and leaves out the scores."""

from __future__ import annotations

import datetime as dt
import re

from actions.card import card_dir
from actions.flows.answers import check_answer, is_non_answer, kind_of, own_words, reply_key
from actions.flows.base import ASKED_AGAIN, DONE, Flow, FlowContext, Reply, Turn, advance
from actions.progress_chart import chart_replies
from regiecoach.dutch.dates import format_dutch, parse_meeting_time
from regiecoach.dutch.numbers import NUMBER_WORDS
from regiecoach.dutch.text import shorten
from regiecoach.storage import checkins, meetings, parse_iso, reminders, users
from regiecoach.texts import say

NEGATIVE = re.compile(
    r"\b(slecht|moe|vermoeid|zwaar|kapot|rot|beroerd|uitgeput|somber|verdrietig|ellendig|pijn|"
    r"niet (zo |echt |zo heel )?(goed|best|lekker)|gaat niet|kan niet meer|waardeloos|klote|k[uo]t)\b",
    re.IGNORECASE,
)
POSITIVE = re.compile(r"\b(goed|beter|prima|fijn|lekker|top|redelijk|oke|ok|positief)\b", re.IGNORECASE)
MAX_QUOTE = 60
MAX_TEXT = 2000  # kept whole; the summary quotes a short part
LONG_ANSWER = 300  # a story, not an answer: acknowledged before the reflection
SCORE_BUTTONS = [(str(n), str(n)) for n in range(11)]
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


def parse_score(text: str) -> int | None:
    """0-10 from "7", "een 7", "7/10", "zeven"."""
    clean = text.lower().strip()
    match = re.search(r"\b(10|[0-9])(?:\s*/\s*10)?\b", clean)
    if match and not re.search(r"\d{3,}|\d+[.,]\d", clean):
        return int(match.group(1))
    words = re.findall(r"[a-zé]+", clean)
    found = [NUMBER_WORDS[w] for w in words if w in NUMBER_WORDS and not (w == "een" and len(words) > 1)]
    return found[-1] if found else None


def follow_up(score: int) -> str:
    if score == 0:
        return say("checkin", "follow_zero")
    if score == 10:
        return say("checkin", "follow_ten")
    lower = score - 2 if score >= 2 else 0
    return say("checkin", "follow_mid", score=score, lower=lower)


def choice(text: str, options: dict[str, tuple[str, ...]]) -> str:
    lowered = text.lower()
    for value, words in options.items():
        if any(word in lowered for word in words):
            return value
    return ""


class CheckinFlow(Flow):
    name = "checkin"
    first_step = "mood"
    optional_steps = ("energy_why", "confidence_why", "regie", "regie_why", "goals", "went_well", "next_step", "next_date",
                      "check", "check_more")

    # --- steps -------------------------------------------------------------------

    def start(self, ctx: FlowContext) -> list[Reply]:
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
            ctx.step = "after_crisis"
            return []
        ctx.step = "mood"
        return [Reply(say("checkin", "intro"))]

    def ask(self, ctx: FlowContext) -> list[Reply]:
        step = ctx.step
        if step == "mood":
            return [Reply(say("checkin", "ask_mood"))]
        if step == "after_crisis":
            return [Reply(say("checkin", "after_crisis_ask"))]
        if step == "continue":
            key = "ask_continue_after_crisis" if ctx.data.get("after_crisis") else "ask_continue"
            return [Reply(say("checkin", key), buttons=self._buttons("continue_now", "continue_later"))]
        if step in ("energy", "confidence", "regie"):
            return [Reply(say("checkin", f"ask_{step}"), buttons=SCORE_BUTTONS)]
        if step == "regie_why":
            return [Reply(say("checkin", "ask_regie_why"))]
        if step in ("energy_why", "confidence_why"):
            return [Reply(follow_up(int(ctx.data[step.split("_")[0]])))]
        if step == "goals":
            goals = meetings.open_goals(ctx.db, ctx.chat_id, limit=3)
            if goals:
                listing = "\n".join(f"• {shorten(g['text'], MAX_QUOTE)}" for g in goals)
                return [Reply(say("checkin", "goals_with_list", goals=listing))]
            return [Reply(say("checkin", "goals_none"))]
        if step == "went_well":
            return [Reply(say("checkin", "ask_went_well"))]
        if step == "next_step":
            return [Reply(say("checkin", "ask_next_step"))]
        if step == "next_date":
            return [Reply(say("checkin", "ask_next_date"), buttons=self._buttons("no_date"))]
        if step == "check":
            return [Reply(f"{self._summary_text(ctx)}\n{say('engine', 'check')}")]
        if step == "check_more":
            return [Reply(say("engine", "check_what"))]
        if step == "interval":
            buttons = self._buttons("interval_4", "interval_5", "interval_6")
            return [Reply(say("checkin", "ask_interval"), buttons=buttons)]
        if step == "daypart":
            return [Reply(say("checkin", "ask_daypart"),
                          buttons=self._buttons("daypart_ochtend", "daypart_middag", "daypart_avond"))]
        return []

    def handle(self, ctx: FlowContext, turn: Turn) -> list[Reply]:
        handler = getattr(self, f"_on_{ctx.step}", None)
        if handler is None:
            ctx.step = DONE
            return []
        return handler(ctx, turn)

    def next_step_after(self, ctx: FlowContext, step: str) -> str:
        order = ["energy", "energy_why", "confidence", "confidence_why", "regie", "regie_why", "goals", "went_well",
                 "next_step", "next_date"]
        if not ctx.data.get("ask_regie"):
            order.remove("regie")
            order.remove("regie_why")
        if step == "regie":
            return "goals"  # a skipped score has no follow-up
        if step == "next_step":
            return self._finish_step(ctx)  # no step, so no date to ask
        if step == "next_date":
            return self._finish_step(ctx)
        return order[order.index(step) + 1] if step in order else DONE

    def way_out(self, ctx: FlowContext) -> str:
        return say("checkin", "score_way_out") if ctx.step in ("energy", "confidence") else super().way_out(ctx)

    def may_skip(self, ctx: FlowContext) -> bool:
        # A score may be skipped once it was not understood (the way out says so).
        return super().may_skip(ctx) or (ctx.step in ("energy", "confidence") and bool(ctx.data.get(ASKED_AGAIN)))

    def give_up(self, ctx: FlowContext) -> list[Reply] | None:
        if ctx.step in ("energy", "confidence"):  # no score then, and no follow-up about it
            advance(ctx, "confidence" if ctx.step == "energy" else self.next_step_after(ctx, "confidence_why"))
            return [Reply(say("checkin", "score_skipped"))]
        return super().give_up(ctx)

    def skip(self, ctx: FlowContext) -> list[Reply]:
        if ctx.step in ("energy", "confidence"):
            return self.give_up(ctx) or []
        if ctx.step in ("check", "check_more"):
            return self._after_check(ctx, [Reply(say("engine", "check_fine"))])
        step = self.next_step_after(ctx, ctx.step)
        if step == "_finish":
            return self._finish(ctx)
        advance(ctx, step)
        return []

    # --- handlers ------------------------------------------------------------------

    def _on_mood(self, ctx: FlowContext, turn: Turn) -> list[Reply]:
        mood = mood_of(turn)
        ctx.data["mood"] = mood if mood in ("negative", "positive") else "neutral"
        ctx.data["mood_kind"] = mood  # "mixed" too, for a double-sided summary
        if mood != "empty":
            ctx.data["mood_text"] = turn.clean[:MAX_TEXT]
        reply = self._reflect(turn, f"mood_{mood}")
        advance(ctx, "continue" if mood == "negative" else "energy")
        return reply

    def _reflect(self, turn: Turn, key: str, **values: object) -> list[Reply]:
        """The reply to an open answer, in the user's own words; a long story is acknowledged first."""
        text = say("checkin", key, words=own_words(turn.clean), **values)
        if len(turn.clean) > LONG_ANSWER:
            text = f"{say('checkin', 'long_answer')} {text}"
        return [Reply(text)]

    def _on_after_crisis(self, ctx: FlowContext, turn: Turn) -> list[Reply]:
        ctx.data["mood"] = "after_crisis"
        advance(ctx, "continue")
        return self._reflect(turn, reply_key("checkin", "after_crisis_reply", turn.clean))

    def _on_continue(self, ctx: FlowContext, turn: Turn) -> list[Reply]:
        text = turn.clean.lower()
        later = say("checkin", "continue_later").lower()
        if text == later or "later" in text.split() or turn.intent == "deny" or text.startswith("nee"):
            return self._later(ctx)
        # Anything else means they keep talking: go on, they can stop at any time.
        advance(ctx, "goals" if ctx.data.get("after_crisis") else "energy")
        return []

    def _later(self, ctx: FlowContext) -> list[Reply]:
        ctx.step = DONE
        reminder_id = ctx.data.get("reminder_id")
        if reminder_id and users.has_consent(ctx.db, ctx.chat_id):
            row = reminders.snooze(ctx.db, ctx.chat_id, int(reminder_id), "tomorrow", ctx.now, ctx.tz)
            if row:
                when = parse_iso(row["due_at"])
                assert when is not None
                return [Reply(say("checkin", "later_snoozed", when=self._when(ctx, when)))]
        return [Reply(say("checkin", "later_plain"))]

    def _score(self, ctx: FlowContext, turn: Turn, key: str) -> list[Reply]:
        score = parse_score(turn.clean)
        if score is None or not 0 <= score <= 10:
            return [Reply(say("checkin", "score_unclear"), buttons=SCORE_BUTTONS)]
        ctx.data[key] = score
        advance(ctx, f"{key}_why")
        return []

    def _on_energy(self, ctx: FlowContext, turn: Turn) -> list[Reply]:
        return self._score(ctx, turn, "energy")

    def _on_confidence(self, ctx: FlowContext, turn: Turn) -> list[Reply]:
        return self._score(ctx, turn, "confidence")

    def _why(self, ctx: FlowContext, turn: Turn, key: str, next_step: str) -> list[Reply]:
        advance(ctx, next_step)
        if not is_non_answer(turn.clean):  # "what makes it a 5": the most useful answer, kept for the summary
            ctx.data[f"{key}_why"] = turn.clean[:MAX_TEXT]
        if int(ctx.data.get(key, 5)) == 0 and not is_non_answer(turn.clean):
            return self._reflect(turn, "follow_reply_zero")
        # "What would give you more regie" is answered with a wish, not with what helps now.
        base = "regie_why_reply" if key == "regie" else "follow_reply"
        return self._reflect(turn, reply_key("checkin", base, turn.clean))

    def _on_energy_why(self, ctx: FlowContext, turn: Turn) -> list[Reply]:
        return self._why(ctx, turn, "energy", "confidence")

    def _on_confidence_why(self, ctx: FlowContext, turn: Turn) -> list[Reply]:
        return self._why(ctx, turn, "confidence", self.next_step_after(ctx, "confidence_why"))

    def _on_regie(self, ctx: FlowContext, turn: Turn) -> list[Reply]:
        score = parse_score(turn.clean)
        if score is None:
            return [Reply(say("checkin", "score_unclear"), buttons=SCORE_BUTTONS)]
        ctx.data["regie"] = score
        advance(ctx, "regie_why")
        return [Reply(say("checkin", "regie_reply", score=score))]

    def _on_regie_why(self, ctx: FlowContext, turn: Turn) -> list[Reply]:
        return self._why(ctx, turn, "regie", "goals")

    def _on_goals(self, ctx: FlowContext, turn: Turn) -> list[Reply]:
        ctx.data["goals_update"] = turn.clean[:MAX_TEXT]
        advance(ctx, "went_well")
        return self._reflect(turn, reply_key("checkin", "goals_reply", turn.clean))

    def _on_went_well(self, ctx: FlowContext, turn: Turn) -> list[Reply]:
        if not is_non_answer(turn.clean):  # "niks" is no success to sum up later
            ctx.data["went_well"] = turn.clean[:MAX_TEXT]
        advance(ctx, "next_step")
        return self._reflect(turn, reply_key("checkin", "went_well_reply", turn.clean))

    def _on_next_step(self, ctx: FlowContext, turn: Turn) -> list[Reply]:
        if is_non_answer(turn.clean):  # "weet ik niet" is no step, so no date to ask
            return [Reply(say("checkin", "next_step_none")), *self._finish(ctx)]
        ctx.data["next_step"] = turn.clean[:MAX_TEXT]
        advance(ctx, "next_date")
        return self._reflect(turn, "next_step_reply")

    def _on_next_date(self, ctx: FlowContext, turn: Turn) -> list[Reply]:
        text = turn.clean
        if text.lower() != say("checkin", "no_date").lower() and turn.intent != "deny":
            ctx.data["next_step_date"] = self._date(ctx, text)
        return self._finish(ctx)

    def _on_interval(self, ctx: FlowContext, turn: Turn) -> list[Reply]:
        weeks = choice(turn.clean, {"4": ("4", "vier"), "5": ("5", "vijf"), "6": ("6", "zes")})
        if not weeks:
            return [Reply(say("checkin", "interval_unclear"))]
        ctx.data["weeks"] = int(weeks)
        advance(ctx, "daypart")
        return [Reply(say("checkin", "interval_reply", weeks=weeks))]

    def _on_daypart(self, ctx: FlowContext, turn: Turn) -> list[Reply]:
        part = choice(turn.clean, {"ochtend": ("ochtend", "morgens", "ochtends"), "middag": ("middag",),
                                   "avond": ("avond",)})
        if not part:
            return [Reply(say("checkin", "daypart_unclear"))]
        reminders.set_daypart(ctx.db, ctx.chat_id, part)
        users.update_settings(ctx.db, ctx.chat_id, checkin_weeks=int(ctx.data.get("weeks") or 4))
        ctx.step = DONE
        return [self._plan_next(ctx)]

    # --- the end ---------------------------------------------------------------------

    def _finish_step(self, ctx: FlowContext) -> str:
        return "_finish"

    def _finish(self, ctx: FlowContext) -> list[Reply]:
        data = ctx.data
        checkin_id = checkins.add_checkin(
            ctx.db, ctx.chat_id, ctx.now,
            mood=data.get("mood"), energy=data.get("energy"), confidence=data.get("confidence"),
            regie=data.get("regie"),
            goals_update=data.get("goals_update"), went_well=data.get("went_well"),
            next_step=data.get("next_step"), next_step_date=data.get("next_step_date"),
            summary=self._summary_text(ctx),
        )
        ctx.data["checkin_id"] = checkin_id
        advance(ctx, "check")  # the summary and "Klopt dit? Wil je iets toevoegen?"
        return []

    def _on_check(self, ctx: FlowContext, turn: Turn) -> list[Reply]:
        answer = check_answer(turn.clean) if ctx.step == "check" else (
            "fine" if is_non_answer(turn.clean) else "addition")
        if answer == "change":
            advance(ctx, "check_more")
            return []
        if answer == "fine":
            return self._after_check(ctx, [Reply(say("engine", "check_fine"))])
        addition = turn.clean[:MAX_TEXT]
        checkins.add_to_summary(ctx.db, ctx.chat_id, int(ctx.data.get("checkin_id") or 0),
                                say("checkin", "sum_added", text=addition))
        return self._after_check(ctx, [Reply(say("engine", "check_added", text=own_words(addition, limit=140)))])

    _on_check_more = _on_check

    def _after_check(self, ctx: FlowContext, replies: list[Reply]) -> list[Reply]:
        # The chart after each check-in with scores: seeing the line grow is part of the point.
        # Not after a crisis, when the scores were left out on purpose.
        data = ctx.data
        scored = data.get("energy") is not None or data.get("confidence") is not None
        chart = chart_replies(ctx.db, ctx.chat_id, card_dir(ctx.chat_id), ctx.tz, ctx.now) if scored else []
        replies = [*replies, Reply(say("checkin", "closing")), *chart]
        if data.get("first_time"):
            advance(ctx, "interval")
            return replies
        ctx.step = DONE
        return [*replies, self._plan_next(ctx)]

    def _summary_text(self, ctx: FlowContext) -> str:
        data = ctx.data
        parts = [say("checkin", "summary_intro")]
        mood = data.get("mood")
        if mood == "after_crisis":
            parts.append(say("checkin", "sum_after_crisis"))
        elif data.get("mood_text"):
            kind = data.get("mood_kind") if data.get("mood_kind") in ("negative", "positive", "mixed") else mood
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
            day = data.get("next_step_date")
            if day and re.fullmatch(r"\d{4}-\d{2}-\d{2}", day):
                parts.append(say("checkin", "sum_next_when", text=shorten(data["next_step"], MAX_QUOTE),
                                 day=self._day(dt.date.fromisoformat(day))))
            elif day:
                parts.append(say("checkin", "sum_next_when", text=shorten(data["next_step"], MAX_QUOTE), day=shorten(day, 30)))
            else:
                parts.append(say("checkin", "sum_next", text=shorten(data["next_step"], MAX_QUOTE)))
        if len(parts) <= 2 and not data.get("next_step"):
            parts.append(say("checkin", "sum_nothing"))
        return " ".join(parts)

    def _plan_next(self, ctx: FlowContext) -> Reply:
        weeks = ctx.data.get("weeks")
        rid = reminders.schedule_checkin(ctx.db, ctx.chat_id, ctx.now, ctx.tz, int(weeks) if weeks else None)
        row = reminders.get(ctx.db, rid) if rid else None
        if row is None:
            return Reply(say("checkin", "next_paused"))
        when = parse_iso(row["due_at"])
        assert when is not None
        return Reply(say("checkin", "next_planned", when=self._when(ctx, when)))

    # --- helpers --------------------------------------------------------------------------

    def _date(self, ctx: FlowContext, text: str) -> str:
        """An ISO date when the text is a day in the future, else the text itself (short)."""
        result = parse_meeting_time(text, ctx.now, ctx.tz)
        if result.moment is not None and not result.in_past:
            return result.moment.astimezone(ctx.tz).date().isoformat()
        return shorten(text, MAX_QUOTE)

    def _when(self, ctx: FlowContext, moment: dt.datetime) -> str:
        return format_dutch(moment, ctx.tz)

    def _day(self, day: dt.date) -> str:
        from actions.flows.timeline import format_day

        return format_day(day, weekday=True).rsplit(" ", 1)[0]

    @staticmethod
    def _buttons(*keys: str) -> list[tuple[str, str]]:
        return [(say("checkin", k), say("checkin", k)) for k in keys]
