"""First contact and erasure: the tables' own validators and actions. The
steps and texts are in content/flows/onboarding.yml, content/flows/erase.yml
and content/onboarding.yml."""

from __future__ import annotations

import shutil
from typing import List

from actions.flows.base import FlowContext, Reply, Turn
from actions.flows.registry import Verdict, accept, action, asker, goto, retry, validator
from actions.flows.table import END, Step, step_buttons
from regiecoach.config import get_settings
from regiecoach.storage import privacy, reminders, users
from regiecoach.texts import say

# Consent and erasure have consequences: the classifier's yes or no counts only
# when it is sure, so keyboard mashing ("asdfgh") gets the question again.
SURE = 0.7


def menu() -> Reply:
    return Reply(
        say("onboarding", "ready"),
        buttons=[
            (say("onboarding", "menu_prepare"), "/prepare_meeting"),
            (say("onboarding", "menu_practice"), "/practice"),
            (say("onboarding", "menu_checkin"), "/checkin"),
            (say("onboarding", "menu_question"), "/help"),
        ],
    )


@validator("onboarding.sure_yes_no")
def sure_yes_no(ctx: FlowContext, turn: Turn, step: Step) -> Verdict:
    """A button, or yes / no typed; the classifier's affirm / deny only when it is sure."""
    if turn.option in step.options:
        return accept(step.options[turn.option].value)
    yes_title, no_title = (say(step.content, option) for option in step.buttons[:2])
    answer = turn.yes_no(SURE, yes_title, no_title)
    return accept(answer) if answer else retry()


@action("onboarding.opening")
def opening(ctx: FlowContext, step: Step) -> List[Reply]:
    user = users.get_user(ctx.db, ctx.chat_id) or {}
    if user.get("consent") == "yes" and user.get("work_status") and not ctx.data.get("pending_flow"):
        if user.get("report_optin") is None:
            # Came in through another command before: the one question still open.
            goto(ctx, "figures")
            return [Reply(say("onboarding", "welcome_back_short"))]
        goto(ctx, END)
        return [Reply(say("onboarding", "welcome_back")), menu()]
    ctx.data["has_consent"] = user.get("consent") == "yes"
    return [Reply(say("onboarding", "welcome"))]


@asker("onboarding.consent_question")
def consent_question(ctx: FlowContext, step: Step) -> List[Reply]:
    # What is stored, by whom, for how long; then the question (two texts, each short).
    return [Reply(say("onboarding", "consent_data")),
            Reply(say("onboarding", "consent_question"), buttons=step_buttons(step))]


@action("onboarding.save_consent")
def save_consent(ctx: FlowContext, step: Step) -> List[Reply]:
    if ctx.data.get("consent") == "yes":
        users.set_consent(ctx.db, ctx.chat_id, True, ctx.now)
    else:
        users.set_consent(ctx.db, ctx.chat_id, False, ctx.now)
        privacy.erase_user(ctx.db, ctx.chat_id, keep_user_row=True)
    return []


@action("onboarding.save_work_status")
def save_work_status(ctx: FlowContext, step: Step) -> List[Reply]:
    status = str(ctx.data["work_status"])
    users.update_settings(ctx.db, ctx.chat_id, work_status=status)
    # The first coaching check-in (every 4 weeks by default; changeable in /herinneringen).
    reminders.schedule_checkin(ctx.db, ctx.chat_id, ctx.now, ctx.tz)
    if ctx.data.get("pending_flow") == "onboarding":
        ctx.data.pop("pending_flow")
    ctx.data["ask_figures"] = users.report_optin(ctx.db, ctx.chat_id) is None
    return [Reply(say("onboarding", f"status_{status}"))] if status != "employed" else []


@action("onboarding.go_to_pending")
def go_to_pending(ctx: FlowContext, step: Step) -> List[Reply]:
    ctx.switch_to = str(ctx.data["pending_flow"])
    return []


@action("onboarding.menu")
def show_menu(ctx: FlowContext, step: Step) -> List[Reply]:
    return [menu()]


@action("onboarding.erase")
def erase(ctx: FlowContext, step: Step) -> List[Reply]:
    if ctx.data.get("erase") == "yes":
        privacy.erase_user(ctx.db, ctx.chat_id)
        # Cards and exports are files outside the database.
        for folder in ("cards", "exports"):
            shutil.rmtree(get_settings().data_dir / folder / ctx.chat_id, ignore_errors=True)
        # erase_user left a durable marker: the bridge purges Rasa's tracker after this turn.
    return []
