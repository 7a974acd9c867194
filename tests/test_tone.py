"""Every text the bot sends: Dutch B1 in the je-form, short, never "je moet",
no claims of lived experience. Runs over domain.yml, data/responses, content/
and the command menu in regiecoach/commands.py."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator, Tuple

import pytest
import yaml

from regiecoach.commands import COMMANDS

ROOT = Path(__file__).resolve().parent.parent
NOT_TEXT = {"crisis_lexicon.yml"}


def _strings(value, where) -> Iterator[Tuple[str, str]]:
    if isinstance(value, str):
        yield where, value
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _strings(item, f"{where}[{i}]")
    elif isinstance(value, dict):
        for key, item in value.items():
            if key in ("payload", "condition", "metadata"):
                continue
            yield from _strings(item, f"{where}.{key}")


def all_texts() -> list:
    found = []
    for path in [ROOT / "domain.yml", *sorted((ROOT / "data" / "responses").glob("*.yml"))]:
        responses = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("responses", {})
        found += [(f"{path.name}:{w}", t) for w, t in _strings(responses, "")]
    for path in sorted((ROOT / "content").glob("*.yml")):
        if path.name not in NOT_TEXT:
            found += [(f"{path.name}:{w}", t) for w, t in _strings(yaml.safe_load(path.read_text(encoding="utf-8")), "")]
    # Python catalogues: the command menu Telegram shows.
    found += [(f"commands.py:{name}", description) for name, (_, description) in COMMANDS.items()]
    return found


TEXTS = all_texts()


def words(text: str) -> list:
    return re.findall(r"[A-Za-zÀ-ÿ0-9'’-]+", re.sub(r"\{[^}]*\}", "x", text))


def test_there_is_text_to_check():
    assert len(TEXTS) > 100


@pytest.mark.parametrize("where,text", TEXTS, ids=[w for w, _ in TEXTS])
def test_text_uses_je_and_no_pressure(where, text):
    lowered = text.lower()
    assert not re.search(r"\b(u|uw)\b", lowered), "use 'je', not 'u'"
    assert "je moet" not in lowered and "jij moet" not in lowered
    assert "ik weet hoe het voelt" not in lowered and "ik weet hoe dat voelt" not in lowered


@pytest.mark.parametrize("where,text", TEXTS, ids=[w for w, _ in TEXTS])
def test_text_is_short_and_plain(where, text):
    limit = 125 if "utter_werkwijzer" in where else 85
    count = len(words(text))
    assert count <= limit, f"{count} words"
    sentences = [s for s in re.split(r"(?<=[.!?])\s+|\n+", text) if words(s)]
    if sentences:
        average = sum(len(words(s)) for s in sentences) / len(sentences)
        assert average <= 15, f"average sentence {average:.1f} words"
