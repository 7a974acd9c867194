"""Precision and recall of the practice feedback rules per skill, on the
labelled set tests/data/practice_labelled.yml (dev + held-out together).

Prints one line per skill: `skill=<name> precision=<0.xx> recall=<0.xx> n=<count>`.
`--split dev|heldout` scores one part; `--errors` lists the misclassified turns.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from actions.practice_feedback import SKILLS, analyse_turn  # noqa: E402  (after the sys.path line)

LABELLED = ROOT / "tests" / "data" / "practice_labelled.yml"


def load_labelled(split: str = "all") -> list[dict]:
    data = yaml.safe_load(LABELLED.read_text(encoding="utf-8"))
    parts = ("dev", "heldout") if split == "all" else (split,)
    return [item for part in parts for item in data[part]]


def score(items: Sequence[dict]) -> dict[str, tuple[float, float, int]]:
    """skill -> (precision, recall, n). For calm the positive class is calm."""
    result: dict[str, tuple[float, float, int]] = {}
    predictions = [analyse_turn(item["text"]) for item in items]
    for skill in SKILLS:
        tp = fp = fn = 0
        for item, predicted in zip(items, predictions):
            gold, guess = bool(item[skill]), bool(getattr(predicted, skill))
            tp += gold and guess
            fp += guess and not gold
            fn += gold and not guess
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        result[skill] = (precision, recall, len(items))
    return result


def main(argv: Sequence[str] = ()) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--split", choices=("all", "dev", "heldout"), default="all")
    parser.add_argument("--errors", action="store_true")
    args = parser.parse_args(list(argv))
    items = load_labelled(args.split)
    for skill, (precision, recall, n) in score(items).items():
        print(f"skill={skill} precision={precision:.2f} recall={recall:.2f} n={n}")
    if args.errors:
        for item in items:
            predicted = analyse_turn(item["text"])
            wrong = [s for s in SKILLS if bool(item[s]) != bool(getattr(predicted, s))]
            if wrong:
                print(f"  {','.join(wrong)}: {item['text']}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
