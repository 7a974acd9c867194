"""Short answers: yes or no."""

from __future__ import annotations

from typing import Optional

YES_WORDS = frozenset(
    ("ja", "jawel", "ja hoor", "klopt", "is goed", "prima", "prima hoor", "oke", "ok", "okay", "goed", "yes",
     "zeker", "graag", "akkoord", "doe maar")
)
NO_WORDS = frozenset(("nee", "neen", "niet", "klopt niet", "nope", "liever niet", "niet nodig", "nee hoor"))


def yes_no(text: str, intent: Optional[str] = None, confidence: float = 1.0, sure: float = 0.0,
           yes_title: str = "", no_title: str = "") -> str:
    """'yes', 'no' or '' for an answer to a yes/no question. The words decide
    first ("nee" and "niet" are no); the classifier's affirm/deny counts when its
    confidence is at least `sure` (questions with consequences pass a higher bar).
    `yes_title`/`no_title` are the button texts, which count as typed answers."""
    clean = " ".join((text or "").lower().split()).strip(" .!")
    counts = confidence >= sure
    if clean in NO_WORDS or clean.startswith("nee") or (no_title and clean == no_title.lower()):
        return "no"
    if clean in YES_WORDS or clean.startswith("ja") or (yes_title and clean == yes_title.lower()):
        return "yes"
    if counts and intent == "deny":
        return "no"
    if counts and intent == "affirm":
        return "yes"
    return ""
