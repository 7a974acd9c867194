"""NLU component: the crisis lexicon decides the `crisis` intent.

A lexicon match sets intent `crisis` (confidence 1.0) whatever the classifier
said. A classifier's crisis guess without a lexicon match is replaced by its
next intent: measured on tests/data/crisis_labelled.yml, those guesses were
idioms and everyday frustration ("ik lach me dood", "ik wil niet meer naar die
vergaderingen"; 12 of 66, some at 0.97) and caught no crisis the lexicon
missed. The bridge checks the same lexicon before Rasa.

Placed last in the NLU pipeline (after the classifiers and the
FallbackClassifier), so a crisis message is never turned into nlu_fallback.
"""

from __future__ import annotations

from typing import Any, Dict, List

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from regiecoach.crisis import is_crisis


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False
)
class CrisisDetector(GraphComponent):
    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> CrisisDetector:
        return cls()

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            if text.startswith("/"):
                continue
            if not is_crisis(text):
                _demote_crisis(message)
                continue
            crisis = {"name": "crisis", "confidence": 1.0}
            ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") != "crisis"]
            message.set(INTENT, crisis, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [crisis] + ranking, add_to_output=True)
        return messages


def _demote_crisis(message: Message) -> None:
    """A classifier guessed crisis where the lexicon sees none: take its next
    intent instead."""
    intent = message.get(INTENT) or {}
    if intent.get("name") != "crisis":
        return
    ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") not in ("crisis", "nlu_fallback")]
    fallback = {"name": "mood_negative", "confidence": 1.0}
    message.set(INTENT, ranking[0] if ranking else fallback, add_to_output=True)
    message.set(INTENT_RANKING_KEY, ranking or [fallback], add_to_output=True)
