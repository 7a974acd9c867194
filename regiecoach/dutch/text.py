"""Plain-text helpers: folding for matching, cleaning and shortening for display."""

from __future__ import annotations

import re
import unicodedata
from typing import Optional


def fold(text: Optional[str], keep_punctuation: bool = False) -> str:
    """Lower case without diacritics, for matching: "Één keer!" -> "een keer".
    Punctuation becomes a space unless `keep_punctuation`; whitespace is collapsed."""
    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.replace("\u2019", "'").replace("\u2018", "'").lower()
    if keep_punctuation:
        return " ".join(text.split())
    text = re.sub(r"[^a-z0-9]+", " ", text.replace("'", ""))
    return " ".join(text.split())


def clean_text(text: Optional[str]) -> str:
    """User text without control characters, on one line."""
    if not text:
        return ""
    kept = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in str(text))
    return " ".join(kept.split())


def shorten(text: Optional[str], limit: int = 60) -> str:
    """At most `limit` characters on one line, cut at a word where one is near,
    with "…" when cut. For quotes and the card: the stored text stays whole."""
    text = clean_text(text)
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    at_word = cut.rsplit(" ", 1)[0]
    if len(at_word) >= limit // 2:
        cut = at_word
    return cut.rstrip(" ,;:.") + "…"
