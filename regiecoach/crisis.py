"""Crisis detection from a lexicon file, independent of any classifier.

Used twice: by the Rasa NLU component (rasa_addons.crisis_component) and by
the conversation bridge before Rasa is called, so the crisis reply goes out
even when Rasa is down. The phrases live in content/crisis_lexicon.yml.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Dict, FrozenSet, List, Tuple

import yaml

from regiecoach.dutch.text import fold

LEXICON_PATH = Path(__file__).resolve().parent.parent / "content" / "crisis_lexicon.yml"


def normalise(text: str) -> str:
    """Lower-case, strip diacritics and punctuation, collapse whitespace."""
    return fold(text)


@lru_cache(maxsize=1)
def _lexicon() -> Tuple[Tuple[str, ...], Tuple[str, ...], Tuple[str, ...]]:
    data = yaml.safe_load(LEXICON_PATH.read_text(encoding="utf-8"))
    anywhere = tuple(normalise(p) for p in data.get("anywhere", []))
    alone = tuple(normalise(p) for p in data.get("alone", []))
    fillers = tuple(normalise(p) for p in data.get("fillers", []))
    return anywhere, alone, fillers


def _strip_fillers(words: List[str], fillers: Tuple[str, ...]) -> str:
    """Drop filler phrases (longest first) wherever they stand, on word boundaries.

    Applied to the message and to the `alone` phrases alike, so "ik zie het
    echt niet meer zitten" still counts as "ik zie het niet meer zitten".
    """
    text = f" {' '.join(words)} "
    for filler in sorted((f for f in fillers if f), key=len, reverse=True):
        needle = f" {filler} "
        while needle in text:
            text = text.replace(needle, " ")
    return " ".join(text.split())


# Dutch puts the verb before "ik" after an opening word ("soms wil ik dood",
# "nu zie ik het niet meer zitten"): match the lexicon's "ik wil" order too.
INVERSION = re.compile(r"\b(wil|kan|ben|heb|zie|denk|hou|houd|trek|wou|ga|leef)\s+ik\b")


# A typing slip in a long lexicon word ("zelfmoordgedachtne", "overdoss")
# still counts: a dropped, doubled or extra letter, or two letters swapped.
# Not a changed letter: "sterren" must not become "sterven".
SLIP_MIN_LENGTH = 6


def _slips(word: str) -> List[str]:
    drops = [word[:i] + word[i + 1:] for i in range(len(word))]
    swaps = [word[:i] + word[i + 1] + word[i] + word[i + 2:] for i in range(len(word) - 1) if word[i] != word[i + 1]]
    return drops + swaps


@lru_cache(maxsize=1)
def _slip_index() -> Tuple[FrozenSet[str], Dict[str, Tuple[str, ...]]]:
    """The long lexicon words, and the words each one-slip misspelling may be."""
    anywhere, alone, fillers = _lexicon()
    phrases = anywhere + alone + fillers
    words = frozenset(w for phrase in phrases for w in phrase.split() if len(w) >= SLIP_MIN_LENGTH)
    index: Dict[str, Tuple[str, ...]] = {}
    for word in sorted(words):
        for slip in _slips(word):
            if word not in index.get(slip, ()):
                index[slip] = index.get(slip, ()) + (word,)
    return words, index


def _toward_lexicon(norm: str) -> List[str]:
    """The text with each word that is one slip away from a long lexicon word
    mended; one text per reading where a slip fits two words ("ztten":
    zitten or zetten)."""
    words, index = _slip_index()
    typed = norm.split()
    readings: List[List[str]] = []
    for word in typed:
        options: Tuple[str, ...] = (word,)
        if word not in words and len(word) >= SLIP_MIN_LENGTH - 1:
            extra = tuple(d for d in _slips(word)[: len(word)] if d in words)  # one letter too many
            options = index.get(word, ()) + extra or (word,)
        readings.append(list(dict.fromkeys(options)))
    first = [choices[0] for choices in readings]
    texts = [" ".join(first)]
    for i, choices in enumerate(readings):
        texts += [" ".join(first[:i] + [other] + first[i + 1:]) for other in choices[1:]]
    return texts


def _word_orders(norm: str) -> List[str]:
    """The text as typed, with slips in long lexicon words mended, and with
    "wil ik" read as "ik wil"."""
    orders = dict.fromkeys([norm] + _toward_lexicon(norm))
    for original in list(orders):
        orders[INVERSION.sub(lambda m: f"ik {m.group(1)}", original)] = None
    return list(orders)


def is_crisis(text: str) -> bool:
    """True when the message contains a crisis signal from the lexicon.

    `anywhere` phrases count wherever they stand ("ik wil dood"). `alone`
    phrases count only when they are (almost) the whole message, or a whole
    sentence or clause of it: "ik kan niet meer" is crisis, "ik kan niet meer werken"
    is not.
    """
    norm = normalise(text)
    if not norm:
        return False
    anywhere, alone, fillers = _lexicon()
    # `anywhere` phrases also match with filler words removed:
    # "ik wil er eigenlijk niet meer zijn".
    for order in _word_orders(norm):
        for variant in {order, _strip_fillers(order.split(), fillers)}:
            padded = f" {variant} "
            if any(f" {phrase} " in padded for phrase in anywhere if phrase):
                return True
    alone_cores = {_strip_fillers(p.split(), fillers) for p in alone if p}
    alone_cores.discard("")
    parts = [norm] + [normalise(s) for s in re.split(r"[.,!?;:\n]+", text or "")]
    return any(_strip_fillers(order.split(), fillers) in alone_cores
               for part in parts if part for order in _word_orders(part))
