"""What kind of answer the user gave to an open question, so a canned reply
never misfires: "niks", "weet ik niet" or "pff" gets no praise, a negative
answer gets empathy, and "ja" or "ok" is not stored as a goal."""

from __future__ import annotations

import re
import unicodedata

from regiecoach.texts import load

# Answers that say nothing, or "I don't know": the whole answer, punctuation stripped.
_NON_ANSWERS = re.compile(
    r"^(?:(?:nee|ja|jawel|ok|oke|okay|oké|prima|goed|top|tja|hmm+|hm+|uh+|eh+|pff+|pfff+|zucht|pfoe|"
    r"mwah|meh|weet niet|ik weet het niet|ik weet niet|weet ik niet|weet ik veel|weet ik nog niet|"
    r"geen idee|geen flauw idee|geen|niks|niets|nop|nope|nvt|n\.v\.t|-+|\?+|\.+|x|"
    r"dat was het|dat was het wel|dat is het|dat is alles|verder niks|verder niets|niks bijzonders|"
    r"niets bijzonders|niet veel|weinig|geen zin|laat maar|maakt niet uit|boeit niet|geen commentaar)"
    r"[\s,.!?]*)+$"
)
# Words that make an answer negative, unless negated ("geen pijn", "niet moe").
_NEGATIVE = frozenset("""niks niets slecht slechter zwaar zwaarder moeilijk lastig moe kapot uitgeput somber rot
    beroerd ellendig pijn klote kut waardeloos mislukt tegengevallen verdrietig bang boos stress gestrest
    vast niemand eenzaam hopeloos wanhopig angstig paniek huilen""".split())
_POSITIVE = frozenset("""goed beter fijn prima lekker top gelukt lukt lukte blij trots mooi leuk rustig geholpen
    helpt lukken opgeknapt""".split())
_NEGATORS = frozenset("niet geen nooit minder".split())


def _plain(text: str) -> str:
    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower().replace("’", "'")
    return " ".join(text.split()).strip()


def is_non_answer(text: str) -> bool:
    """"ja", "ok", "nee, dat was het", "weet ik niet", "pff", one filler word:
    nothing to store or to praise."""
    plain = _plain(text)
    return not plain or bool(_NON_ANSWERS.match(plain)) or not re.search(r"[a-z0-9]", plain)


def kind_of(text: str) -> str:
    """'empty', 'negative', 'mixed', 'positive' or 'neutral', for choosing a reply."""
    if is_non_answer(text):
        return "empty"
    tokens = re.findall(r"[a-z]+", _plain(text))
    negative = positive = False
    for i, token in enumerate(tokens):
        negated = bool(_NEGATORS & set(tokens[max(0, i - 2):i])) or tokens[i + 1:i + 2] == ["niet"]
        if token in _POSITIVE:
            negative, positive = negative or negated, positive or not negated
        elif token in _NEGATIVE:
            negative, positive = negative or not negated, positive or negated
        elif token in _NEGATORS and not (_POSITIVE | _NEGATIVE) & set(tokens[max(0, i - 1):i + 4]):
            negative = True  # "ik heb het niet gedaan", "geen tijd gehad"
    if negative and positive:
        return "mixed"
    if negative:
        return "negative"
    return "positive" if positive else "neutral"


def reply_key(content: str, key: str, text: str) -> str:
    """`key` with the answer's kind appended ("went_well_reply_empty") when the
    content file has such a variant, else `key` itself."""
    variant = f"{key}_{kind_of(text)}"
    return variant if variant in load(content) else key
