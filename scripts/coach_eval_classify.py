"""Turn classifiers for `make coach-eval`, read against MITI 4.2.1.

They read the bot's Dutch texts by form, never by the bot's own content keys,
so a reworded text is judged as a user would read it. Deliberately separate
from actions/flows/answers.py: the bot's own answer reader must not grade
itself.

- A bot *turn* is everything the bot sends after one user line. As in MITI,
  questions stacked in one turn count as one question; it is open or closed
  by its last question (the one the user answers).
- A *reflection* is a statement that gives back what the user said: a
  reflection stem ("Je zegt", "Dus", "Het klinkt") plus content from the
  user's recent answers (a shared content word, a number, a quote), or a
  feeling reflection whose tone matches the answer. A stem without the user's
  content is no reflection.
- An *affirmation* names an effort or strength of the user ("Goed dat je dit
  toch hebt ingevuld", "Dat kost moeite").
- *Praise/thanks* is any line that thanks or praises ("Dank je", "Mooi",
  "Fijn om te horen", "Goed dat je"). After an empty or negative answer
  such a line is a *misfire*.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Iterable, List, Sequence

# --- text helpers ------------------------------------------------------------------


def plain(text: str) -> str:
    """Lower case, no accents, single spaces, straight quotes."""
    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = text.replace("’", "'").replace("“", '"').replace("”", '"')
    return " ".join(text.split()).strip()


def sentences(text: str) -> List[str]:
    """Sentences of one message; a quote ("...") is kept inside its sentence."""
    out: List[str] = []
    for line in (text or "").splitlines():
        line = line.strip(" •-*\t")
        if not line:
            continue
        # Split after . ! ? (or an ellipsis) followed by a space and a capital,
        # an emoji or a quote, but not inside a quote.
        parts, current, quoted = [], "", False
        for i, ch in enumerate(line):
            current += ch
            if ch == '"':
                quoted = not quoted
            nxt = line[i + 1:i + 3]
            ends = ch in ".!?…" or (ch == '"' and line[i - 1:i] in (".", "!", "?", "…"))
            if not quoted and ends and nxt[:1] == " " and (nxt[1:2].isupper() or nxt[1:2] in "\"'🎭"):
                parts.append(current.strip())
                current = ""
        if current.strip():
            parts.append(current.strip())
        out.extend(p for p in parts if p)
    return out


STOPWORDS = frozenset("""
de het een en of maar want dus dan als dat die dit deze wat wie waar wanneer hoe welk welke waarom
ik je jij u we wij ze zij hij mij me mijn jouw jou je jullie hun hen ons onze zich zelf
is ben bent was waren zijn wordt word worden werd heb hebt heeft had hadden kan kun kunt kon
wil wilt wilde zou zouden moet moeten mag mogen zal zullen ga gaat gaan ging doe doet doen deed
niet geen wel ook nog al er hier daar nu toen heel erg echt best zo te om op in aan van voor met
bij naar uit over tot door tegen na af toe mee zonder per veel weinig meer minder iets niets niks
alles elke elk ieder sinds even toch gewoon eigenlijk misschien beetje keer dag week weken tijd
ja nee oke ok hoor hee hoi dank bedankt graag laatste afgelopen gedaan komen komt kwam maken maakt
want omdat terwijl vind vindt vond denk denkt dacht weet weten zeg zegt zei gezegd vertel vertelt
""".split())


def content_words(text: str) -> set:
    """Words that carry what the user said: no stopwords, 4+ letters, or a number."""
    words = re.findall(r"[a-z0-9]+", plain(text))
    return {w for w in words if (len(w) >= 4 and w not in STOPWORDS) or w.isdigit()}


def _stem(word: str) -> str:
    """A crude Dutch stem so "vergaderen"/"vergadering", "moe"/"moeheid" meet."""
    for suffix in ("ingen", "heid", "ing", "en", "er", "e", "t", "s"):
        if len(word) - len(suffix) >= 4 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def shares_content(bot_text: str, user_texts: Iterable[str]) -> bool:
    bot = {_stem(w) for w in content_words(bot_text)}
    return any(bot & {_stem(w) for w in content_words(u)} for u in user_texts if u)


def quotes_user(bot_text: str, user_texts: Iterable[str]) -> bool:
    """A quoted part ("...") of the bot text that comes from what the user typed."""
    for quote in re.findall(r'"([^"]{3,})"', plain(bot_text)):
        words = content_words(quote)
        if not words:
            continue
        for user in user_texts:
            if words & content_words(user) and (plain(quote).strip(" .…") in plain(user)
                                                or len(words & content_words(user)) >= 2):
                return True
    return False


# --- user answers -------------------------------------------------------------------

_EMPTY = re.compile(
    r"^(?:(?:niks|niets|nop|nope|geen idee|geen flauw idee|weet ik niet|weet niet|ik weet het niet|"
    r"ik weet niet|weet ik veel|weet ik nog niet|geen|tja|hmm+|hm+|uh+|eh+|pff+|zucht|pfoe|mwah|meh|"
    r"nvt|laat maar|maakt niet uit|boeit niet|niet veel|weinig|niks bijzonders|niets bijzonders|"
    r"verder niks|verder niets|\?+|\.+|-+|x)[\s,.!?]*)+$"
)
_FILLER = re.compile(r"\b(eigenlijk|hoor|echt|gewoon|ook|nog|verder|denk ik|zo|eh|nou|even|precies|helemaal)\b")
_BARE = re.compile(r"^(?:ja|nee|ok|oke|okay|prima|goed|top|jawel|klopt|dat was het( wel)?|nee,? dat was het)[\s,.!?]*$")
_NEG_WORDS = frozenset("""slecht slechter zwaar zwaarder moeilijk lastig moe kapot uitgeput somber rot beroerd
    ellendig pijn klote kut waardeloos mislukt tegengevallen verdrietig bang boos stress gestrest vast niemand
    eenzaam hopeloos wanhopig angstig paniek huilen huil gehuild onrustig bozer misselijk nergens vervelend
    niks niets opgebrand overprikkeld onzeker gefaald faal""".split())
_POS_WORDS = frozenset("""goed beter fijn prima lekker top gelukt lukt lukte blij trots mooi leuk rustig geholpen
    helpt hielp lukken opgeknapt uitgerust gezellig opgelucht""".split())
_NEGATORS = frozenset("niet geen nooit nauwelijks amper".split())


def answer_kind(text: str, after_open_question: bool = True) -> str:
    """'empty', 'negative', 'mixed', 'positive' or 'neutral'.

    "niks", "weet ik niet", "pff" are empty always; a bare "ja"/"nee"/"ok" is
    empty only as the answer to an open question (to "Wil je nog een doel?"
    it is simply the answer). Commands and button payloads are 'neutral'.
    """
    p = plain(text)
    if p.startswith("/"):
        return "neutral"
    bare = _FILLER.sub(" ", p).strip(" ,.!?")
    if not p or not bare or _EMPTY.match(bare) or not re.search(r"[a-z0-9]", p):
        return "empty"
    if p.strip(" .!") in ("niet", "niet gelukt", "helemaal niet", "nee, niet gelukt"):
        return "negative"  # a goal not reached
    if _BARE.match(p):
        return "empty" if after_open_question else "neutral"
    tokens = re.findall(r"[a-z]+", p)
    negative = positive = False
    for i, token in enumerate(tokens):
        window = set(tokens[max(0, i - 2):i])
        negated = bool(_NEGATORS & window) or tokens[i + 1:i + 2] == ["niet"]
        if token in _POS_WORDS:
            if negated:
                negative = True
            else:
                positive = True
        elif token in _NEG_WORDS:
            if negated:
                positive = True
            else:
                negative = True
    if re.search(r"\b(ben|was|is|voel)( ik| me| je)? (echt |helemaal |zo |dan |snel )?op\b", p):  # "daarna ben ik op"
        negative = True
    if re.search(r"\b[a-z]+ niet\s*(?:[,.!?]|$)", p):  # "vergaderen niet"
        negative = True
    if re.search(r"\bkost (me |mij )?(veel |te veel )?(energie|moeite)\b", p):
        negative = True
    if re.search(r"\bniet meer (zijn|leven|willen|kunnen)\b|\bdood\b", p):
        negative = True
    if re.search(r"\b(gaat niet|lukt niet|lukte niet|kan niet meer|niet gelukt|niet gehoord|niet gedaan)\b", p):
        negative = True
    if negative and positive:
        return "mixed"
    return "negative" if negative else "positive" if positive else "neutral"


def is_negative_or_empty(text: str, after_open_question: bool = True) -> bool:
    return answer_kind(text, after_open_question) in ("empty", "negative")


# --- bot lines --------------------------------------------------------------------------

# Wh-words that open a question; the ones asking a fact or a number are closed.
_OPEN_START = re.compile(r"^(wat|hoe|waarom|waardoor|waarmee|waaraan|waarover|waar|welke|welk|wie|wanneer|"
                         r"met wie|in hoeverre|vertel)\b")
_CLOSED_WH = re.compile(r"^(hoe laat|hoeveel|hoe vaak|hoe lang|hoelang|wanneer|met wie|wie|welk|welke|waar is|"
                        r"om hoe laat|op welke|"
                        r"wat is (de|je) (datum|dag|tijd)|wat past bij jou)\b")
# "Welke vragen wil je stellen?" asks for anything the user thinks of.
_OPEN_WHICH = re.compile(r"^welke (vragen|gedachten|ideeen|dingen|zorgen|wensen)\b")
# Closed in form but asking to tell more: MITI codes these as open.
_TELL_MORE = re.compile(r"\b(vertellen|vertel|voorbeeld|beschrijven|uitleggen|meer over)\b")
# A request for a choice or a number without a question mark is still a question.
_PROMPT = re.compile(r"^(kies|geef|typ)\b.*\b(cijfer|knop|knoppen|dag|datum|ja of nee|nummer|van 0 tot 10)\b")


def is_question(sentence: str) -> bool:
    return sentence.rstrip(' "\'').endswith("?")


def is_prompt(sentence: str) -> bool:
    return bool(_PROMPT.match(plain(sentence)))


def is_open_question(sentence: str) -> bool:
    """Open: invites a story in the user's own words. Closed: yes/no, a choice
    between given options, a fact (a day, a time, a name) or a number."""
    p = plain(sentence).lstrip("\"'(")
    p = re.sub(r"^(en|of|dus|maar|oke|goed|nou),?\s+", "", p)
    if not is_question(sentence):
        return False
    if " of " in p and re.search(r"\bof (liever|niet|nee|later|ja)\b", p):
        return False  # "..., of liever later?" offers a choice
    if re.search(r"\b(van 0 tot 10|een cijfer|welk cijfer)\b", p):
        return False  # a scaling question asks for a number, however it opens
    if _OPEN_WHICH.match(p):
        return True
    if _CLOSED_WH.match(p):
        return False
    if re.match(r"^wat (maakt|zou|helpt|hielp|wil|lukt|kost|ging|gaat|heb|had|merk|vind|denk|zijn|is er|"
                r"is (je|jouw|voor)|neem|kun|kan|betekent|stel|doe|deed|gebeurt|gebeurde)", p):
        return True
    if _OPEN_START.match(p):
        return True
    return bool(_TELL_MORE.search(p))


_REFLECT_STEM = re.compile(
    r"^(je zegt|je vertelt|je noemt|je schrijft|je voelt|je voelde|je merkt|je vindt|je vond|je kiest|je koos|"
    r"je bent|je was|je had|je hebt|je wilt|je wil|je zou|je doel is|je doel was|je wilde|je denkt|je ziet|je kunt|"
    r"je kon|je energie|je vertrouwen|je regie|je volgende stap|wat je|wat helpt|wat hielp|wat goed ging|"
    r"wat lukt|wat niet|wat nog niet|het klinkt|dat klinkt|klinkt|ik hoor|ik lees|ik begrijp|als ik je goed|"
    r"dus|het gaat|het ging|het was|het waren|het voelde|het liep|het lukte|het lukt|het kost|het is dus|"
    r"er (gaat|ging|lukt|lukte|helpt|hielp|is|was|zit|zat)\b|een deel|iets ging|aan de ene kant|"
    r"enerzijds|tegelijk|aan de andere kant|wat (vervelend|naar|rot|jammer) dat)"
)
_REFLECT_DUS = re.compile(r"\bdus\b|\bklinkt\b|\bhoor ik\b|\bzeg je\b|\bnoem je\b|\bmerk je\b|\bvoel je\b")
_FEELING_NEG = re.compile(r"\b(anders dan je wilde|anders dan gehoopt|lukte (dus )?niet|niet gelukt|balen|"
                          r"zwaar|lastig|moeilijk|naar|vervelend|rot|pittig|veel gevraagd|moe|op|zorgen|"
                          r"spannend|eng|frustrerend|teleurgesteld|balen)\b")
_FEELING_POS = re.compile(r"\b(beter|goed|fijn|lukt|lukte|gelukt|opgelucht|rustiger|energie)\b")
_DOUBLE = re.compile(r"\b(en tegelijk|tegelijk|en ook|maar ook|aan de ene kant|en aan de andere kant|"
                     r"terwijl|en er is ook|allebei|een deel .* een deel)\b")


_SHORT_ANSWER = {"nee": "no", "niet": "no", "niet gelukt": "no", "ja": "yes", "bereikt": "yes", "gelukt": "yes",
                 "deels": "partly", "een beetje": "partly"}


def is_reflection(sentence: str, user_texts: Sequence[str], question: str = "") -> bool:
    """A statement that gives back the user's content. `user_texts`: the user's
    recent answers, the latest last (quotes may come from any of them).
    `question`: what the bot asked before the latest answer, so that "Je voelde
    je dus niet gehoord" reflects a "Nee" to "Voelde je je gehoord?"."""
    if is_question(sentence) or not user_texts:
        return False
    p = plain(sentence)
    if quotes_user(sentence, user_texts):
        return True
    stem = bool(_REFLECT_STEM.match(p) or _REFLECT_DUS.search(p))
    if not stem:
        return False
    if shares_content(sentence, user_texts[-3:]):
        return True
    short = _SHORT_ANSWER.get(plain(user_texts[-1]).strip(" .!"))
    if short and question and shares_content(sentence, [question]):
        negated = bool(re.search(r"\b(niet|geen)\b", p))
        if short == "partly":
            return bool(re.search(r"\b(deel|deels|half)\b", p))
        return negated == (short == "no")
    # A feeling reflection without the user's words: only when it fits the answer.
    kind = answer_kind(user_texts[-1])
    if kind == "mixed":
        return bool(_DOUBLE.search(p))
    unpositive = re.sub(r"\b(lukt|lukte|gelukt|goed|beter)( dus)? niet\b|\bniet (goed|gelukt|beter)\b", " ", p)
    if kind == "negative":
        return bool(_FEELING_NEG.search(p)) and not _FEELING_POS.search(unpositive)
    if kind == "positive":
        return bool(_FEELING_POS.search(p)) and not _FEELING_NEG.search(p)
    return False


_AFFIRM = re.compile(
    r"(\b(goed|fijn|mooi|knap|sterk|dapper|moedig) dat je\b|\bdat kost (moeite|energie|moed)\b|"
    r"\bdat vraagt (moed|moeite|lef)\b|\bdat is (knap|sterk|moedig|dapper|een stap|al een stap)\b|"
    r"\bje (hebt|hebben) (zelf )?(een stap|stappen|moeite|doorgezet|volgehouden|het toch)\b|"
    r"\bje (zet|zette|ging|gaat) (door|het gesprek aan)\b|\bje bleef\b|\bje (neemt|nam) (de )?tijd\b|"
    r"\bje (weet|wist) (goed|duidelijk|al) wat\b|\bje zorgt goed\b|"
    r"\bjij (weet|kent) (zelf )?(het best|jezelf)\b|\bdat (je|jij) dat (ziet|merkt|doet|noemt)\b|"
    r"\b(neem|nam) je (er )?(even |toch )?(de )?tijd\b|"
    r"\bje (gaf|geeft|deed|doet|noemde|noemt) (een|zelf|wat)\b|\bdat (je|jij) .* telt\b|\bgoed gedaan\b|"
    r"\bdaar heb je (zelf )?(ook )?aan (bijgedragen|gewerkt)\b|\bje maakt (het|je doel|dat) (concreet|duidelijk)\b|"
    r"\bje hebt .* (gezet|gedaan|volgehouden|geprobeerd|geoefend|ingevuld|voorbereid)\b)"
)


def is_affirmation(sentence: str) -> bool:
    """A line that names the user's effort or strength."""
    return not is_question(sentence) and bool(_AFFIRM.search(plain(sentence)))


_PRAISE = re.compile(
    r"(^|\b)(dank je|dankjewel|dank u|bedankt|thanks|goed gedaan|wat goed(?! ging)|wat fijn|wat mooi|heel goed|super|"
    r"top|knap|fijn om te horen|fijn om te weten|mooi om te horen|dat is (mooi|fijn|goed|knap|top)|"
    r"(goed|fijn|mooi|knap|sterk) dat je|mooi!|prima!|helder!|geweldig|perfect|uitstekend)\b"
)


def is_praise_or_thanks(sentence: str) -> bool:
    return bool(_PRAISE.search(plain(sentence)))


# --- summaries ----------------------------------------------------------------------------

_SUMMARY_START = re.compile(r"^(even samengevat|kort samengevat|samengevat|ik zet het even op een rij|"
                            r"op een rij|dit heb ik van je gehoord|wat ik van je hoor)")
_CHECK = re.compile(r"klopt dit\?.*(iets )?toevoegen\?", re.DOTALL)


def is_summary(message: str, user_texts: Sequence[str]) -> bool:
    """A summary opens as one and gives back content from at least two of the
    user's answers (a list of the bot's own labels is no summary)."""
    if not any(_SUMMARY_START.match(plain(line).lstrip("📝 ")) for line in message.splitlines()):
        return False  # a summary starts a paragraph, maybe after the reply to the last answer
    body = plain(message)
    hits = sum(1 for u in user_texts if u and (shares_content(body, [u]) or quotes_user(message, [u])))
    return hits >= 2


def has_check(message: str) -> bool:
    """The closing check: "Klopt dit? Wat wil je er nog aan toevoegen?"."""
    return bool(_CHECK.search(plain(message)))
