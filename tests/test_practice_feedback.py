"""The practice feedback analysis: four skills per turn and per attempt."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from actions.practice_feedback import (
    SKILLS,
    SkillScores,
    analyse_attempt,
    analyse_turn,
    best_sentence,
    fragment_for,
    only_refuses,
    shorten,
)

ROOT = Path(__file__).resolve().parent.parent
LABELLED = ROOT / "tests" / "data" / "practice_labelled.yml"


def _load(part: str) -> list[dict]:
    return yaml.safe_load(LABELLED.read_text(encoding="utf-8"))[part]


def _precision_recall(items: list[dict], skill: str) -> tuple[float, float]:
    tp = fp = fn = 0
    for item in items:
        gold, guess = bool(item[skill]), getattr(analyse_turn(item["text"]), skill)
        tp += gold and guess
        fp += guess and not gold
        fn += gold and not guess
    return tp / max(tp + fp, 1), tp / max(tp + fn, 1)


def test_labelled_set_is_large_varied_and_has_a_held_out_part():
    dev, heldout = _load("dev"), _load("heldout")
    items = dev + heldout
    assert len(items) >= 100
    assert len(heldout) >= 0.2 * len(items)
    assert len({item["text"] for item in items}) == len(items)  # no duplicates
    for item in items:
        assert set(SKILLS) <= set(item), item
    for skill in SKILLS:  # both classes present for every skill
        assert 0 < sum(bool(item[skill]) for item in items) < len(items)


@pytest.mark.parametrize("part", ["dev", "heldout"])
@pytest.mark.parametrize("skill", SKILLS)
def test_precision_and_recall_at_least_0_8(part, skill):
    precision, recall = _precision_recall(_load(part), skill)
    assert precision >= 0.8, f"{skill} precision {precision:.2f} on {part}"
    assert recall >= 0.8, f"{skill} recall {recall:.2f} on {part}"


def test_eval_script_prints_one_line_per_skill():
    out = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "practice_eval.py")], capture_output=True, text=True, check=True
    ).stdout.strip().splitlines()
    total = len(_load("dev")) + len(_load("heldout"))
    assert [line.split()[0] for line in out] == [f"skill={skill}" for skill in SKILLS]
    for line in out:
        fields = dict(part.split("=") for part in line.split())
        assert fields["n"] == str(total)
        assert len(fields["precision"]) == 4 and len(fields["recall"]) == 4  # 0.xx


def test_only_saying_i_cant_shows_no_skill_but_is_calm():
    scores = analyse_turn("Ik kan niet werken, echt niet.")
    assert scores == SkillScores(examples=False, both=False, proposal=False, calm=True)
    assert only_refuses("Ik kan niet werken, echt niet.")
    assert only_refuses("k kan nie meer")  # chat spelling


def test_concrete_example_with_time_or_task():
    assert analyse_turn("Na een uur achter de computer krijg ik hoofdpijn.").examples
    assert analyse_turn("ik kan 2 uurtjes per dag").examples
    assert analyse_turn("Als ik boodschappen doe, lig ik de rest van de dag op de bank.").examples
    assert not analyse_turn("Ik doe echt mijn best.").examples
    assert not only_refuses("Na een uur lezen krijg ik hoofdpijn.")


def test_both_needs_can_and_cant():
    assert analyse_turn("Mails beantwoorden lukt wel, maar vergaderen nog niet.").both
    assert analyse_turn("In de ochtend kan ik wat, na de lunch is mijn energie op.").both
    assert not analyse_turn("Vergaderen lukt niet.").both
    assert not analyse_turn("Mails beantwoorden lukt wel.").both


def test_proposal_and_step_plan():
    assert analyse_turn("Ik stel voor dat ik begin met twee ochtenden.").proposal
    assert analyse_turn("wat als ik eerst thuis werk en dan opbouw?").proposal
    assert analyse_turn("Zou ik kunnen beginnen met een uur per dag?").proposal
    assert analyse_turn("Ik wil een second opinion vragen.").proposal
    assert not analyse_turn("Ik kan het niet.").proposal


def test_not_calm_on_insults_shouting_and_exclamation_marks():
    assert not analyse_turn("Dit is belachelijk").calm
    assert not analyse_turn("belachlijk gewoon").calm  # typo
    assert not analyse_turn("IK KAN NIET WERKEN").calm
    assert not analyse_turn("Je snapt er helemaal niks van").calm
    assert not analyse_turn("Dat is niet eerlijk!!!").calm
    assert not analyse_turn("verdomme zeg").calm
    assert analyse_turn("Ik voel me niet gehoord, dat vind ik lastig.").calm
    assert analyse_turn("Het UWV en de AVG zeggen iets anders.").calm  # capitals of names are not shouting


def test_diacritics_do_not_matter():
    assert analyse_turn("Ik stel voor: één uur per dag, daarna opbouwen") == analyse_turn(
        "Ik stel voor: een uur per dag, daarna opbouwen"
    )


def test_attempt_counts_a_skill_shown_in_any_turn_and_calm_only_if_every_turn_was():
    turns = ["Ik kan niet.", "Na een uur lezen ben ik op.", "Zou ik kunnen beginnen met een uur per dag?"]
    scores = analyse_attempt(turns)
    assert scores.examples and scores.proposal and scores.calm
    assert scores.count() == 3 and scores.missing() == ["both"]
    assert not analyse_attempt(turns + ["Dit is belachelijk!!!"]).calm
    assert analyse_attempt([]).count() == 1  # nothing said: only calm


def test_shorten_and_fragment_quote_at_most_60_chars():
    long = "Ik stel voor dat ik de eerste drie weken twee ochtenden per week van twee uur thuis werk."
    short = shorten(long)
    assert len(short) <= 60 and short.endswith("…")
    assert shorten("Kort.") == "Kort."
    turns = ["Ik kan niet.", "Het is zwaar. " + long]
    quote = fragment_for(turns, "proposal")
    assert quote is not None and quote.startswith("Ik stel voor") and len(quote) <= 60
    assert fragment_for(["Ik kan niet."], "proposal") is None


def test_best_sentence_skips_angry_sentences():
    turns = ["Dit is belachelijk, ik stel voor dat jullie oprotten!!!", "Mails lukken wel, bellen niet."]
    assert best_sentence(turns) == "Mails lukken wel, bellen niet."
    assert best_sentence(["Ik kan niet."]) is None
