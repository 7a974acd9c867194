"""Feedback analysis for the practice role play (issue 6).

Scores one user turn on four skills the study found to work in a talk with a
bedrijfsarts or manager:

- examples: a concrete example of what you can or can't do (time, amount,
  situation, a concrete task);
- both: you name what you CAN as well as what you can't;
- proposal: a proposal or a feasible step plan;
- calm: calm, cooperative, not personal.

Rules and a small Dutch lexicon, on lowercased text without diacritics; a
fuzzy word match catches common typos. Tuned on the `dev` part of
tests/data/practice_labelled.yml; `scripts/practice_eval.py` prints the scores.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass

from regiecoach.dutch.text import fold, shorten

SKILLS = ("examples", "both", "proposal", "calm")


@dataclass(frozen=True)
class SkillScores:
    examples: bool = False
    both: bool = False
    proposal: bool = False
    calm: bool = True

    def as_dict(self) -> dict[str, bool]:
        return asdict(self)

    def count(self) -> int:
        return sum(1 for value in self.as_dict().values() if value)

    def missing(self) -> list[str]:
        return [skill for skill in SKILLS if not getattr(self, skill)]


# --- normalising -----------------------------------------------------------

# Frequent chat spellings and typos, mapped to the word the rules expect.
_TYPOS = {
    "nie": "niet", "nit": "niet", "neit": "niet", "nt": "niet", "k": "ik", "ikk": "ik",
    "kn": "kan", "kann": "kan", "lukte": "lukt", "lukr": "lukt", "gaatt": "gaat",
    "uurtjes": "uur", "uurtje": "uur", "u.": "uur", "min": "minuten", "mins": "minuten",
    "vb": "bijvoorbeeld", "bv": "bijvoorbeeld", "bijv": "bijvoorbeeld", "bijvb": "bijvoorbeeld",
    "ochtens": "ochtends", "smiddags": "middags", "sochtends": "ochtends",
    "voorsel": "voorstel", "voorsetl": "voorstel", "misschein": "misschien", "mischien": "misschien",
    "wss": "waarschijnlijk", "ff": "even", "idd": "inderdaad", "geeen": "geen",
}


def normalise(text: str) -> str:
    """Lowercase, no diacritics, typographic quotes made plain, typos mapped."""
    text = fold(text, keep_punctuation=True)
    text = re.sub(r"'\s?s\s+(ochtends|middags|avonds|nachts|morgens)", r"\1", text)
    words = re.split(r"(\W+)", text)
    return "".join(_TYPOS.get(word, word) for word in words)


def _tokens(text: str) -> list[str]:
    return re.findall(r"[a-z]+", text)


def _fuzzy_any(tokens: Iterable[str], words: Sequence[str], cutoff: float = 0.84) -> bool:
    """True when a token is (nearly) one of `words`; only long words are
    compared fuzzily, so short words do not match by accident."""
    for token in tokens:
        if token in words:
            return True
        if len(token) >= 6 and difflib.get_close_matches(token, words, n=1, cutoff=cutoff):
            return True
    return False


# --- lexicon ---------------------------------------------------------------

_NUMBER = (
    r"(?:\d+(?:[.,]\d+)?|een|één|twee|drie|vier|vijf|zes|zeven|acht|negen|tien|twaalf|twintig|dertig|"
    r"veertig|half|halve|anderhalf|paar|enkele|max|maximaal|hooguit|ruim)"
)
# Time units that describe capacity ("twee uur", "halve dagen"); weeks and
# months are left out on purpose: "over twee weken" is planning, not an example.
_CAPACITY_UNIT = (
    r"(?:uur|uren|minuten|minuut|kwartier|ochtend|ochtenden|middag|middagen|dag|dagen|dagdeel|dagdelen|keer|x)"
)
_EXAMPLE_PATTERNS = [
    rf"\b{_NUMBER}\s*{_CAPACITY_UNIT}\b",
    r"\b\d+\s*(?:x|keer)\b",
    r"\bper (?:dag|week)\b",
    r"\bna (?:een|de|het|\d|twee|drie|tien|twintig|dertig|vijf|half|anderhalf)\b",
    r"\b(?:bijvoorbeeld|zoals)\b",
    r"\bals ik (?:\w+ ){0,3}(?:doe|lees|werk|zit|sta|loop|rij|fiets|bel|vergader|lig|reis)\b",
    r"\b(?:ochtends|middags|avonds|ochtend|middag|avond|lunch)\b",
    r"\bop een (?:goede|slechte) dag\b",
    r"\b(?:stille|rustige) (?:ruimte|plek|kamer)\b",
    r"\b(?:lang|langer) (?:zitten|staan|lopen|lezen|praten|rijden)\b",
]
# Concrete tasks and situations from daily life and work.
_TASK_WORDS = (
    "mail", "mails", "email", "emails", "mailen", "computer", "computerwerk", "beeldscherm", "beeldschermwerk",
    "scherm", "laptop", "telefoon", "telefoneren", "bellen", "telefoontjes", "vergaderen", "vergadering",
    "vergaderingen", "overleg", "rapport", "rapporten", "lezen", "schrijven", "typen", "tillen", "bukken",
    "staan", "zitten", "zittend", "lopen", "wandelen", "fietsen", "autorijden", "rijden", "auto", "bus", "trein",
    "reizen", "boodschappen", "huishouden", "koken", "stofzuigen", "klanten", "klantcontact", "post",
    "agenda", "administratie", "archiveren", "thuiswerken", "thuis", "kantoor", "lawaai", "geluid",
    "drukte", "concentreren", "concentratie", "sporten", "fysio", "koffie", "liggen", "klusjes", "kassa",
    "schoonmaken", "plannen", "sorteren", "invoeren", "klant", "patienten", "leerlingen", "werkplek",
    "traplopen", "trap", "bureau", "bureauwerk", "licht", "lichte",
)

_CAN_POSITIVE = [
    r"\b(?:ik|je) kan\b(?! (?:je|ik) (?:wel )?(?:zeggen|vertellen|uitleggen))",
    r"\bkan ik\b(?! (?:je |jou )?(?:wel )?(?:zeggen|vertellen|uitleggen))",
    r"\b(?:ik|je) kun\b", r"\blukt\b", r"\blukken\b",
    r"\b(?:gaat|gaan)\b(?= (?:het )?(?:wel|goed|prima|nog)\b|\s*[,.;]|$)",
    r"\bhou ik\b", r"\bhoud ik\b", r"\bred ik\b", r"\bkan ik aan\b", r"\bdat is geen probleem\b",
    r"\bik doe\b", r"\bvol te houden\b", r"\bik wil best\b",
]
_NEGATION = (
    r"\b(?:niet|geen|niks|niets|nooit|nauwelijks|amper|te veel|teveel|te zwaar|te lang|te vroeg|te ver|te snel)\b"
)
# A limit, said without a negation word ("mijn energie is weg").
_LIMIT = [
    r"\b(?:is|zijn) (?:mijn \w+ )?(?:op|weg)\b", r"\benergie (?:is )?(?:weg|op)\b", r"\bkapot\b", r"\bduizelig\b",
    r"\bhoofdpijn\b", r"\bmigraine\b", r"\boverprikkeld\b", r"\bmoet (?:ik )?(?:stoppen|liggen|rusten)\b",
    r"\bzwaarst\b", r"\bpauze nodig\b", r"\bop is\b", r"\bdoor elkaar\b",
    r"\bben ik (?:op|kapot|uitgeput|gesloopt|doodmoe|leeg)\b", r"\buitgeput\b",
]
_CAN_VERBS = r"\b(?:kan|kun|kunnen|lukt|lukken|gaat|gaan|red|haal|volhouden|hou|houd|aan)\b"

_PROPOSAL_PATTERNS = [
    r"\bstel (?:ik )?voor\b", r"\bvoorstel\b", r"\bvoorstellen\b",
    r"\bzou ik (?:kunnen|willen|misschien)\b", r"\bik zou (?:kunnen|willen)\b",
    r"\bwat als (?:ik|we)\b", r"\bwat (?:zou|vind) (?:je|jij) (?:ervan|er van)\b", r"\bhoe zou (?:je|jij) het vinden\b",
    r"\bwat denk (?:je|jij) (?:ervan|er van|van)\b",
    r"\b(?:kunnen|zullen) we (?:afspreken|beginnen|starten|kijken|proberen|opbouwen|rustiger|eerst)\b",
    r"\blaten we\b", r"\bzullen we\b",
    r"\bmisschien kan ik\b", r"\bkan ik misschien\b", r"\bmag ik (?:eerst|misschien)\b",
    r"\b(?:beginnen|starten|begin|start|beginnend) met\b", r"\bopbouwen\b", r"\bopbouw\b", r"\bafbouwen\b",
    r"\bstap voor stap\b", r"\bstappenplan\b", r"\bproefperiode\b", r"\bproberen\b",
    r"\bplan\b", r"\beerst\b.*\b(?:dan|daarna|vervolgens|en dan)\b",
    r"\bsecond opinion\b", r"\bdeskundigenoordeel\b", r"\b(?:is|zijn) .{0,40}\been optie\b",
    r"\b(?:ik )?heb .{0,40}\bnodig\b(?=.*\b(?:dan|zodat|om)\b)", r"\baanpassing(?:en)?\b",
    r"\bevalueren\b", r"\bevaluatie\b",
    # An amount offered as a question or a "maybe" is a proposal: "misschien 2 dagen van 2 uur?"
    rf"\bmisschien (?:\w+ )?{_NUMBER}\s*{_CAPACITY_UNIT}\b", rf"\b{_NUMBER}\s*{_CAPACITY_UNIT}\b[^.!?]*\?",
]

_ANGRY_PHRASES = [
    r"\bsnap\w* (?:er |het )?(?:echt |helemaal |gewoon |dus )*(?:niks|niets|geen bal|geen moer|geen reet)\b",
    r"\bbegrijp\w* (?:er |het )?(?:echt |helemaal |gewoon )*(?:niks|niets|geen bal)\b",
    r"\bslaat (?:echt |helemaal |gewoon )?nergens op\b", r"\bdoe (?:eens )?normaal\b", r"\bdoe niet zo\b",
    r"\bhou (?:toch |nou |je )?(?:op|je mond|je kop)\b",
    r"\bgaat (?:je|jou|jullie|u) (?:helemaal |echt )?(?:niks|niets|geen)\b",
    r"\bwillen (?:me|mij) (?:gewoon |alleen )?(?:kwijt|weg|eruit|pesten)\b",
    r"\bje gelooft (?:me|mij) (?:gewoon |toch )?niet\b",
    r"\bnet als de rest\b", r"\bjij zit daar\b", r"\bgeen zin in (?:dit|dat|jou|jullie|het) ?(?:gesprek|gezeur)?\b",
    r"\bwaarom luister\w* (?:je|jij|jullie|u) niet\b", r"\bniemand luistert\b", r"\bluistert niemand\b",
    r"\badvocaat\b", r"\bjullie doen maar (?:wat|raak)\b", r"\bik doe het niet\b", r"\bzoek het (?:zelf )?maar uit\b",
    r"\bdoe (?:je|jij) het (?:zelf )?maar\b", r"\bbekijk het maar\b", r"\bval dood\b", r"\bkop dicht\b",
    r"\bik ben (?:toch )?niet gek\b", r"\bwat een (?:onzin|flauwekul|gezeik|gezeur|grap)\b",
    r"\b(?:net )?of ik lui ben\b",
    r"\b(?:rot|flikker|donder|sodemieter) (?:toch |nou |maar )?op\b", r"\bben het (?:zo |echt |helemaal )?zat\b",
    r"\b(?:jij|je) bent (?:echt |gewoon |zo )?(?:een )?(?:waardeloze|slechte|domme|stomme|belachelijke|luie)\b",
    # "kanker" as a curse; the illness itself ("ik heb kanker") is not anger.
    r"\bkanker (?:toch |nou |maar )?op\b", r"\bkrijg (?:de|het|toch de) (?:kanker|tering|tyfus|klere)\b",
    r"\bkanker(?:lijer|hoer|zooi|dokter|baas|wijf|vent|bedrijf|advies)\b", r"\b(?:jij|je|die|wat een) kanker\w*\b",
]
_ANGRY_WORDS = (
    "belachelijk", "onzin", "flauwekul", "gezeur", "gezeik", "bullshit", "verdomme", "godverdomme", "godver",
    "kut", "kutzooi", "klote", "kloten", "klootzak", "shit", "fuck", "fucking", "idioot", "idioten", "debiel",
    "sukkel", "lul", "eikel", "ongelooflijk", "schandalig", "schandelijk", "waardeloos", "incompetent",
    "achterlijk", "stom", "stomme", "waardeloze", "tering", "tyfus", "pestkop", "zielig", "absurd",
    "walgelijk",
)
# Short words written in capitals that are names, not shouting: organisations,
# and the diagnoses and health words people write in capitals (COPD, PTSS, NAH).
_ABBREVIATIONS = {
    "uwv", "cvs", "pds", "avg", "arbo", "wia", "wga", "iva", "cao", "fml", "ok", "oke", "hr", "ict", "wvp", "ggz",
    "adhd", "add", "ass", "pdd", "nos", "copd", "ptss", "ptsd", "nah", "rsi", "me", "ms", "als",
    "hsp", "bps", "ocd", "gad", "cara", "hiv", "aids", "mri", "ct", "ic", "ehbo", "kno", "tia", "hernia", "sos",
    "long", "covid", "corona", "chemo", "ibs", "ehs", "svb", "zzp", "ggd", "bsn", "digid",
}


# --- detectors -------------------------------------------------------------

def _clauses(text: str) -> list[str]:
    """Split a turn into clauses, so "x lukt, maar y niet" is seen as two."""
    parts = re.split(r"[.;:!?]+|,|\bmaar\b|\ben op\b|\bterwijl\b|\bbehalve\b", text)
    return [part.strip() for part in parts if part and part.strip()]


def _has_example(text: str) -> bool:
    if any(re.search(pattern, text) for pattern in _EXAMPLE_PATTERNS):
        return True
    return _fuzzy_any(_tokens(text), _TASK_WORDS, cutoff=0.88)


def _clause_polarity(clause: str, seen_can: bool) -> str | None:
    """'can', 'cannot' or None for one clause."""
    # "geen probleem" and "geen punt" say something works, not a limit.
    negated = bool(re.search(_NEGATION, re.sub(r"\bgeen (?:probleem|punt|moeite)\b", "", clause)))
    has_verb = bool(re.search(_CAN_VERBS, clause))
    concrete = _has_example(clause)
    if negated:
        # "lang staan niet" and "maar niet zoveel" are limits too.
        if has_verb or concrete or seen_can:
            if re.search(r"\bhoef\b|\bniet (?:zeggen|vertellen)\b", clause) and not concrete:
                return None
            return "cannot"
        return None
    if any(re.search(pattern, clause) for pattern in _LIMIT):
        return "cannot"
    if any(re.search(pattern, clause) for pattern in _CAN_POSITIVE):
        return "can"
    return None


def _names_both(text: str) -> bool:
    found = set()
    seen_can = False  # after "wat ik kan: ...", a bare "wat niet: ..." is a limit
    for clause in _clauses(text):
        polarity = _clause_polarity(clause, seen_can)
        if polarity:
            found.add(polarity)
        seen_can = seen_can or bool(re.search(_CAN_VERBS, clause))
    return found == {"can", "cannot"}


def _has_proposal(text: str) -> bool:
    return any(re.search(pattern, text) for pattern in _PROPOSAL_PATTERNS)


def _shouts(raw: str) -> bool:
    words = [word for word in re.findall(r"[A-Za-z]+", raw) if word.lower() not in _ABBREVIATIONS]
    letters = [ch for word in words for ch in word]
    if len(letters) >= 10 and sum(ch.isupper() for ch in letters) / len(letters) > 0.6:
        return True
    return any(len(word) >= 3 and word.isupper() for word in words)


def _is_calm(raw: str, text: str) -> bool:
    if _shouts(raw):
        return False
    if re.search(r"!\s*!|\?\s*\?", raw) or raw.count("!") >= 3:
        return False
    if any(re.search(pattern, text) for pattern in _ANGRY_PHRASES):
        return False
    return not _fuzzy_any(_tokens(text), _ANGRY_WORDS, cutoff=0.86)


def analyse_turn(text: str) -> SkillScores:
    """The four skills shown in one user turn."""
    clean = normalise(text)
    return SkillScores(
        examples=_has_example(clean),
        both=_names_both(clean),
        proposal=_has_proposal(clean),
        calm=_is_calm(text or "", clean),
    )


def analyse_attempt(turns: Sequence[str]) -> SkillScores:
    """A skill counts for the attempt when any turn shows it; calm only when
    no turn was un-calm."""
    scores = [analyse_turn(turn) for turn in turns]
    return SkillScores(
        examples=any(s.examples for s in scores),
        both=any(s.both for s in scores),
        proposal=any(s.proposal for s in scores),
        calm=all(s.calm for s in scores),
    )


def only_refuses(text: str) -> bool:
    """A turn that says it can't, without example, can-do or proposal: the
    "ik kan niet" the study saw going badly."""
    scores = analyse_turn(text)
    if scores.examples or scores.both or scores.proposal:
        return False
    clean = normalise(text)
    return bool(re.search(_NEGATION, clean) or re.search(r"\b(?:te zwaar|te veel|gaat niet|lukt niet)\b", clean))



def _sentences(text: str) -> list[str]:
    return [part.strip() for part in re.split(r"(?<=[.!?])\s+", " ".join((text or "").split())) if part.strip()]


def fragment_for(turns: Sequence[str], skill: str, limit: int = 60) -> str | None:
    """A short quote (≤ `limit` chars) from the first turn that showed `skill`:
    the sentence that shows it, shortened."""
    for turn in turns:
        if not getattr(analyse_turn(turn), skill):
            continue
        for sentence in _sentences(turn):
            if getattr(analyse_turn(sentence), skill):
                return shorten(sentence, limit)
        return shorten(turn, limit)
    return None


def best_sentence(turns: Sequence[str], limit: int = 200) -> str | None:
    """The sentence worth saving for the conversation card: the calm one
    showing most skills (a calm sentence only, never an angry one)."""
    best: str | None = None
    best_score = 0
    for turn in turns:
        for sentence in _sentences(turn):
            scores = analyse_turn(sentence)
            if not scores.calm:
                continue
            score = scores.examples + scores.both + scores.proposal
            if score > best_score:
                best, best_score = sentence, score
    return shorten(best, limit) if best else None
