"""The linear intent model and its blend with DIET's ranking."""

from __future__ import annotations

import pickle

from rasa.shared.nlu.training_data.training_data import TrainingData

from rasa_addons.linear_intent import LookupMarker, blend, build_pipeline, lookup_tables


def test_blend_weighs_both_rankings_and_sorts_best_first():
    ranking = blend({"greet": 0.6, "help": 0.4}, [{"name": "help", "confidence": 0.9}, {"name": "greet", "confidence": 0.1}],
                    weight=0.7)
    # help: 0.7 * 0.4 + 0.3 * 0.9 = 0.55 beats greet: 0.7 * 0.6 + 0.3 * 0.1 = 0.45
    assert [r["name"] for r in ranking] == ["help", "greet"]
    assert abs(ranking[0]["confidence"] - 0.55) < 1e-9


def test_blend_without_diet_is_the_linear_ranking():
    assert blend({"a": 0.2, "b": 0.8}, [], weight=0.7)[0]["name"] == "b"


def test_linear_model_learns_informal_dutch_and_copes_with_typos():
    texts = ["hoi", "hallo daar", "goeiemorgen", "hey", "wat kan je", "wat kun jij allemaal", "help",
             "hoe werkt deze bot", "doei", "tot later", "dag hoor", "ik ga weer"]
    labels = ["greet"] * 4 + ["help"] * 4 + ["goodbye"] * 4
    model = build_pipeline(10.0).fit(texts, labels)
    assert list(model.predict(["hallo", "wat kn je allemaal", "doeii"])) == ["greet", "help", "goodbye"]


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


def test_lookup_marker_stems_dutch_words_but_keeps_markers():
    marker = LookupMarker({"werk": ["gesprekken"]}, stem=True)
    assert marker("gesprekken") == "gesprek zzwerk zzeerstegesprek"


def test_lookup_tables_lets_an_unseen_medicine_point_to_medical_question():
    texts = ["mag ik ibuprofen nemen", "hoeveel oxazepam is veilig", "welke pillen helpen",
             "wat is een loonsanctie", "hoe lang krijg ik loon", "wat doet het uwv"]
    labels = ["medical_question"] * 3 + ["werkwijzer"] * 3
    tables = {"medicijn": ["ibuprofen", "oxazepam", "pillen", "sertraline"]}
    with_tables = build_pipeline(100.0, tables).fit(texts, labels)
    assert with_tables.predict(["hoe snel werkt sertraline"])[0] == "medical_question"


def test_trained_pipeline_survives_pickling():
    model = build_pipeline(10.0, {"negatief": ["moe"]}).fit(["ik ben moe", "hoi"], ["mood_negative", "greet"])
    restored = pickle.loads(pickle.dumps(model))
    assert list(restored.predict(["zo moe", "hoi hoi"])) == list(model.predict(["zo moe", "hoi hoi"]))


def test_lookup_tables_are_read_from_rasa_training_data():
    data = TrainingData(lookup_tables=[{"name": "medicijn", "elements": ["paracetamol", "ibuprofen"]},
                                       {"name": "from_file", "elements": "data/some_file.txt"}])
    assert lookup_tables(data) == {"medicijn": ["paracetamol", "ibuprofen"]}
