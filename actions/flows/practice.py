"""Practise saying what you can and can't do (issue 6).

The bot plays the bedrijfsarts or the leidinggevende for three or four user
turns and reacts to what the user wrote (an example, a proposal, only "ik kan
niet", or anger). Then the user's own view first ("Hoe ging het volgens
jou?"), then feedback on four skills: affirm, quote a short fragment, one tip
for the weakest skill (no grades), and the choice to try again, pick another
scenario or save a good sentence for the conversation card.

The role-play text lives only in the draft (ctx.data) during the attempt and
is dropped when the feedback is given; the database keeps the scores and, if
the user asks, one sentence.
"""

from __future__ import annotations

import random
import re
from typing import Any

from actions.flows.answers import own_words, reply_key
from actions.flows.base import DONE, Flow, FlowContext, Reply, Turn
from actions.practice_feedback import (
    SKILLS,
    SkillScores,
    analyse_attempt,
    analyse_turn,
    best_sentence,
    fragment_for,
    only_refuses,
)
from regiecoach.storage import meetings
from regiecoach.storage import practice as store
from regiecoach.texts import load, say

CONTENT = "practice"
SCENARIOS = ("s1", "s2", "s3", "s4", "s5", "s6")
ROLE_OF = {"s1": "bedrijfsarts", "s2": "bedrijfsarts", "s3": "leidinggevende",
           "s4": "leidinggevende", "s5": "leidinggevende", "s6": "bedrijfsarts"}
# The scenario that fits the next planned meeting.
SUGGEST_FOR = {"bedrijfsarts": "s1", "leidinggevende": "s4"}
DONE_WORDS = ("klaar", "ik ben klaar", "nee, ik ben klaar",
              "nee", "stoppen", "niks", "niets", "dat was het", "ok", "oke", "oké", "genoeg")
MIN_TURNS = 3
MAX_TURNS = 4
ROLE_STEPS = tuple(f"rol{n}" for n in range(1, MAX_TURNS + 1))
# Which skill the quote shows, in order of preference.
QUOTE_ORDER = ("proposal", "examples", "both")
# When several skills are missing equally often, the tip goes to the first.
TIP_ORDER = ("calm", "examples", "both", "proposal")
# Scenario 3: the user keeps the diagnosis private (the right answer).
PRIVACY_BOUNDARY = re.compile(
    r"\bprive\b|\bprivé\b|\bhoef\b.*\bniet\b|\bwil\b.*\bniet\b.*\b(?:zeggen|vertellen|delen)\b|"
    r"\bliever niet\b|\bbedrijfsarts\b|\bmedisch\b|\bvoor mezelf\b|\bvertrouwelijk\b",
    re.IGNORECASE,
)


def _say(key: str, **values: Any) -> str:
    return say(CONTENT, key, **values)


def _variants(key: str) -> list[str]:
    entry = load(CONTENT)[key]
    return [str(item).strip() for item in entry] if isinstance(entry, list) else [str(entry).strip()]


def _pick(key: str, avoid: list[str]) -> str:
    """A variant of `key` that was not said yet in this attempt, if possible."""
    options = _variants(key)
    fresh = [line for line in options if line not in avoid]
    return random.choice(fresh or options)


def _role_label(scenario: str) -> str:
    return _say(f"role_{ROLE_OF[scenario]}")


def _step_number(step: str) -> int:
    return int(step[3:]) if step in ROLE_STEPS else 0


class PracticeFlow(Flow):
    name = "practice"
    first_step = "choose"
    # In role the user may well ask the other party something ("Wat verwacht je van mij?").
    question_steps = (*ROLE_STEPS, "own_view")
    optional_steps = ("own_view",)

    # --- start and choice -------------------------------------------------
    def start(self, ctx: FlowContext) -> list[Reply]:
        ctx.data = {}
        replies = [Reply(_say("intro"))]
        chosen = str((ctx.trigger or {}).get("scenario") or "")
        if chosen in SCENARIOS:
            return replies + self._begin(ctx, chosen)
        ctx.step = "choose"
        meeting = meetings.next_meeting(ctx.db, ctx.chat_id, ctx.now)
        suggested = SUGGEST_FOR.get(str((meeting or {}).get("with_whom") or ""))
        if meeting and suggested:
            from regiecoach.dutch.dates import format_dutch
            from regiecoach.storage import parse_iso

            starts = parse_iso(meeting["starts_at"])
            assert starts is not None
            ctx.data["suggested"] = suggested
            replies.append(Reply(_say(
                "intro_suggest", when=format_dutch(starts, ctx.tz), who=_say(f"who_{meeting['with_whom']}"),
                title=_say(f"{suggested}_title"),
            )))
        return replies

    def _scenario_order(self, ctx: FlowContext) -> list[str]:
        suggested = ctx.data.get("suggested")
        order = list(SCENARIOS)
        if suggested in order:
            order.remove(suggested)
            order.insert(0, suggested)
        return order

    def _match_scenario(self, ctx: FlowContext, text: str) -> str | None:
        lowered = text.lower().strip(" .!")
        if lowered.isdigit() and 1 <= int(lowered) <= len(SCENARIOS):
            return SCENARIOS[int(lowered) - 1]
        for scenario in SCENARIOS:
            title = _say(f"{scenario}_title").lower()
            if lowered == title or (len(lowered) >= 6 and lowered in title):
                return scenario
        return None

    def _begin(self, ctx: FlowContext, scenario: str) -> list[Reply]:
        """Set up a fresh attempt of `scenario`; the opening line comes from ask()."""
        suggested = ctx.data.get("suggested")
        opening = _pick(f"{scenario}_open", [ctx.data.get("last_open", "")])  # a retry opens differently
        ctx.data = {"scenario": scenario, "turns": [], "kinds": [], "lines": [opening]}
        if suggested:
            ctx.data["suggested"] = suggested
        ctx.step = "rol1"
        return [Reply(_say("roleplay_start", title=_say(f"{scenario}_title"), setup=_say(f"{scenario}_setup"),
                           role=_say(f"who_{ROLE_OF[scenario]}")))]

    # --- asking -------------------------------------------------------------
    def ask(self, ctx: FlowContext) -> list[Reply]:
        if ctx.step == "choose":
            order = self._scenario_order(ctx)
            buttons = [(_say(f"{s}_title"), _say(f"{s}_title")) for s in order]
            return [Reply(_say("choose"), buttons=buttons)]
        if ctx.step in ROLE_STEPS:
            scenario = ctx.data["scenario"]
            line = ctx.data["lines"][_step_number(ctx.step) - 1]
            return [Reply(f"{_role_label(scenario)}: {line}")]
        if ctx.step == "own_view":
            return [Reply(_say("ask_own_view"))]
        if ctx.step == "after":
            buttons = [(_say("btn_again"), _say("btn_again")), (_say("btn_other"), _say("btn_other"))]
            if ctx.data.get("best") and not ctx.data.get("saved"):
                buttons.append((_say("btn_save"), _say("btn_save")))
            buttons.append((_say("btn_done"), _say("btn_done")))
            return [Reply(_say("after_question"), buttons=buttons)]
        return []

    # --- handling -----------------------------------------------------------
    def handle(self, ctx: FlowContext, turn: Turn) -> list[Reply]:
        if ctx.step == "choose":
            scenario = self._match_scenario(ctx, turn.clean)
            if scenario is None:
                return [Reply(_say("choose_unclear"))]
            return self._begin(ctx, scenario)
        if ctx.step in ROLE_STEPS:
            return self._role_turn(ctx, turn.clean)
        if ctx.step == "own_view":  # elicit first: their view, reflected, before ours
            view = reply_key(CONTENT, "own_view", turn.clean)
            hard = view.endswith(("_empty", "_negative"))
            return [Reply(_say(view, words=own_words(turn.clean)))] + self._feedback(ctx, hard)
        if ctx.step == "after":
            return self._after(ctx, turn)
        ctx.step = DONE
        return []

    def _role_turn(self, ctx: FlowContext, text: str) -> list[Reply]:
        data = ctx.data
        data["turns"].append(text)
        number = len(data["turns"])
        scenario = data["scenario"]
        role = ROLE_OF[scenario]
        scores = analyse_turn(text)
        attempt = analyse_attempt(data["turns"])
        kind = self._reaction(scenario, number, text, scores, attempt)
        data["kinds"].append(kind)
        if kind in ("close_good", "close_open"):
            closing = _pick(f"{role}_{kind}", data["lines"])
            ctx.step = "own_view"
            return [Reply(f"{_role_label(scenario)}: {closing}"), Reply(_say("end_roleplay"))]
        key = f"{scenario}_{kind}" if kind in ("push", "privacy_ok") else f"{role}_{kind}"
        data["lines"].append(_pick(key, data["lines"]))
        ctx.step = f"rol{number + 1}"
        return []

    def _reaction(self, scenario: str, number: int, text: str, scores: SkillScores, attempt: SkillScores) -> str:
        """What the other party does next. Three turns, a fourth when the user
        got angry or has not proposed anything yet."""
        if number >= MAX_TURNS or (number >= MIN_TURNS and scores.calm and attempt.proposal):
            return "close_good" if attempt.proposal else "close_open"
        if not scores.calm:
            return "angry"  # de-escalate first
        if number >= MIN_TURNS:
            return "invite"
        if scenario == "s3" and PRIVACY_BOUNDARY.search(text) and not (scores.examples or scores.both):
            return "privacy_ok"
        if scores.proposal:
            return "proposal"
        if scores.examples or scores.both:
            return "to_proposal" if attempt.both or number >= 2 else "example"
        if only_refuses(text):
            return "refusal"
        return "push"

    # --- feedback -------------------------------------------------------------
    def _feedback(self, ctx: FlowContext, hard: bool = False) -> list[Reply]:
        """`hard`: their own view was empty or negative, so the opening affirms
        the effort instead of praising."""
        data = ctx.data
        turns: list[str] = data["turns"]
        scenario = data["scenario"]
        scores = analyse_attempt(turns)
        earlier = store.progress(ctx.db, ctx.chat_id)
        attempt_id = store.record_attempt(ctx.db, ctx.chat_id, scenario, scores.as_dict(), len(turns), ctx.now)

        well = [skill for skill in SKILLS if getattr(scores, skill)]
        first = _say("fb_affirm_hard" if hard else "fb_affirm")  # affirm first, always
        if well:
            first += "\n" + _say("fb_went_well", skills="\n".join(_say(f"well_{s}") for s in well))
        else:
            first = _say("fb_none") if hard else f"{first} {_say('fb_none')}"
        quote_skill = next((s for s in QUOTE_ORDER if getattr(scores, s)), None)
        if quote_skill:
            quote = fragment_for(turns, quote_skill)
            if quote:
                first += "\n" + _say("fb_quote", quote=quote)

        second = []  # no grades ("3 van de 4"): progress in words, then one tip
        if earlier["last"] is not None and scores.count() > earlier["last"]:
            second.append(_say("fb_progress_up"))
        second.append(self._tip(scores, earlier["skill_counts"]))
        replies = [Reply(first), Reply(" ".join(second))]
        if scenario in ("s3", "s6"):
            replies.append(Reply(_say(f"{scenario}_fact")))

        # Keep the minimum: scores are stored, the role-play text is dropped.
        ctx.data = {"scenario": scenario, "attempt_id": attempt_id, "best": best_sentence(turns),
                    "suggested": data.get("suggested"), "last_open": data["lines"][0]}
        ctx.step = "after"
        return replies

    def _tip(self, scores: SkillScores, earlier_counts: dict[str, int]) -> str:
        missing = scores.missing()
        if not missing:
            return _say("tip_all")
        # The weakest skill: missing now and shown least often before.
        weakest = min(missing, key=lambda s: (earlier_counts.get(s, 0), TIP_ORDER.index(s)))
        return _say(f"tip_{weakest}")

    # --- after the feedback ---------------------------------------------------
    def _after(self, ctx: FlowContext, turn: Turn) -> list[Reply]:
        lowered = turn.clean.lower().strip(" .!")
        scenario = ctx.data.get("scenario", "s1")
        if lowered.startswith(_say("btn_again").lower()[:7]) or lowered in ("opnieuw", "nog eens", "again"):
            return [Reply(_say("restart"))] + self._begin(ctx, scenario)[1:]
        if lowered.startswith(_say("btn_other").lower()[:6]) or "scenario" in lowered or "ander gesprek" in lowered:
            suggested = ctx.data.get("suggested")
            ctx.data = {"suggested": suggested} if suggested else {}
            ctx.step = "choose"
            return []
        if lowered.startswith("zin") or "bewaar" in lowered or "kaart" in lowered:
            return self._save(ctx)
        if lowered in DONE_WORDS or turn.intent == "deny":
            ctx.data = {}
            ctx.step = DONE
            return [Reply(_say("done"))]
        return [Reply(_say("after_unclear"))]

    def _save(self, ctx: FlowContext) -> list[Reply]:
        if ctx.data.get("saved"):
            return [Reply(_say("already_saved"))]
        best = ctx.data.get("best")
        if not best:
            return [Reply(_say("nothing_to_save"))]
        store.save_sentence(ctx.db, ctx.chat_id, int(ctx.data["attempt_id"]), best)
        ctx.data["saved"] = True
        return [Reply(_say("saved", sentence=best))]

    # --- repairs --------------------------------------------------------------
    def skip(self, ctx: FlowContext) -> list[Reply]:
        """"overslaan" at "Hoe ging het volgens jou?": straight to the feedback."""
        return self._feedback(ctx) if ctx.step == "own_view" else super().skip(ctx)

    def back(self, ctx: FlowContext) -> bool:
        """"terug" in role takes back the last answer, so the user can say it
        differently; before the first answer it goes back to the choice."""
        number = _step_number(ctx.step)
        if number > 1:
            ctx.data["turns"].pop()
            ctx.data["kinds"].pop()
            ctx.data["lines"].pop()
            ctx.step = f"rol{number - 1}"
            return True
        if number == 1:
            suggested = ctx.data.get("suggested")
            ctx.data = {"suggested": suggested} if suggested else {}
            ctx.step = "choose"
            return True
        return False
