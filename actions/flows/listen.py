"""After a crisis: a listening mode of three turns. Every answer is reflected,
113 (0800-0113) and 112 are repeated, and the bot says honestly that it is a
computer program and that at 113 a person answers. No menus, no "daar kan ik
je niet mee helpen": the user's words are never sent down the normal paths.
Nothing the user says here is stored; the draft only counts the turns."""

from __future__ import annotations

from typing import List

from actions.flows.answers import is_non_answer, reply_key
from actions.flows.base import DONE, Flow, FlowContext, Reply, Turn
from regiecoach.texts import say

TURNS = 3
STEPS = tuple(f"listen{n}" for n in range(1, TURNS + 1))
MAX_QUOTE = 60


def _quote(text: str) -> str:
    text = " ".join(text.split()).strip(" .")
    return text if len(text) <= MAX_QUOTE else text[: MAX_QUOTE - 1].rsplit(" ", 1)[0] + "…"


def _answer_to_the_question(turn: Turn) -> str:
    """'yes' or 'no' when the first answer replies to "denk je aan zelfmoord?"."""
    words = turn.clean.lower().strip(" .!").split()
    if turn.intent == "affirm" or (words and words[0] in ("ja", "jawel", "soms", "wel")):
        return "yes"
    if turn.intent == "deny" or (words and words[0] in ("nee", "neen", "niet")):
        return "no"
    return ""


class ListenFlow(Flow):
    name = "listen"
    first_step = STEPS[0]
    needs_consent = False  # the crisis reply and what follows are for everyone
    question_steps = STEPS  # a question here is their words, not a Werkwijzer topic

    def ask(self, ctx: FlowContext) -> List[Reply]:
        return []  # every reply already ends with an invitation to say more

    def handle(self, ctx: FlowContext, turn: Turn) -> List[Reply]:
        number = STEPS.index(ctx.step) + 1 if ctx.step in STEPS else TURNS
        if number == 1 and _answer_to_the_question(turn):
            reply = say("crisis", f"listen_{_answer_to_the_question(turn)}")
        elif is_non_answer(turn.clean):
            reply = say("crisis", "listen_no_words")
        else:
            # "Dat klinkt heel zwaar" only where it is: never after "hoi".
            reply = say("crisis", reply_key("crisis", "listen_reflect", turn.clean), quote=_quote(turn.clean))
        if number >= TURNS:
            ctx.step = DONE
            return [Reply(reply), Reply(say("crisis", "listen_close"))]
        ctx.step = STEPS[number]
        return [Reply(reply), Reply(say("crisis", "listen_lines"))]

    def back(self, ctx: FlowContext) -> bool:
        return False

    def on_stop(self, ctx: FlowContext) -> None:
        ctx.step = DONE  # nothing to resume later
