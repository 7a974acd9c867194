"""The linear intent model: Dutch preprocessing, typo robustness, topics in
Rasa's response-selector format, and storage without pickle."""

from __future__ import annotations

import random

import numpy as np
import pytest
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from rasa_addons.linear_intent import (
    LinearIntentClassifier,
    LinearIntentModel,
    LookupMarker,
    intent_ranking,
    lookup_tables,
    typo_variant,
)


def test_linear_model_learns_informal_dutch_and_copes_with_typos():
    texts = ["hoi", "hallo daar", "goeiemorgen", "hey", "wat kan je", "wat kun jij allemaal", "help",
             "hoe werkt deze bot", "doei", "tot later", "dag hoor", "ik ga weer"]
    labels = ["greet"] * 4 + ["help"] * 4 + ["goodbye"] * 4
    model = LinearIntentModel(10.0).fit(texts, labels)
    assert model.predict(["hallo", "wat kn je allemaal", "doeii"]) == ["greet", "help", "goodbye"]


def test_typo_variant_makes_one_slip_in_one_long_word_only():
    rng = random.Random(1)
    for _ in range(50):
        noisy = typo_variant("ik heb morgen een afspraak", rng)
        changed = [(a, b) for a, b in zip("ik heb morgen een afspraak".split(), noisy.split()) if a != b]
        assert len(changed) == 1 and changed[0][0] in ("morgen", "afspraak")
        assert abs(len(changed[0][0]) - len(changed[0][1])) <= 1
    assert typo_variant("ja nee", rng) == "ja nee"


def test_lookup_marker_gives_every_item_of_a_table_the_same_marker():
    marker = LookupMarker({"plan_van_aanpak": ["plan van aanpak", "pva"], "medicijn": ["paracetamol"]})
    assert marker("Wat is een PvA?").endswith("zzplanvanaanpak zzeerstewat")
    assert "zzplanvanaanpak" in marker("wie schrijft het plan van aanpak")
    assert "zzmedicijn" in marker("Hoeveel paracetamol mag ik?")
    assert "zz" not in marker("hoi").replace("zzeerstehoi", "")


def test_lookup_marker_flips_mood_words_after_a_negation():
    marker = LookupMarker({"positief": ["energie", "goed"], "negatief": ["pijn"]})
    assert "zznegatief" in marker("ik heb geen energie")
    assert "zznegatief" in marker("het gaat minder goed")
    assert "zzpositief" in marker("minder pijn vandaag")
    assert "zzpositief" in marker("ik heb weer energie")


def test_a_negation_reaches_a_few_words_ahead_but_not_past_a_new_thought():
    marker = LookupMarker({"positief": ["goed", "zin in", "blij"], "negatief": ["moe"]})
    assert "zzpositief" not in marker("het gaat niet zo goed")
    assert "zznegatief" in marker("nee eerlijk gezegd niet echt goed")
    assert "zznegatief" in marker("ik heb nergens zin in")
    # "niet moe" is good news, and "maar wel" keeps the negation off "blij"
    assert marker("ik ben niet moe maar wel blij").split().count("zzpositief") == 2
    assert "zznegatief" not in marker("niet dat ik het wist, ik ben blij")


def test_words_after_a_mood_word_can_turn_it_around():
    marker = LookupMarker({"positief": ["energie", "lukt"], "negatief": ["pijn", "klachten"]})
    assert "zzpositief" in marker("de pijn wordt minder")
    assert "zzpositief" in marker("mijn klachten zijn weg")
    assert "zznegatief" in marker("mijn energie is weg")
    assert "zznegatief" in marker("het lukt me niet")
    # two turns cancel out, and a new thought stops the reach
    assert "zzpositief" not in marker("de pijn gaat niet weg")
    assert "zznegatief" not in marker("het lukt, maar niet altijd")
    assert "zzpositief" not in marker("ik heb pijn en ben weg van de muziek")


def test_lookup_marker_stems_dutch_words_but_keeps_markers():
    marker = LookupMarker({"werk": ["gesprekken"]}, stem=True)
    assert marker("gesprekken") == "gesprek zzwerk zzeerstegesprek"


def test_lookup_tables_lets_an_unseen_medicine_point_to_medical_question():
    texts = ["mag ik ibuprofen nemen", "hoeveel oxazepam is veilig", "welke pillen helpen",
             "wat is een loonsanctie", "hoe lang krijg ik loon", "wat doet het uwv"]
    labels = ["medical_question"] * 3 + ["werkwijzer"] * 3
    tables = {"medicijn": ["ibuprofen", "oxazepam", "pillen", "sertraline"]}
    model = LinearIntentModel(100.0, tables).fit(texts, labels)
    assert model.predict(["hoe snel werkt sertraline"]) == ["medical_question"]


def test_topics_add_up_to_their_intent():
    ranking = intent_ranking(["greet", "werkwijzer/loon", "werkwijzer/wia"], np.array([0.4, 0.35, 0.25]))
    assert ranking[0] == {"name": "werkwijzer", "confidence": pytest.approx(0.6)}
    assert ranking[1]["name"] == "greet"


def test_saved_model_loads_without_pickle_and_predicts_the_same(tmp_path):
    model = LinearIntentModel(10.0, {"negatief": ["moe"]}).fit(["ik ben moe", "hoi"], ["mood_negative", "greet"])
    model.save(tmp_path)
    assert not list(tmp_path.glob("*.pkl"))
    restored = LinearIntentModel.load(tmp_path)
    assert restored.predict(["zo moe", "hoi hoi"]) == model.predict(["zo moe", "hoi hoi"])


def test_a_model_file_with_foreign_types_is_refused(tmp_path):
    import skops.io as sio

    model = LinearIntentModel(10.0).fit(["ja", "nee"], ["affirm", "deny"])
    model.save(tmp_path)
    sio.dump({"x": random.Random(1)}, tmp_path / "linear_intent.skops")  # not our pipeline
    with pytest.raises(ValueError, match="unexpected types"):
        LinearIntentModel.load(tmp_path)


def test_component_gives_intent_and_werkwijzer_topic_like_a_response_selector(tmp_path):
    storage = LocalModelStorage(tmp_path)
    resource = Resource("linear")
    examples = [Message(data={"text": t, "intent": "greet"}) for t in ("hoi", "hallo", "goedemorgen")]
    examples += [Message(data={"text": t, "intent": "werkwijzer", "intent_response_key": "werkwijzer/loon"})
                 for t in ("krijg ik loon als ik ziek ben", "hoeveel salaris krijg ik", "loon bij ziekte")]
    examples += [Message(data={"text": t, "intent": "werkwijzer", "intent_response_key": "werkwijzer/wia"})
                 for t in ("wat is de wia", "wanneer vraag ik wia aan", "wia aanvraag")]
    responses = {"utter_werkwijzer/loon": [{"text": "Je krijgt minstens 70 procent."}],
                 "utter_werkwijzer/wia": [{"text": "De WIA vraag je aan bij het UWV."}]}
    data = TrainingData(training_examples=examples, responses=responses)
    component = LinearIntentClassifier.create({"C": 10.0}, storage, resource, None)  # type: ignore[arg-type]
    component.train(data)
    loaded = LinearIntentClassifier.load({"C": 10.0}, storage, resource, None)  # type: ignore[arg-type]
    message = Message(data={"text": "hoeveel loon krijg ik"})
    loaded.process([message])
    assert message.get("intent")["name"] == "werkwijzer"
    chosen = message.get("response_selector")["werkwijzer"]["response"]
    assert chosen["intent_response_key"] == "werkwijzer/loon"
    assert chosen["utter_action"] == "utter_werkwijzer/loon"
    assert chosen["responses"][0]["text"].startswith("Je krijgt")


def test_lookup_tables_are_read_from_rasa_training_data():
    data = TrainingData(lookup_tables=[{"name": "medicijn", "elements": ["paracetamol", "ibuprofen"]},
                                       {"name": "from_file", "elements": "data/some_file.txt"}])
    assert lookup_tables(data) == {"medicijn": ["paracetamol", "ibuprofen"]}
