#!/usr/bin/env python
"""NLU evaluation for Regiecoach: held-out split, a noisy copy of it, the
crisis set, a plain baseline, and 5-fold cross-validation.

Run from the repository root:

    .venv/bin/python scripts/nlu_eval.py                 # everything (make nlu-eval)
    .venv/bin/python scripts/nlu_eval.py --no-cv         # without cross-validation
    .venv/bin/python scripts/nlu_eval.py --no-cv --json out.json

Steps:
  a. stratified split (fixed seed, ~20 % per intent and per werkwijzer topic)
     of data/nlu/*.yml; the word lists, and data/responses/*.yml, go with the
     training part;
  b. `rasa train nlu` on the training part with the config (under flock, so
     two trainings never run at once on this 2-core machine);
  c. parse every held-out message in-process: intent accuracy and macro-F1
     (werkwijzer counted as one intent), Werkwijzer topic and end to end,
     crisis recall, top confusions;
  d. the same on a copy with typing noise (no diacritics, lower case, no
     punctuation, one slip in a long word);
  e. tests/data/crisis_labelled.yml (never in training): false-positive rate
     on everyday messages and idioms, recall on crisis phrasings, and how
     many ambiguous messages get the crisis reply with its direct question;
  f. a baseline, TF-IDF + logistic regression with scikit-learn's defaults,
     trained on the same training part and scored on the same split;
  g. 5-fold cross-validation over all examples, the same way as (b)-(c);
  h. write results/nlu_eval.md (only with the CV, or to --report) and --json.
The last printed line is
`accuracy=<0.xxx> macro_f1=<0.xxx> crisis_recall=<0.xxx> n=<count>`.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import glob
import json
import logging
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rasa_addons.linear_intent import typo_variant  # noqa: E402

LOCK = os.environ.get("REGIECOACH_TRAIN_LOCK", "/tmp/regiecoach-train.lock")
RETRIEVAL = "werkwijzer"
SEED = 20261122
TEST_FRACTION = 0.2
CRISIS_SET = ROOT / "tests" / "data" / "crisis_labelled.yml"
FOLDS = 5


def load_examples() -> Dict[str, List[str]]:
    """All NLU examples per label; retrieval intents stay `werkwijzer/<topic>`."""
    per_label: Dict[str, List[str]] = collections.defaultdict(list)
    for path in sorted(glob.glob(str(ROOT / "data" / "nlu" / "*.yml"))):
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        for item in data.get("nlu", []) or []:
            if "intent" not in item:
                continue
            for line in str(item.get("examples", "")).splitlines():
                line = line.strip()
                if line.startswith("- "):
                    text = line[2:].strip()
                    if text:
                        per_label[item["intent"]].append(text)
    return dict(per_label)


def load_crisis_set() -> Dict[str, List[str]]:
    data = yaml.safe_load(CRISIS_SET.read_text(encoding="utf-8"))
    return {key: [str(t) for t in data.get(key) or []] for key in ("not_crisis", "crisis", "ambiguous")}


Pairs = List[Tuple[str, str]]  # (text, label)


def split(per_label: Dict[str, List[str]]) -> Tuple[Dict[str, List[str]], Pairs]:
    rng = random.Random(SEED)
    train: Dict[str, List[str]] = {}
    test: Pairs = []
    for label in sorted(per_label):
        examples = list(dict.fromkeys(per_label[label]))
        rng.shuffle(examples)
        n_test = max(1, round(TEST_FRACTION * len(examples)))
        test.extend((text, label) for text in examples[:n_test])
        train[label] = examples[n_test:]
    return train, test


def folds(per_label: Dict[str, List[str]]) -> List[Tuple[Dict[str, List[str]], Pairs]]:
    """FOLDS stratified (train, test) pairs: each example is tested once."""
    rng = random.Random(SEED + 1)
    assignment: Dict[str, List[List[str]]] = {}
    for label in sorted(per_label):
        examples = list(dict.fromkeys(per_label[label]))
        rng.shuffle(examples)
        assignment[label] = [examples[k::FOLDS] for k in range(FOLDS)]
    result = []
    for k in range(FOLDS):
        train = {label: [t for j, part in enumerate(parts) if j != k for t in part] for label, parts in assignment.items()}
        test = [(t, label) for label, parts in assignment.items() for t in parts[k]]
        result.append((train, test))
    return result


def typing_noise(text: str, rng: random.Random) -> str:
    """How people type on a phone: no diacritics, lower case, no punctuation,
    and one slip (two letters swapped or one dropped) in a long word."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = "".join(ch if ch.isalnum() or ch.isspace() else " " for ch in text)
    return typo_variant(" ".join(text.split()), rng)


def write_nlu(per_label: Dict[str, List[str]], directory: Path) -> None:
    """Write training data (and the response files) to `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    lines = ['version: "3.1"', "nlu:"]
    for label in sorted(per_label):
        lines.append(f"- intent: {label}")
        lines.append("  examples: |")
        for text in per_label[label]:
            lines.append(f"    - {text}")
    (directory / "nlu.yml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    # Lookup tables, synonyms and regexes are features, not examples: train with all of them.
    extras = []
    for path in sorted(glob.glob(str(ROOT / "data" / "nlu" / "*.yml"))):
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        extras += [item for item in data.get("nlu", []) or [] if "intent" not in item]
    if extras:
        (directory / "features.yml").write_text(yaml.safe_dump({"version": "3.1", "nlu": extras}, allow_unicode=True),
                                                encoding="utf-8")
    for path in sorted(glob.glob(str(ROOT / "data" / "responses" / "*.yml"))):
        shutil.copy(path, directory / f"responses_{Path(path).name}")


def env() -> Dict[str, str]:
    e = dict(os.environ)
    e["PYTHONPATH"] = str(ROOT) + (os.pathsep + e["PYTHONPATH"] if e.get("PYTHONPATH") else "")
    return e


def rasa_bin() -> str:
    candidate = ROOT / ".venv" / "bin" / "rasa"
    return str(candidate) if candidate.exists() else "rasa"


def train(per_label: Dict[str, List[str]], work: Path, config: str) -> Tuple[Path, float]:
    """Train an NLU model on `per_label`; returns it and the training seconds."""
    write_nlu(per_label, work / "data")
    out = work / "models"
    cmd = ["flock", LOCK, rasa_bin(), "train", "nlu", "--config", config, "--domain", "domain.yml",
           "--nlu", str(work / "data"), "--out", str(out), "--fixed-model-name", "nlu_eval"]
    print("$ " + " ".join(cmd), flush=True)
    started = time.time()
    with open(work / "train.log", "w", encoding="utf-8") as log:
        # A cache of its own: a model Rasa cached from an earlier run would make
        # the training time reported here meaningless.
        proc = subprocess.run(cmd, cwd=ROOT, env={**env(), "RASA_CACHE_DIRECTORY": str(work / "cache")},
                              stdout=log, stderr=subprocess.STDOUT)
    if proc.returncode != 0:
        tail = (work / "train.log").read_text(encoding="utf-8", errors="replace")[-3000:]
        sys.exit(f"training failed ({proc.returncode})\n{tail}")
    models = sorted(out.glob("nlu_eval*.tar.gz"))
    if not models:
        sys.exit("no model written")
    return models[-1], time.time() - started


def parse_all(model: Path, texts: List[str]) -> List[dict]:
    logging.disable(logging.WARNING)
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))

    async def go() -> List[dict]:
        return [await agent.parse_message(t) for t in texts]

    return asyncio.run(go())


def selector_key(parsed: dict) -> Optional[str]:
    selector = parsed.get("response_selector") or {}
    for name in (RETRIEVAL, "default"):
        key = ((selector.get(name) or {}).get("response") or {}).get("intent_response_key")
        if key:
            return key
    return None


def intent_of(parsed: dict) -> str:
    return (parsed.get("intent") or {}).get("name") or "None"


def f1_scores(gold: List[str], pred: List[str]) -> Tuple[float, Dict[str, Tuple[float, float, float, int]]]:
    per: Dict[str, Tuple[float, float, float, int]] = {}
    for label in sorted(set(gold)):
        tp = sum(1 for g, p in zip(gold, pred) if g == label and p == label)
        fp = sum(1 for g, p in zip(gold, pred) if g != label and p == label)
        fn = sum(1 for g, p in zip(gold, pred) if g == label and p != label)
        prec = tp / (tp + fp) if tp + fp else 0.0
        rec = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        per[label] = (prec, rec, f1, tp + fn)
    macro = sum(v[2] for v in per.values()) / len(per) if per else 0.0
    return macro, per


@dataclass
class Score:
    """How a model did on (text, label) pairs."""

    n: int
    accuracy: float
    macro_f1: float
    crisis_recall: float
    topic_accuracy: float  # werkwijzer questions: the topic right
    end_to_end: float  # werkwijzer questions: intent and topic right
    fallbacks: int
    per_intent: Dict[str, Tuple[float, float, float, int]] = field(default_factory=dict)
    errors: List[Tuple[str, str, str, float]] = field(default_factory=list)
    topic_errors: List[Tuple[str, str, Optional[str]]] = field(default_factory=list)
    false_crisis: List[str] = field(default_factory=list)


def score(pairs: Pairs, parsed: List[dict]) -> Score:
    gold = [label.split("/")[0] for _, label in pairs]
    pred = [intent_of(p) for p in parsed]
    macro, per = f1_scores(gold, pred)
    crisis = [i for i, g in enumerate(gold) if g == "crisis"]
    ww = [i for i, (_, label) in enumerate(pairs) if label.startswith(RETRIEVAL + "/")]
    keys = {i: selector_key(parsed[i]) for i in ww}
    return Score(
        n=len(pairs),
        accuracy=sum(g == p for g, p in zip(gold, pred)) / len(pairs),
        macro_f1=macro,
        crisis_recall=sum(pred[i] == "crisis" for i in crisis) / len(crisis) if crisis else 1.0,
        topic_accuracy=sum(keys[i] == pairs[i][1] for i in ww) / len(ww) if ww else 1.0,
        end_to_end=sum(keys[i] == pairs[i][1] and pred[i] == RETRIEVAL for i in ww) / len(ww) if ww else 1.0,
        fallbacks=sum(p == "nlu_fallback" for p in pred),
        per_intent=per,
        errors=[(pairs[i][0], pairs[i][1], pred[i], float((parsed[i].get("intent") or {}).get("confidence") or 0))
                for i in range(len(pairs)) if gold[i] != pred[i]],
        topic_errors=[(pairs[i][0], pairs[i][1], keys[i]) for i in ww if keys[i] != pairs[i][1]],
        false_crisis=[pairs[i][0] for i in range(len(pairs)) if pred[i] == "crisis" and gold[i] != "crisis"],
    )


def crisis_figures(model: Path, crisis_set: Dict[str, List[str]]) -> Dict[str, Any]:
    """False positives on everyday messages, recall on crisis phrasings, and
    which ambiguous messages get the crisis reply (it asks directly)."""
    parsed = {key: [intent_of(p) for p in parse_all(model, texts)] for key, texts in crisis_set.items()}
    negatives, positives, ambiguous = crisis_set["not_crisis"], crisis_set["crisis"], crisis_set["ambiguous"]
    return {
        "false_positive_rate": sum(p == "crisis" for p in parsed["not_crisis"]) / len(negatives),
        "recall": sum(p == "crisis" for p in parsed["crisis"]) / len(positives),
        "ambiguous_asked": sum(p == "crisis" for p in parsed["ambiguous"]) / len(ambiguous) if ambiguous else 1.0,
        "false_positives": [t for t, p in zip(negatives, parsed["not_crisis"]) if p == "crisis"],
        "missed": [t for t, p in zip(positives, parsed["crisis"]) if p != "crisis"],
        "ambiguous_silent": [t for t, p in zip(ambiguous, parsed["ambiguous"]) if p != "crisis"],
        "sizes": {k: len(v) for k, v in crisis_set.items()},
    }


def baseline_accuracy(train_part: Dict[str, List[str]], test: Pairs) -> float:
    """TF-IDF (word unigrams and bigrams) + logistic regression, scikit-learn
    defaults: what any text classifier gets on this data."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    texts = [t for examples in train_part.values() for t in examples]
    labels = [label.split("/")[0] for label, examples in train_part.items() for _ in examples]
    model = make_pipeline(TfidfVectorizer(ngram_range=(1, 2)), LogisticRegression(max_iter=2000))
    model.fit(texts, labels)
    predicted = model.predict([t for t, _ in test])
    return sum(p == label.split("/")[0] for p, (_, label) in zip(predicted, test)) / len(test)


def cross_validate(per_label: Dict[str, List[str]], work: Path, config: str) -> Dict[str, Any]:
    pairs: Pairs = []
    parsed: List[dict] = []
    per_fold: List[float] = []
    for k, (train_part, test) in enumerate(folds(per_label)):
        model, _ = train(train_part, work / f"fold{k}", config)
        fold_parsed = parse_all(model, [t for t, _ in test])
        per_fold.append(score(test, fold_parsed).accuracy)
        pairs += test
        parsed += fold_parsed
        print(f"  fold {k + 1}/{FOLDS}: accuracy {per_fold[-1]:.3f}", flush=True)
    total = score(pairs, parsed)
    return {"accuracy": total.accuracy, "macro_f1": total.macro_f1, "crisis_recall": total.crisis_recall,
            "end_to_end": total.end_to_end, "topic_accuracy": total.topic_accuracy, "per_fold": per_fold}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--no-cv", action="store_true", help="skip 5-fold cross-validation")
    ap.add_argument("--config", default="config.yml")
    ap.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    ap.add_argument("--keep", action="store_true", help="keep the temp dir")
    ap.add_argument("--report", type=Path,
                    help="write the Markdown report here (default: results/nlu_eval.md, but only with the CV, "
                         "so a quick --no-cv run never replaces the full report)")
    args = ap.parse_args()
    os.chdir(ROOT)

    per_label = load_examples()
    train_part, test = split(per_label)
    tmp = Path(tempfile.mkdtemp(prefix="nlu_eval_"))
    try:
        model, train_seconds = train(train_part, tmp / "held_out", args.config)
        texts = [t for t, _ in test]
        held_out = score(test, parse_all(model, texts))
        # Each message's slip depends on the message alone, so the noisy copy of
        # a message stays the same when examples are added elsewhere.
        noisy_pairs = [(typing_noise(t, random.Random(f"{SEED}:{t}")), label) for t, label in test]
        noisy = score(noisy_pairs, parse_all(model, [t for t, _ in noisy_pairs]))
        crisis = crisis_figures(model, load_crisis_set())
        baseline = baseline_accuracy(train_part, test)
        cv = None if args.no_cv else cross_validate(per_label, tmp / "cv", args.config)

        figures = {
            "config": args.config, "train_s": round(train_seconds, 1), "n": held_out.n,
            "accuracy": held_out.accuracy, "macro_f1": held_out.macro_f1, "crisis_recall": held_out.crisis_recall,
            "werkwijzer_topic_accuracy": held_out.topic_accuracy, "werkwijzer_end_to_end": held_out.end_to_end,
            "fallbacks": held_out.fallbacks, "noisy_accuracy": noisy.accuracy,
            "baseline_accuracy": baseline,
            "crisis_false_positive_rate": crisis["false_positive_rate"],
            "crisis_set_recall": crisis["recall"], "crisis_ambiguous_asked": crisis["ambiguous_asked"],
            "cv": cv,
        }
        report = args.report or (None if args.no_cv else ROOT / "results" / "nlu_eval.md")
        if report:
            report.parent.mkdir(parents=True, exist_ok=True)
            report.write_text(render(per_label, held_out, noisy, crisis, figures), encoding="utf-8")
        if args.json:
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(json.dumps(figures, indent=2), encoding="utf-8")

        print(f"held-out: n={held_out.n} accuracy={held_out.accuracy:.3f} macro_f1={held_out.macro_f1:.3f} "
              f"werkwijzer_end_to_end={held_out.end_to_end:.3f} fallbacks={held_out.fallbacks} "
              f"(training {train_seconds:.0f} s)")
        print(f"noisy copy: accuracy={noisy.accuracy:.3f}; baseline (TF-IDF + LR defaults): {baseline:.3f}")
        print(f"crisis set: false_positive_rate={crisis['false_positive_rate']:.3f} "
              f"recall={crisis['recall']:.3f} ambiguous_asked={crisis['ambiguous_asked']:.3f}")
        for text in crisis["false_positives"]:
            print(f"  crisis false positive: {text!r}")
        for text in crisis["missed"]:
            print(f"  crisis missed: {text!r}")
        for text, gold, pred, conf in held_out.errors:
            print(f"  miss: {text!r} gold={gold} pred={pred} ({conf:.2f})")
        if cv:
            print(f"cv: accuracy={cv['accuracy']:.3f} macro_f1={cv['macro_f1']:.3f} "
                  f"crisis_recall={cv['crisis_recall']:.3f} werkwijzer_end_to_end={cv['end_to_end']:.3f}")
        if report:
            print(f"wrote {report}")
        print(f"accuracy={held_out.accuracy:.3f} macro_f1={held_out.macro_f1:.3f} "
              f"crisis_recall={held_out.crisis_recall:.3f} n={held_out.n}")
    finally:
        if args.keep:
            print(f"kept {tmp}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def render(per_label: Dict[str, List[str]], held_out: Score, noisy: Score, crisis: Dict[str, Any],
           figures: Dict[str, Any]) -> str:
    cv = figures["cv"]
    sizes = crisis["sizes"]
    lines = [
        "# NLU evaluation",
        "",
        f"Generated by `scripts/nlu_eval.py` on {time.strftime('%Y-%m-%d %H:%M')} with `{figures['config']}`.",
        f"Held-out split: seed {SEED}, {int(TEST_FRACTION * 100)} % per intent and per werkwijzer topic "
        f"({sum(len(set(v)) for v in per_label.values())} examples, {held_out.n} held out). "
        f"Training on the rest took {figures['train_s']:.0f} s.",
        "",
        "| metric | held out | noisy copy | 5-fold CV |",
        "|---|---|---|---|",
    ]

    def row(name: str, attr: str, cv_key: Optional[str]) -> str:
        cv_value = f"{cv[cv_key]:.3f}" if cv and cv_key else ("n/a" if cv_key else "")
        return f"| {name} | {getattr(held_out, attr):.3f} | {getattr(noisy, attr):.3f} | {cv_value} |"

    lines += [
        row("intent accuracy (werkwijzer as one intent)", "accuracy", "accuracy"),
        row("intent macro-F1", "macro_f1", "macro_f1"),
        row("crisis recall", "crisis_recall", "crisis_recall"),
        row("werkwijzer topic right", "topic_accuracy", "topic_accuracy"),
        row("werkwijzer end to end (intent and topic right)", "end_to_end", "end_to_end"),
        f"| sent to nlu_fallback (counted as wrong) | {held_out.fallbacks} | {noisy.fallbacks} | |",
        "",
        f"Baseline on the same split (TF-IDF word n-grams + logistic regression, scikit-learn defaults): "
        f"**{figures['baseline_accuracy']:.3f}**.",
    ]
    if cv:
        lines += ["", "Cross-validation accuracy per fold: " + ", ".join(f"{a:.3f}" for a in cv["per_fold"]) + "."]
    lines += [
        "",
        "The noisy copy is the held-out split with typing noise: no diacritics, lower case, no punctuation,",
        "one swapped or dropped letter in a long word.",
        "",
        "## Crisis set (tests/data/crisis_labelled.yml, never in training)",
        "",
        "| measure | value |",
        "|---|---|",
        f"| false-positive rate on {sizes['not_crisis']} everyday messages and idioms | "
        f"{crisis['false_positive_rate']:.3f} |",
        f"| recall on {sizes['crisis']} crisis phrasings (direct and indirect) | {crisis['recall']:.3f} |",
        f"| {sizes['ambiguous']} ambiguous messages that get the crisis reply (it asks directly) | "
        f"{crisis['ambiguous_asked']:.3f} |",
        "",
    ]
    for title, key in (("False positives", "false_positives"), ("Missed", "missed"),
                       ("Ambiguous, no direct question", "ambiguous_silent")):
        lines.append(f"- {title}: " + ("; ".join(f'"{t}"' for t in crisis[key]) or "none"))
    lines += ["", "## Held out, per intent", "", "| intent | precision | recall | F1 | held out |", "|---|---|---|---|---|"]
    for label, (p, r, f, s) in sorted(held_out.per_intent.items()):
        lines.append(f"| {label} | {p:.2f} | {r:.2f} | {f:.2f} | {s} |")
    lines += ["", "### Misclassified held-out messages", ""]
    lines += [f"- \"{t}\": {g} -> {p} ({c:.2f})" for t, g, p, c in held_out.errors] or ["- none"]
    lines += ["", "### Werkwijzer topic misses", ""]
    lines += [f"- \"{t}\": {g} -> {k}" for t, g, k in held_out.topic_errors] or ["- none"]
    intents: collections.Counter = collections.Counter()
    for label, examples in per_label.items():
        intents[label.split("/")[0]] += len(set(examples))
    lines += ["", "## Training examples per intent", "", "| intent | examples |", "|---|---|"]
    lines += [f"| {label} | {c} |" for label, c in sorted(intents.items())]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
