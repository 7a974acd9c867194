"""The conversation card as pictures for a phone screen: portrait, 1080 px
wide, large type. In the meeting people hold up their phone, not a printed
A4. Sections flow over as many screens as needed (a section is only split
when it is longer than a screen by itself).

The content is the card's own (actions.card.card_content), so the manager's
version leaves out exactly what the PDF leaves out.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, List, Tuple

from PIL import Image, ImageDraw, ImageFont
from sqlite_utils import Database

from actions.card import FONT_DIR, CardContent, card_content, pdf_safe
from regiecoach.texts import say

WIDTH, MAX_HEIGHT = 1080, 1920  # a 9:16 phone screen
MARGIN = 72
TITLE_SIZE, HEADING_SIZE, BODY_SIZE, SMALL_SIZE = 58, 46, 40, 32
LINE = 1.38  # line height as a share of the font size
BACKGROUND, INK, ACCENT, MUTED = "#FFFFFF", "#1A1A1A", "#0072B2", "#555555"  # Okabe-Ito blue


_MEASURE = ImageDraw.Draw(Image.new("RGB", (1, 1)))


@dataclass
class Row:
    """One line of text on a screen, already wrapped."""

    text: str
    font: Any
    colour: str
    gap_before: int = 0

    @property
    def height(self) -> int:
        return self.gap_before + int(self.font.size * LINE)


@cache
def _font(size: int, bold: bool = False) -> Any:
    return ImageFont.truetype(str(FONT_DIR / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")), size)


def wrap(text: str, font: Any, width: int) -> List[str]:
    """Greedy word wrap by measured width; a word longer than a line is cut."""
    measure = _MEASURE.textlength
    lines: List[str] = []
    current = ""
    for word in text.split():
        while measure(word, font=font) > width:  # e.g. a pasted link
            cut = max(1, next((i for i in range(len(word), 0, -1) if measure(word[:i], font=font) <= width), 1))
            if current:
                lines.append(current)
                current = ""
            lines.append(word[:cut])
            word = word[cut:]
        candidate = f"{current} {word}".strip()
        if measure(candidate, font=font) <= width:
            current = candidate
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    return lines or [""]


def _section_rows(heading: str, lines: List[str], width: int) -> List[Row]:
    heading_font, body_font = _font(HEADING_SIZE, bold=True), _font(BODY_SIZE)
    rows = [Row(text, heading_font, ACCENT, gap_before=40 if i == 0 else 0)
            for i, text in enumerate(wrap(pdf_safe(heading), heading_font, width))]
    bold_font = _font(BODY_SIZE, bold=True)
    for line in lines:
        indent = "    " if line.startswith("  ") else ""
        sub_heading = line.endswith(":") and not line.startswith(("-", " "))  # "Wat ik aankan:"
        font = bold_font if sub_heading else body_font
        for i, text in enumerate(wrap(pdf_safe(line.strip()), font, width - (40 if indent else 0))):
            rows.append(Row(indent + text, font, INK, gap_before=(22 if sub_heading else 10) if i == 0 else 0))
    return rows


def layout(content: CardContent, width: int = WIDTH - 2 * MARGIN) -> List[List[Row]]:
    """The card's rows spread over screens; a section moves to the next screen
    rather than being cut, unless it is taller than a screen."""
    title_font, small_font = _font(TITLE_SIZE, bold=True), _font(SMALL_SIZE)
    top = [Row(t, title_font, INK) for t in wrap(pdf_safe(content.title), title_font, width)]
    top += [Row(t, small_font, MUTED, gap_before=8 if i == 0 else 0)
            for i, t in enumerate(wrap(pdf_safe(content.header), small_font, width))]
    room = MAX_HEIGHT - 2 * MARGIN - int(SMALL_SIZE * LINE) - 20  # leave room for the page number
    screens: List[List[Row]] = [list(top)]
    used = sum(r.height for r in top)
    for heading, lines in content.blocks:
        rows = _section_rows(heading, lines, width)
        size = sum(r.height for r in rows)
        if used + size > room and size <= room and len(screens[-1]) > 0:
            used = _next_screen(screens, content.title, width)
        for row in rows:
            if used + row.height > room:
                used = _next_screen(screens, content.title, width)
            screens[-1].append(row)
            used += row.height
    return [s for s in screens if s]


def _next_screen(screens: List[List[Row]], title: str, width: int) -> int:
    """Start a screen that says whose card it is, in case it is shown on its own; returns the room used."""
    small = _font(SMALL_SIZE)
    screens.append([Row(t, small, MUTED) for t in wrap(pdf_safe(title), small, width)])
    return sum(r.height for r in screens[-1])


def _draw(rows: List[Row], page: Tuple[int, int], path: Path) -> Path:
    height = MARGIN * 2 + sum(r.height for r in rows) + int(SMALL_SIZE * LINE) + 20
    image = Image.new("RGB", (WIDTH, max(height, WIDTH)), BACKGROUND)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, WIDTH, 16), fill=ACCENT)
    y = MARGIN
    for row in rows:
        y += row.gap_before
        draw.text((MARGIN, y), row.text, font=row.font, fill=row.colour)
        y += int(row.font.size * LINE)
    if page[1] > 1:
        label = say("phone_card", "page", page=page[0], pages=page[1])
        draw.text((MARGIN, image.height - MARGIN - SMALL_SIZE), label, font=_font(SMALL_SIZE), fill=MUTED)
    image.save(path, "PNG", compress_level=6)
    return path


def render_phone_card(db: Database, chat_id: str, meeting_id: int, out_dir: Path, for_manager: bool = False,
                      tz: Any = None) -> List[Path]:
    """The card as one or more portrait PNGs, in order."""
    content = card_content(db, chat_id, meeting_id, for_manager, tz)
    if content is None:
        raise ValueError("meeting not found")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    suffix = "-leidinggevende" if for_manager else ""
    for old in out_dir.glob(f"telefoonkaart-{int(meeting_id)}{suffix}-*.png"):
        old.unlink()  # a shorter card must not leave an old extra screen behind
    screens = layout(content)
    return [_draw(rows, (n, len(screens)), out_dir / f"telefoonkaart-{int(meeting_id)}{suffix}-{n}.png")
            for n, rows in enumerate(screens, 1)]
