"""The conversation card: what the user prepared for a meeting, on one page.

Two versions: the user's own, and one for the manager without the energy
section and with diagnosis words left out (an employer may not ask for the
diagnosis). The text goes out as a message, the PDF as a document.
"""

from __future__ import annotations

import importlib.util
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from fpdf import FPDF
from sqlite_utils import Database

from actions import scherpe_foto
from actions.flows.base import Reply
from regiecoach.config import get_settings
from regiecoach.dutch.dates import format_dutch
from regiecoach.dutch.roles import MEETING_ROLES
from regiecoach.dutch.text import clean_text, shorten
from regiecoach.storage import meetings, parse_iso, practice
from regiecoach.texts import say

# Words that name a diagnosis. Used for the gentle privacy hint and to keep
# them off the manager's card. Lower case, no diacritics.
DIAGNOSIS_WORDS = (
    "burn-out", "burnout", "burn out", "depressie", "depressief", "kanker", "borstkanker", "darmkanker",
    "longkanker", "huidkanker", "prostaatkanker", "tumor", "chemo", "hernia",
    "angststoornis", "paniekstoornis", "paniekaanval", "long covid", "post-covid", "ptss", "adhd", "autisme",
    "bipolair", "borderline", "reuma", "fibromyalgie", "whiplash", "artrose", "diabetes", "epilepsie",
    "migraine", "hartinfarct", "herseninfarct", "beroerte", "eetstoornis", "me/cvs", "cvs", "schizofrenie",
    "psychose", "multiple sclerose", "parkinson", "crohn", "ocd", "dwangstoornis",
)
_DIAGNOSIS_RE = re.compile(
    r"(?<![a-z])(" + "|".join(re.escape(w) for w in sorted(DIAGNOSIS_WORDS, key=len, reverse=True)) + r")(?![a-z])"
)
# The DejaVu fonts matplotlib ships, found without importing matplotlib (slow, noisy).
_MPL = importlib.util.find_spec("matplotlib")
FONT_DIR = Path(list(_MPL.submodule_search_locations or [""])[0] if _MPL else "") / "mpl-data" / "fonts" / "ttf"


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def mentions_diagnosis(text: Optional[str]) -> bool:
    return bool(text) and bool(_DIAGNOSIS_RE.search(_fold(text or "")))


def redact_diagnosis(text: str) -> str:
    """The text with diagnosis words replaced (matched on a folded copy of equal length)."""
    folded = _fold(text)
    if len(folded) != len(text):  # folding changed lengths (rare ligatures): fall back to the folded text
        text = folded
    result, last = [], 0
    for match in _DIAGNOSIS_RE.finditer(folded):
        result.append(text[last : match.start()])
        result.append(say("card", "removed"))
        last = match.end()
    result.append(text[last:])
    return "".join(result)




def who_label(with_whom: Optional[str], card: bool = False) -> str:
    """How to name the other person in a sentence ("de bedrijfsarts")."""
    key = (with_whom or "").lower()
    if key in MEETING_ROLES:
        if card and key == "leidinggevende":
            return say("card", "card_who_leidinggevende")
        return say("card", f"who_{key}")
    return shorten(with_whom, 40) or say("card", "who_bedrijfsarts")


def card_dir(chat_id: str) -> Path:
    safe = re.sub(r"[^A-Za-z0-9_-]", "_", str(chat_id)) or "user"
    return get_settings().data_dir / "cards" / safe


def _sections(db: Database, chat_id: str, meeting_id: int, for_manager: bool, tz: Any) -> Optional[Dict[str, Any]]:
    meeting = meetings.get_meeting(db, chat_id, meeting_id)
    if meeting is None:
        return None

    def keep(text: Optional[str]) -> str:
        text = clean_text(text)
        return redact_diagnosis(text) if for_manager else text

    who = who_label(meeting.get("with_whom"), card=True)
    starts_at = parse_iso(meeting.get("starts_at"))
    header = say("card", "meeting_when", who=who, when=format_dutch(starts_at, tz)) if starts_at else \
        say("card", "meeting", who=who)

    def statements(kind: str) -> List[Dict[str, str]]:
        return [
            {"text": keep(row["text"]), "example": keep(row.get("example"))}
            for row in meetings.list_statements(db, chat_id, meeting_id, kind)
            if clean_text(row["text"])
        ]

    return {
        "title": say("card", "title_manager" if for_manager else "title"),
        "header": header,
        "goals": [keep(goal["text"]) for goal in meetings.list_goals(db, chat_id, meeting_id)],
        "can": statements("can"),
        "cannot": statements("cannot"),
        "energy": None if for_manager else keep(meeting.get("energy_pattern")),
        "proposal": keep(meeting.get("proposal")),
        "questions": [keep(q["text"]) for q in meetings.list_questions(db, chat_id, meeting_id)],
        # Sentences saved after a role play: the user's own words, so not on the manager's card.
        "sentences": [] if for_manager else [clean_text(t) for t in practice.latest_saved_sentences(db, chat_id)],
        "photo": scherpe_foto.build(db, chat_id, meeting_id, tz, keep, for_manager=for_manager),
    }


def _blocks(card: Dict[str, Any], for_manager: bool) -> List[tuple]:
    """(heading, [lines]) pairs shared by the text and the PDF version."""
    empty = say("card", "empty")

    def statement_lines(items: List[Dict[str, str]]) -> List[str]:
        lines = []
        for item in items:
            lines.append("- " + item["text"])
            if item["example"]:
                lines.append("  " + say("card", "example", example=item["example"]))
        return lines or [empty]

    photo = card.get("photo")
    blocks = [(say("scherpe_foto", "title"), photo.lines())] if photo else []
    blocks += [
        (say("card", "goals"), [f"{i}. {g}" for i, g in enumerate(card["goals"], 1)] or [empty]),
        (say("card", "can"), statement_lines(card["can"])),
        (say("card", "cannot"), statement_lines(card["cannot"])),
    ]
    if not for_manager:
        blocks.append((say("card", "energy"), [card["energy"] or empty]))
    blocks.append((say("card", "proposal"), [card["proposal"] or empty]))
    if card["questions"]:
        blocks.append((say("card", "questions"), ["- " + q for q in card["questions"]]))
    if card.get("sentences"):
        blocks.append((say("card", "sentences"), ["- " + t for t in card["sentences"]]))
    return blocks


@dataclass
class CardContent:
    """What every version of the card shows (text, PDF, phone picture), already filtered."""

    title: str
    header: str
    blocks: List[Tuple[str, List[str]]]  # (heading, lines)


def card_content(db: Database, chat_id: str, meeting_id: int, for_manager: bool = False,
                 tz: Any = None) -> Optional[CardContent]:
    card = _sections(db, chat_id, meeting_id, for_manager, tz or get_settings().tz)
    if card is None:
        return None
    return CardContent(card["title"], card["header"], _blocks(card, for_manager))


def render_card_text(db: Database, chat_id: str, meeting_id: int, for_manager: bool = False, tz: Any = None) -> str:
    content = card_content(db, chat_id, meeting_id, for_manager, tz)
    if content is None:
        return say("card", "no_card")
    parts = [content.title.upper(), content.header]
    for heading, lines in content.blocks:
        parts.append(heading + "\n" + "\n".join(lines))
    return "\n\n".join(parts)


def pdf_safe(text: str) -> str:
    """Drop characters the font cannot draw (emoji, symbols outside the BMP)."""
    return "".join(ch for ch in text if ord(ch) <= 0xFFFF and unicodedata.category(ch) not in ("So", "Cs", "Co", "Cn"))


def render_card_pdf(
    db: Database, chat_id: str, meeting_id: int, out_dir: Path, for_manager: bool = False, tz: Any = None
) -> Path:
    content = card_content(db, chat_id, meeting_id, for_manager, tz)
    if content is None:
        raise ValueError("meeting not found")
    pdf = FPDF(format="A4")
    pdf.set_margins(18, 18, 18)
    pdf.set_auto_page_break(True, margin=18)
    pdf.add_font("DejaVu", "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.set_title(content.title)
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 18)
    pdf.multi_cell(0, 10, pdf_safe(content.title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 12)
    pdf.multi_cell(0, 7, pdf_safe(content.header), new_x="LMARGIN", new_y="NEXT")
    for heading, lines in content.blocks:
        pdf.ln(4)
        pdf.set_font("DejaVu", "B", 13)
        pdf.multi_cell(0, 8, pdf_safe(heading), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", "", 11)
        for line in lines:
            pdf.multi_cell(0, 6, pdf_safe(line), new_x="LMARGIN", new_y="NEXT")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    suffix = "-leidinggevende" if for_manager else ""
    path = out_dir / f"gesprekskaart-{int(meeting_id)}{suffix}.pdf"
    pdf.output(str(path))
    return path


def card_replies(db: Database, chat_id: str, meeting_id: int, for_manager: bool = False, tz: Any = None) -> List[Reply]:
    """The card as a message, the PDF as a document and the phone version as pictures."""
    from actions.phone_card import render_phone_card  # it builds on this module

    text = render_card_text(db, chat_id, meeting_id, for_manager, tz)
    path = render_card_pdf(db, chat_id, meeting_id, card_dir(chat_id), for_manager, tz)
    filename = "gesprekskaart-leidinggevende.pdf" if for_manager else "gesprekskaart.pdf"
    replies = [Reply(text), Reply(custom={"document": {"path": str(path.resolve()), "filename": filename}})]
    screens = render_phone_card(db, chat_id, meeting_id, card_dir(chat_id), for_manager, tz)
    for number, screen in enumerate(screens, 1):
        caption = say("phone_card", "caption" if len(screens) == 1 else "caption_page", page=number,
                      pages=len(screens))
        replies.append(Reply(caption, custom={"photo": {"path": str(screen.resolve())}}))
    return replies
