"""Runs flows: consent gate, drafts, resume, and the repairs every flow shares
(empty or very long input, "terug", "overslaan", a Werkwijzer question in
between, a button of another flow)."""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import asdict, replace
from typing import Any, Callable, Dict, List, Optional, Tuple

from sqlite_utils import Database

from actions.flows.answers import is_non_answer
from actions.flows.base import ASKED_AGAIN, DONE, Flow, FlowContext, Reply, Turn
from actions.flows.table import TableFlow, chosen_option
from regiecoach.commands import COMMANDS, parse_payload
from regiecoach.dutch.dates import extract_date
from regiecoach.storage import drafts, turns, users
from regiecoach.storage.db import transaction
from regiecoach.texts import say

# Every flow is a step table, content/flows/<flow>.yml, run by table.TableFlow.
FLOWS = ("onboarding", "erase", "meeting", "debrief", "practice", "checkin", "timeline", "listen", "figures")

# Which intent starts which flow.
INTENT_FLOWS: Dict[str, str] = {
    "start": "onboarding",
    "prepare_meeting": "meeting",
    "add_goal": "meeting",
    "meeting_debrief": "debrief",
    "practice": "practice",
    "checkin": "checkin",
    "show_timeline": "timeline",
    "delete_data": "erase",
    "privacy_choice": "figures",
}

# Long stories are welcome (the card shortens them); this is the bridge's own input cap.
MAX_ANSWER_CHARS = 2000
RESUME_STEP = "_resume"
BACK_WORDS = ("terug", "vorige", "vorige vraag", "ga terug", "ik wil iets aanpassen")
SKIP_WORDS = ("overslaan", "sla over", "skip", "volgende", "sla maar over")
QUESTION_START = re.compile(
    r"^(wat|hoe|mag|moet|wanneer|wie|waarom|welke|kan|kun|krijg|heb|is|ben|word|wordt|hoelang|hoeveel)\b",
    re.IGNORECASE,
)

STOP_WORDS = ("stop", "stoppen", "ik wil stoppen", "ik stop", "hou op", "kappen")
# "Klaar" can mean "stop" or "that is all I have to say". Read as `stop` by the
# classifier without certainty, it answers the question (the closing check reads
# it as "klopt"); every other `stop` stops the flow, draft kept.
DONE_WORDS = ("klaar", "ik ben klaar", "klaar hoor", "dat was het", "ik ben er klaar mee")
# Typed requests that start another flow mid-flow, when the classifier is this sure.
REQUEST_INTENTS = ("prepare_meeting", "meeting_debrief", "practice", "checkin", "show_timeline", "delete_data")
REQUEST_SURE = 0.85
REQUEST_WORDS = re.compile(r"\b(ik wil|wil ik|ik wou|kan ik|kunnen we|kun je|mag ik|laten we|graag|help me|liever)\b")
# Flows that keep their turns whatever is said (listening after a crisis).
STAY_IN = ("listen",)

_cache: Dict[str, Flow] = {}


def get_flow(name: str) -> Flow:
    if name not in _cache:
        if name not in FLOWS:
            raise KeyError(name)
        _cache[name] = TableFlow(name)
    return _cache[name]


def _context(db: Database, chat_id: str, flow: Flow, now: dt.datetime, tz: dt.tzinfo) -> FlowContext:
    draft = drafts.load_draft(db, chat_id, flow.name)
    if draft is None:
        return FlowContext(db=db, chat_id=str(chat_id), now=now, tz=tz, step=flow.first_step, data={})
    return FlowContext(db=db, chat_id=str(chat_id), now=now, tz=tz, step=draft["step"], data=draft["data"])


def _save(ctx: FlowContext, flow: Flow) -> None:
    if ctx.step == DONE:
        drafts.delete_draft(ctx.db, ctx.chat_id, flow.name)
    elif not flow.needs_consent or users.has_consent(ctx.db, ctx.chat_id):
        drafts.save_draft(ctx.db, ctx.chat_id, flow.name, ctx.step, ctx.data, ctx.now)


def once(db: Database, chat_id: str, key: Optional[str], call: str, now: dt.datetime,
         step: Callable[[], Tuple[List[Reply], Optional[str]]]) -> Tuple[List[Reply], Optional[str]]:
    """Run one step for one incoming message as one BEGIN IMMEDIATE
    transaction, at most once: `key` (the message's update key) is recorded
    in the same transaction as the step's writes. When Rasa runs the turn
    again (it died before saving its tracker, or the bridge asked again after
    an error), the step is not applied again: the first run's replies come back."""
    with transaction(db):
        done = turns.applied(db, chat_id, key, call) if key else None
        if done is not None:
            replies = [Reply(r["text"], [(title, payload) for title, payload in r["buttons"]], r["custom"])
                       for r in done["replies"]]
            return replies, done["running"]
        replies, running = step()
        if key and users.get_user(db, chat_id) is not None:  # nothing is kept of a user this step erased
            turns.record(db, chat_id, key, call, [asdict(r) for r in replies], running, now)
        return replies, running


def start(
    db: Database, chat_id: str, flow_name: str, now: dt.datetime, tz: dt.tzinfo, trigger: Optional[dict] = None,
    key: Optional[str] = None,
) -> Tuple[List[Reply], Optional[str]]:
    """Start (or offer to resume) a flow. Returns the intro replies and the
    name of the flow that is now running (onboarding first, without consent).
    `key` is the update key of the message that asked for it (see `once`)."""
    return once(db, chat_id, key, f"start:{flow_name}", now,
                lambda: _start(db, chat_id, flow_name, now, tz, trigger))


def _start(
    db: Database, chat_id: str, flow_name: str, now: dt.datetime, tz: dt.tzinfo, trigger: Optional[dict] = None
) -> Tuple[List[Reply], Optional[str]]:
    users.ensure_user(db, chat_id, now)
    flow = get_flow(flow_name)
    if flow.needs_consent and not users.has_consent(db, chat_id):
        onboarding = get_flow("onboarding")
        ctx = FlowContext(db=db, chat_id=str(chat_id), now=now, tz=tz, step=onboarding.first_step,
                          data={"pending_flow": flow_name}, trigger=dict(trigger or {}))
        replies = onboarding.start(ctx)
        _save(ctx, onboarding)
        return replies, onboarding.name
    existing = drafts.load_draft(db, chat_id, flow_name)
    if existing and existing["step"] not in (flow.first_step, RESUME_STEP) and not trigger:
        ctx = _context(db, chat_id, flow, now, tz)
        ctx.data["_resume_step"] = ctx.step
        ctx.step = RESUME_STEP
        _save(ctx, flow)
        return [], flow.name
    ctx = FlowContext(db=db, chat_id=str(chat_id), now=now, tz=tz, step=flow.first_step, data={},
                      trigger=dict(trigger or {}))
    replies = flow.start(ctx)
    return _finish_turn(ctx, flow, replies)


def ask(db: Database, chat_id: str, flow_name: str, now: dt.datetime, tz: dt.tzinfo) -> List[Reply]:
    """The question for the current step of the running flow."""
    flow = get_flow(flow_name)
    ctx = _context(db, chat_id, flow, now, tz)
    if ctx.step == RESUME_STEP:
        return [Reply(say("engine", "resume_question"), buttons=[
            (say("engine", "resume_continue"), say("engine", "resume_continue")),
            (say("engine", "resume_restart"), say("engine", "resume_restart")),
        ])]
    if ctx.step == DONE:
        return []
    replies = flow.ask(ctx)
    if replies and ctx.data.get(ASKED_AGAIN) == ctx.step:  # the second time: with a way out
        last = replies[-1]
        replies[-1] = Reply(f"{last.text}\n{flow.way_out(ctx)}", buttons=last.buttons, custom=last.custom)
    return replies


def handle(
    db: Database, chat_id: str, flow_name: str, turn: Turn, now: dt.datetime, tz: dt.tzinfo,
    key: Optional[str] = None,
) -> Tuple[List[Reply], Optional[str]]:
    """Process one answer. Returns the replies and the flow that runs next
    (None when the flow is finished). `key` is the update key of the
    message: an answer is applied once (see `once`)."""
    return once(db, chat_id, key, f"handle:{flow_name}", now,
                lambda: _handle(db, chat_id, flow_name, turn, now, tz))


def _handle(
    db: Database, chat_id: str, flow_name: str, turn: Turn, now: dt.datetime, tz: dt.tzinfo
) -> Tuple[List[Reply], Optional[str]]:
    flow = get_flow(flow_name)
    ctx = _context(db, chat_id, flow, now, tz)
    option = chosen_option(turn.clean)
    if option:  # a button of a flow table: its stable id, not its title
        turn = replace(turn, text="", option=option)
    text = turn.clean
    lowered = text.lower().strip(" .!")

    if text.startswith("/") and len(text) <= MAX_ANSWER_CHARS:
        target, trigger = parse_payload(text)
        if target in INTENT_FLOWS and (INTENT_FLOWS[target] != flow.name or trigger):
            if ctx.step == RESUME_STEP:  # not answered: the draft stays where it was
                ctx.step = ctx.data.pop("_resume_step", flow.first_step)
            _save(ctx, flow)
            if target == "add_goal":
                trigger["goals_only"] = True
            return _start(db, chat_id, INTENT_FLOWS[target], now, tz, trigger or None)
    if _means_stop(turn, lowered):  # before the resume question: "laat maar" is no "go on"
        return stop(db, chat_id, flow.name, now, tz), None
    if ctx.step == RESUME_STEP:
        if lowered.startswith(say("engine", "resume_restart").lower()[:8]) or lowered in ("opnieuw", "nieuw", "overnieuw"):
            drafts.delete_draft(db, chat_id, flow.name)
            ctx = FlowContext(db=db, chat_id=str(chat_id), now=now, tz=tz, step=flow.first_step, data={})
            return _finish_turn(ctx, flow, flow.start(ctx))
        ctx.step = ctx.data.pop("_resume_step", flow.first_step)
        if _resume_means_continue(lowered) and not turn.option:
            return _finish_turn(ctx, flow, [Reply(say("engine", "resumed"))])
        # Anything else answers the question they were at (an old button, a typed
        # answer): go on with it rather than drop what they said.
    if lowered in BACK_WORDS and flow.back(ctx):
        ctx.data.pop(ASKED_AGAIN, None)
        return _finish_turn(ctx, flow, [Reply(say("engine", "went_back"))])
    if lowered in SKIP_WORDS and flow.may_skip(ctx):
        ctx.data.pop(ASKED_AGAIN, None)
        return _finish_turn(ctx, flow, flow.skip(ctx))
    if _is_werkwijzer_question(turn) and ctx.step not in flow.question_steps:
        answer = turn.werkwijzer_text or ""
        return [Reply(answer), Reply(say("engine", "back_to_flow"))], flow.name
    if ctx.step not in flow.question_steps and flow.name not in STAY_IN:
        if turn.intent == "help" and turn.confidence >= REQUEST_SURE:
            return [Reply(say("engine", "help_in_flow", command=_command_for(flow.name)))], flow.name
        other = _other_request(flow, turn, now.date())
        if other:  # clearly another request: do that, keep this flow's draft for later
            _save(ctx, flow)
            return _start(db, chat_id, other, now, tz)

    asked, before = ctx.step, _answers(ctx.data)
    replies = (None if option else _repair(text, lowered)) or flow.handle(ctx, turn)
    if ctx.step != asked or ctx.switch_to or _answers(ctx.data) != before:
        ctx.data.pop(ASKED_AGAIN, None)
    elif ctx.data.get(ASKED_AGAIN) != asked:
        ctx.data[ASKED_AGAIN] = asked  # not understood: asked once more, with a way out
    else:  # a third time would be a loop: move on, or pause and keep the draft
        moved_on = flow.give_up(ctx)
        ctx.data.pop(ASKED_AGAIN, None)
        if moved_on is None:
            _save(ctx, flow)
            return replies + [Reply(say("engine", "paused", command=_command_for(flow.name)))], None
        replies = replies + moved_on
    return _finish_turn(ctx, flow, replies)


def _means_stop(turn: Turn, lowered: str) -> bool:
    """The user asks to stop: a typed stop word (also when the classifier missed
    it), or the classifier's `stop`, unless it is an unsure "klaar"."""
    if turn.option:
        return False
    if lowered in STOP_WORDS:
        return True
    return turn.intent == "stop" and not (lowered in DONE_WORDS and turn.confidence < REQUEST_SURE)


def _resume_means_continue(lowered: str) -> bool:
    """"Verder waar ik was", "ja", "ok": go on. A short yes or no is no answer to the old question."""
    continue_title = say("engine", "resume_continue").lower()
    return lowered.startswith(continue_title[:8]) or lowered.startswith("verder") or is_non_answer(lowered)


def _other_request(flow: Flow, turn: Turn, today: dt.date) -> Optional[str]:
    """The flow the user clearly asks for instead of answering ("ik wil mijn gesprek voorbereiden").
    A day ("volgende week", "dinsdag") answers a when-question, however the classifier reads it."""
    target = INTENT_FLOWS.get(turn.intent or "")
    if turn.intent not in REQUEST_INTENTS or turn.confidence < REQUEST_SURE or target == flow.name:
        return None
    # "Ik heb mijn gesprek voorbereid" answers a question; "ik wil mijn gesprek voorbereiden" asks.
    text = turn.clean.lower()
    if REQUEST_WORDS.search(text):
        return target
    return target if len(text.split()) <= 3 and extract_date(text, today)[0] is None else None


def _repair(text: str, lowered: str) -> List[Reply]:
    """The engine's own answer when the input is no answer for the flow (empty,
    too long, a command, "terug" or "overslaan" where that cannot be done)."""
    if not text:
        return [Reply(say("engine", "empty"))]
    if len(text) > MAX_ANSWER_CHARS:
        return [Reply(say("engine", "too_long", max=MAX_ANSWER_CHARS))]
    if text.startswith("/"):
        return [Reply(say("engine", "command_in_flow"))]
    if lowered in BACK_WORDS:
        return [Reply(say("engine", "cannot_go_back"))]
    if lowered in SKIP_WORDS:
        return [Reply(say("engine", "cannot_skip"))]
    return []


def stop(db: Database, chat_id: str, flow_name: str, now: dt.datetime, tz: dt.tzinfo) -> List[Reply]:
    """The user stopped: keep the draft (so they can continue) and say so."""
    flow = get_flow(flow_name)
    ctx = _context(db, chat_id, flow, now, tz)
    flow.on_stop(ctx)
    if ctx.step == DONE:
        drafts.delete_draft(db, chat_id, flow.name)
        return [Reply(say("engine", "stopped"))]
    _save(ctx, flow)
    if flow.needs_consent and users.has_consent(db, chat_id):
        return [Reply(say("engine", "stopped_saved"))]
    return [Reply(say("engine", "stopped"))]


def _answers(data: Dict[str, Any]) -> str:
    """What the flow has learnt so far, to tell "not understood" from "understood, same step"."""
    return json.dumps({k: v for k, v in data.items() if k not in ("_history", ASKED_AGAIN)}, sort_keys=True,
                      default=str)


def _command_for(flow_name: str) -> str:
    """The command that starts (and resumes) a flow, e.g. "/voorbereiden"."""
    for command, (payload, _) in COMMANDS.items():
        if INTENT_FLOWS.get(payload.lstrip("/")) == flow_name:
            return f"/{command}"
    return "/start"



def _is_werkwijzer_question(turn: Turn) -> bool:
    if turn.intent != "werkwijzer" or not turn.werkwijzer_text or turn.confidence < 0.7:
        return False
    text = turn.clean
    return text.endswith("?") or bool(QUESTION_START.match(text))


def _finish_turn(ctx: FlowContext, flow: Flow, replies: List[Reply]) -> Tuple[List[Reply], Optional[str]]:
    _save(ctx, flow)
    if ctx.switch_to:
        more, running = _start(ctx.db, ctx.chat_id, ctx.switch_to, ctx.now, ctx.tz, trigger=ctx.trigger or None)
        return replies + more, running
    if ctx.step == DONE:
        return replies, None
    return replies, flow.name
