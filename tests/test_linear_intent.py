"""The linear intent model and its blend with DIET's ranking."""

from __future__ import annotations

from rasa_addons.linear_intent import blend, build_pipeline


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
