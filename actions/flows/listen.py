"""The listening mode after a crisis: the table's validators and actions.
Steps and texts are in content/flows/listen.yml and content/crisis.yml.
Nothing the user says here is stored; the draft only counts the turns."""

from __future__ import annotations

from typing import List

from actions.flows.answers import kind_of
from actions.flows.base import DONE, FlowContext, Reply, Turn
from actions.flows.registry import Verdict, accept, action, asker, validator
from actions.flows.table import Step


def _answer_to_the_question(turn: Turn) -> str:
    """'yes' or 'no' when the first answer replies to "denk je aan zelfmoord?"."""
    words = turn.clean.lower().strip(" .!").split()
    if turn.intent == "affirm" or (words and words[0] in ("ja", "jawel", "soms", "wel")):
        return "yes"
    if turn.intent == "deny" or (words and words[0] in ("nee", "neen", "niet")):
        return "no"
    return ""


@validator("listen.words")
def words(ctx: FlowContext, turn: Turn, step: Step) -> Verdict:
    """Whatever they say is heard: "Dat klinkt heel zwaar" only where it is, never after "hoi"."""
    return accept(turn.clean, kind_of(turn.clean))


@validator("listen.first")
def first(ctx: FlowContext, turn: Turn, step: Step) -> Verdict:
    said = _answer_to_the_question(turn)
    return accept(turn.clean, f"answer_{said}") if said else words(ctx, turn, step)


@asker("listen.nothing")
def nothing(ctx: FlowContext, step: Step) -> List[Reply]:
    return []


@action("listen.stop")
def stop(ctx: FlowContext, step: Step) -> List[Reply]:
    ctx.step = DONE  # nothing to resume later
    return []
