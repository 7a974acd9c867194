"""The validators every flow table may name: an open answer, an open answer
that goes on the card, a choice between buttons, a score from 0 to 10."""

from __future__ import annotations

import re

from actions.flows.answers import is_non_answer, kind_of
from actions.flows.base import FlowContext, Reply, Turn
from actions.flows.registry import Verdict, accept, retry, validator
from actions.flows.table import Step, chosen_option
from regiecoach.texts import say

MAX_TEXT = 2000  # a long story is kept whole; quotes and the card shorten it


@validator("answer")
def answer(ctx: FlowContext, turn: Turn, step: Step) -> Verdict:
    """Any answer to an open question. "niks" or "weet ik niet" is an answer
    too, but nothing to keep: the value is then None."""
    text = turn.clean[:MAX_TEXT]
    kind = kind_of(text)
    return accept(None if kind == "empty" else text, kind)


@validator("open")
def open_answer(ctx: FlowContext, turn: Turn, step: Step) -> Verdict:
    """An answer that is kept as content (a goal, what I can do): "ja", "ok"
    or "nee, dat was het" is no content. Asked once more, with an example."""
    if turn.option:
        return retry()
    text = turn.clean[:MAX_TEXT]
    if is_non_answer(text):
        key = step.non_answer or step.retry
        return retry(Reply(say(step.content, key))) if key else retry()
    return accept(text, kind_of(text))


@validator("choice")
def choice(ctx: FlowContext, turn: Turn, step: Step) -> Verdict:
    """A button (its stable id), its title typed, or one of the option's words."""
    option_id = turn.option or chosen_option(turn.clean)
    if option_id in step.options:
        return accept(step.options[option_id].value)
    text = turn.clean.lower().strip(" .!?")
    for option in step.options.values():
        if option.id in step.buttons and text == say(step.content, option.id).lower():
            return accept(option.value)
    for option in step.options.values():
        if turn.intent and turn.intent in option.intents:
            return accept(option.value)
        if any(re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text) for word in option.words):
            return accept(option.value)
    if step.default_option and text and not option_id:
        return accept(step.options[step.default_option].value)
    return retry()


NUMBER_WORDS = {"nul": 0, "een": 1, "één": 1, "twee": 2, "drie": 3, "vier": 4, "vijf": 5, "zes": 6,
                "zeven": 7, "acht": 8, "negen": 9, "tien": 10}


def parse_score(text: str) -> int | None:
    """0-10 from "7", "een 7", "7/10", "zeven"."""
    clean = text.lower().strip()
    match = re.search(r"\b(10|[0-9])(?:\s*/\s*10)?\b", clean)
    if match and not re.search(r"\d{3,}|\d+[.,]\d", clean):
        return int(match.group(1))
    words = re.findall(r"[a-zé]+", clean)
    found = [NUMBER_WORDS[w] for w in words if w in NUMBER_WORDS and not (w == "een" and len(words) > 1)]
    return found[-1] if found else None


@validator("score")
def score(ctx: FlowContext, turn: Turn, step: Step) -> Verdict:
    """0 to 10; keeps `<collect>_lower` too, for "wat maakt dat het een 5 is en geen 3?"."""
    option_id = turn.option or chosen_option(turn.clean)
    value = int(option_id) if option_id and option_id.isdigit() else parse_score(turn.clean)
    if value is None or not 0 <= value <= 10:
        return retry()
    return Verdict(True, value, "neutral", extra={f"{step.collect}_lower": max(value - 2, 0)})

