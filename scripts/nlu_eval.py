#!/usr/bin/env python
"""NLU evaluation for Regiecoach: held-out split plus optional 5-fold CV.

Run from the repository root:

    .venv/bin/python scripts/nlu_eval.py            # held-out + cross-validation
    .venv/bin/python scripts/nlu_eval.py --no-cv    # held-out only (while iterating)

Steps:
  a. stratified split (fixed seed, ~20 % per intent and per werkwijzer topic)
     of data/nlu/*.yml into a temp dir, together with data/responses/*.yml so
     the ResponseSelector trains;
  b. `rasa train nlu` on the train part with config.yml (under flock, so two
     trainings never run at once on this 2-core machine);
  c. parse every held-out message in-process and compute intent accuracy,
     macro-F1 (werkwijzer counted as one intent), response-selector accuracy
     for werkwijzer/<topic>, crisis recall and the top confusion pairs;
  d. `rasa test nlu --cross-validation --folds 5` over all data (under flock);
  e. write results/nlu_eval.md.
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
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import yaml

ROOT = Path(__file__).resolve().parent.parent
LOCK = "/tmp/regiecoach-train.lock"
RETRIEVAL = "werkwijzer"
SEED = 20261122
TEST_FRACTION = 0.2


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


def split(per_label: Dict[str, List[str]]) -> Tuple[Dict[str, List[str]], List[Tuple[str, str]]]:
    rng = random.Random(SEED)
    train: Dict[str, List[str]] = {}
    test: List[Tuple[str, str]] = []
    for label in sorted(per_label):
        examples = list(dict.fromkeys(per_label[label]))
        rng.shuffle(examples)
        n_test = max(1, round(TEST_FRACTION * len(examples)))
        test.extend((text, label) for text in examples[:n_test])
        train[label] = examples[n_test:]
    return train, test


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


def run_locked(args: List[str], log_path: Path) -> None:
    cmd = ["flock", LOCK] + args
    print("$ " + " ".join(cmd), flush=True)
    with open(log_path, "w", encoding="utf-8") as log:
        proc = subprocess.run(cmd, cwd=ROOT, env=env(), stdout=log, stderr=subprocess.STDOUT)
    if proc.returncode != 0:
        tail = log_path.read_text(encoding="utf-8", errors="replace")[-3000:]
        sys.exit(f"command failed ({proc.returncode}): {' '.join(cmd)}\n{tail}")


def train(train_dir: Path, out_dir: Path, config: str) -> Path:
    run_locked(
        [rasa_bin(), "train", "nlu", "--config", config, "--domain", "domain.yml",
         "--nlu", str(train_dir), "--out", str(out_dir), "--fixed-model-name", "nlu_eval"],
        out_dir.parent / "train.log",
    )
    models = sorted(out_dir.glob("nlu_eval*.tar.gz"))
    if not models:
        sys.exit("no model written")
    return models[-1]


def selector_key(parsed: dict) -> Optional[str]:
    selector = parsed.get("response_selector") or {}
    for name in (RETRIEVAL, "default"):
        key = ((selector.get(name) or {}).get("response") or {}).get("intent_response_key")
        if key:
            return key
    return None


def parse_all(model: Path, texts: List[str], weights: List[float]) -> Tuple[List[dict], Dict[float, List[dict]]]:
    """Parse every text with the model; also once per linear blend weight in
    `weights` (the trained model's own weight comes first)."""
    sys.path.insert(0, str(ROOT))
    logging.disable(logging.WARNING)
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    linear = [node._component for node in agent.processor.graph_runner._instantiated_nodes.values()  # type: ignore
              if type(node._component).__name__ == "LinearIntentClassifier"]

    async def go() -> List[dict]:
        return [await agent.parse_message(t) for t in texts]

    parsed = asyncio.run(go())
    sweep: Dict[float, List[dict]] = {}
    if linear:
        trained = linear[0].config["weight"]
        for weight in weights:
            linear[0].config["weight"] = weight
            sweep[weight] = asyncio.run(go())
        linear[0].config["weight"] = trained
    return parsed, sweep


def raw_top(parsed: dict) -> str:
    name = (parsed.get("intent") or {}).get("name") or "None"
    if name != "nlu_fallback":
        return name
    for item in parsed.get("intent_ranking") or []:
        if item.get("name") != "nlu_fallback":
            return item.get("name") or "None"
    return name


def f1_scores(gold: List[str], pred: List[str]) -> Tuple[float, Dict[str, Tuple[float, float, float, int]]]:
    labels = sorted(set(gold))
    per: Dict[str, Tuple[float, float, float, int]] = {}
    for label in labels:
        tp = sum(1 for g, p in zip(gold, pred) if g == label and p == label)
        fp = sum(1 for g, p in zip(gold, pred) if g != label and p == label)
        fn = sum(1 for g, p in zip(gold, pred) if g == label and p != label)
        prec = tp / (tp + fp) if tp + fp else 0.0
        rec = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        per[label] = (prec, rec, f1, tp + fn)
    macro = sum(v[2] for v in per.values()) / len(per) if per else 0.0
    return macro, per


def cross_validate(all_dir: Path, out_dir: Path, config: str) -> Optional[dict]:
    run_locked(
        [rasa_bin(), "test", "nlu", "--cross-validation", "--folds", "5", "--config", config,
         "--domain", "domain.yml", "--nlu", str(all_dir), "--out", str(out_dir)],
        out_dir.parent / "cv.log",
    )
    report = out_dir / "intent_report.json"
    result: dict = {}
    if report.exists():
        data = json.loads(report.read_text(encoding="utf-8"))
        result["intent_accuracy"] = data.get("accuracy")
        result["intent_macro_f1"] = (data.get("macro avg") or {}).get("f1-score")
        result["crisis_recall"] = (data.get("crisis") or {}).get("recall")
    for name in ("response_selection_report.json",):
        path = out_dir / name
        if path.exists():
            data = json.loads(path.read_text(encoding="utf-8"))
            result["response_selection_accuracy"] = data.get("accuracy")
    log = (out_dir.parent / "cv.log").read_text(encoding="utf-8", errors="replace")
    result["log_summary"] = [
        line for line in log.splitlines()
        if "test" in line.lower() and ("accuracy" in line.lower() or "f1" in line.lower())
    ][-12:]
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--no-cv", action="store_true", help="skip 5-fold cross-validation")
    ap.add_argument("--config", default="config.yml")
    ap.add_argument("--keep", action="store_true", help="keep the temp dir")
    ap.add_argument("--weights", type=lambda v: [float(x) for x in v.split(",")], default=[0.0, 0.5, 1.0],
                    help="also report accuracy with these linear blend weights (0 = DIET alone, 1 = linear alone)")
    ap.add_argument("--model", help="evaluate this already trained model (trained by this script "
                    "on the same split) instead of training a new one")
    args = ap.parse_args()
    os.chdir(ROOT)

    per_label = load_examples()
    train_part, test = split(per_label)
    tmp = Path(tempfile.mkdtemp(prefix="nlu_eval_"))
    started = time.time()
    try:
        write_nlu(train_part, tmp / "train")
        model = Path(args.model) if args.model else train(tmp / "train", tmp / "models", args.config)
        train_seconds = time.time() - started

        texts = [t for t, _ in test]
        parsed, sweep = parse_all(model, texts, args.weights)

        gold_intent = [lab.split("/")[0] for _, lab in test]
        pred_intent = [(p.get("intent") or {}).get("name") or "None" for p in parsed]
        n = len(test)
        accuracy = sum(g == p for g, p in zip(gold_intent, pred_intent)) / n
        # Secondary: the classifier's own top intent when the FallbackClassifier fired.
        raw_intent = [raw_top(p) for p in parsed]
        raw_accuracy = sum(g == p for g, p in zip(gold_intent, raw_intent)) / n
        fallbacks = sum(p == "nlu_fallback" for p in pred_intent)
        macro_f1, per = f1_scores(gold_intent, pred_intent)

        crisis_idx = [i for i, g in enumerate(gold_intent) if g == "crisis"]
        crisis_recall = (sum(pred_intent[i] == "crisis" for i in crisis_idx) / len(crisis_idx)) if crisis_idx else 1.0
        false_crisis = [texts[i] for i, (g, p) in enumerate(zip(gold_intent, pred_intent)) if p == "crisis" and g != "crisis"]

        ww_idx = [i for i, (_, lab) in enumerate(test) if lab.startswith(RETRIEVAL + "/")]
        ww_keys = [selector_key(parsed[i]) for i in ww_idx]
        rs_ok = [k == test[i][1] for i, k in zip(ww_idx, ww_keys)]
        rs_acc = sum(rs_ok) / len(ww_idx) if ww_idx else 1.0
        end_to_end = sum(ok and pred_intent[i] == RETRIEVAL for i, ok in zip(ww_idx, rs_ok)) / len(ww_idx) if ww_idx else 1.0

        confusions = collections.Counter(
            (g, p) for g, p in zip(gold_intent, pred_intent) if g != p
        )
        errors = [
            (texts[i], test[i][1], pred_intent[i], (parsed[i].get("intent") or {}).get("confidence") or 0.0)
            for i in range(n) if gold_intent[i] != pred_intent[i]
        ]
        rs_errors = [(texts[i], test[i][1], k) for i, k, ok in zip(ww_idx, ww_keys, rs_ok) if not ok]

        counts = {k: len(set(v)) for k, v in per_label.items()}
        out = ROOT / "results" / "nlu_eval.md"
        out.parent.mkdir(exist_ok=True)
        summary = (f"accuracy={accuracy:.3f} macro_f1={macro_f1:.3f} "
                   f"crisis_recall={crisis_recall:.3f} n={n}")
        print(f"held-out {summary}", flush=True)
        blend_sweep = {w: sum(g == (p.get("intent") or {}).get("name") for g, p in zip(gold_intent, ps)) / n
                       for w, ps in sweep.items()}
        for w, acc in blend_sweep.items():
            print(f"  linear weight {w:.2f}: accuracy {acc:.3f}", flush=True)

        cv = None
        if not args.no_cv:
            # Write the held-out results first: cross-validation takes long.
            out.write_text(render(counts, n, accuracy, raw_accuracy, fallbacks, macro_f1,
                                  crisis_recall, rs_acc, end_to_end, per, confusions, errors,
                                  rs_errors, false_crisis, None, train_seconds, args.config, blend_sweep),
                           encoding="utf-8")
            all_dir = tmp / "all"
            write_nlu({k: list(dict.fromkeys(v)) for k, v in per_label.items()}, all_dir)
            cv = cross_validate(all_dir, tmp / "cv", args.config)

        md = render(counts, n, accuracy, raw_accuracy, fallbacks, macro_f1, crisis_recall, rs_acc, end_to_end, per,
                    confusions, errors, rs_errors, false_crisis, cv, train_seconds, args.config, blend_sweep)
        out.write_text(md, encoding="utf-8")

        print(f"held-out: n={n} accuracy={accuracy:.3f} macro_f1={macro_f1:.3f} "
              f"crisis_recall={crisis_recall:.3f} response_selector_acc={rs_acc:.3f} "
              f"fallbacks={fallbacks} accuracy_ignoring_fallback={raw_accuracy:.3f}")
        for (g, p), c in confusions.most_common(10):
            print(f"  confusion {g} -> {p}: {c}")
        for text, gold, pred, conf in errors:
            print(f"  miss: {text!r} gold={gold} pred={pred} ({conf:.2f})")
        for text, gold, key in rs_errors:
            print(f"  selector miss: {text!r} gold={gold} got={key}")
        if cv:
            print(f"cv: {json.dumps({k: v for k, v in cv.items() if k != 'log_summary'})}")
        print(f"wrote {out.relative_to(ROOT)}")
        print(summary)
    finally:
        if args.keep:
            print(f"kept {tmp}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def fmt(x: Optional[float]) -> str:
    return "n/a" if x is None else f"{x:.3f}"


def render(counts, n, accuracy, raw_accuracy, fallbacks, macro_f1, crisis_recall, rs_acc, end_to_end, per, confusions,
           errors, rs_errors, false_crisis, cv, train_seconds, config, blend_sweep) -> str:
    intents: collections.Counter = collections.Counter()
    for label, c in counts.items():
        intents[label.split("/")[0]] += c
    lines = [
        "# NLU evaluation",
        "",
        f"Generated by `scripts/nlu_eval.py` on {time.strftime('%Y-%m-%d %H:%M')} with `{config}`.",
        f"Held-out split: seed {SEED}, {int(TEST_FRACTION * 100)} % per intent and per werkwijzer topic "
        f"({sum(counts.values())} examples in total, {n} held out). "
        + (f"Training took {train_seconds:.0f} s." if train_seconds >= 1 else "An existing model was re-used (--model)."),
        "",
        "## Held-out results",
        "",
        "| metric | value |",
        "|---|---|",
        f"| intent accuracy (werkwijzer as one intent) | {accuracy:.3f} |",
        f"| intent macro-F1 | {macro_f1:.3f} |",
        f"| held-out messages sent to nlu_fallback (counted as wrong above) | {fallbacks} |",
        f"| classifier top intent accuracy, ignoring the fallback | {raw_accuracy:.3f} |",
        f"| crisis recall | {crisis_recall:.3f} |",
        f"| response selector accuracy (werkwijzer/<topic>) | {rs_acc:.3f} |",
        f"| werkwijzer end-to-end (intent and topic right) | {end_to_end:.3f} |",
        f"| messages wrongly flagged as crisis | {len(false_crisis)} |",
        "",
        "### Per intent",
        "",
        "| intent | precision | recall | F1 | held out |",
        "|---|---|---|---|---|",
    ]
    for label, (p, r, f, s) in sorted(per.items()):
        lines.append(f"| {label} | {p:.2f} | {r:.2f} | {f:.2f} | {s} |")
    if blend_sweep:
        lines += ["", "### Blend of the linear model and DIET (same model, only the weight changed)", "",
                  "| linear weight | intent accuracy |", "|---|---|"]
        lines += [f"| {w:.2f} | {acc:.3f} |" for w, acc in sorted(blend_sweep.items())]
    lines += ["", "### Top confusion pairs (gold -> predicted)", ""]
    if confusions:
        for (g, p), c in confusions.most_common(10):
            lines.append(f"- {g} -> {p}: {c}")
    else:
        lines.append("- none")
    lines += ["", "### Misclassified held-out messages", ""]
    for text, gold, pred, conf in errors or []:
        lines.append(f"- \"{text}\": {gold} -> {pred} ({conf:.2f})")
    if not errors:
        lines.append("- none")
    lines += ["", "### Response selector misses", ""]
    for text, gold, key in rs_errors or []:
        lines.append(f"- \"{text}\": {gold} -> {key}")
    if not rs_errors:
        lines.append("- none")
    lines += ["", "## 5-fold cross-validation (all data)", ""]
    if cv:
        lines += [
            "| metric | value (test folds) |",
            "|---|---|",
            f"| intent accuracy | {fmt(cv.get('intent_accuracy'))} |",
            f"| intent macro-F1 | {fmt(cv.get('intent_macro_f1'))} |",
            f"| crisis recall | {fmt(cv.get('crisis_recall'))} |",
            f"| response selection accuracy | {fmt(cv.get('response_selection_accuracy'))} |",
        ]
        if cv.get("log_summary"):
            lines += ["", "Rasa's summary lines:", "", "```"] + cv["log_summary"] + ["```"]
    else:
        lines.append("Not run (`--no-cv`).")
    lines += ["", "## Training examples per intent", "", "| intent | examples |", "|---|---|"]
    for label, c in sorted(intents.items()):
        lines.append(f"| {label} | {c} |")
    lines += ["", "| werkwijzer topic | examples |", "|---|---|"]
    for label, c in sorted(counts.items()):
        if label.startswith(RETRIEVAL + "/"):
            lines.append(f"| {label.split('/', 1)[1]} | {c} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
