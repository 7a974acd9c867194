#!/usr/bin/env python
"""Choose C for the linear intent model without looking at the held-out split.

Runs a 5-fold cross-validation of the linear model alone (no DIET, no Rasa)
inside the *training* part of scripts/nlu_eval.py's split, for a few values of
C, with and without the word lists of data/nlu/lookups.yml. Prints one line
per setting; takes about a minute per line on 2 cores.

    .venv/bin/python scripts/linear_tuning.py [C ...]
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Dict, List

import numpy as np
from rasa.shared.nlu.training_data.loading import load_data
from sklearn.model_selection import StratifiedKFold

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rasa_addons.linear_intent import build_pipeline, lookup_tables  # noqa: E402
from scripts.nlu_eval import load_examples, split  # noqa: E402


def word_lists() -> Dict[str, List[str]]:
    """The lookup tables exactly as Rasa hands them to the component."""
    return lookup_tables(load_data(str(ROOT / "data" / "nlu" / "lookups.yml")))


def inner_cv(texts: List[str], labels: List[str], c: float, tables: Dict[str, List[str]]) -> float:
    x, y = np.array(texts, dtype=object), np.array(labels)
    correct = 0
    for train, test in StratifiedKFold(5, shuffle=True, random_state=1).split(x, y):
        model = build_pipeline(c, tables).fit(list(x[train]), list(y[train]))
        correct += int(sum(model.predict(list(x[test])) == y[test]))
    return correct / len(texts)


def main() -> None:
    values = [float(v) for v in sys.argv[1:]] or [10.0, 30.0, 100.0]
    train, _ = split(load_examples())
    texts = [t for label, examples in train.items() for t in examples]
    labels = [label.split("/")[0] for label, examples in train.items() for _ in examples]
    tables = word_lists()
    print(f"training part: {len(texts)} examples, 5-fold CV of the linear model alone")
    for c in values:
        for name, used in (("with word lists", tables), ("without word lists", {})):
            print(f"C={c:g} {name}: accuracy {inner_cv(texts, labels, c, used):.3f}", flush=True)


if __name__ == "__main__":
    main()
