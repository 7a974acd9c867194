"""/privacy: the separate, optional consent to be counted in the anonymous
figures for the organisation (`python -m bot report`). Also the last step of
onboarding, once. Without a yes nothing of the user is counted."""

from __future__ import annotations

from typing import List

from actions.flows.base import DONE, Flow, FlowContext, Reply, Turn
from regiecoach.storage import users
from regiecoach.texts import say

STEP = "figures"


def question() -> Reply:
    yes, no = say("figures", "answer_yes"), say("figures", "answer_no")
    return Reply(say("figures", "question"), buttons=[(yes, yes), (no, no)])


def _in_words(text: str) -> str:
    """'ik wil niet meetellen' -> 'no', 'tel me maar mee' -> 'yes', else ''."""
    words = text.lower().replace(",", " ").split()
    if not any(word.startswith("mee") for word in words):
        return ""
    return "no" if {"niet", "geen", "liever"} & set(words) else "yes"


def take_answer(ctx: FlowContext, turn: Turn) -> List[Reply]:
    """Store a clear yes or no and finish the step; anything else asks again."""
    from actions.flows.onboarding import _yes_no  # late: onboarding imports this module

    answer = _yes_no(turn, say("figures", "answer_yes"), say("figures", "answer_no")) or _in_words(turn.clean)
    if not answer:
        return [Reply(say("figures", "unclear"))]
    users.set_report_optin(ctx.db, ctx.chat_id, answer == "yes", ctx.now)
    ctx.step = DONE
    return [Reply(say("figures", "given" if answer == "yes" else "declined"))]


def export_line(choice: str | None) -> str:
    """The choice as one line of /mijngegevens."""
    key = {"yes": "export_yes", "no": "export_no"}.get(choice or "", "export_none")
    return say("figures", "export_line", choice=say("figures", key))


class FiguresFlow(Flow):
    name = "figures"
    first_step = STEP
    # Without consent to storage there is nothing to count: say so instead of
    # starting onboarding.
    needs_consent = False

    def start(self, ctx: FlowContext) -> List[Reply]:
        if not users.has_consent(ctx.db, ctx.chat_id):
            ctx.step = DONE
            return [Reply(say("figures", "no_storage"))]
        ctx.step = STEP
        current = users.report_optin(ctx.db, ctx.chat_id)
        return [Reply(say("figures", f"now_{current}"))] if current in ("yes", "no") else []

    def ask(self, ctx: FlowContext) -> List[Reply]:
        return [question()]

    def handle(self, ctx: FlowContext, turn: Turn) -> List[Reply]:
        return take_answer(ctx, turn)
