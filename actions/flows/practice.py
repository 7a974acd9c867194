"""Practise saying what you can and can't do (issue 6). The steps are in
content/flows/practice.yml; here the table's validators and actions.

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

from actions.flows.answers import kind_of
from actions.flows.base import FlowContext, Reply, Turn
from actions.flows.registry import Verdict, accept, action, asker, goto, retry, validator
from actions.flows.table import Step, button_payload, step_buttons
from actions.practice_feedback import (
    SKILLS,
    SkillScores,
    analyse_attempt,
    analyse_turn,
    best_sentence,
    fragment_for,
    only_refuses,
)
from regiecoach.dutch.dates import format_dutch
from regiecoach.storage import meetings, parse_iso
from regiecoach.storage import practice as store
from regiecoach.texts import load, say

CONTENT = "practice"
SCENARIOS = ("s1", "s2", "s3", "s4", "s5", "s6")
ROLE_OF = {"s1": "bedrijfsarts", "s2": "bedrijfsarts", "s3": "leidinggevende",
           "s4": "leidinggevende", "s5": "leidinggevende", "s6": "bedrijfsarts"}
# The scenario that fits the next planned meeting.
SUGGEST_FOR = {"bedrijfsarts": "s1", "leidinggevende": "s4"}
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


def _scenario_order(ctx: FlowContext) -> list[str]:
    suggested = ctx.data.get("suggested")
    order = list(SCENARIOS)
    if suggested in order:
        order.remove(suggested)
        order.insert(0, suggested)
    return order


def _begin(ctx: FlowContext, scenario: str) -> list[Reply]:
    """Set up a fresh attempt of `scenario`; the opening line comes with the first role step."""
    suggested = ctx.data.get("suggested")
    opening_line = _pick(f"{scenario}_open", [ctx.data.get("last_open", "")])  # a retry opens differently
    ctx.data = {"scenario": scenario, "turns": [], "kinds": [], "lines": [opening_line], "turn_count": 0}
    if suggested:
        ctx.data["suggested"] = suggested
    return [Reply(_say("roleplay_start", title=_say(f"{scenario}_title"), setup=_say(f"{scenario}_setup"),
                       role=_say(f"who_{ROLE_OF[scenario]}")))]


# --- start and choice -----------------------------------------------------------

@action("practice.opening")
def opening(ctx: FlowContext, step: Step) -> list[Reply]:
    ctx.data = {}
    replies = [Reply(_say("intro"))]
    chosen = str((ctx.trigger or {}).get("scenario") or "")
    if chosen in SCENARIOS:
        goto(ctx, "rol1")
        return replies + _begin(ctx, chosen)
    meeting = meetings.next_meeting(ctx.db, ctx.chat_id, ctx.now)
    suggested = SUGGEST_FOR.get(str((meeting or {}).get("with_whom") or ""))
    if meeting and suggested:
        starts = parse_iso(meeting["starts_at"])
        assert starts is not None
        ctx.data["suggested"] = suggested
        replies.append(Reply(_say(
            "intro_suggest", when=format_dutch(starts, ctx.tz), who=_say(f"who_{meeting['with_whom']}"),
            title=_say(f"{suggested}_title"),
        )))
    return replies


@asker("practice.choose_question")
def choose_question(ctx: FlowContext, step: Step) -> list[Reply]:
    """The scenarios, the one that fits the next meeting first."""
    buttons = [(_say(f"{s}_title"), button_payload(s)) for s in _scenario_order(ctx)]
    return [Reply(_say("choose"), buttons=buttons)]


@validator("practice.scenario")
def scenario(ctx: FlowContext, turn: Turn, step: Step) -> Verdict:
    """A button, a number from 1 to 6, or (part of) a title."""
    if turn.option in SCENARIOS:
        return accept(turn.option)
    lowered = turn.clean.lower().strip(" .!")
    if lowered.isdigit() and 1 <= int(lowered) <= len(SCENARIOS):
        return accept(SCENARIOS[int(lowered) - 1])
    for option in SCENARIOS:
        title = _say(f"{option}_title").lower()
        if lowered == title or (len(lowered) >= 6 and lowered in title):
            return accept(option)
    return retry()


@action("practice.begin")
def begin(ctx: FlowContext, step: Step) -> list[Reply]:
    return _begin(ctx, str(ctx.data["scenario"]))


# --- in role -----------------------------------------------------------------------

@asker("practice.role_line")
def role_line(ctx: FlowContext, step: Step) -> list[Reply]:
    line = ctx.data["lines"][_step_number(ctx.step) - 1]
    return [Reply(f"{_role_label(ctx.data['scenario'])}: {line}")]


@action("practice.role_turn")
def role_turn(ctx: FlowContext, step: Step) -> list[Reply]:
    data = ctx.data
    text = str(data.pop("said"))
    data["turns"].append(text)
    number = len(data["turns"])
    data["turn_count"] = number
    scenario_id = data["scenario"]
    role = ROLE_OF[scenario_id]
    scores = analyse_turn(text)
    attempt = analyse_attempt(data["turns"])
    kind = _reaction(scenario_id, number, text, scores, attempt)
    data["kinds"].append(kind)
    data["closing"] = kind in ("close_good", "close_open")
    if data["closing"]:
        closing = _pick(f"{role}_{kind}", data["lines"])
        return [Reply(f"{_role_label(scenario_id)}: {closing}"), Reply(_say("end_roleplay"))]
    key = f"{scenario_id}_{kind}" if kind in ("push", "privacy_ok") else f"{role}_{kind}"
    data["lines"].append(_pick(key, data["lines"]))
    return []


def _reaction(scenario_id: str, number: int, text: str, scores: SkillScores, attempt: SkillScores) -> str:
    """What the other party does next. Three turns, a fourth when the user
    got angry or has not proposed anything yet."""
    if number >= MAX_TURNS or (number >= MIN_TURNS and scores.calm and attempt.proposal):
        return "close_good" if attempt.proposal else "close_open"
    if not scores.calm:
        return "angry"  # de-escalate first
    if number >= MIN_TURNS:
        return "invite"
    if scenario_id == "s3" and PRIVACY_BOUNDARY.search(text) and not (scores.examples or scores.both):
        return "privacy_ok"
    if scores.proposal:
        return "proposal"
    if scores.examples or scores.both:
        return "to_proposal" if attempt.both or number >= 2 else "example"
    if only_refuses(text):
        return "refusal"
    return "push"


@action("practice.back")
def back(ctx: FlowContext, step: Step) -> list[Reply] | None:
    """"terug" in role takes back the last answer, so the user can say it
    differently; before the first answer it goes back to the choice."""
    number = _step_number(ctx.step)
    if number > 1:
        ctx.data["turns"].pop()
        ctx.data["kinds"].pop()
        ctx.data["lines"].pop()
        ctx.data["turn_count"] = len(ctx.data["turns"])
        ctx.step = f"rol{number - 1}"
        return []
    if number == 1:
        suggested = ctx.data.get("suggested")
        ctx.data = {"suggested": suggested} if suggested else {}
        ctx.step = "choose"
        return []
    return None


# --- feedback -------------------------------------------------------------------------

@validator("practice.own_view")
def own_view(ctx: FlowContext, turn: Turn, step: Step) -> Verdict:
    """Their own view first; after an empty or negative one the feedback affirms the effort, no praise."""
    kind = kind_of(turn.clean)
    return accept(turn.clean, kind, hard=kind in ("empty", "negative"))


@action("practice.feedback")
def feedback(ctx: FlowContext, step: Step) -> list[Reply]:
    data = ctx.data
    turns: list[str] = data["turns"]
    scenario_id = data["scenario"]
    scores = analyse_attempt(turns)
    earlier = store.progress(ctx.db, ctx.chat_id)
    attempt_id = store.record_attempt(ctx.db, ctx.chat_id, scenario_id, scores.as_dict(), len(turns), ctx.now)

    hard = bool(data.get("hard"))
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
    second.append(_tip(scores, earlier["skill_counts"]))
    replies = [Reply(first), Reply(" ".join(second))]
    if scenario_id in ("s3", "s6"):
        replies.append(Reply(_say(f"{scenario_id}_fact")))

    # Keep the minimum: scores are stored, the role-play text is dropped.
    ctx.data = {"scenario": scenario_id, "attempt_id": attempt_id, "best": best_sentence(turns),
                "suggested": data.get("suggested"), "last_open": data["lines"][0]}
    return replies


def _tip(scores: SkillScores, earlier_counts: dict[str, int]) -> str:
    missing = scores.missing()
    if not missing:
        return _say("tip_all")
    # The weakest skill: missing now and shown least often before.
    weakest = min(missing, key=lambda s: (earlier_counts.get(s, 0), TIP_ORDER.index(s)))
    return _say(f"tip_{weakest}")


# --- after the feedback -------------------------------------------------------------------

@asker("practice.after_question")
def after_question(ctx: FlowContext, step: Step) -> list[Reply]:
    shown = [b for b in step_buttons(step)
             if b[1] != button_payload("btn_save") or (ctx.data.get("best") and not ctx.data.get("saved"))]
    return [Reply(_say("after_question"), buttons=shown)]


@action("practice.after")
def after(ctx: FlowContext, step: Step) -> list[Reply]:
    move = ctx.data.pop("next_move", None)
    if move == "again":
        return [Reply(_say("restart"))] + _begin(ctx, str(ctx.data.get("scenario") or "s1"))[1:]
    if move == "other":
        suggested = ctx.data.get("suggested")
        ctx.data = {"suggested": suggested} if suggested else {}
        ctx.data["next_move"] = move
        return []
    if move == "save":
        ctx.data["next_move"] = move
        return _save(ctx)
    ctx.data = {"next_move": "done"}
    return [Reply(_say("done"))]


def _save(ctx: FlowContext) -> list[Reply]:
    if ctx.data.get("saved"):
        return [Reply(_say("already_saved"))]
    best = ctx.data.get("best")
    if not best:
        return [Reply(_say("nothing_to_save"))]
    store.save_sentence(ctx.db, ctx.chat_id, int(ctx.data["attempt_id"]), best)
    ctx.data["saved"] = True
    return [Reply(_say("saved", sentence=best))]


