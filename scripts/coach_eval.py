"""`make coach-eval`: scripted conversations through the real model and
action server, read turn by turn against MITI 4.2.1.

Starts Rasa and the action server on the CI model with their own data dir and
ports (like tests/conftest.py), talks through the same bridge as Telegram and
the local chat, and reports per flow and overall:

- open_q      open questions / all questions (a turn's stacked questions are one)
- refl_per_q  (turns with a reflection + turns with an affirmation) / turns with a question
- summaries   conversations whose flow ends with a summary in the user's words
              followed by "Klopt dit? Wat wil je er nog aan toevoegen?" / conversations that should
- readability mean Flesch-Douma (textstat, "nl") of the bot's messages of 8+ words
- max_repeat  the longest run of the same question in a row
- misfires    praise or thanks right after an empty or negative answer (the crisis
              reply with 113 is the safety protocol and not counted)

Writes results/coach_eval/<conversation>.md and results/coach_eval.md; the
last line printed is the one-line verdict. Not part of `make test` (it takes
a few minutes); the classifiers it uses are tested in
tests/test_coach_eval_classify.py.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import difflib
import os
import re
import shutil
import statistics
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import textstat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.bridge import Bridge, RasaClient  # noqa: E402
from bot.launcher import start_services  # noqa: E402
from regiecoach.commands import payload_for_typed  # noqa: E402
from regiecoach.config import get_settings  # noqa: E402
from regiecoach.storage import checkins, meetings, open_db, users  # noqa: E402
from scripts.coach_eval_classify import (  # noqa: E402
    answer_kind,
    has_check,
    is_affirmation,
    is_open_question,
    is_praise_or_thanks,
    is_prompt,
    is_question,
    is_reflection,
    is_summary,
    plain,
    sentences,
)
from tests.fakes import RecordingChannel  # noqa: E402

NOW = dt.datetime(2026, 11, 22, 9, 0, tzinfo=dt.timezone.utc)  # the action server's fixed clock
FIXED_NOW = {"REGIECOACH_NOW": NOW.isoformat()}
MIN_WORDS = 8  # as tests/test_readability.py: the formula needs sentences
ROLE_LINE = re.compile(r"^(Bedrijfsarts|Leidinggevende): ")
# Issue 13 point 2 asks reflections in these flows; onboarding asks consent and work status.
COACHING_FLOWS = ("checkin", "meeting", "debrief", "practice")
TARGETS = {"open_q": 0.70, "refl_per_q": 1.0, "readability": 65, "max_repeat": 2, "misfires": 0}

textstat.set_lang("nl")


# --- the conversations ------------------------------------------------------------------

Seed = Callable[..., None]


def consenting(db, chat_id: str) -> None:
    users.ensure_user(db, chat_id, NOW)
    users.set_consent(db, chat_id, True, NOW)
    users.update_settings(db, chat_id, work_status="employed")


def with_past_meeting(db, chat_id: str) -> None:
    """A meeting with the bedrijfsarts two days ago, with two goals, ready to look back on."""
    consenting(db, chat_id)
    meeting_id = meetings.create_meeting(db, chat_id, "bedrijfsarts", NOW - dt.timedelta(days=10),
                                         starts_at=NOW - dt.timedelta(days=2))
    meetings.add_goal(db, chat_id, meeting_id, "Afspreken hoeveel uur ik in december werk", NOW)
    meetings.add_goal(db, chat_id, meeting_id, "Uitleggen dat lang vergaderen nog niet lukt", NOW)


def with_last_checkin(db, chat_id: str) -> None:
    """A check-in five weeks ago with a step chosen: most check-ins are not the first."""
    consenting(db, chat_id)
    checkins.add_checkin(db, chat_id, NOW - dt.timedelta(weeks=5), mood="neutral", energy=4, confidence=5,
                         next_step="Mijn leidinggevende bellen over mijn uren")


@dataclass
class Script:
    name: str
    flow: str
    about: str
    lines: List[str]
    seed: Seed = consenting
    expects_summary: bool = True


LONG_STORY = (
    "Het is een lang verhaal. Ik werk al twaalf jaar bij hetzelfde bedrijf en ik vond mijn werk altijd leuk. "
    "Vorig jaar kreeg ik een nieuwe leidinggevende en toen werd alles anders. De druk werd hoger, er kwamen "
    "steeds meer taken bij en ik kreeg het gevoel dat niks meer goed genoeg was. Ik sliep slecht en op een "
    "ochtend kon ik gewoon niet meer opstaan. Sinds die tijd zit ik thuis. De eerste weken deed ik bijna niks. "
    "Nu wandel ik elke dag een half uur en dat helpt wel een beetje. Maar als ik aan mijn werk denk, krijg ik "
    "buikpijn. Mijn leidinggevende belt af en toe, maar ik weet nooit goed wat ik moet zeggen. De bedrijfsarts "
    "was wel aardig, maar het gesprek ging heel snel. Ik wil graag terug, maar niet naar hoe het was."
)

SCRIPTS: List[Script] = [
    Script("checkin_goed", "checkin", "Check-in, a good period (the second check-in: last time's step)", [
        "/checkin",
        "Dat is gelukt. We hebben afgesproken dat ik twee ochtenden begin",
        "Het gaat eigenlijk best goed. Ik slaap beter en ik wandel weer elke dag.",
        "7",
        "Ik wandel elke ochtend en ik slaap weer door",
        "6",
        "Mijn leidinggevende belt elke week en dat geeft rust",
        "Ik heb twee ochtenden op kantoor gewerkt en dat ging goed",
        "Ik ben naar de verjaardag van mijn zus geweest",
        "Mijn leidinggevende mailen over meer uren",
        "vrijdag",
        "Ja, dat klopt",
    ], seed=with_last_checkin),
    Script("checkin_wisselend", "checkin", "Check-in, a mixed period (the second check-in: last time's step)", [
        "/checkin",
        "Half. Ik heb haar gemaild, maar bellen durfde ik nog niet",
        "Wisselend. Sommige dagen gaat het beter, maar werken is nog heel zwaar.",
        "5",
        "Ik kan weer een uur lezen, maar daarna ben ik echt op",
        "4",
        "Ik weet niet of mijn werkgever snapt hoe het zit",
        "De wandeling lukte wel, het bellen met mijn werk niet",
        "Ik heb mijn mail bijgehouden",
        "Een collega bellen om bij te praten",
        "Geen datum",
        "Ik wil er nog bij zeggen dat ik bang ben voor het gesprek met de bedrijfsarts",
    ], seed=with_last_checkin),
    Script("checkin_zwaar", "checkin", "Check-in, a bad period (the second check-in: last time's step)", [
        "/checkin",
        "Niet gelukt, ik was te moe om te bellen",
        "Slecht. Ik slaap slecht en ik ben de hele dag moe.",
        "[1]",
        "2",
        "Ik kan bijna niks, alleen boodschappen lukt soms",
        "3",
        "Ik ben bang dat ik mijn baan kwijtraak",
        "Ik heb nog niks met mijn werk afgesproken",
        "niks eigenlijk",
        "Vroeger naar bed gaan",
        "morgen",
        "nee",
    ], seed=with_last_checkin),
    Script("checkin_niks", "checkin", "Check-in, a user who answers niks and weet ik niet", [
        "/checkin",
        "weet ik niet",
        "5",
        "weet ik niet",
        "6",
        "niks",
        "5",
        "niks",
        "niks",
        "weet ik niet",
        "weet ik niet",
        "nee",
    ]),
    Script("checkin_crisis", "checkin", "A crisis in the middle of a check-in, then the check-in again", [
        "/checkin",
        "Het gaat niet goed",
        "[1]",
        "1",
        "ik wil er niet meer zijn",
        "ik weet het allemaal niet meer",
        "mijn werk loopt vast en niemand snapt het",
        "ik heb 113 gebeld, ze waren aardig",
        "/checkin",
        "Opnieuw beginnen",
        "Iets beter. Ik heb met iemand van 113 gepraat en morgen ga ik naar de huisarts.",
        "[1]",
        "Ik heb mijn leidinggevende nog niet gesproken",
        "Dat ik 113 heb gebeld",
        "Morgen naar de huisarts",
        "morgen",
        "ja",
    ]),
    Script("checkin_lang_verhaal", "checkin", "Check-in, a long story", [
        "/checkin",
        LONG_STORY,
        "4",
        "Wandelen helpt, maar als ik aan werk denk zakt het weer",
        "3",
        "Ik wil wel terug naar mijn werk, maar niet naar hoe het was",
        "3",
        "Als mijn leidinggevende echt naar me luistert",
        "Ik heb nog niks met mijn leidinggevende afgesproken",
        "Elke dag een half uur wandelen",
        "Een brief schrijven aan mijn leidinggevende over wat ik nodig heb",
        "volgende week",
        "ja",
    ]),
    Script("checkin_weinig_energie", "checkin", "Check-in, a low-energy user with short answers", [
        "/checkin",
        "moe",
        "[1]",
        "2",
        "slecht geslapen",
        "4",
        "pff",
        "overslaan",
        "overslaan",
        "even rusten lukte",
        "rust nemen",
        "[1]",
        "ja",
    ]),
    Script("voorbereiden_vaag", "meeting", "Meeting preparation, a vague goal", [
        "/voorbereiden",
        "Leidinggevende",
        "volgende week dinsdag om 10 uur",
        "Ja",
        "Duidelijkheid",
        "Dat ik weet welke taken ik de komende maand doe",
        "Nee, verder",
        "Ik kan twee uur per dag mails doen",
        "Gisteren heb ik een uur mails beantwoord",
        "Lang vergaderen lukt niet",
        "Na een half uur vergaderen krijg ik hoofdpijn",
        "In de ochtend gaat het beter dan in de middag",
        "Minder uren en opbouwen",
        "Wie is mijn aanspreekpunt als het niet gaat?",
        "ja",
    ]),
    Script("voorbereiden_datum", "meeting", "Meeting preparation, off-script answers at the date step", [
        "/voorbereiden",
        "Bedrijfsarts",
        "ergens na de kerst denk ik",
        "als mijn man kan rijden",
        "geen idee eigenlijk",
        "Ik wil afspreken hoeveel uur ik ga werken",
        "Nee, verder",
        "Boodschappen doen lukt",
        "Gisteren ben ik naar de supermarkt gelopen",
        "Een hele dag achter een scherm lukt niet",
        "Na een uur scherm krijg ik hoofdpijn",
        "overslaan",
        "Thuiswerken",
        "overslaan",
        "Ik wil ook vragen of ik thuis kan werken",
        "nee",
    ]),
    Script("voorbereiden_werkwijzer", "meeting", "Meeting preparation, a Werkwijzer question in between", [
        "/voorbereiden",
        "Leidinggevende",
        "donderdag 3 december om 14 uur",
        "Ja",
        "Afspraken maken over mijn uren in januari",
        "Nee, verder",
        "Mag mijn werkgever vragen wat ik heb?",
        "Ik kan een paar uur per dag lezen en mailen",
        "Vorige week heb ik een rapport gelezen",
        "Telefoneren kost veel energie",
        "Na twee telefoontjes ben ik op",
        "s Ochtends heb ik meer energie",
        "Meer pauzes",
        "overslaan",
        "ja",
    ]),
    Script("terugblik_niet_gelukt", "debrief", "Debrief, a goal not reached", [
        "/terugblik",
        "Niet",
        "Mijn leidinggevende was er niet bij, dus niemand kon over mijn uren beslissen",
        "Deels",
        "Ik heb het gezegd, maar ze schreef het niet op",
        "Nee",
        "Dat de bedrijfsarts echt vroeg hoe mijn dag eruitziet",
        "We kijken over zes weken opnieuw naar mijn uren",
        "Ik neem mijn weekrooster mee, zodat ze ziet wanneer ik op ben",
        "weet ik nog niet",
        "ja",
    ], seed=with_past_meeting),
    Script("oefenen_weigeren", "practice", "Role play with only refusals", [
        "/oefenen",
        "Arts wil dat ik deels werk",
        "nee",
        "nee, dat gaat niet",
        "nee",
        "kan niet",
        "slecht",
        "Nee, ik ben klaar",
    ], expects_summary=False),
    Script("kennismaking", "onboarding", "Onboarding, another request at the work-status question", [
        "/start",
        "Ja, dat is goed",
        "ik wil mijn gesprek voorbereiden",  # goes straight there; the work status waits for the next /start
        "Bedrijfsarts",
        "weet ik nog niet",
        "stop",
        "/start",
        "In dienst bij een werkgever",
        "Nee, liever niet",
        "Inchecken",
        "Redelijk, het gaat met ups en downs",
        "6",
        "stop",
    ], seed=lambda db, chat_id: None, expects_summary=False),
]


# --- running them ------------------------------------------------------------------------------


@dataclass
class BotTurn:
    user: str  # what the user typed or pressed
    sent: str  # what went to Rasa (a button's payload, a command's payload)
    messages: List[Tuple[str, List[str]]] = field(default_factory=list)  # (text, button titles)


async def run_script(script: Script, settings, token: str) -> List[BotTurn]:
    db = open_db(settings.db_path)
    chat_id = f"eval-{script.name}"
    script.seed(db, chat_id)
    channel = RecordingChannel()
    rasa = RasaClient(settings.rasa_url, token, timeout=60)
    bridge = Bridge(db, rasa, channel, tracker_db=str(settings.tracker_db), min_interval=0)
    turns: List[BotTurn] = []
    keyboard: List[Tuple[str, str]] = []
    try:
        for n, line in enumerate(script.lines):
            pressed = re.fullmatch(r"\[(\d+)\]", line)  # "[1]": the first button, whatever its title
            if pressed and int(pressed.group(1)) <= len(keyboard):
                line = keyboard[int(pressed.group(1)) - 1][0]
            button = next((payload for title, payload in keyboard if title.lower() == line.lower()), None)
            if button is not None:
                sent, typed = button, ""
            else:
                sent, typed = payload_for_typed(line), line
            before = len(channel.delivered)
            await bridge.handle_text(chat_id, sent, f"eval:{script.name}:{n}", crisis_text=typed)
            turn = BotTurn(user=line, sent=sent)
            for _, message, _ in channel.delivered[before:]:
                titles = [title for title, _ in message.buttons]
                turn.messages.append((message.text or "", titles))
                if message.buttons:
                    keyboard = list(message.buttons)
            turns.append(turn)
    finally:
        await rasa.close()
        db.close()
    return turns


# --- reading the turns ----------------------------------------------------------------------------


@dataclass
class TurnCodes:
    question: Optional[str] = None  # the turn's (last) question
    open: bool = False
    reflection: bool = False
    affirmation: bool = False
    summary: bool = False
    check: bool = False
    misfire: int = 0
    answer: str = ""  # the kind of the user's answer this turn replies to


@dataclass
class Scores:
    questions: int = 0
    open: int = 0
    reflections: int = 0
    affirmations: int = 0
    summaries: int = 0
    summaries_expected: int = 0
    readability: List[float] = field(default_factory=list)
    max_repeat: int = 0
    misfires: int = 0
    closed: Counter = field(default_factory=Counter)  # which closed questions keep open_q down

    def add(self, other: Scores) -> None:
        self.closed.update(other.closed)
        for name in ("questions", "open", "reflections", "affirmations", "summaries", "summaries_expected",
                     "misfires"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.readability += other.readability
        self.max_repeat = max(self.max_repeat, other.max_repeat)

    @property
    def open_q(self) -> float:
        return self.open / self.questions if self.questions else 0.0

    @property
    def refl_per_q(self) -> float:
        return (self.reflections + self.affirmations) / self.questions if self.questions else 0.0

    @property
    def mean_readability(self) -> float:
        return statistics.mean(self.readability) if self.readability else 0.0


def coach_sentences(text: str) -> List[str]:
    """The coach's own sentences: role-play lines ("Bedrijfsarts: ...") are the other party."""
    if ROLE_LINE.match(text):
        return []
    return sentences(text)


def code_turns(turns: Sequence[BotTurn]) -> List[TurnCodes]:
    said: List[str] = []  # what the user said in their own words (no commands, no payloads)
    codes: List[TurnCodes] = []
    last_open = False
    for turn in turns:
        code = TurnCodes()
        if not turn.user.startswith("/"):
            said.append(turn.user)
            code.answer = answer_kind(turn.user, after_open_question=last_open)
        lines = [s for text, _ in turn.messages for s in coach_sentences(text)]
        asked = [s for s in lines if is_question(s)] or [s for s in lines if is_prompt(s)]
        if asked:
            code.question = asked[-1]
            code.open = is_open_question(asked[-1])
        recent = said[-3:]
        asked_before = codes[-1].question if codes and codes[-1].question else ""
        code.reflection = any(is_reflection(s, recent, asked_before) or is_reflection(s, said) and '"' in s
                              for s in lines)
        code.affirmation = any(is_affirmation(s) for s in lines)
        texts = [text for text, _ in turn.messages if not ROLE_LINE.match(text)]
        code.summary = any(is_summary(text, said) for text in texts)
        code.check = any(has_check(text) for text in texts)
        if code.answer in ("empty", "negative"):
            # The crisis reply (with 113) is the safety protocol, worded on purpose: not a canned coaching reply.
            coaching = [s for text, _ in turn.messages if "113" not in text for s in coach_sentences(text)]
            code.misfire = sum(1 for s in coaching if is_praise_or_thanks(s))
        last_open = code.open if code.question else last_open
        codes.append(code)
    return codes


def same_question(a: Optional[str], b: Optional[str]) -> bool:
    if not a or not b:
        return False
    a, b = re.sub(r"\d+", "#", plain(a)), re.sub(r"\d+", "#", plain(b))
    return difflib.SequenceMatcher(None, a, b).ratio() >= 0.85


def longest_repeat(codes: Sequence[TurnCodes], turns: Sequence[BotTurn]) -> int:
    """The longest run of turns asking the same thing. A turn without a question
    that only says "not understood" again (its last sentence) counts as asking."""
    keys = []
    for code, turn in zip(codes, turns):
        last = [s for text, _ in turn.messages for s in coach_sentences(text)]
        keys.append(code.question or (last[-1] if last else None))
    best = run = 1 if keys else 0
    for previous, key in zip(keys, keys[1:]):
        run = run + 1 if same_question(previous, key) else 1
        best = max(best, run)
    return best


def score(script: Script, turns: Sequence[BotTurn]) -> Tuple[Scores, List[TurnCodes]]:
    codes = code_turns(turns)
    scores = Scores()
    for code in codes:
        if code.question:
            scores.questions += 1
            scores.open += code.open
            if not code.open:
                scores.closed[re.sub(r"\d+", "#", code.question)[:70]] += 1
            scores.reflections += code.reflection
            scores.affirmations += code.affirmation
        elif code.reflection or code.affirmation:
            # A reflection in a turn without a question still counts (MITI codes every utterance).
            scores.reflections += code.reflection
            scores.affirmations += code.affirmation
        scores.misfires += code.misfire
    for turn in turns:
        for text, _ in turn.messages:
            if len(re.findall(r"\w+", text)) >= MIN_WORDS:
                scores.readability.append(textstat.flesch_reading_ease(text))
    scores.max_repeat = longest_repeat(codes, turns)
    if script.expects_summary:
        scores.summaries_expected = 1
        scores.summaries = int(ends_with_summary(codes))
    return scores, codes


def ends_with_summary(codes: Sequence[TurnCodes]) -> bool:
    """A summary in the user's words with the check, and no open question after it
    (closing logistics like "Hoe vaak wil je een check-in?" may follow)."""
    last = max((i for i, c in enumerate(codes) if c.summary and c.check), default=None)
    if last is None:
        return False
    return not any(c.question and c.open for c in codes[last + 1:])


# --- writing it down ------------------------------------------------------------------------------


def transcript(script: Script, turns: Sequence[BotTurn], codes: Sequence[TurnCodes], scores: Scores) -> str:
    out = [f"# {script.name}: {script.about}", "",
           f"Flow: {script.flow}. Codes per bot turn: OQ/CQ open/closed question, R reflection, "
           "A affirmation, S summary, C the closing check, MISFIRE praise after an empty or negative answer.", ""]
    for turn, code in zip(turns, codes):
        shown = turn.user if len(turn.user) < 300 else turn.user[:297] + "…"
        out.append(f"**Jij:** {shown}" + (f" _(answer: {code.answer})_" if code.answer else ""))
        out.append("")
        for text, titles in turn.messages:
            body = text.replace("\n", "  \n")
            out.append(f"**Regiecoach:** {body}" + (f"  \n[knoppen: {' | '.join(titles)}]" if titles else ""))
            out.append("")
        tags = [("OQ" if code.open else "CQ") if code.question else "", "R" if code.reflection else "",
                "A" if code.affirmation else "", "S" if code.summary else "", "C" if code.check else "",
                f"MISFIRE×{code.misfire}" if code.misfire else ""]
        out.append(f"> codes: {' '.join(t for t in tags if t) or '-'}")
        out.append("")
    out.append(f"open_q={scores.open_q:.2f} refl_per_q={scores.refl_per_q:.1f} "
               f"summary={scores.summaries}/{scores.summaries_expected} readability={scores.mean_readability:.0f} "
               f"max_repeat={scores.max_repeat} misfires={scores.misfires}")
    return "\n".join(out) + "\n"


def row(name: str, s: Scores) -> str:
    summary = f"{s.summaries}/{s.summaries_expected}" if s.summaries_expected else "-"
    return (f"| {name} | {s.questions} | {s.open_q:.2f} | {s.reflections} | {s.affirmations} | {s.refl_per_q:.1f} | "
            f"{summary} | {s.mean_readability:.0f} | {s.max_repeat} | {s.misfires} |")


HEADER = ["| flow | questions | open_q | reflections | affirmations | refl_per_q | summary+check | readability | "
          "max_repeat | misfires |", "|---|---|---|---|---|---|---|---|---|---|"]


def verdict_line(total: Scores) -> str:
    return (f"open_q={total.open_q:.2f} refl_per_q={total.refl_per_q:.1f} "
            f"summaries={total.summaries}/{total.summaries_expected} readability={total.mean_readability:.0f} "
            f"max_repeat={total.max_repeat} misfires={total.misfires}")


def misses(per_flow: Dict[str, Scores], total: Scores) -> List[str]:
    found = []
    if total.open_q < TARGETS["open_q"]:
        found.append(f"open_q {total.open_q:.2f} < {TARGETS['open_q']}")
    for flow, s in per_flow.items():
        if flow in COACHING_FLOWS and s.questions and s.refl_per_q < TARGETS["refl_per_q"]:
            found.append(f"refl_per_q in {flow} {s.refl_per_q:.1f} < {TARGETS['refl_per_q']}")
    if total.summaries < total.summaries_expected:
        found.append(f"summaries {total.summaries}/{total.summaries_expected}")
    if total.mean_readability < TARGETS["readability"]:
        found.append(f"readability {total.mean_readability:.0f} < {TARGETS['readability']}")
    if total.max_repeat > TARGETS["max_repeat"]:
        found.append(f"max_repeat {total.max_repeat} > {TARGETS['max_repeat']}")
    if total.misfires > TARGETS["misfires"]:
        found.append(f"misfires {total.misfires}")
    return found


# --- main -----------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default=os.environ.get("REGIECOACH_EVAL_MODEL", "models/regiecoach-ci.tar.gz"))
    parser.add_argument("--rasa-port", type=int, default=int(os.environ.get("REGIECOACH_EVAL_RASA_PORT") or 5405))
    parser.add_argument("--actions-port", type=int,
                        default=int(os.environ.get("REGIECOACH_EVAL_ACTIONS_PORT") or 5455))
    parser.add_argument("--out", default="results")
    parser.add_argument("--only", nargs="*", help="run only these conversations (by name)")
    args = parser.parse_args()

    model = ROOT / args.model
    if not model.exists():
        print(f"The model {model} is missing: run `make train-ci` first.")
        return 2
    data_dir = Path(tempfile.mkdtemp(prefix="coach-eval-"))
    settings = replace(get_settings(), data_dir=data_dir, db_path=data_dir / "regiecoach.db",
                       rasa_port=args.rasa_port, actions_port=args.actions_port, rasa_token=None)
    open_db(settings.db_path).close()  # migrated before the action server opens it
    scripts = [s for s in SCRIPTS if not args.only or s.name in args.only]
    out_dir = ROOT / args.out / "coach_eval"
    out_dir.mkdir(parents=True, exist_ok=True)
    services = start_services(settings, model, extra_env=FIXED_NOW)
    per_flow: Dict[str, Scores] = {}
    rows = []
    total = Scores()
    try:
        for script in scripts:
            turns = asyncio.run(run_script(script, settings, services.token))
            scores, codes = score(script, turns)
            (out_dir / f"{script.name}.md").write_text(transcript(script, turns, codes, scores), encoding="utf-8")
            per_flow.setdefault(script.flow, Scores()).add(scores)
            total.add(scores)
            rows.append(row(script.name, scores))
            print(rows[-1], flush=True)
    finally:
        services.stop()
        shutil.rmtree(data_dir, ignore_errors=True)

    lines = ["# make coach-eval", "",
             f"{len(scripts)} scripted conversations through the CI model and the action server "
             f"({args.model}); transcripts in results/coach_eval/. "
             "How each number is counted: scripts/coach_eval.py and scripts/coach_eval_classify.py.", "",
             "## Per conversation", "", *HEADER, *rows, "", "## Per flow", "", *HEADER,
             *(row(flow, s) for flow, s in per_flow.items()), row("**all**", total), ""]
    lines += ["## Closed questions, most asked first", "",
              *(f"- {n}× {question}" for question, n in total.closed.most_common(15)), ""]
    missed = misses(per_flow, total)
    lines += ["Targets: open_q >= 0.70, refl_per_q >= 1.0 in every coaching flow (check-in, meeting "
              "preparation, debrief, practice; onboarding only asks consent and work status), summaries n/n, "
              "readability >= 65, max_repeat <= 2, misfires 0.", "",
              ("Missed: " + "; ".join(missed)) if missed else "Every target met.", "", verdict_line(total)]
    (ROOT / args.out / "coach_eval.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print()
    print("\n".join(HEADER + [row(flow, s) for flow, s in per_flow.items()] + [row("all", total)]))
    if missed:
        print("Missed: " + "; ".join(missed))
    print(verdict_line(total))
    return 0


if __name__ == "__main__":
    sys.exit(main())
