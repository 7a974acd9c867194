"""Flows as data: a flow is a step table in content/flows/<flow>.yml, in the
spirit of Rasa's flows.yml (an id, a description, steps that collect an
answer, run an action, branch with `next` conditions or `link` to another
flow). `TableFlow` runs any such table; the engine (engine.py) around it
keeps doing drafts, resume, "terug", "overslaan", Werkwijzer questions in
between, the consent gate and "never the same question a third time".

One step, one convention: a question step (`ask`) is answered, its
validator (by name) reads the answer, the value is kept under `collect`,
its `action` (by name) runs, its `reply` is said, and `next` picks the next
step. A step with only an `action` runs at once and moves on. Texts are keys
in content/<content>.yml, so an editor changes a question, a reply or a
branch without touching Python.

Conditions (`if:`) are small on purpose: `name`, `not name`,
`name == value` (also != < > <= >= and `in [a, b]`), joined by `and` / `or`.
Names are the flow's kept answers, plus `kind` (the kind of the answer just
given: empty, negative, mixed, positive, neutral) and `answer`.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple, Union

import yaml

from actions.flows.answers import own_words
from actions.flows.base import ASKED_AGAIN, DONE, Button, Flow, FlowContext, Reply, Turn, advance
from actions.flows.registry import ACTIONS, ASKERS, GOTO, VALIDATORS
from regiecoach.commands import intent_payload, parse_payload
from regiecoach.dutch.text import fold, shorten
from regiecoach.texts import CONTENT_DIR, load, say

FLOWS_DIR = CONTENT_DIR / "flows"
END = "END"
KINDS = ("empty", "negative", "mixed", "positive", "neutral")
LONG_ANSWER = 300  # a story, not an answer: acknowledged before the reflection
# A button of a flow table sends its stable id, never its title: /choose{"option":"<id>"}.
CHOOSE_INTENT = "choose"

# `next`, `ask` and `reply` are a step id / text key, or a list of {if, then} with a last {else}.
Branch = Union[str, List[Dict[str, Any]], None]


def button_payload(option: str) -> str:
    return intent_payload(CHOOSE_INTENT, option=option)


def step_buttons(step: Step) -> List[Button]:
    """The buttons of a step: titles from its content file, payloads its stable option ids."""
    if step.scale:
        return [(str(n), button_payload(str(n))) for n in range(11)]
    return [(say(step.content, option), button_payload(option)) for option in step.buttons]


def chosen_option(text: str) -> Optional[str]:
    """The option id in a button's payload, '/choose{"option":"later"}' -> 'later'."""
    intent, entities = parse_payload(text)
    option = entities.get("option") if intent == CHOOSE_INTENT else None
    return str(option) if option else None


@dataclass
class Option:
    id: str
    value: Any
    words: Tuple[str, ...] = ()
    intents: Tuple[str, ...] = ()


@dataclass
class Step:
    id: str
    description: str = ""
    collect: Optional[str] = None
    ask: Branch = None
    ask_action: Optional[str] = None
    values: Dict[str, str] = field(default_factory=dict)  # placeholder -> kept answer, for texts
    buttons: Tuple[str, ...] = ()
    options: Dict[str, Option] = field(default_factory=dict)
    default_option: Optional[str] = None
    validate: str = "answer"
    retry: Optional[str] = None
    non_answer: Optional[str] = None
    set: Dict[str, Any] = field(default_factory=dict)
    action: Optional[str] = None
    reply: Branch = None
    next: Branch = END
    link: Optional[str] = None
    skip: Union[bool, str] = False  # True, or "after_retry": once the question was not understood
    skip_next: Branch = None
    skip_say: Optional[str] = None
    skip_action: Optional[str] = None
    way_out: Optional[str] = None
    give_up_next: Branch = None
    give_up_say: Optional[str] = None
    question: bool = False  # its answers are questions themselves (no Werkwijzer interruption)
    scale: bool = False  # buttons 0 to 10
    texts: Dict[str, str] = field(default_factory=dict)  # more text keys a validator says (past, unclear, ...)
    content: str = ""  # the content file of its texts (the table's)

    @property
    def asks(self) -> bool:
        return bool(self.ask or self.ask_action)


@dataclass
class FlowTable:
    id: str
    description: str
    content: str
    steps: Dict[str, Step]
    first: str
    modules: Tuple[str, ...] = ()
    entry: str = ""  # the step a new run enters (may be an action step); `first` is its first question
    # Words that switch a mode at any question ("kort": the short version), with what they set and say.
    modes: List[Dict[str, Any]] = field(default_factory=list)
    on_back: Optional[str] = None  # an action after "terug" (e.g. to correct the answer just given)
    # Whether "terug" goes back a question; or the action that does it its own way
    # (it returns None when it cannot go back).
    back: Union[bool, str] = True
    needs_consent: bool = True
    on_stop: Optional[str] = None


_STEP_FIELDS = set(Step.__dataclass_fields__)


def _step(raw: Dict[str, Any], content: str) -> Step:
    raw = dict(raw)
    raw.setdefault("content", content)  # a step may take its texts from another content file
    unknown = set(raw) - _STEP_FIELDS - {"with"}
    if unknown:
        raise ValueError(f"step {raw.get('id')!r}: unknown keys {sorted(unknown)}")
    values = raw.pop("with", {}) or {}
    options: Dict[str, Option] = {}
    buttons = tuple(raw.pop("buttons", ()) or ())
    for option_id in buttons:
        options[option_id] = Option(option_id, option_id)
    for option_id, spec in (raw.pop("options", {}) or {}).items():
        spec = spec or {}
        options[option_id] = Option(option_id, spec.get("value", option_id), tuple(spec.get("words", ())),
                                    tuple(spec.get("intents", ())))
    if options and "validate" not in raw:
        raw["validate"] = "choice"
    return Step(values=dict(values), buttons=buttons, options=options, **raw)


def parse_table(raw: Dict[str, Any]) -> FlowTable:
    content = raw.get("content", raw["id"])
    steps = [_step(s, content) for s in raw["steps"]]
    modules = raw.get("python") or ()
    return FlowTable(
        id=raw["id"], description=raw.get("description", ""), content=content,
        steps={s.id: s for s in steps}, first=raw.get("first", raw.get("start", steps[0].id)),
        modules=tuple([modules] if isinstance(modules, str) else modules), entry=raw.get("start", steps[0].id),
        needs_consent=bool(raw.get("consent", True)), on_stop=raw.get("on_stop"),
        modes=list(raw.get("modes") or []), on_back=raw.get("on_back"), back=raw.get("back", True),
    )


@cache
def load_table(name: str) -> FlowTable:
    path: Path = FLOWS_DIR / f"{name}.yml"
    table = parse_table(yaml.safe_load(path.read_text(encoding="utf-8")))
    for module in table.modules:  # registers the table's validators and actions
        importlib.import_module(module)
    importlib.import_module("actions.flows.validators")
    return table


def table_names() -> List[str]:
    return sorted(p.stem for p in FLOWS_DIR.glob("*.yml"))


def _quote(value: Any) -> Any:
    """A kept answer in a text: never paste a long story back."""
    if value is None:
        return ""
    return shorten(value).strip(" .") if isinstance(value, str) else value


# --- conditions ----------------------------------------------------------------

_COMPARE = re.compile(r"^(?P<name>[a-z_][a-z0-9_]*)\s*(?P<op>==|!=|<=|>=|<|>|\bin\b)\s*(?P<value>.+)$")


def _literal(text: str) -> Any:
    text = text.strip()
    if text.startswith("[") and text.endswith("]"):
        return [_literal(part) for part in text[1:-1].split(",") if part.strip()]
    if text[:1] in "'\"" and text[-1:] == text[:1]:
        return text[1:-1]
    lowered = text.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if lowered in ("none", "null"):
        return None
    try:
        return int(text)
    except ValueError:
        return text


def _term(term: str, facts: Dict[str, Any]) -> bool:
    term = term.strip()
    if term.startswith("not "):
        return not _term(term[4:], facts)
    match = _COMPARE.match(term)
    if not match:
        return bool(facts.get(term))
    have, op, want = facts.get(match["name"]), match["op"], _literal(match["value"])
    if op == "in":
        return have in want
    if op in ("==", "!="):
        same = have == want or (have is not None and str(have) == str(want))
        return same if op == "==" else not same
    if have is None:
        return False
    try:
        left, right = float(have), float(want)
    except (TypeError, ValueError):
        return False
    return {"<": left < right, ">": left > right, "<=": left <= right, ">=": left >= right}[op]


def holds(condition: str, facts: Dict[str, Any]) -> bool:
    return any(all(_term(t, facts) for t in part.split(" and ")) for part in condition.split(" or "))


def resolve(branch: Branch, facts: Dict[str, Any]) -> Optional[str]:
    """A step id or text key from a plain value or an if/then/else list."""
    if branch is None or isinstance(branch, str):
        return branch
    for case in branch:
        if "else" in case:
            return str(case["else"])
        if holds(str(case["if"]), facts):
            return str(case["then"])
    return None


def branch_targets(branch: Branch) -> List[str]:
    """Every step id or text key a branch can give (for the table check)."""
    if branch is None:
        return []
    if isinstance(branch, str):
        return [branch]
    return [str(case.get("then", case.get("else"))) for case in branch]


# --- running a table -------------------------------------------------------------

def _said(facts: Dict[str, Any]) -> Optional[str]:
    """What the user said, to quote: the stored answer when it is their text, else
    what they typed (a validator may keep a kind, such as the mood, as its value)."""
    answer, typed = facts.get("answer"), facts.get("typed")
    if isinstance(answer, str) and (not isinstance(typed, str) or answer.lower() in typed.lower()
                                    or typed.startswith("/")):
        return answer
    return typed if isinstance(typed, str) and not typed.startswith("/") else None


class TableFlow(Flow):
    """A flow whose steps come from content/flows/<name>.yml."""

    def __init__(self, name: str) -> None:
        self.table = load_table(name)
        self.name = name
        self.first_step = self.table.first
        self.needs_consent = self.table.needs_consent
        self.question_steps = tuple(s.id for s in self.table.steps.values() if s.question)
        self.optional_steps = tuple(s.id for s in self.table.steps.values() if s.skip is True)

    # --- texts ---

    def text(self, key: str, ctx: FlowContext, step: Optional[Step] = None, kind: Optional[str] = None,
             facts: Optional[Dict[str, Any]] = None) -> str:
        """The text under `key` ("{kind}" in it is the answer's kind); with the answer's kind,
        its variant `<key>_<kind>` when there is one."""
        content = step.content if step else self.table.content
        key = key.replace("{kind}", kind or "neutral")
        if kind and f"{key}_{kind}" in load(content):
            key = f"{key}_{kind}"
        known = facts if facts is not None else ctx.data
        values = {name: _quote(known.get(slot)) for name, slot in (step.values if step else {}).items()}
        said = _said(facts) if facts is not None else None
        if said:
            values.setdefault("words", own_words(said))  # a reply may quote the answer: {words}
        text = say(content, key, **values)
        if facts is not None and len(str(facts.get("answer") or "")) > LONG_ANSWER and "long_answer" in load(content):
            text = f"{say(content, 'long_answer')} {text}"  # a story is acknowledged before the reflection
        return text

    def buttons(self, step: Step) -> List[Button]:
        return step_buttons(step)

    def facts(self, ctx: FlowContext, **more: Any) -> Dict[str, Any]:
        return {**ctx.data, **more}

    def _current(self, ctx: FlowContext) -> Optional[Step]:
        return self.table.steps.get(ctx.step)

    def _known(self, ctx: FlowContext) -> Step:
        """The current step; a draft from an older table (a step that is gone) starts at the first question."""
        if ctx.step not in self.table.steps:
            ctx.step = self.first_step
        return self.table.steps[ctx.step]

    # --- Flow API ---

    def start(self, ctx: FlowContext) -> List[Reply]:
        ctx.step = self.first_step
        return self.enter(ctx, self.table.entry, record=False)

    def ask(self, ctx: FlowContext) -> List[Reply]:
        if ctx.step == DONE:
            return []
        step = self._known(ctx)
        if step.ask_action:
            return ASKERS[step.ask_action](ctx, step) or []
        key = resolve(step.ask, self.facts(ctx))
        return [Reply(self.text(key, ctx, step), buttons=self.buttons(step))] if key else []

    def handle(self, ctx: FlowContext, turn: Turn) -> List[Reply]:
        step = self._known(ctx)
        mode = self._mode(ctx, turn)
        if mode is not None:
            return mode
        verdict = VALIDATORS[step.validate](ctx, turn, step)
        if not verdict.ok:
            if verdict.replies:
                return verdict.replies
            return [Reply(self.text(step.retry, ctx, step))] if step.retry else [Reply(say("engine", "unclear"))]
        if step.collect and verdict.value is not None:
            ctx.data[step.collect] = verdict.value
        ctx.data.update(verdict.extra)
        ctx.data.update(step.set)
        facts = self.facts(ctx, kind=verdict.kind, answer=verdict.value, typed=turn.clean)
        replies = list(verdict.replies)
        reply_key = resolve(step.reply, facts)
        if reply_key:
            replies.append(Reply(self.text(reply_key, ctx, step, kind=verdict.kind, facts=facts)))
        if step.action:
            replies += ACTIONS[step.action](ctx, step) or []
        target = ctx.data.pop(GOTO, None) or resolve(step.next, self.facts(ctx, kind=verdict.kind,
                                                                          answer=verdict.value))
        return replies + self.enter(ctx, target)

    def enter(self, ctx: FlowContext, target: Optional[str], record: bool = True) -> List[Reply]:
        """Go to `target`: run action steps on the way, stop at the next question (or the end)."""
        replies: List[Reply] = []
        for _ in range(len(self.table.steps) + 1):
            if target in (None, END, DONE):
                ctx.step = DONE
                return replies
            step = self.table.steps[str(target)]
            if step.asks:
                if record and not ctx.data.pop("_no_record", False):
                    advance(ctx, step.id)
                else:
                    ctx.step = step.id
                return replies
            if step.action:
                replies += ACTIONS[step.action](ctx, step) or []
            reply_key = resolve(step.reply, self.facts(ctx))
            if reply_key:
                replies.append(Reply(self.text(reply_key, ctx, step)))
            if step.link:
                ctx.switch_to = step.link
                ctx.step = DONE
                return replies
            target = ctx.data.pop(GOTO, None) or resolve(step.next, self.facts(ctx))
        raise RuntimeError(f"flow {self.name}: action steps loop")

    def _mode(self, ctx: FlowContext, turn: Turn) -> Optional[List[Reply]]:
        """"kort" at any question: the mode is set, said, and the same question comes again."""
        typed = fold(turn.clean)
        for mode in self.table.modes:
            wanted = mode.get("set") or {}
            if typed in mode.get("words", ()) and any(ctx.data.get(k) != v for k, v in wanted.items()):
                ctx.data.update(wanted)
                return [Reply(say(self.table.content, mode["say"]))] if mode.get("say") else []
        return None

    def back(self, ctx: FlowContext) -> bool:
        came_from = ctx.step
        if isinstance(self.table.back, str):
            return ACTIONS[self.table.back](ctx, self.table.steps[ctx.step]) is not None
        if not self.table.back or not super().back(ctx):
            return False
        if self.table.on_back:
            ctx.data["_came_from"] = came_from
            ACTIONS[self.table.on_back](ctx, self.table.steps[ctx.step])
            ctx.data.pop("_came_from", None)
        return True

    def may_skip(self, ctx: FlowContext) -> bool:
        step = self._current(ctx)
        if step is None:
            return False
        return step.skip is True or (step.skip == "after_retry" and ctx.data.get(ASKED_AGAIN) == ctx.step)

    def skip(self, ctx: FlowContext) -> List[Reply]:
        step = self._current(ctx)
        if step is None:
            return []
        replies = [Reply(self.text(step.skip_say, ctx, step))] if step.skip_say else []
        if step.skip_action:
            replies += ACTIONS[step.skip_action](ctx, step) or []
        facts = self.facts(ctx, kind="empty")
        target = ctx.data.pop(GOTO, None) or resolve(step.skip_next or step.next, facts)
        return replies + self.enter(ctx, target)

    def way_out(self, ctx: FlowContext) -> str:
        step = self._current(ctx)
        if step is not None and step.way_out:
            return self.text(step.way_out, ctx, step)
        return super().way_out(ctx)

    def give_up(self, ctx: FlowContext) -> Optional[List[Reply]]:
        step = self._current(ctx)
        if step is None:
            return None
        if step.give_up_next:
            replies = [Reply(self.text(step.give_up_say, ctx, step))] if step.give_up_say else []
            return replies + self.enter(ctx, resolve(step.give_up_next, self.facts(ctx, kind="empty")))
        if self.may_skip(ctx):
            return ([] if step.skip_say else [Reply(say("engine", "skipped"))]) + self.skip(ctx)
        return None

    def on_stop(self, ctx: FlowContext) -> None:
        if self.table.on_stop:
            ACTIONS[self.table.on_stop](ctx, self.table.steps[self.first_step])


# --- the table check ----------------------------------------------------------------

def problems(name: str) -> List[str]:
    """What is wrong with a table: a step, validator, action or text key it names that does not exist."""
    from actions.flows.engine import FLOWS  # late: the engine imports this module

    table = load_table(name)
    found: List[str] = []

    def need_text(key: Optional[str], where: str, content: str = table.content) -> None:
        if key and "{kind}" in key:
            for kind in KINDS:
                need_text(key.replace("{kind}", kind), where, content)
        elif key and key not in load(content):
            found.append(f"{name}.{where}: no text {key!r} in content/{content}.yml")

    def need_step(target: Optional[str], where: str) -> None:
        if target and target != END and target not in table.steps:
            found.append(f"{name}.{where}: no step {target!r}")

    for hook in (table.on_stop, table.on_back, table.back if isinstance(table.back, str) else None):
        if hook and hook not in ACTIONS:
            found.append(f"{name}: action {hook!r} is not registered")
    for mode in table.modes:
        need_text(mode.get("say"), "modes")
    need_step(table.first, "first")
    need_step(table.entry, "start")
    for step in table.steps.values():
        where = step.id
        for key in branch_targets(step.ask):
            need_text(key, f"{where}.ask", step.content)
        for key in branch_targets(step.reply):
            need_text(key, f"{where}.reply", step.content)
        for optional in (step.retry, step.non_answer, step.skip_say, step.way_out, step.give_up_say, *step.buttons):
            need_text(optional, where, step.content)
        for extra in step.texts.values():
            need_text(extra, f"{where}.texts", step.content)
        for branch in (step.next, step.skip_next, step.give_up_next):
            for target in branch_targets(branch):
                need_step(target, f"{where}.next")
        if step.asks and step.validate not in VALIDATORS:
            found.append(f"{name}.{where}: validator {step.validate!r} is not registered")
        for action_name in (step.action, step.skip_action):
            if action_name and action_name not in ACTIONS:
                found.append(f"{name}.{where}: action {action_name!r} is not registered")
        if step.ask_action and step.ask_action not in ASKERS:
            found.append(f"{name}.{where}: asker {step.ask_action!r} is not registered")
        if not step.asks and not step.action and not step.link and not isinstance(step.next, list) \
                and not step.reply:
            found.append(f"{name}.{where}: a step must ask, act, say, branch or link")
        if step.link and step.link not in FLOWS:
            found.append(f"{name}.{where}: no flow {step.link!r}")
        for key in _text_keys(step):
            # A reply may quote the answer just given as {words}; a question cannot.
            given = set(step.values) | ({"words"} if key not in branch_targets(step.ask) else set())
            missing = set(_placeholders(load(step.content).get(key))) - given
            if missing:
                found.append(f"{name}.{where}: text {key!r} needs {sorted(missing)} in `with`")
    return found


def _text_keys(step: Step) -> List[str]:
    keys = [*branch_targets(step.ask), *branch_targets(step.reply), *step.buttons]
    keys += [k for k in (step.retry, step.non_answer, step.skip_say, step.way_out, step.give_up_say) if k]
    return [k.replace("{kind}", kind) for k in keys for kind in (KINDS if "{kind}" in k else ("",))]


def _placeholders(entry: Any) -> List[str]:
    variants = entry if isinstance(entry, list) else [entry]
    return [name for text in variants if isinstance(text, str) for name in re.findall(r"{(\w+)}", text)]
