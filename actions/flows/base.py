"""The building blocks every flow uses."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Tuple

from sqlite_utils import Database

from regiecoach.dutch.answers import yes_no
from regiecoach.texts import say

DONE = "done"
# In ctx.data: the step whose question was not understood once and is asked again.
ASKED_AGAIN = "_asked_again"

Button = Tuple[str, str]  # (title shown, payload sent back)


@dataclass
class Reply:
    """One message to the user. `custom` carries e.g. a document to send:
    {"document": {"path": "...", "filename": "gesprekskaart.pdf"}}."""

    text: str = ""
    buttons: Sequence[Button] = ()
    custom: Optional[Dict[str, Any]] = None


@dataclass
class Turn:
    """What the user sent this turn, as Rasa understood it."""

    text: str
    intent: Optional[str] = None
    confidence: float = 0.0
    werkwijzer_key: Optional[str] = None  # e.g. "werkwijzer/privacy"
    werkwijzer_text: Optional[str] = None  # the selected answer, if any

    @property
    def clean(self) -> str:
        return " ".join((self.text or "").split())

    def yes_no(self, sure: float = 0.0, yes_title: str = "", no_title: str = "") -> str:
        """'yes', 'no' or '' (see regiecoach.dutch.answers.yes_no)."""
        return yes_no(self.text, self.intent, self.confidence, sure, yes_title, no_title)


@dataclass
class FlowContext:
    """State handed to a flow for one step. Flows change `step` and `data`;
    the engine saves them as the draft afterwards."""

    db: Database
    chat_id: str
    now: dt.datetime  # aware, UTC
    tz: dt.tzinfo  # the user's local zone (Europe/Amsterdam by default)
    step: str
    data: Dict[str, Any] = field(default_factory=dict)
    trigger: Dict[str, Any] = field(default_factory=dict)  # e.g. {"reminder_id": 3}
    switch_to: Optional[str] = None  # set to start another flow after this one

    @property
    def local_now(self) -> dt.datetime:
        return self.now.astimezone(self.tz)


class Flow:
    """Base class. Subclasses set `name`, `first_step` and implement
    `ask` and `handle`; `start` may add an intro or pick another first step."""

    name: str = ""
    first_step: str = ""
    needs_consent: bool = True
    # Steps whose answers are themselves questions (so a question typed there
    # is an answer, not a Werkwijzer interruption).
    question_steps: Tuple[str, ...] = ()
    # Steps the user may skip with "overslaan".
    optional_steps: Tuple[str, ...] = ()

    def start(self, ctx: FlowContext) -> List[Reply]:
        ctx.step = self.first_step
        return []

    def ask(self, ctx: FlowContext) -> List[Reply]:
        raise NotImplementedError

    def handle(self, ctx: FlowContext, turn: Turn) -> List[Reply]:
        """Process the answer for ctx.step; set ctx.step to the next step or DONE."""
        raise NotImplementedError

    def skip(self, ctx: FlowContext) -> List[Reply]:
        """Called for "overslaan" on an optional step; default: next step
        as given by `next_step_after`."""
        ctx.step = self.next_step_after(ctx, ctx.step)
        return []

    def next_step_after(self, ctx: FlowContext, step: str) -> str:
        return DONE

    def may_skip(self, ctx: FlowContext) -> bool:
        """Whether "overslaan" works at the current step."""
        return ctx.step in self.optional_steps

    def way_out(self, ctx: FlowContext) -> str:
        """Added to a question the second time it is asked in a row."""
        return say("engine", "way_out_skip" if self.may_skip(ctx) else "way_out_stop")

    def give_up(self, ctx: FlowContext) -> Optional[List[Reply]]:
        """Instead of asking the same question a third time: move on with what
        we have (here: skip an optional step), or None to pause the flow."""
        if self.may_skip(ctx):
            return [Reply(say("engine", "skipped"))] + self.skip(ctx)
        return None

    def back(self, ctx: FlowContext) -> bool:
        """Go back one step to correct an answer. Return False if not possible."""
        history: List[str] = ctx.data.setdefault("_history", [])
        if not history:
            return False
        ctx.step = history.pop()
        return True

    def on_stop(self, ctx: FlowContext) -> None:
        """Called when the user stops; the draft is kept unless this deletes it."""


def advance(ctx: FlowContext, next_step: str) -> None:
    """Move to `next_step`, remembering where we were so "terug" works."""
    ctx.data.setdefault("_history", []).append(ctx.step)
    ctx.step = next_step


def propose_moment(ctx: FlowContext, moment: dt.datetime, past_text: str, pending_key: str,
                   confirm_step: str) -> List[Reply]:
    """A parsed meeting time: a moment in the past gets `past_text`; otherwise
    it is kept under `pending_key` and the flow moves on to confirm it."""
    if moment <= ctx.now:
        return [Reply(past_text)]
    ctx.data[pending_key] = moment.isoformat()
    advance(ctx, confirm_step)
    return []
