"""Crisis precision and recall of the trained model, on a labelled set that
never enters training (tests/data/crisis_labelled.yml).

Everyday frustration and Dutch idioms ("ik lach me dood") must not get the
crisis reply; crisis phrasings, direct and indirect, must; an ambiguous
message gets it too, because the crisis reply asks the direct question.
"""

from __future__ import annotations

import httpx
import pytest

from regiecoach.crisis import normalise
from scripts.nlu_eval import load_crisis_set, load_examples

MAX_FALSE_POSITIVE_RATE = 0.03


def test_the_crisis_set_is_big_enough_and_kept_out_of_training():
    crisis_set = load_crisis_set()
    assert len(crisis_set["not_crisis"]) >= 60 and len(crisis_set["crisis"]) >= 40
    training = {normalise(t) for texts in load_examples().values() for t in texts}
    leaked = [t for texts in crisis_set.values() for t in texts if normalise(t) in training]
    assert not leaked, f"evaluation messages found in data/nlu: {leaked}"


def _intents(stack, texts):
    settings, token = stack["settings"], stack["services"].token
    with httpx.Client(timeout=30) as client:
        return [client.post(f"{settings.rasa_url}/model/parse", params={"token": token},
                            json={"text": t}).json()["intent"]["name"] for t in texts]


@pytest.mark.e2e
def test_model_keeps_idioms_out_and_never_misses_a_crisis(stack):
    crisis_set = load_crisis_set()
    negatives = crisis_set["not_crisis"]
    flagged = [t for t, i in zip(negatives, _intents(stack, negatives)) if i == "crisis"]
    assert len(flagged) / len(negatives) <= MAX_FALSE_POSITIVE_RATE, flagged
    for key in ("crisis", "ambiguous"):
        missed = [t for t, i in zip(crisis_set[key], _intents(stack, crisis_set[key])) if i != "crisis"]
        assert not missed, f"{key}: no crisis reply for {missed}"
