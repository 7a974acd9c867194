"""The intent classifier and Werkwijzer topic selector: TF-IDF on Dutch word
stems and character n-grams, with logistic regression.

One model learns the intents and the Werkwijzer topics together: its labels
are the intents plus `werkwijzer/<topic>`. The intent's confidence is the sum
over its labels, and the topic comes out in Rasa's response-selector format,
so `utter_werkwijzer` and the NLU contract work as with a ResponseSelector.
On this project's data (short, informal Dutch) it scores as well as DIET
blended with it and trains in seconds instead of many minutes (measurements:
results/nlu_eval.md, config.yml).

The model is stored without pickle: the scikit-learn part with skops (only
the types listed in SAFE_TYPES are loaded), the word lists as JSON.
"""

from __future__ import annotations

import json
import logging
import random
import re
from collections import Counter
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, NamedTuple, Optional, Sequence, Tuple

import numpy as np
import skops.io as sio
import snowballstemmer
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import (
    RESPONSE_SELECTOR_DEFAULT_INTENT,
    RESPONSE_SELECTOR_PREDICTION_KEY,
    RESPONSE_SELECTOR_PROPERTY_NAME,
    RESPONSE_SELECTOR_RANKING_KEY,
    RESPONSE_SELECTOR_RESPONSES_KEY,
    RESPONSE_SELECTOR_RETRIEVAL_INTENTS,
    RESPONSE_SELECTOR_UTTER_ACTION_KEY,
)
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_RANKING_KEY,
    INTENT_RESPONSE_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from skops.io.exceptions import UntrustedTypesFoundException

from regiecoach.crisis import normalise

log = logging.getLogger(__name__)
MODEL_FILE = "linear_intent.skops"
META_FILE = "linear_intent.json"
# Words that turn the polarity of a mood word shortly after them around.
NEGATORS = frozenset({"niet", "nie", "ni", "geen", "weinig", "minder", "nauwelijks", "amper", "nooit", "zonder",
                      "nergens", "niks", "niets"})
# A negation reaches this many words ahead ("niet zo goed", "geen echte energie"),
# but not past a word that starts a new thought ("niet moe maar wel blij").
NEGATION_REACH = 3
NEGATION_STOPS = frozenset({"maar", "wel", "en", "want", "dus", "toch", "alleen"})
POSITIVE, NEGATIVE = "positief", "negatief"
# Words after a mood word that turn it around ("de pijn wordt minder"), and
# negators that do so after a positive word ("het lukt me niet").
POST_REACH = 3
POST_TURNS = frozenset({"minder", "weg", "verdwenen", "afgenomen", "gezakt"})
POST_NEGATORS = frozenset({"niet", "nie", "niks", "niets", "nauwelijks", "amper"})
# The only types skops may rebuild when a model is loaded: our own pipeline.
SAFE_TYPES = frozenset({
    "builtins.slice", "numpy.float64", "numpy.int64", "numpy.dtype", "numpy.ndarray",
    "scipy.sparse._csr.csr_matrix", "sklearn.compose._column_transformer.ColumnTransformer",
    "sklearn.feature_extraction.text.TfidfTransformer", "sklearn.feature_extraction.text.TfidfVectorizer",
    "sklearn.linear_model._logistic.LogisticRegression", "sklearn.pipeline.Pipeline",
})


class LookupMarker:
    """Text preprocessor: normalises a message and appends one marker word per
    lookup table (data/nlu/lookups.yml) that matches, e.g. "zzmedicijn".

    Every item of one table then counts as the same word, so a medicine or an
    abbreviation the training sentences never used still points the right way.
    The `positief` and `negatief` tables are mood words: a negator shortly
    before one flips it ("geen energie" and "niet zo goed" are negative,
    "minder pijn" positive).
    With `stem=True` the words are also reduced to their Dutch stem. A last
    marker names the first word ("zzeerstehoe"): "hoe bereid ik me voor" asks
    for tips (werkwijzer), "help me voorbereiden" asks to prepare a meeting.
    """

    def __init__(self, tables: Dict[str, List[str]], stem: bool = False) -> None:
        self.tables = {name: sorted({normalise(w) for w in words} - {""}, key=len, reverse=True)
                       for name, words in tables.items()}
        self.stem = stem
        self._patterns = _patterns(self.tables)
        # The same lists matched on Dutch stems too, so "fijne" finds "fijn"
        # and "huilen" finds "huil" (chosen by inner CV: +0.1 point).
        self._stem_patterns = _patterns({name: [" ".join(_stemmer().stemWords(w.split())) for w in words]
                                         for name, words in self.tables.items()})

    def markers(self, text: str) -> List[str]:
        found: List[str] = ["zzgebrabbel"] if any(is_gibberish(w) for w in text.split()) else []
        plain = Counter(_matches(self._patterns, text, PLAIN_TURNERS))
        stemmed = Counter(_matches(self._stem_patterns, " ".join(_stemmer().stemWords(text.split())),
                                   _stemmed_turners()))
        # Each marker as often as the plain or the stemmed match counts it, not both added up.
        return found + sorted((plain | stemmed).elements())

    def __call__(self, text: str) -> str:
        normalised = normalise(text)
        words = normalised.split()
        if self.stem:
            words = _stemmer().stemWords(words)
        first = ["zzeerste" + words[0]] if words else []
        return " ".join(words + self.markers(normalised) + first)


def _patterns(tables: Dict[str, List[str]]) -> Dict[str, re.Pattern[str]]:
    return {name: re.compile(r"\b(?:" + "|".join(re.escape(w) for w in sorted(set(words) - {""}, key=len,
                                                                               reverse=True)) + r")\b")
            for name, words in tables.items() if set(words) - {""}}


class Turners(NamedTuple):
    """The word sets that turn a mood word around, as plain words or as stems."""
    negators: frozenset = NEGATORS
    stops: frozenset = NEGATION_STOPS
    post_turns: frozenset = POST_TURNS
    post_negators: frozenset = POST_NEGATORS


PLAIN_TURNERS = Turners()


@lru_cache(maxsize=1)
def _stemmed_turners() -> Turners:
    return Turners(*(frozenset(_stemmer().stemWords(sorted(words))) for words in PLAIN_TURNERS))


def _matches(patterns: Dict[str, re.Pattern[str]], text: str, turners: Turners) -> List[str]:
    """One marker per match; a negated mood word counts as the opposite mood."""
    found = []
    for name, pattern in patterns.items():
        for match in pattern.finditer(text):
            label = name
            if name in (POSITIVE, NEGATIVE) and (
                    negated(text[: match.start()].split(), turners.negators, turners.stops)
                    != turned_after(text[match.end():].split(), name, turners)):
                label = NEGATIVE if name == POSITIVE else POSITIVE
            found.append("zz" + label.replace("_", ""))
    return found


def negated(words_before: List[str], negators: frozenset = NEGATORS, stops: frozenset = NEGATION_STOPS) -> bool:
    """Whether a negator stands within NEGATION_REACH words before a mood word."""
    for word in reversed(words_before[-NEGATION_REACH:]):
        if word in negators:
            return True
        if word in stops:
            return False
    return False


def turned_after(words_after: List[str], mood: str, turners: Turners = PLAIN_TURNERS) -> bool:
    """Whether the words just after a mood word turn it around: "de pijn wordt
    minder", "mijn energie is weg", "het lukt me niet". Two turns cancel out:
    "de pijn gaat niet weg" stays negative."""
    window: List[str] = []
    for word in words_after[:POST_REACH]:
        if word in turners.stops:
            break
        window.append(word)
    turns = sum(word in turners.post_turns for word in window)
    negators = sum(word in turners.post_negators for word in window)
    if mood == POSITIVE:
        return (turns + negators) % 2 == 1
    # After a negative word a negator only cancels a turn: "de pijn is niet weg".
    return turns % 2 == 1 and negators % 2 == 0


VOWELS = frozenset("aeiouy")
# Sounds people type on purpose: a sigh or a laugh is not keyboard mashing.
INTERJECTION = re.compile(r"^(?:p+f+|h*m+|hm+|z+|s+t+|g+r+|b+r+|ps+t|(?:ha|he|hi|ho)+h?)$")


def is_gibberish(word: str) -> bool:
    """Keyboard mashing: no vowel in 3 or more letters ("qqq", "xxxx"), or one
    short piece typed over and over ("jkjkjk", "asdasdasd")."""
    if len(word) < 3 or not word.isalpha() or INTERJECTION.match(word):
        return False
    if not VOWELS & set(word):
        return True
    return any(len(word) >= 3 * n and word == (word[:n] * len(word))[: len(word)] for n in (1, 2, 3))


@lru_cache(maxsize=1)
def _stemmer() -> Any:
    return snowballstemmer.stemmer("dutch")


def typo_variant(text: str, rng: random.Random) -> str:
    """The text with one typing slip in one long word (two letters swapped, or
    one dropped), as people type on a phone. Unchanged without a long word."""
    words = text.split(" ")
    long_words = [i for i, w in enumerate(words) if len(w) >= 6 and w.isalpha()]
    if not long_words:
        return text
    i = rng.choice(long_words)
    word = words[i]
    at = rng.randrange(1, len(word) - 1)
    if rng.random() < 0.5 and word[at] != word[at + 1]:
        word = word[:at] + word[at + 1] + word[at] + word[at + 2:]
    else:
        word = word[:at] + word[at + 1:]
    words[i] = word
    return " ".join(words)


def lookup_tables(training_data: TrainingData) -> Dict[str, List[str]]:
    tables: Dict[str, List[str]] = {}
    for table in training_data.lookup_tables or []:
        elements = table.get("elements")
        if isinstance(elements, list):
            tables.setdefault(table["name"], []).extend(str(e) for e in elements)
    return tables


class LinearIntentModel:
    """Word-stem and character n-gram TF-IDF with logistic regression, on
    messages normalised by LookupMarker. Knows nothing of Rasa."""

    def __init__(self, c: float, tables: Optional[Dict[str, List[str]]] = None, augment: bool = True,
                 pipeline: Optional[Pipeline] = None) -> None:
        self.c = c
        self.tables = tables or {}
        self.augment = augment
        self.words = LookupMarker(self.tables, stem=True)
        self.chars = LookupMarker(self.tables)
        self.pipeline = pipeline

    def _columns(self, texts: Sequence[str]) -> np.ndarray:
        return np.array([[self.words(t), self.chars(t)] for t in texts], dtype=object).reshape(-1, 2)

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> LinearIntentModel:
        texts, labels = list(texts), list(labels)
        if self.augment:
            # One copy with a typing slip per example: robust to typos, and
            # on the inner cross-validation no worse on clean text.
            rng = random.Random(7)
            texts, labels = texts + [typo_variant(t, rng) for t in texts], labels + labels
        features = ColumnTransformer([
            ("words", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, lowercase=False), 0),
            # min_df=2: n-grams seen once are noise; 2.4x faster, same accuracy.
            ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 6), sublinear_tf=True, lowercase=False,
                                      min_df=2), 1),
        ])
        classifier = LogisticRegression(C=self.c, max_iter=3000, class_weight="balanced", random_state=42)
        self.pipeline = Pipeline([("features", features), ("classifier", classifier)])
        self.pipeline.fit(self._columns(texts), labels)
        return self

    @property
    def classes(self) -> List[str]:
        assert self.pipeline is not None
        return [str(c) for c in self.pipeline.classes_]

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        assert self.pipeline is not None
        return np.asarray(self.pipeline.predict_proba(self._columns(texts)))

    def predict(self, texts: Sequence[str]) -> List[str]:
        classes = self.classes
        return [classes[i] for i in self.predict_proba(texts).argmax(axis=1)]

    def save(self, directory: Path) -> None:
        sio.dump(self.pipeline, directory / MODEL_FILE)
        meta = {"c": self.c, "tables": self.tables, "augment": self.augment}
        (directory / META_FILE).write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> LinearIntentModel:
        path = directory / MODEL_FILE
        # One pass: skops refuses any type that is neither its own trusted
        # default nor in SAFE_TYPES (asking get_untrusted_types first read the
        # whole file twice: about a second of every Rasa start).
        try:
            pipeline = sio.load(path, trusted=sorted(SAFE_TYPES))
        except UntrustedTypesFoundException as error:
            raise ValueError(f"unexpected types in {path.name}: {error}") from error
        # Scoring multiplies the sparse features by coef_.T. With coef_ in
        # Fortran order that transpose is C-contiguous, so scipy uses it in
        # place instead of copying the whole matrix each parse: 12 -> 4 ms a
        # message, the same numbers.
        classifier = pipeline.steps[-1][1]
        classifier.coef_ = np.asfortranarray(classifier.coef_)
        meta = json.loads((directory / META_FILE).read_text(encoding="utf-8"))
        return cls(float(meta["c"]), meta["tables"], bool(meta["augment"]), pipeline=pipeline)


def intent_ranking(classes: Sequence[str], row: np.ndarray) -> List[Dict[str, Any]]:
    """Probabilities per intent, best first: `werkwijzer/<topic>` labels add
    up to `werkwijzer`."""
    totals: Dict[str, float] = {}
    for label, p in zip(classes, row):
        name = label.split("/")[0]
        totals[name] = totals.get(name, 0.0) + float(p)
    return [{"name": n, "confidence": c} for n, c in sorted(totals.items(), key=lambda kv: -kv[1])]


def topic_ranking(classes: Sequence[str], row: np.ndarray, retrieval_intent: str) -> List[Tuple[str, float]]:
    """The retrieval intent's topics, renormalised to sum to 1, best first."""
    topics = [(label, float(p)) for label, p in zip(classes, row) if label.startswith(retrieval_intent + "/")]
    total = sum(p for _, p in topics) or 1.0
    return sorted(((label, p / total) for label, p in topics), key=lambda kv: -kv[1])


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class LinearIntentClassifier(GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {"C": 300.0, "augment": True, "ranking_length": 10, "retrieval_intent": "werkwijzer"}

    def __init__(self, config: Dict[str, Any], model_storage: ModelStorage, resource: Resource,
                 model: Optional[LinearIntentModel] = None, responses: Optional[Dict[str, Any]] = None) -> None:
        self.config = {**self.get_default_config(), **config}
        self.model_storage = model_storage
        self.resource = resource
        self.model = model
        self.responses = responses or {}

    @classmethod
    def create(cls, config: Dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> LinearIntentClassifier:
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        examples = [e for e in training_data.intent_examples if e.get(INTENT) and e.get(TEXT)]
        if not examples:
            return self.resource
        labels = [e.get(INTENT_RESPONSE_KEY) or e.get(INTENT) for e in examples]
        self.model = LinearIntentModel(float(self.config["C"]), lookup_tables(training_data),
                                       bool(self.config["augment"]))
        self.model.fit([e.get(TEXT) for e in examples], labels)
        prefix = "utter_" + self.config["retrieval_intent"] + "/"
        self.responses = {k: v for k, v in (training_data.responses or {}).items() if k.startswith(prefix)}
        with self.model_storage.write_to(self.resource) as directory:
            self.model.save(directory)
            (directory / "responses.json").write_text(json.dumps(self.responses, ensure_ascii=False),
                                                      encoding="utf-8")
        return self.resource

    @classmethod
    def load(cls, config: Dict[str, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> LinearIntentClassifier:
        try:
            with model_storage.read_from(resource) as directory:
                model = LinearIntentModel.load(directory)
                responses = json.loads((directory / "responses.json").read_text(encoding="utf-8"))
        except (ValueError, FileNotFoundError):
            # Rasa's own classifiers do the same: without a model there is no intent.
            log.warning("no trained linear intent model found")
            return cls(config, model_storage, resource)
        return cls(config, model_storage, resource, model, responses)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        if self.model is None or not messages:
            return messages
        classes = self.model.classes
        probabilities = self.model.predict_proba([m.get(TEXT) or "" for m in messages])
        for message, row in zip(messages, probabilities):
            self._set_topic(message, classes, row)
            # Button payloads ("/start") get a guess too; Rasa's
            # RegexMessageHandler replaces it with the payload's intent.
            ranking = intent_ranking(classes, row)[: int(self.config["ranking_length"])]
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages

    def _set_topic(self, message: Message, classes: Sequence[str], row: np.ndarray) -> None:
        """The Werkwijzer topic, where and as Rasa's ResponseSelector puts it."""
        retrieval = str(self.config["retrieval_intent"])
        topics = topic_ranking(classes, row, retrieval)
        if not topics:
            return
        key, confidence = topics[0]
        utter_action = "utter_" + key
        prediction = {
            RESPONSE_SELECTOR_PREDICTION_KEY: {
                RESPONSE_SELECTOR_RESPONSES_KEY: self.responses.get(utter_action) or [{TEXT: key}],
                PREDICTED_CONFIDENCE_KEY: confidence,
                INTENT_RESPONSE_KEY: key,
                RESPONSE_SELECTOR_UTTER_ACTION_KEY: utter_action,
            },
            RESPONSE_SELECTOR_RANKING_KEY: [
                {PREDICTED_CONFIDENCE_KEY: p, INTENT_RESPONSE_KEY: label}
                for label, p in topics[: int(self.config["ranking_length"])]
            ],
        }
        properties = message.get(RESPONSE_SELECTOR_PROPERTY_NAME) or {}
        properties[RESPONSE_SELECTOR_RETRIEVAL_INTENTS] = [retrieval]
        properties[retrieval] = prediction
        properties.pop(RESPONSE_SELECTOR_DEFAULT_INTENT, None)
        message.set(RESPONSE_SELECTOR_PROPERTY_NAME, properties, add_to_output=True)
