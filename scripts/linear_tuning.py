#!/usr/bin/env python
"""Choose the intent model's settings without looking at the held-out split.

Runs a 5-fold cross-validation of the linear model alone (no Rasa) inside the
*training* part of scripts/nlu_eval.py's split, for a few values of C, with
and without typo augmentation. Scores the intent (werkwijzer counted as one)
and, for Werkwijzer questions, intent and topic right together. Prints one
line per setting.

    .venv/bin/python scripts/linear_tuning.py [C ...]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Dict, List, Tuple

import numpy as np
from rasa.shared.nlu.training_data.loading import load_data
from sklearn.model_selection import StratifiedKFold

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rasa_addons.linear_intent import LinearIntentModel, lookup_tables  # noqa: E402
from scripts.nlu_eval import load_examples, split  # noqa: E402


def word_lists() -> Dict[str, List[str]]:
    """The lookup tables exactly as Rasa hands them to the component."""
    return lookup_tables(load_data(str(ROOT / "data" / "nlu" / "lookups.yml")))


def inner_cv(texts: List[str], labels: List[str], c: float, augment: bool,
             tables: Dict[str, List[str]]) -> Tuple[float, float]:
    """(intent accuracy, werkwijzer end-to-end accuracy) over 5 folds."""
    x, y = np.array(texts, dtype=object), np.array(labels)
    intent_ok = topic_ok = topics = 0
    for train, test in StratifiedKFold(5, shuffle=True, random_state=1).split(x, y):
        model = LinearIntentModel(c, tables, augment).fit(list(x[train]), list(y[train]))
        predicted = np.array(model.predict(list(x[test])))
        intent_ok += sum(p.split("/")[0] == g.split("/")[0] for p, g in zip(predicted, y[test]))
        werkwijzer = [i for i, g in enumerate(y[test]) if g.startswith("werkwijzer/")]
        topic_ok += sum(predicted[i] == y[test][i] for i in werkwijzer)
        topics += len(werkwijzer)
    return intent_ok / len(texts), topic_ok / max(topics, 1)


def main() -> None:
    values = [float(v) for v in sys.argv[1:]] or [30.0, 100.0, 300.0]
    train, _ = split(load_examples())
    texts = [t for examples in train.values() for t in examples]
    labels = [label for label, examples in train.items() for _ in examples]
    tables = word_lists()
    print(f"training part: {len(texts)} examples, 5-fold CV of the linear model alone")
    for c in values:
        for augment in (True, False):
            started = time.time()
            intent, topic = inner_cv(texts, labels, c, augment, tables)
            print(f"C={c:g} augment={augment}: intent {intent:.3f}, werkwijzer end to end {topic:.3f} "
                  f"({time.time() - started:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
