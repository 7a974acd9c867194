"""NLU component: sets intent `crisis` (confidence 1.0) on a lexicon match.

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

from bot.crisis import is_crisis, is_known_not_crisis


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
            if is_known_not_crisis(text):
                _demote_crisis(message)
                continue
            if not is_crisis(text):
                continue
            crisis = {"name": "crisis", "confidence": 1.0}
            ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") != "crisis"]
            message.set(INTENT, crisis, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [crisis] + ranking, add_to_output=True)
        return messages


def _demote_crisis(message: Message) -> None:
    """A classifier guessed crisis for a phrasing the contract names as not
    crisis ("ik kan niet meer werken"): take the next intent instead."""
    intent = message.get(INTENT) or {}
    if intent.get("name") != "crisis":
        return
    ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") not in ("crisis", "nlu_fallback")]
    fallback = {"name": "mood_negative", "confidence": 1.0}
    message.set(INTENT, ranking[0] if ranking else fallback, add_to_output=True)
    message.set(INTENT_RANKING_KEY, ranking or [fallback], add_to_output=True)
