"""The validators every flow table may name: an open answer, an open answer
that goes on the card, a choice between buttons, a score from 0 to 10."""

from __future__ import annotations

import datetime as dt
import re
from typing import Callable

from actions.flows.answers import check_answer, is_non_answer, kind_of
from actions.flows.base import FlowContext, Reply, Turn
from actions.flows.registry import Verdict, accept, retry, validator
from actions.flows.table import Step, chosen_option
from regiecoach.dutch.dates import (
    ParseResult,
    combine,
    format_day,
    format_dutch,
    parse_meeting_time,
    parse_time_only,
)
from regiecoach.dutch.numbers import NUMBER_WORDS
from regiecoach.texts import say

MAX_TEXT = 2000  # a long story is kept whole; quotes and the card shorten it


@validator("answer")
def answer(ctx: FlowContext, turn: Turn, step: Step) -> Verdict:
    """Any answer to an open question. "niks" or "weet ik niet" is an answer
    too, but nothing to keep: the value is then None."""
    text = turn.clean[:MAX_TEXT]
    kind = kind_of(text)
    return accept(None if kind == "empty" else text, kind)


@validator("text")
def any_text(ctx: FlowContext, turn: Turn, step: Step) -> Verdict:
    """Any text, kept as typed (a proposal, the questions for the meeting)."""
    if turn.option:
        return retry()
    text = turn.clean[:MAX_TEXT]
    return accept(text, kind_of(text)) if text else retry()


@validator("open")
def open_answer(ctx: FlowContext, turn: Turn, step: Step) -> Verdict:
    """An answer that is kept as content (a goal, what I can do): "ja", "ok"
    or "nee, dat was het" is no content. Asked once more, with an example."""
    if turn.option:
        return retry()
    text = turn.clean[:MAX_TEXT]
    if is_non_answer(text):
        key = step.non_answer or step.retry
        return retry(Reply(say(step.content, key))) if key else retry()
    return accept(text, kind_of(text))


@validator("choice")
def choice(ctx: FlowContext, turn: Turn, step: Step) -> Verdict:
    """A button (its stable id), its title typed, or one of the option's words."""
    option_id = turn.option or chosen_option(turn.clean)
    if option_id in step.options:
        return accept(step.options[option_id].value)
    text = turn.clean.lower().strip(" .!?")
    for option in step.options.values():
        if option.id in step.buttons and text == say(step.content, option.id).lower():
            return accept(option.value)
    for option in step.options.values():
        if turn.intent and turn.intent in option.intents:
            return accept(option.value)
    # The longest word found decides: "niet gelukt" is not "gelukt".
    found = [(len(word), option.value) for option in step.options.values() for word in option.words
             if re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text)]
    if found:
        return accept(max(found, key=lambda pair: pair[0])[1])
    if step.default_option and text and not option_id:
        return accept(step.options[step.default_option].value)
    return retry()


def parse_score(text: str) -> int | None:
    """0-10 from "7", "een 7", "7/10", "zeven"."""
    clean = text.lower().strip()
    match = re.search(r"\b(10|[0-9])(?:\s*/\s*10)?\b", clean)
    if match and not re.search(r"\d{3,}|\d+[.,]\d", clean):
        return int(match.group(1))
    words = re.findall(r"[a-zé]+", clean)
    found = [NUMBER_WORDS[w] for w in words if w in NUMBER_WORDS and not (w == "een" and len(words) > 1)]
    return found[-1] if found else None


@validator("score")
def score(ctx: FlowContext, turn: Turn, step: Step) -> Verdict:
    """0 to 10; keeps `<collect>_lower` too, for "wat maakt dat het een 5 is en geen 3?"."""
    option_id = turn.option or chosen_option(turn.clean)
    value = int(option_id) if option_id and option_id.isdigit() else parse_score(turn.clean)
    if value is None or not 0 <= value <= 10:
        return retry()
    return Verdict(True, value, "neutral", extra={f"{step.collect}_lower": max(value - 2, 0)})



@validator("yes_no")
def yes_no(ctx: FlowContext, turn: Turn, step: Step) -> Verdict:
    """'yes' or 'no': a button (its option's value), or typed."""
    if turn.option in step.options:
        return accept(step.options[turn.option].value)
    for option in step.options.values():
        if turn.clean.lower().strip(" .!") == say(step.content, option.id).lower():
            return accept(option.value)
    answer = turn.yes_no()
    return accept(answer) if answer else retry()


# --- a meeting's date and time, over up to three questions ----------------------------
# They keep `when` (unknown / need_time / need_day / pending / yes / no) and
# when_date, when_time, when_pending with their texts for the next question.

UNKNOWN_RE = re.compile(
    r"\bweet (ik )?(het )?(echt |nu )?(nog )?niet\b|\bnog niet bekend\b|\bgeen idee\b|\bnog geen datum\b"
    r"|\bnog onbekend\b|\bis nog niet gepland\b"
)


def _said(step: Step, name: str, **values: object) -> Reply:
    return Reply(say(step.content, step.texts[name], **values))


def _unknown(turn: Turn, step: Step) -> bool:
    return bool(turn.option) or bool(UNKNOWN_RE.search(turn.clean.lower()))


def _pending(ctx: FlowContext, step: Step, moment: dt.datetime) -> Verdict:
    if moment <= ctx.now:
        return retry(_said(step, "past", when=format_dutch(moment, ctx.tz)))
    return accept("pending", when_pending=moment.isoformat(), when_pending_text=format_dutch(moment, ctx.tz))


DateReader = Callable[[FlowContext, Turn, Step, ParseResult], Verdict]


def _date_step(name: str) -> Callable[[DateReader], DateReader]:
    """Registers a validator of the date questions: "weet ik nog niet" (or its
    button) leaves the date open; any other answer is read as a date and time."""
    def register(read: DateReader) -> DateReader:
        @validator(name)
        def check(ctx: FlowContext, turn: Turn, step: Step) -> Verdict:
            if _unknown(turn, step):
                return accept("unknown", "empty")
            return read(ctx, turn, step, parse_meeting_time(turn.clean, ctx.now, ctx.tz))
        return read
    return register


@_date_step("when")
def when(ctx: FlowContext, turn: Turn, step: Step, result: ParseResult) -> Verdict:
    """A date, maybe with a time; only date-like text is read as one ("een uur" is no 13:00)."""
    if result.moment is None:
        if result.time_only:
            hour, minute = result.time_only
            return accept("need_day", when_time=[hour, minute], when_time_text=f"{hour:02d}:{minute:02d}")
        return retry(_said(step, "unclear"))
    if result.in_past:
        return retry(_said(step, "past", when=format_dutch(result.moment, ctx.tz, with_time=result.has_time)))
    if not result.has_time:
        day = result.moment.astimezone(ctx.tz).date()
        return accept("need_time", when_date=day.isoformat(), when_date_text=format_day(day))
    return _pending(ctx, step, result.moment)


@_date_step("when_time")
def when_time(ctx: FlowContext, turn: Turn, step: Step, result: ParseResult) -> Verdict:
    """The time on the day already given (or a whole new date and time)."""
    if result.moment is not None and result.has_time:
        if result.in_past:
            return retry(_said(step, "past", when=format_dutch(result.moment, ctx.tz)))
        return _pending(ctx, step, result.moment)
    time = parse_time_only(turn.clean)
    if time is None:
        return retry(_said(step, "unclear"))
    return _pending(ctx, step, combine(dt.date.fromisoformat(ctx.data["when_date"]), time, ctx.tz))


@_date_step("when_day")
def when_day(ctx: FlowContext, turn: Turn, step: Step, result: ParseResult) -> Verdict:
    """The day for the time already given."""
    if result.moment is None:
        return retry(_said(step, "unclear"))
    if result.has_time:
        return _pending(ctx, step, result.moment)
    hour, minute = ctx.data["when_time"]
    return _pending(ctx, step, combine(result.moment.astimezone(ctx.tz).date(), (hour, minute), ctx.tz))


@validator("when_confirm")
def when_confirm(ctx: FlowContext, turn: Turn, step: Step) -> Verdict:
    """"Klopt dat?": yes, no, or a corrected date and time straight away."""
    answer = yes_no(ctx, turn, step)
    if answer.ok:
        return answer
    result = parse_meeting_time(turn.clean, ctx.now, ctx.tz)
    if result.moment is not None and result.has_time and not result.in_past:
        return _pending(ctx, step, result.moment)
    return retry(_said(step, "unclear"))


# --- "Klopt dit? Wat wil je er nog aan toevoegen?" after a summary ---------------------

@validator("check")
def check(ctx: FlowContext, turn: Turn, step: Step) -> Verdict:
    """'fine' ("ja", "klopt", "nee, dat was het"), 'change' ("klopt niet": ask what), or
    'addition' (anything with content, kept under `addition`)."""
    if turn.option:
        return retry()
    answer = check_answer(turn.clean)
    if answer == "addition":
        return accept("addition", kind_of(turn.clean), addition=turn.clean[:MAX_TEXT])
    return accept(answer, "empty")


@validator("check_more")
def check_more(ctx: FlowContext, turn: Turn, step: Step) -> Verdict:
    """After "Wat wil je anders of erbij?": their words, or nothing after all."""
    if is_non_answer(turn.clean) or turn.option:
        return accept("fine", "empty")
    return accept("addition", kind_of(turn.clean), addition=turn.clean[:MAX_TEXT])
