"""First contact (what the bot does, consent, work situation, once the
optional count in anonymous figures) and erasure."""

from __future__ import annotations

import shutil
from typing import List

from actions.flows import figures
from actions.flows.base import DONE, Flow, FlowContext, Reply, Turn, advance
from regiecoach.config import get_settings
from regiecoach.storage import privacy, reminders, users
from regiecoach.texts import say

# Consent and erasure have consequences: the classifier's yes or no counts only
# when it is sure, so keyboard mashing ("asdfgh") gets the question again.
SURE = 0.7


def _yes_no(turn: Turn, yes_title: str, no_title: str) -> str:
    """'yes', 'no' or '' for an answer to the consent or erase question."""
    return turn.yes_no(SURE, yes_title, no_title)


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


class OnboardingFlow(Flow):
    name = "onboarding"
    first_step = "consent"
    needs_consent = False

    def start(self, ctx: FlowContext) -> List[Reply]:
        user = users.get_user(ctx.db, ctx.chat_id) or {}
        if user.get("consent") == "yes" and user.get("work_status") and not ctx.data.get("pending_flow"):
            if user.get("report_optin") is None:
                # Came in through another command before: the one question still open.
                ctx.step = figures.STEP
                return [Reply(say("onboarding", "welcome_back_short"))]
            ctx.step = DONE
            return [Reply(say("onboarding", "welcome_back")), menu()]
        ctx.step = "consent" if user.get("consent") != "yes" else "work_status"
        return [Reply(say("onboarding", "welcome"))]

    def ask(self, ctx: FlowContext) -> List[Reply]:
        if ctx.step == figures.STEP:
            return [figures.question()]
        if ctx.step == "consent":
            # What is stored, by whom, for how long; then the question (two texts, each short).
            return [Reply(say("onboarding", "consent_data")), Reply(say("onboarding", "consent_question"), buttons=[
                (say("onboarding", "consent_yes"), say("onboarding", "consent_yes")),
                (say("onboarding", "consent_no"), say("onboarding", "consent_no")),
            ])]
        options = ("work_employed", "work_contract_ended", "work_self_employed")
        return [Reply(say("onboarding", "work_status_question"),
                      buttons=[(say("onboarding", key), say("onboarding", key)) for key in options])]

    def handle(self, ctx: FlowContext, turn: Turn) -> List[Reply]:
        if ctx.step == "consent":
            answer = _yes_no(turn, say("onboarding", "consent_yes"), say("onboarding", "consent_no"))
            if answer == "yes":
                users.set_consent(ctx.db, ctx.chat_id, True, ctx.now)
                advance(ctx, "work_status")
                return [Reply(say("onboarding", "consent_given"))]
            if answer == "no":
                users.set_consent(ctx.db, ctx.chat_id, False, ctx.now)
                privacy.erase_user(ctx.db, ctx.chat_id, keep_user_row=True)
                ctx.step = DONE
                return [Reply(say("onboarding", "consent_declined"))]
            return [Reply(say("onboarding", "consent_unclear"))]
        if ctx.step == figures.STEP:
            answered = figures.take_answer(ctx, turn)
            return answered + [menu()] if ctx.step == DONE else answered

        status = _work_status(turn.clean)
        if not status:
            return [Reply(say("onboarding", "work_status_unclear"))]
        users.update_settings(ctx.db, ctx.chat_id, work_status=status)
        # The first coaching check-in (every 4 weeks by default; changeable in /herinneringen).
        reminders.schedule_checkin(ctx.db, ctx.chat_id, ctx.now, ctx.tz)
        ctx.step = DONE
        replies: List[Reply] = []
        if status != "employed":
            replies.append(Reply(say("onboarding", f"status_{status}")))
        pending = ctx.data.get("pending_flow")
        if pending and pending != self.name:
            # They came to do something: no extra question in the way now (asked at their next /start).
            ctx.switch_to = pending
        elif users.report_optin(ctx.db, ctx.chat_id) is None:
            ctx.step = figures.STEP
        else:
            replies.append(menu())
        return replies


def _work_status(text: str) -> str:
    lowered = text.lower()
    if lowered == say("onboarding", "work_employed").lower() or "dienst" in lowered or "werkgever" in lowered:
        return "employed"
    if lowered == say("onboarding", "work_contract_ended").lower() or "afgelopen" in lowered or "uwv" in lowered \
            or "geen contract" in lowered or "ww" in lowered.split():
        return "contract_ended"
    if lowered == say("onboarding", "work_self_employed").lower() or "zzp" in lowered or "zelfstandig" in lowered \
            or "eigen bedrijf" in lowered or "ondernemer" in lowered:
        return "self_employed"
    return ""


class EraseFlow(Flow):
    """/wissen: confirm, then erase everything about the user."""

    name = "erase"
    first_step = "confirm"
    needs_consent = False

    def ask(self, ctx: FlowContext) -> List[Reply]:
        return [Reply(say("onboarding", "erase_question"), buttons=[
            (say("onboarding", "erase_yes"), say("onboarding", "erase_yes")),
            (say("onboarding", "erase_no"), say("onboarding", "erase_no")),
        ])]

    def handle(self, ctx: FlowContext, turn: Turn) -> List[Reply]:
        answer = _yes_no(turn, say("onboarding", "erase_yes"), say("onboarding", "erase_no"))
        if answer == "yes":
            privacy.erase_user(ctx.db, ctx.chat_id)
            # Cards and exports are files outside the database.
            for folder in ("cards", "exports"):
                shutil.rmtree(get_settings().data_dir / folder / ctx.chat_id, ignore_errors=True)
            # erase_user left a durable marker: the bridge purges Rasa's tracker after this turn.
            ctx.step = DONE
            return [Reply(say("onboarding", "erase_done"))]
        if answer == "no":
            ctx.step = DONE
            return [Reply(say("onboarding", "erase_cancelled"))]
        return [Reply(say("onboarding", "consent_unclear"))]
