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
    r"niets bijzonders|niet veel|weinig|geen zin|laat maar|maakt niet uit|boeit niet|geen commentaar|"
    r"klaar|ik ben klaar|klaar hoor)"
    r"[\s,.!?]*)+$"
)
# Filler that does not change what an answer says ("niks eigenlijk", "geen idee hoor").
_FILLER = re.compile(r"\b(eigenlijk|hoor|echt|gewoon|ook|nog|verder|denk ik|zo|eh|nou|even|helemaal)\b")
# Words that make an answer negative, unless negated ("geen pijn", "niet moe").
_NEGATIVE = frozenset("""niks niets slecht slechter zwaar zwaarder moeilijk lastig moe kapot uitgeput somber rot
    beroerd ellendig pijn klote kut waardeloos mislukt tegengevallen verdrietig bang boos stress gestrest
    vast niemand eenzaam hopeloos wanhopig angstig paniek huilen zakt terugval""".split())
_POSITIVE = frozenset("""goed beter fijn prima lekker top gelukt lukt lukte blij trots mooi leuk rustig geholpen
    helpt lukken opgeknapt""".split())
_NEGATORS = frozenset("niet geen nooit minder".split())
# Phrases that are negative without a negative word: "daarna ben ik op", "bellen kost veel energie".
_NEGATIVE_PHRASE = re.compile(r"\b(ben|was|is)( ik| je)? (echt |helemaal |zo |dan |snel )?op\b|"
                              r"\bkost (me |mij )?(veel |te veel |zoveel )?(energie|moeite)\b")
_POSITIVE_PHRASE = re.compile(r"\b(kan|lukt|gaat|ging)( ik| het)? (nu |al )?weer\b")
# Phrases that say it goes both ways: "met ups en downs", "wisselend", "soms wel, soms niet".
_MIXED_PHRASE = re.compile(r"\b(ups? en downs?|op en neer|wisselend|wisselt|afwisselend|met vlagen|"
                           r"soms (wel|goed|beter)\b.*\bsoms|de ene dag\b.*\bde andere)")


def _plain(text: str) -> str:
    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower().replace("’", "'")
    return " ".join(text.split()).strip()


def is_non_answer(text: str) -> bool:
    """"ja", "ok", "nee, dat was het", "weet ik niet", "pff", one filler word:
    nothing to store or to praise."""
    plain = _plain(text)
    bare = " ".join(_FILLER.sub(" ", plain).split())
    return not plain or not re.search(r"[a-z0-9]", plain) or bool(_NON_ANSWERS.match(plain)) \
        or (bool(bare) and plain != bare and bool(_NON_ANSWERS.match(bare)))


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
    if _MIXED_PHRASE.search(_plain(text)):
        return "mixed"
    negative = negative or bool(_NEGATIVE_PHRASE.search(_plain(text)))
    positive = positive or bool(_POSITIVE_PHRASE.search(_plain(text)))
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


def own_words(text: str, limit: int = 70) -> str:
    """A short part of the answer, as the user typed it, to reflect back:
    the first sentence, or the last one of a longer story (where people
    usually say what matters), cut at a comma or a word if still long."""
    clean = " ".join((text or "").split()).strip()
    parts = [p.strip() for p in re.split(r"(?<=[.!?;])\s+", clean) if p.strip()]
    if not parts:
        return ""
    fitting = [p for p in parts if len(p) <= limit]
    if len(parts) > 2:
        chosen = parts[-1]
    else:
        chosen = max(fitting, key=len) if fitting else parts[0]
    if len(chosen) > limit and "," in chosen:
        chosen = chosen.split(",")[0]
    chosen = chosen.strip(" .!;,")
    if len(chosen) > limit:
        chosen = chosen[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,") + "…"
    return chosen.replace('"', "'")


_CHECK_OK = re.compile(r"^(ja,? )?(dat )?klopt( wel| helemaal| zo)?|^(ja,? )?(is )?goed zo|^zo is het goed|^ja,? prima")
_CHECK_CHANGE = re.compile(r"klopt (niet|nog niet|niet helemaal)|niet helemaal|^nee,? (dat )?(klopt|is) (niet|fout)|"
                           r"^(ja,? )?(ik )?(wil|wel) (nog )?(iets|wat) (toevoegen|aanvullen|erbij|aanpassen)|"
                           r"^(ja,? )?(toevoegen|aanvullen|aanpassen)")


def check_answer(text: str) -> str:
    """The answer to "Klopt dit? Wat wil je er nog aan toevoegen?": 'fine' ("ja",
    "klopt", "nee", "dat was het"), 'change' ("klopt niet", "ja, ik wil iets
    toevoegen": ask what) or 'addition' (anything with content)."""
    plain = _plain(text).strip(" .!")
    if _CHECK_CHANGE.search(plain) and len(plain.split()) <= 7:
        return "change"
    if is_non_answer(text) or _CHECK_OK.match(plain):
        return "fine"
    return "addition"
