"""Crisis lexicon (content/crisis_lexicon.yml) as matched by regiecoach.crisis.

Crisis must never be missed, and ordinary talk about work and tiredness must
not be flagged. The NLU training data is checked too: every `crisis` example
matches the lexicon, and no example of another intent does.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from regiecoach.crisis import is_crisis, normalise
from scripts.nlu_eval import load_examples

ROOT = Path(__file__).resolve().parent.parent

POSITIVE = [
    "ik wil dood",
    "Ik wil dood.",
    "Eigenlijk wil ik dood.",
    "Soms wil ik er niet meer zijn",
    "k wil dood",
    "ik wil er niet meer zijn",
    "Ik wil er eigenlijk niet meer zijn",
    "het hoeft voor mij niet meer",
    "Het hoeft voor mij allemaal niet meer...",
    "ik zie het niet meer zitten",
    "Ik zie het echt niet meer zitten",
    "ik zie het allemaal niet meer zitten",
    "pff ik zie het niet meer zitten",
    "ik zie t niet meer ziten",
    "ik kan niet meer",
    "Ik kan niet meer!!",
    "ik kan echt niet meer",
    "ik kan gewoon niet meer",
    "sorry, ik kan niet meer",
    "ik kan niet meer. ik weet het niet",
    "Ik kan niet meer, het is te veel",
    "het hoeft niet meer",
    "ik wil niet meer",
    "ik hou het niet meer vol",
    "ik denk aan zelfmoord",
    "ik heb zelfmoordgedachten",
    "Ik heb suïcidale gedachten",
    "ik ben suicidaal",
    "zelfmord",
    "er een eind aan maken lijkt me soms beter",
    "ik ga er een einde aan maken",
    "ik wil mezelf van kant maken",
    "ik wil niet meer leven",
    "ik snijd mezelf",
    "ik snij mezelf weer sinds vorige week",
    "ik wil mezelf iets aandoen",
    "soms wil ik mezelf pijn doen",
    "ik wil al mijn pillen innemen",
    "pillen innemen om te sterven",
    "ik wil slapen en nooit meer wakker worden",
    "ik wou dat ik dood was",
    "iedereen is beter af zonder mij",
    "ik zie geen uitweg meer",
    "ik heb een afscheidsbrief geschreven",
    "ik heb geen reden meer om te leven",
    "het leven heeft geen zin meer",
    "ik ben klaar met het leven",
    "ik wil voor de trein springen",
    "ik denk erover van een flat te springen",
    "ik ben levensmoe",
    "ik wil een overdosis nemen",
    "mijn baas belt steeds en ik wil dood",
    "Ik wil er nie meer zijn",
    "ik wil niet meer bestaan",
]

NEGATIVE = [
    "ik kan niet meer werken",
    "ik kan geen 8 uur werken",
    "ik kan geen 8 uur",
    "ik zie het werk niet zitten",
    "ik zie het niet zitten om maandag te gaan",
    "ik ben dood moe",
    "ik ben doodmoe",
    "Ik ben echt doodmoe vandaag",
    "mijn baas wil dat ik stop",
    "ik wil stoppen met oefenen",
    "stop",
    "ik kan niet meer dan vier uur per dag",
    "ik kan het werk niet meer aan",
    "ik kan niet",
    "ik wil niet",
    "dat hoeft niet meer, de afspraak is al geweest",
    "de herinnering hoeft niet meer",
    "ik wil er niet meer over praten",
    "ik wil doodgewoon weer aan het werk",
    "ik was vorige week doodziek",
    "ik sneed me in mijn vinger bij het koken",
    "ik ben trots op mezelf",
    "ik krijg een overdosis aan prikkels op kantoor",
    "wat gebeurt er na twee jaar ziekte",
    "ik wil mijn gegevens wissen",
    "ik kan niet meer tillen door mijn rug",
    "ik ben op",
    "echt",
    "",
]


@pytest.mark.parametrize("text", POSITIVE)
def test_crisis_phrases_are_detected(text: str) -> None:
    assert is_crisis(text), text


@pytest.mark.parametrize("text", NEGATIVE)
def test_ordinary_messages_are_not_crisis(text: str) -> None:
    assert not is_crisis(text), text


def test_enough_cases() -> None:
    assert len(POSITIVE) >= 40
    assert len(NEGATIVE) >= 20


def test_normalise_strips_case_diacritics_and_punctuation() -> None:
    assert normalise("Ik zie het  NIET meer zitten!!") == "ik zie het niet meer zitten"
    assert normalise("suïcidaal") == "suicidaal"


def test_lexicon_is_normalised() -> None:
    data = yaml.safe_load((ROOT / "content" / "crisis_lexicon.yml").read_text(encoding="utf-8"))
    assert set(data) == {"anywhere", "alone", "fillers"}
    for key, phrases in data.items():
        for phrase in phrases:
            assert phrase == normalise(phrase), f"{key}: {phrase!r} is not normalised"


def test_nlu_crisis_examples_match_lexicon_and_others_do_not() -> None:
    examples = [(label, text) for label, texts in load_examples().items() for text in texts]
    if not examples:
        pytest.skip("no NLU data")
    missed = [t for i, t in examples if i == "crisis" and not is_crisis(t)]
    flagged = [(i, t) for i, t in examples if i != "crisis" and is_crisis(t)]
    assert not missed, f"crisis examples the lexicon misses: {missed}"
    assert not flagged, f"non-crisis examples the lexicon flags: {flagged}"


def test_detector_replaces_a_classifier_crisis_guess_the_lexicon_does_not_share():
    from rasa.shared.nlu.training_data.message import Message

    from rasa_addons.crisis_component import CrisisDetector

    message = Message(data={"text": "ik kan niet meer werken"})  # the contract: mood_negative
    message.set("intent", {"name": "crisis", "confidence": 0.6})
    message.set("intent_ranking", [{"name": "crisis", "confidence": 0.6}, {"name": "mood_negative", "confidence": 0.3}])
    CrisisDetector().process([message])
    assert message.get("intent")["name"] == "mood_negative"
    lexicon_hit = Message(data={"text": "ik wil er niet meer zijn"})
    lexicon_hit.set("intent", {"name": "greet", "confidence": 0.9})
    CrisisDetector().process([lexicon_hit])
    assert lexicon_hit.get("intent") == {"name": "crisis", "confidence": 1.0}


def test_detector_replaces_an_idiom_the_classifier_read_as_crisis():
    from rasa.shared.nlu.training_data.message import Message

    from rasa_addons.crisis_component import CrisisDetector

    message = Message(data={"text": "ik lach me dood"})
    message.set("intent", {"name": "crisis", "confidence": 0.97})
    message.set("intent_ranking", [{"name": "crisis", "confidence": 0.97}, {"name": "mood_positive", "confidence": 0.02}])
    CrisisDetector().process([message])
    assert message.get("intent")["name"] == "mood_positive"


@pytest.mark.parametrize("text", ["soms wil ik dood", "eerlijk gezegd wil ik niet meer leven zo",
                                  "nu zie ik het niet meer zitten", "vandaag kan ik niet meer"])
def test_inverted_word_order_is_crisis_too(text):
    assert is_crisis(text)


@pytest.mark.parametrize("text", ["morgen wil ik niet meer naar die vergadering", "nu kan ik niet meer werken",
                                  "soms denk ik dat het werk te veel is"])
def test_inverted_word_order_keeps_everyday_talk_out(text):
    assert not is_crisis(text)


@pytest.mark.parametrize("text", ["ik heb zelfmoordgedachtne", "ik wil een ovredosis nemen", "ik wil steven",
                                  "ik wil mezlef van kant maken", "ik denk aan zelfmoordd",
                                  "pff ik zie het echt niet meer ztten", "het hoeft voor mij allemal niet meer"])
def test_a_typing_slip_in_a_long_word_is_still_crisis(text):
    assert is_crisis(text)


@pytest.mark.parametrize("text", ["ik wil sterren kijken", "ik wil een pilsje", "ik wil eten maken",
                                  "ik wil weer leren fietsen"])
def test_mending_slips_never_changes_a_letter(text):
    assert not is_crisis(text)
