"""Preparing a meeting: the table's own validators and actions. The steps,
their order and their texts are in content/flows/meeting.yml and
content/meeting.yml: with whom, when, one or two goals, what I can and can't
do (with examples), energy, a proposal and questions; then a summary, the
conversation card and reminders. Every answer is stored at once. The short
version keeps to one goal, what I can and can't do, and one proposal."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Dict, List

from actions import card
from actions.calendar_ics import ics_replies
from actions.flows.answers import is_non_answer, own_words
from actions.flows.base import FlowContext, Reply, Turn
from actions.flows.registry import Verdict, accept, action, asker, goto, retry, validator
from actions.flows.table import END, Step, step_buttons
from regiecoach.dutch.dates import format_dutch
from regiecoach.dutch.roles import MEETING_ROLES
from regiecoach.dutch.text import clean_text, shorten
from regiecoach.storage import drafts, meetings, parse_iso
from regiecoach.storage.reminders import schedule_meeting_reminders
from regiecoach.texts import say

MAX_PHOTO_TEXT = 600  # the scherpe foto in the user's own words covers four things
# Trigger values that open one step for an existing meeting, outside a preparation.
SIDE_TRIGGERS = {"scherpe_foto": "photo_edit", "move_meeting": "when"}
SIDE_STEPS = ("edit_goal", "photo_edit")
MAX_GOALS = 2  # "één of twee doelen", as the Werkwijzer advises
PRIVACY_WHO = ("leidinggevende", "casemanager")
# Words that alone do not make a goal concrete ("een goed gesprek", "duidelijkheid").
VAGUE_WORDS = frozenset(
    """beter goed goede gesprek duidelijkheid duidelijk helder helderheid fijn fijne prettig prettige positief
    positieve rustig rust oke ok prima alles iets weten snappen begrip begrepen gehoord uitkomst resultaat
    ik wil een het de dat er is zijn worden word krijgen hebben hoop graag meer gewoon echt heel veel maken
    gaan samen we mijn me mij op over voor met en om te in van wat weer voel voelen voelt zo mogelijk
    eruit uit komen komt dingen zaken verder vooruit stap stappen""".split()
)
KEEP_WORDS = ("nee", "weet ik niet", "weet niet", "geen idee", "laat maar", "zo is het goed", "zo laten", "is goed")


def is_vague(goal: str) -> bool:
    words = re.findall(r"[a-zà-ÿ0-9]+", goal.lower())
    if len(goal.strip()) < 10:
        return True
    return all(word in VAGUE_WORDS for word in words)


def split_questions(text: str) -> List[str]:
    """One question per line or per question mark; at most five."""
    parts: List[str] = []
    for line in re.split(r"[\n;]+", text):
        pieces = re.findall(r"[^?]+\?|[^?]+$", line)
        parts.extend(p.strip(" -•*") for p in pieces if p.strip(" -•*"))
    return [clean_text(p) for p in parts if clean_text(p)][:5]


def schedule_reminders(ctx: FlowContext, meeting_id: int, starts_at: dt.datetime) -> bool:
    """Ask the reminders module for the meeting reminders; False when it is not there."""
    if schedule_meeting_reminders is None or starts_at <= ctx.now:
        return False
    schedule_meeting_reminders(ctx.db, ctx.chat_id, meeting_id, starts_at, ctx.now, ctx.tz)
    return True


def _meeting(ctx: FlowContext) -> Dict[str, Any]:
    return meetings.get_meeting(ctx.db, ctx.chat_id, ctx.data.get("meeting_id")) or {}


def _goal_count(ctx: FlowContext) -> int:
    meeting_id = ctx.data.get("meeting_id")
    return len(meetings.list_goals(ctx.db, ctx.chat_id, meeting_id)) if meeting_id else 0


def _privacy(ctx: FlowContext, text: str) -> List[Reply]:
    """The hint, once per preparation, when a diagnosis shows up in a meeting with the employer's side."""
    who = (_meeting(ctx).get("with_whom") or "").lower()
    if who in PRIVACY_WHO and not ctx.data.get("privacy_hinted") and card.mentions_diagnosis(text):
        ctx.data["privacy_hinted"] = True
        return [Reply(say("meeting", "privacy_hint"))]
    return []


def _stash(ctx: FlowContext) -> None:
    """Starting with a trigger replaces the draft: keep an unfinished preparation to restore after."""
    stash = drafts.load_draft(ctx.db, ctx.chat_id, "meeting")
    if stash and stash["step"] not in ("done", *SIDE_STEPS) and not stash["data"].get("_side") \
            and not stash["data"].get("edit_goal_id"):
        ctx.data["_stash"] = {"step": stash["step"], "data": stash["data"]}
    ctx.data["_side"] = True


def _unstash(ctx: FlowContext, replies: List[Reply]) -> List[Reply]:
    """After one step for an existing meeting: back to the unfinished preparation, or done."""
    stash = ctx.data.get("_stash")
    if stash:  # put the unfinished preparation back and carry on with it
        ctx.data = stash["data"]
        ctx.data["_no_record"] = True  # its "terug" history stays as it was
        goto(ctx, stash["step"])
        replies.append(Reply(say("meeting", "resume_other")))
    else:
        goto(ctx, END)
    return replies


# --- opening -----------------------------------------------------------------------

@action("meeting.opening")
def opening(ctx: FlowContext, step: Step) -> List[Reply]:
    edit_id = ctx.trigger.get("edit_goal_id")
    if edit_id:
        goal = meetings.get_goal(ctx.db, ctx.chat_id, edit_id)
        if goal is None:
            goto(ctx, END)
            return [Reply(say("meeting", "edit_goal_missing"))]
        _stash(ctx)
        ctx.data["edit_goal_id"] = int(goal["id"])
        goto(ctx, "edit_goal")
        return []
    side_step = SIDE_TRIGGERS.get(str(ctx.trigger.get("card_version") or ctx.trigger.get("reminder_action") or ""))
    if side_step:
        meeting = meetings.get_meeting(ctx.db, ctx.chat_id, ctx.trigger.get("meeting_id"))
        if meeting is None or meeting.get("status") == "cancelled":
            goto(ctx, END)
            return [Reply(say("scherpe_foto", "no_meeting"))]
        _stash(ctx)
        ctx.data["meeting_id"] = int(meeting["id"])
        ctx.data["who_text"] = card.who_label(meeting.get("with_whom"))
        ctx.data["moving"] = side_step == "when"
        goto(ctx, side_step)
        return []
    # "add_goal" starts with a trigger, which would replace an unfinished preparation: carry on with it instead.
    draft = drafts.load_draft(ctx.db, ctx.chat_id, "meeting") if ctx.trigger else None
    if draft and draft["step"] not in ("done", "who", "_resume", *SIDE_STEPS, "use_existing") \
            and not draft["data"].get("_side"):
        ctx.data = draft["data"]
        ctx.data["_no_record"] = True
        goto(ctx, draft["step"])
        return [Reply(say("meeting", "resume_draft"))]
    upcoming = meetings.next_meeting(ctx.db, ctx.chat_id, ctx.now)
    if upcoming:
        ctx.data["offer_meeting_id"] = int(upcoming["id"])
        goto(ctx, "use_existing")
        return []
    return [Reply(say("meeting", "intro"))]


@asker("meeting.existing_question")
def existing_question(ctx: FlowContext, step: Step) -> List[Reply]:
    meeting = meetings.get_meeting(ctx.db, ctx.chat_id, ctx.data.get("offer_meeting_id")) or {}
    when = parse_iso(meeting.get("starts_at"))
    text = say("meeting", "existing_offer", who=card.who_label(meeting.get("with_whom")),
               when=format_dutch(when, ctx.tz) if when else "")
    return [Reply(text, buttons=step_buttons(step))]


@action("meeting.use_existing")
def use_existing(ctx: FlowContext, step: Step) -> List[Reply]:
    if ctx.data.get("use_existing") != "yes":
        return [Reply(say("meeting", "intro"))]
    meeting_id = int(ctx.data["offer_meeting_id"])
    meeting = meetings.get_meeting(ctx.db, ctx.chat_id, meeting_id) or {}
    ctx.data["meeting_id"] = meeting_id
    ctx.data["who_text"] = card.who_label(meeting.get("with_whom"))
    ctx.data["goal_ids"] = [g["id"] for g in meetings.list_goals(ctx.db, ctx.chat_id, meeting_id)]
    ctx.data["goal_count"] = len(ctx.data["goal_ids"])
    # Goals for a meeting already prepared: only the goals, then the updated card.
    ctx.data["goals_only_done"] = meeting.get("status") in ("prepared", "done")
    if len(ctx.data["goal_ids"]) >= MAX_GOALS:
        goto(ctx, END)
        return [Reply(say("meeting", "existing_full"))]
    return []


# --- with whom -----------------------------------------------------------------------

@validator("meeting.who")
def who(ctx: FlowContext, turn: Turn, step: Step) -> Verdict:
    """A role button, "iemand anders", or a name or role typed."""
    if turn.option:
        if turn.option == "who_other":
            return accept("other")
        return accept(turn.option.removeprefix("who_")) if turn.option in step.options else retry()
    text = turn.clean.lower().strip(" .!")
    chosen = next((k for k in MEETING_ROLES if k in text or say("meeting", f"who_{k}").lower() == text), None)
    if chosen:
        return accept(chosen)
    if text == say("meeting", "who_other").lower() or text in ("anders", "iemand anders"):
        return accept("other")
    # A typed name or role that is not one of the buttons: take it as "someone else".
    # "ja", "ok" or "weet ik niet" is no name: ask again.
    if len(text) > 60 or not text or is_non_answer(text):
        return retry()
    return accept(clean_text(turn.clean))


@validator("meeting.who_other")
def who_other(ctx: FlowContext, turn: Turn, step: Step) -> Verdict:
    text = clean_text(turn.clean)
    if len(text) > 60:
        return retry(Reply(say("meeting", "too_long", max=60)))
    if not text or is_non_answer(text):
        return retry()
    return accept(next((k for k in MEETING_ROLES if k in text.lower()), text))


@action("meeting.save_who")
def save_who(ctx: FlowContext, step: Step) -> List[Reply]:
    with_whom = str(ctx.data["who"])
    if ctx.data.get("meeting_id") and meetings.get_meeting(ctx.db, ctx.chat_id, ctx.data["meeting_id"]):
        meetings.update_meeting(ctx.db, ctx.chat_id, ctx.data["meeting_id"], with_whom=with_whom)
    else:
        ctx.data["meeting_id"] = meetings.create_meeting(ctx.db, ctx.chat_id, with_whom, ctx.now)
    ctx.data["who_text"] = card.who_label(with_whom)
    return []


# --- when --------------------------------------------------------------------------------

@action("meeting.save_when")
def save_when(ctx: FlowContext, step: Step) -> List[Reply]:
    starts_at = dt.datetime.fromisoformat(ctx.data["when_pending"])
    meeting_id = int(ctx.data["meeting_id"])
    if ctx.data.get("moving"):  # a meeting moved from its calendar file: new time, reminders, updated file
        meetings.move_meeting(ctx.db, ctx.chat_id, meeting_id, starts_at)
        schedule_reminders(ctx, meeting_id, starts_at)
        replies = [Reply(say("calendar", "moved", when=format_dutch(starts_at, ctx.tz)))]
        replies += ics_replies(ctx.db, ctx.chat_id, meeting_id, ctx.tz, ctx.now)
        return _unstash(ctx, replies)
    meetings.update_meeting(ctx.db, ctx.chat_id, meeting_id, starts_at=starts_at)
    ctx.data["starts_at"] = starts_at.isoformat()
    return []


@action("meeting.no_date")
def no_date(ctx: FlowContext, step: Step) -> List[Reply]:
    if ctx.data.get("moving"):  # moving a planned meeting: it keeps its time
        return _unstash(ctx, [Reply(say("calendar", "move_kept"))])
    for key in ("when_pending", "when_date", "when_time"):
        ctx.data.pop(key, None)
    return [Reply(say("meeting", "when_unknown"))]


# --- goals ---------------------------------------------------------------------------------

@action("meeting.carried")
def carried(ctx: FlowContext, step: Step) -> List[Reply]:
    """What the user took along from the last look back, if there is room for a goal."""
    ctx.data.pop("carried_text", None)
    row = meetings.carried_goal(ctx.db, ctx.chat_id)
    if row and _goal_count(ctx) < MAX_GOALS and row["from_meeting_id"] != ctx.data.get("meeting_id"):
        ctx.data["carried_text"] = row["text"]
        ctx.data["carried_id"] = int(row["id"])
    return []


@action("meeting.take_carried")
def take_carried(ctx: FlowContext, step: Step) -> List[Reply]:
    meetings.use_carried_goal(ctx.db, ctx.chat_id, int(ctx.data["carried_id"]), ctx.now)
    if ctx.data.get("carried_taken") == "yes":
        goal_id = meetings.add_goal(ctx.db, ctx.chat_id, ctx.data["meeting_id"], str(ctx.data["carried_text"]),
                                    ctx.now)
        ctx.data["goal_quote"] = shorten(str(ctx.data["carried_text"]))
        ctx.data.setdefault("goal_ids", []).append(goal_id)
        ctx.data["goal_count"] = _goal_count(ctx)
    return []


@asker("meeting.goal_question")
def goal_question(ctx: FlowContext, step: Step) -> List[Reply]:
    replace = meetings.get_goal(ctx.db, ctx.chat_id, ctx.data.get("replace_goal_id"))
    if replace:
        return [Reply(say("meeting", "goal_replace", goal=shorten(replace["text"])))]
    key = "ask_goal_first" if _goal_count(ctx) == 0 else "ask_goal_next"
    return [Reply(say("meeting", key))]


def _store_goal(ctx: FlowContext, text: str) -> List[Reply]:
    """Keep a goal (or the corrected one after "terug"); a vague goal gets one follow-up."""
    text = clean_text(text)
    replies = _privacy(ctx, text)
    goal_ids: List[int] = ctx.data.setdefault("goal_ids", [])
    replace_id = ctx.data.pop("replace_goal_id", None)
    if replace_id and meetings.update_goal_text(ctx.db, ctx.chat_id, replace_id, text):
        goal_id = int(replace_id)
    else:
        goal_id = meetings.add_goal(ctx.db, ctx.chat_id, ctx.data["meeting_id"], text, ctx.now)
        goal_ids.append(goal_id)
    followed_up: List[int] = ctx.data.setdefault("vague_asked", [])
    ctx.data["vague"] = is_vague(text) and goal_id not in followed_up
    if ctx.data["vague"]:
        followed_up.append(goal_id)  # one follow-up per goal, never a second
    ctx.data["goal_count"] = _goal_count(ctx)
    ctx.data["goal_quote"] = shorten(text)
    return replies


@action("meeting.save_goal")
def save_goal(ctx: FlowContext, step: Step) -> List[Reply]:
    return _store_goal(ctx, str(ctx.data["goal"]))


@action("meeting.sharpen_goal")
def sharpen_goal(ctx: FlowContext, step: Step) -> List[Reply]:
    text = clean_text(str(ctx.data.pop("sharper", None) or ""))
    goal_id = ctx.data["goal_ids"][-1]
    replies = _privacy(ctx, text)
    ctx.data["vague"] = False
    lowered = text.lower().strip(" .!")
    if lowered in KEEP_WORDS or len(lowered) < 3:
        goal = meetings.get_goal(ctx.db, ctx.chat_id, goal_id) or {"text": ""}
        return replies + [Reply(say("meeting", "goal_kept", goal=shorten(goal["text"])))]
    meetings.update_goal_text(ctx.db, ctx.chat_id, goal_id, text)
    return replies + [Reply(say("meeting", "goal_saved", goal=shorten(text)))]


@action("meeting.goal_skipped")
def goal_skipped(ctx: FlowContext, step: Step) -> List[Reply]:
    return [] if _goal_count(ctx) else [Reply(say("meeting", "no_goal_yet"))]


@validator("meeting.more_goals")
def more_goals(ctx: FlowContext, turn: Turn, step: Step) -> Verdict:
    """Another goal? "ja", "nee", or a new goal typed straight away (that counts as "ja" plus the goal)."""
    if turn.option in step.options:
        return accept(step.options[turn.option].value)
    text = turn.clean.lower().strip(" .!")
    if text == say("meeting", "more_no").lower():
        return accept("no")
    if text == say("meeting", "more_yes").lower():
        return accept("yes")
    answer = turn.yes_no()
    if answer:
        return accept(answer)
    if len(text) >= 10:
        return Verdict(True, "typed", replies=_store_goal(ctx, turn.clean))
    return retry()


# --- what I can and can't do, energy, proposal, questions --------------------------------

def _statement(ctx: FlowContext, kind: str, field: str, key: str) -> List[Reply]:
    text = clean_text(str(ctx.data.get(key) or ""))
    replies = _privacy(ctx, text)
    meetings.set_statement(ctx.db, ctx.chat_id, ctx.data["meeting_id"], kind, ctx.now, **{field: text})
    return replies


def _statement_action(kind: str, field: str, slot: str) -> None:
    """Registers meeting.save_<slot>: the answer in `slot` becomes the `field` of the `kind` statement."""
    @action(f"meeting.save_{slot}")
    def save(ctx: FlowContext, step: Step) -> List[Reply]:
        return _statement(ctx, kind, field, slot)


for _kind, _field, _slot in (("can", "text", "can"), ("can", "example", "can_example"),
                             ("cannot", "text", "cannot"), ("cannot", "example", "cannot_example")):
    _statement_action(_kind, _field, _slot)


@action("meeting.save_energy")
def save_energy(ctx: FlowContext, step: Step) -> List[Reply]:
    text = clean_text(str(ctx.data.get("energy") or ""))
    replies = _privacy(ctx, text)
    meetings.set_energy(ctx.db, ctx.chat_id, ctx.data["meeting_id"], text)
    return replies


@validator("meeting.proposal")
def proposal(ctx: FlowContext, turn: Turn, step: Step) -> Verdict:
    if turn.option == "proposal_other":
        return accept("other")
    if turn.option in step.options:
        return accept(say("meeting", turn.option))
    text = clean_text(turn.clean)
    if text.lower() == say("meeting", "proposal_other").lower() or text.lower() in ("anders", "iets anders"):
        return accept("other")
    return accept(text) if text else retry()


@action("meeting.save_proposal")
def save_proposal(ctx: FlowContext, step: Step) -> List[Reply]:
    text = clean_text(str(ctx.data.get("proposal") or ""))
    replies = _privacy(ctx, text)
    meetings.set_proposal(ctx.db, ctx.chat_id, ctx.data["meeting_id"], text)
    ctx.data["proposal_quote"] = own_words(text)
    return replies


@action("meeting.save_questions")
def save_questions(ctx: FlowContext, step: Step) -> List[Reply]:
    text = str(ctx.data.get("questions") or "")
    replies = _privacy(ctx, text)
    meeting_id = ctx.data["meeting_id"]
    meetings.clear_questions(ctx.db, ctx.chat_id, meeting_id)  # answering again replaces, not adds
    for question in split_questions(text):
        meetings.add_question(ctx.db, ctx.chat_id, meeting_id, question, ctx.now)
    return replies


@action("meeting.finish")
def finish(ctx: FlowContext, step: Step) -> List[Reply]:
    if _meeting(ctx).get("status") != "done":
        meetings.update_meeting(ctx.db, ctx.chat_id, int(ctx.data["meeting_id"]), status="prepared")
    return []


@asker("meeting.check_question")
def check_question(ctx: FlowContext, step: Step) -> List[Reply]:
    return [Reply(f"{summary_text(ctx)}\n{say('engine', 'check')}")]


def summary_text(ctx: FlowContext) -> str:
    """The preparation in the user's own words."""
    meeting = _meeting(ctx)
    meeting_id = int(ctx.data["meeting_id"])
    who_label = card.who_label(meeting.get("with_whom"))
    starts_at = parse_iso(meeting.get("starts_at"))
    parts = [say("meeting", "summary_intro")]
    if starts_at:
        parts.append(say("meeting", "sum_who_when", who=who_label, when=format_dutch(starts_at, ctx.tz)))
    else:
        parts.append(say("meeting", "sum_who", who=who_label))
    goals = [own_words(g["text"]) for g in meetings.list_goals(ctx.db, ctx.chat_id, meeting_id)]
    if len(goals) == 1:
        parts.append(say("meeting", "sum_goal", text=goals[0]))
    elif goals:
        parts.append(say("meeting", "sum_goals", first=goals[0], second=goals[1]))
    for kind in ("can", "cannot"):
        rows = meetings.list_statements(ctx.db, ctx.chat_id, meeting_id, kind)
        if rows and rows[0].get("text"):
            parts.append(say("meeting", f"sum_{kind}", text=own_words(rows[0]["text"])))
    if meeting.get("proposal"):
        parts.append(say("meeting", "sum_proposal", text=own_words(meeting["proposal"])))
    questions = meetings.list_questions(ctx.db, ctx.chat_id, meeting_id)
    if questions:
        parts.append(say("meeting", "sum_question", text=own_words(questions[0]["text"])))
    return " ".join(parts)


@action("meeting.add_to_card")
def add_to_card(ctx: FlowContext, step: Step) -> List[Reply]:
    addition = ctx.data.get("addition")
    if ctx.data.get("check") == "addition" and addition:
        meetings.add_question(ctx.db, ctx.chat_id, int(ctx.data["meeting_id"]), clean_text(addition), ctx.now)
    return []


@action("meeting.send_card")
def send_card(ctx: FlowContext, step: Step) -> List[Reply]:
    return _send_card(ctx, [Reply(say("meeting", "prepared"))])


@action("meeting.finish_goals")
def finish_goals(ctx: FlowContext, step: Step) -> List[Reply]:
    who_label = card.who_label(_meeting(ctx).get("with_whom"))
    return _send_card(ctx, [Reply(say("meeting", "goals_added", who=who_label))], goals_only=True)


def _send_card(ctx: FlowContext, replies: List[Reply], goals_only: bool = False) -> List[Reply]:
    meeting_id = int(ctx.data["meeting_id"])
    if goals_only and _meeting(ctx).get("status") != "done":
        meetings.update_meeting(ctx.db, ctx.chat_id, meeting_id, status="prepared")
    starts_at = parse_iso(_meeting(ctx).get("starts_at"))
    replies.append(Reply(say("meeting", "card_intro")))
    replies.extend(card.card_replies(ctx.db, ctx.chat_id, meeting_id, tz=ctx.tz))
    if starts_at and schedule_reminders(ctx, meeting_id, starts_at) and not goals_only:
        replies.append(Reply(say("meeting", "reminders_set")))
    if starts_at and not goals_only:
        replies.extend(ics_replies(ctx.db, ctx.chat_id, meeting_id, ctx.tz, ctx.now))
    return replies


# --- one step for an existing meeting ------------------------------------------------------

@asker("meeting.edit_goal_question")
def edit_goal_question(ctx: FlowContext, step: Step) -> List[Reply]:
    goal = meetings.get_goal(ctx.db, ctx.chat_id, ctx.data.get("edit_goal_id")) or {"text": ""}
    return [Reply(say("meeting", "edit_goal_ask", goal=shorten(goal["text"])))]


@action("meeting.edit_goal")
def edit_goal(ctx: FlowContext, step: Step) -> List[Reply]:
    text = clean_text(str(ctx.data.get("edited") or ""))
    if not meetings.update_goal_text(ctx.db, ctx.chat_id, int(ctx.data.get("edit_goal_id") or 0), text):
        goto(ctx, END)
        return [Reply(say("meeting", "edit_goal_missing"))]
    return _unstash(ctx, [Reply(say("meeting", "edit_goal_done", goal=shorten(text)))])


@asker("meeting.photo_question")
def photo_question(ctx: FlowContext, step: Step) -> List[Reply]:
    return [Reply(say("scherpe_foto", "ask_edit"))]


@validator("meeting.photo_text")
def photo_text(ctx: FlowContext, turn: Turn, step: Step) -> Verdict:
    """The user's own words for the scherpe foto (four things: at most 600 characters)."""
    text = clean_text(turn.clean)
    if len(text) > MAX_PHOTO_TEXT:
        return retry(Reply(say("scherpe_foto", "too_long", max=MAX_PHOTO_TEXT)))
    if not text:
        return retry(Reply(say("scherpe_foto", "ask_edit")))
    return accept(text)


@action("meeting.save_photo")
def save_photo(ctx: FlowContext, step: Step) -> List[Reply]:
    text = str(ctx.data.pop("photo", ""))
    if text.lower().strip(" .!") in KEEP_WORDS or len(text) < 3:  # "laat maar": nothing to store
        return _unstash(ctx, [Reply(say("scherpe_foto", "kept"))])
    replies = _privacy(ctx, text)
    meetings.save_sharp_photo(ctx.db, ctx.chat_id, int(ctx.data["meeting_id"]), text, ctx.now)
    return _unstash(ctx, replies + [Reply(say("scherpe_foto", "saved"))])


@action("meeting.photo_kept")
def photo_kept(ctx: FlowContext, step: Step) -> List[Reply]:
    return _unstash(ctx, [Reply(say("scherpe_foto", "kept"))])


@action("meeting.back")
def back(ctx: FlowContext, step: Step) -> List[Reply]:
    """"terug" from the next question to a goal: correct that goal rather than add one."""
    ctx.data.pop("replace_goal_id", None)
    goal_ids = ctx.data.get("goal_ids") or []
    if ctx.step == "goal" and ctx.data.get("_came_from") in ("goal_more", "goal_concrete") and goal_ids:
        ctx.data["replace_goal_id"] = goal_ids[-1]
    return []

