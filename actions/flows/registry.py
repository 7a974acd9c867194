"""Python validators and actions that the flow tables (content/flows/*.yml)
name. A table says `validate: score` or `action: checkin.finish`; the
function is registered here under that name with a decorator, so one engine
can run every table and a test can check that every name a table uses exists.

A validator reads the user's answer and returns a Verdict: accepted with a
value (kept in the draft under the step's `collect` name), or not understood
with the replies that say so. An action does the work of a step (store,
summarise, schedule) and returns what to say; it may pick the next step
with `goto`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Optional

from actions.flows.base import FlowContext, Reply, Turn

if TYPE_CHECKING:  # the table module imports this one
    from actions.flows.table import Step


@dataclass
class Verdict:
    """What a validator made of an answer."""

    ok: bool
    value: Any = None
    # The answer's kind ('empty', 'negative', 'mixed', 'positive', 'neutral'), for choosing a reply.
    kind: str = "neutral"
    replies: List[Reply] = field(default_factory=list)
    # More facts for the draft, e.g. the lower score for "een 5 en geen 3".
    extra: Dict[str, Any] = field(default_factory=dict)


Validator = Callable[[FlowContext, Turn, "Step"], Verdict]
Action = Callable[[FlowContext, "Step"], Optional[List[Reply]]]

VALIDATORS: Dict[str, Validator] = {}
ACTIONS: Dict[str, Action] = {}
# Actions that write the question of a step themselves (it needs data from storage).
ASKERS: Dict[str, Action] = {}


def validator(name: str) -> Callable[[Validator], Validator]:
    def register(fn: Validator) -> Validator:
        if name in VALIDATORS and VALIDATORS[name] is not fn:
            raise ValueError(f"validator {name!r} registered twice")
        VALIDATORS[name] = fn
        return fn
    return register


def action(name: str) -> Callable[[Action], Action]:
    def register(fn: Action) -> Action:
        if name in ACTIONS and ACTIONS[name] is not fn:
            raise ValueError(f"action {name!r} registered twice")
        ACTIONS[name] = fn
        return fn
    return register


def asker(name: str) -> Callable[[Action], Action]:
    def register(fn: Action) -> Action:
        if name in ASKERS and ASKERS[name] is not fn:
            raise ValueError(f"asker {name!r} registered twice")
        ASKERS[name] = fn
        return fn
    return register


def accept(value: Any, kind: str = "neutral", replies: Optional[List[Reply]] = None, **extra: Any) -> Verdict:
    return Verdict(True, value, kind, list(replies or []), dict(extra))


def retry(*replies: Reply) -> Verdict:
    """Not understood: these replies, and the same question once more."""
    return Verdict(False, replies=list(replies), kind="empty")


GOTO = "_goto"


def goto(ctx: FlowContext, step: str) -> None:
    """From an action: go to `step` instead of the table's `next`."""
    ctx.data[GOTO] = step
