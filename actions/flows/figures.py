"""/privacy: the separate, optional consent to be counted in the anonymous
figures for the organisation (`python -m bot report`). Also the last step of
onboarding, once. Without a yes nothing of the user is counted."""

from __future__ import annotations

from typing import List

from actions.flows.base import FlowContext, Reply, Turn
from actions.flows.registry import Verdict, accept, action, retry, validator
from actions.flows.table import Step
from regiecoach.storage import users
from regiecoach.texts import say


def _in_words(text: str) -> str:
    """'ik wil niet meetellen' -> 'no', 'tel me maar mee' -> 'yes', else ''."""
    words = text.lower().replace(",", " ").split()
    if not any(word.startswith("mee") for word in words):
        return ""
    return "no" if {"niet", "geen", "liever"} & set(words) else "yes"


@validator("figures.answer")
def answer(ctx: FlowContext, turn: Turn, step: Step) -> Verdict:
    """A clear yes or no (a button, typed, or "tel me maar mee"); anything else asks again."""
    if turn.option in step.options:
        return accept(step.options[turn.option].value)
    from actions.flows.onboarding import SURE  # late: onboarding's table links here

    answer = turn.yes_no(SURE, say("figures", "answer_yes"), say("figures", "answer_no")) or _in_words(turn.clean)
    return accept(answer) if answer else retry()


@action("figures.opening")
def opening(ctx: FlowContext, step: Step) -> List[Reply]:
    if not users.has_consent(ctx.db, ctx.chat_id):
        ctx.data["no_storage"] = True
        return [Reply(say("figures", "no_storage"))]
    current = users.report_optin(ctx.db, ctx.chat_id)
    return [Reply(say("figures", f"now_{current}"))] if current in ("yes", "no") else []


@action("figures.save")
def save(ctx: FlowContext, step: Step) -> List[Reply]:
    users.set_report_optin(ctx.db, ctx.chat_id, ctx.data.get("optin") == "yes", ctx.now)
    return []


def export_line(choice: str | None) -> str:
    """The choice as one line of /mijngegevens."""
    key = {"yes": "export_yes", "no": "export_no"}.get(choice or "", "export_none")
    return say("figures", "export_line", choice=say("figures", key))
