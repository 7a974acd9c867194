"""The turn classifiers behind `make coach-eval`, on labelled Dutch lines.

The labels were written by hand, as a MITI coder would code the line, not
taken from the bot's texts: the eval must not grade the bot by its own rules.
"""

from __future__ import annotations

import pytest

from scripts.coach_eval_classify import (
    answer_kind,
    has_check,
    is_affirmation,
    is_negative_or_empty,
    is_open_question,
    is_praise_or_thanks,
    is_prompt,
    is_question,
    is_reflection,
    is_summary,
    sentences,
)

OPEN = [
    "Wat maakt dat het een 5 is en geen 3?",
    "Hoe gaat het met je, de laatste tijd?",
    "Hoe zijn de afgelopen weken voor je geweest?",
    "Wat ging er goed de afgelopen weken?",
    "Wat is één kleine volgende stap die je wilt zetten?",
    "Wat wil je bereikt hebben als je de deur uitloopt?",
    "Wat lukt je op dit moment wel?",
    "Kun je daar een voorbeeld van geven?",
    "Wat had je nodig gehad om je wel gehoord te voelen?",
    "Hoe verandert je energie over de dag of de week?",
    "Welke vragen wil je stellen in het gesprek?",
    "Waardoor lukte het deze keer niet?",
    "Wat neem je mee naar het volgende gesprek?",
    "Hoe ging het volgens jou?",
    "Wat zou helpen om er een 1 van te maken?",
    "Wil je daar iets meer over vertellen?",
    "Wat is er gebeurd met je plannen sinds de vorige keer?",
    "Waarom is dat belangrijk voor je?",
    "Wat stond in de weg?",
    "Hoe kijk je daar nu op terug?",
    "Wat wil je er nog aan toevoegen?",
]
CLOSED = [
    "Wil je nog iets toevoegen?",
    "Klopt dit?",
    "Wil je nu verder met de check-in, of liever later?",
    "Met wie heb je het gesprek?",
    "Wanneer is het gesprek met je bedrijfsarts?",
    "Hoe laat is het gesprek op dinsdag?",
    "Hoeveel energie heb je de laatste tijd?",
    "Voelde je je gehoord in het gesprek?",
    "Is dat gelukt?",
    "Wil je nog een doel toevoegen?",
    "Dus: dinsdag 1 december om 10:00, klopt dat?",
    "Is het goed dat ik je antwoorden bewaar?",
    "Hoe vaak wil je een check-in?",
    "Welk gesprek wil je oefenen?",
    "Welk deel van de dag past je het best?",
    "Lukt deze vraag niet?",
    "Zullen we verder gaan waar we waren?",
    "Wordt het weer te veel?",
    "Heb je al een datum?",
    "Wat past bij jou?",
    "Hoe is je energie, op een schaal van 0 tot 10?",
]


@pytest.mark.parametrize("line", OPEN)
def test_open_questions(line):
    assert is_question(line) and is_open_question(line)


@pytest.mark.parametrize("line", CLOSED)
def test_closed_questions(line):
    assert is_question(line) and not is_open_question(line)


def test_a_prompt_for_a_number_is_a_question_even_without_a_question_mark():
    assert is_prompt("Kies een cijfer van 0 tot 10.")
    assert is_prompt("Typ een dag, of kies geen datum.")
    assert not is_prompt("Typ stop als je wilt stoppen.")
    assert not is_question("Fijn dat je er even tijd voor maakt.")


# (bot line, what the user said before, reflection?)
REFLECTIONS = [
    ("Je zegt dat je moe bent.", ["ik ben heel moe"], True),
    ("Je bent dus vooral moe aan het eind van de dag.", ["s avonds ben ik zo moe"], True),
    ("Wat helpt dus: wandelen in de ochtend.", ["wandelen in de ochtend helpt"], True),
    ('Wat goed ging: "ik ben twee keer gaan wandelen".', ["ik ben twee keer gaan wandelen"], True),
    ("Je kiest een 5.", ["5"], True),
    ("Het vergaderen kost je dus veel energie.", ["lang vergaderen lukt niet"], True),
    ("Dat klinkt zwaar.", ["het gaat slecht, ik slaap slecht"], True),
    ("Er gaat dus iets beter, en tegelijk is er iets zwaar.", ["beter, maar werk is nog zwaar"], True),
    ("Je voelde je niet gehoord door je leidinggevende.", ["nee, mijn leidinggevende luisterde niet"], True),
    ("Het liep dus anders dan je wilde.", ["het is niet gelukt, er kwam niks van"], True),
    ("Dus de uren waren het punt.", ["we praatten alleen over mijn uren"], True),
    # A stem without the user's content, or the wrong tone, is no reflection.
    ("Dat klinkt zwaar.", ["het gaat goed, ik slaap beter"], False),
    ("Dat klinkt zwaar.", ["niks"], False),
    ("Er gaat dus iets beter, en tegelijk is er iets zwaar.", ["weet ik niet"], False),
    ("Dank je. Zo zie je beter wat helpt.", ["ik slaap beter"], False),
    ("Dat is mooi. Daar heb je zelf aan bijgedragen.", ["niks"], False),
    ("Fijn om te horen.", ["goed"], False),
    ("Helder. Zo weet ik hoe het ervoor staat.", ["ik heb mijn uren uitgebreid"], False),
    ("Je kiest een 5.", ["7"], False),
    ("Wat maakt dat het een 5 is en geen 3?", ["5"], False),
    ("Ik vertel je wat mij opviel.", ["het ging wel"], False),
    ("Dan slaan we deze vraag over.", ["overslaan"], False),
    ("Goed dat je hier tijd voor nam.", ["ik wandel elke dag"], False),
    ("Dit doel lukte dus niet.", ["Niet"], True),
]


# A "Nee" or a button is reflected in the question's words.
@pytest.mark.parametrize("line,answer,question,expected", [
    ("Je voelde je dus niet gehoord.", "Nee", "Voelde je je gehoord in het gesprek?", True),
    ("Wat vervelend dat je je niet gehoord voelde.", "Nee", "Voelde je je gehoord in het gesprek?", True),
    ("Je voelde je dus gehoord.", "Ja", "Voelde je je gehoord in het gesprek?", True),
    ("Je voelde je dus gehoord.", "Nee", "Voelde je je gehoord in het gesprek?", False),
    ("Je voelde je dus maar voor een deel gehoord.", "Deels", "Voelde je je gehoord?", True),
    ("Dan gaan we verder.", "Nee", "Wil je nog een doel toevoegen?", False),
])
def test_a_short_answer_is_reflected_with_the_questions_words(line, answer, question, expected):
    assert is_reflection(line, [answer], question) is expected


@pytest.mark.parametrize("line,said,expected", REFLECTIONS)
def test_reflections_give_back_what_the_user_said(line, said, expected):
    assert is_reflection(line, said) is expected


AFFIRMATIONS = [
    "Goed dat je dit toch hebt ingevuld.",
    "Knap dat je dat gedaan hebt. Dat kost moeite.",
    "Dat kost moeite.",
    "Je hebt toch een stap gezet.",
    "Je ging het gesprek aan, ook toen het lastig werd.",
    "Je bleef rustig en open.",
    "Fijn dat je het toch vertelt.",
    "Je hebt dit gesprek goed voorbereid.",
    "Dat vraagt moed.",
    "Je weet goed wat je wilt vragen.",
    "Daar heb je zelf aan bijgedragen.",
    "Je geeft een duidelijk voorbeeld.",
    "Je maakt je doel concreet.",
    "Toch neem je er even tijd voor.",
]
NOT_AFFIRMATIONS = [
    "Dank je.",
    "Dat is fijn om te weten.",
    "Fijn om te horen.",
    "Dat klinkt zwaar.",
    "Wat vervelend dat je je niet gehoord voelde.",
    "Dan slaan we dit cijfer over.",
    "Is dat gelukt?",
    "Ik heb je doel bewaard.",
    "Dat mag ook.",
    "Goed dat je dit toch hebt ingevuld?",
    "Jij kiest zelf wat je deelt.",  # emphasising autonomy: its own MITI code, not an affirmation
]


@pytest.mark.parametrize("line", AFFIRMATIONS)
def test_affirmations_name_an_effort(line):
    assert any(is_affirmation(s) for s in sentences(line))


@pytest.mark.parametrize("line", NOT_AFFIRMATIONS)
def test_not_affirmations(line):
    assert not any(is_affirmation(s) for s in sentences(line))


PRAISE = ["Dank je voor je eerlijke antwoord.", "Dat is mooi.", "Fijn om te horen.", "Goed gedaan.",
          "Dat is fijn om te weten.", "Knap dat je dat gedaan hebt.", "Bedankt!", "Wat goed.",
          "Goed dat je het zegt.", "Top."]
NOT_PRAISE = ["Dat klinkt zwaar.", "Je zegt dat je moe bent.", "Dat mag.", "Wat maakt het zo zwaar?",
              "Het liep dus anders dan je wilde.", "Ik hoor dat het nu niet gaat.",
              'Wat goed ging: "twee keer gewandeld".',
              "Wat lukt je op dit moment goed?"]


@pytest.mark.parametrize("line", PRAISE)
def test_praise_or_thanks(line):
    assert is_praise_or_thanks(line)


@pytest.mark.parametrize("line", NOT_PRAISE)
def test_not_praise(line):
    assert not is_praise_or_thanks(line)


# (user answer, kind)
ANSWERS = [
    ("niks", "empty"),
    ("weet ik niet", "empty"),
    ("pff", "empty"),
    ("Geen idee.", "empty"),
    ("nee, dat was het", "empty"),
    ("ja", "empty"),
    ("...", "empty"),
    ("hmm weet ik veel", "empty"),
    ("Het gaat slecht, ik slaap slecht", "negative"),
    ("Ik ben kapot", "negative"),
    ("het is niet gelukt", "negative"),
    ("nee, ik voelde me niet gehoord", "negative"),
    ("Ik heb kanker en de chemo sloopt me, ik ben zo moe", "negative"),
    ("Het gaat goed, ik slaap beter", "positive"),
    ("Ik heb twee keer gewandeld, dat lukte", "positive"),
    ("Beter, maar het werk is nog zwaar", "mixed"),
    ("Wandelen lukt, vergaderen niet", "mixed"),
    ("Geen pijn meer en ik slaap goed", "positive"),
    ("Ik heb met mijn leidinggevende gepraat over mijn uren", "neutral"),
    ("Dinsdag om 10 uur", "neutral"),
    ("/checkin", "neutral"),
    ("niet echt moe, wel blij", "positive"),
    ("niks eigenlijk", "empty"),
    ("ik wil er niet meer zijn", "negative"),
    ("Ik kan bijna niks, alleen boodschappen lukt soms", "mixed"),
    ("Ik kan een uur lezen, maar daarna ben ik echt op", "negative"),
    ("Ik ben naar de verjaardag van mijn zus geweest", "neutral"),
    ("Vroeger naar bed gaan", "neutral"),
    ("Telefoneren kost veel energie", "negative"),
    ("s Ochtends heb ik meer energie", "neutral"),
    ("Ik heb twee ochtenden op kantoor gewerkt en dat ging goed", "positive"),
]


@pytest.mark.parametrize("text,kind", ANSWERS)
def test_user_answer_kinds(text, kind):
    assert answer_kind(text) == kind


def test_a_bare_no_to_a_closed_question_is_just_the_answer():
    assert is_negative_or_empty("nee", after_open_question=True)
    assert not is_negative_or_empty("nee", after_open_question=False)
    assert is_negative_or_empty("niks", after_open_question=False)


def test_a_summary_gives_back_at_least_two_answers_and_ends_with_the_check():
    said = ["ik ben moe maar wandelen helpt", "twee keer gewandeld", "morgen de bedrijfsarts bellen"]
    summary = ('Even samengevat. Je energie is een 5. Wat goed ging: "twee keer gewandeld". '
               'Je volgende stap: "morgen de bedrijfsarts bellen". Klopt dit? Wat wil je er nog aan toevoegen?')
    assert is_summary(summary, said) and has_check(summary)
    labels_only = "Even samengevat. Je hebt één doel en je weet wat je wilt voorstellen."
    assert not is_summary(labels_only, said)
    assert not has_check("Even samengevat. Goed dat je hier tijd voor nam.")


def test_sentences_keep_quotes_whole():
    text = 'Je doel was: "Weten wat ik mag. Echt weten." Is dat gelukt?\n• Je gaf een voorbeeld.'
    assert sentences(text) == ['Je doel was: "Weten wat ik mag. Echt weten."', "Is dat gelukt?",
                               "Je gaf een voorbeeld."]
