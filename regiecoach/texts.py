"""Dutch texts for the flows, from content/*.yml (editable without Python).

`say("meeting", "ask_when", who="bedrijfsarts")` returns the text under key
`ask_when` in content/meeting.yml with {who} filled in. A key may hold a list
of variants; one is picked at random so the bot does not sound like a form.
"""

from __future__ import annotations

import random
from functools import cache
from pathlib import Path
from typing import Any, Dict

import yaml

CONTENT_DIR = Path(__file__).resolve().parent.parent / "content"


@cache
def load(name: str) -> Dict[str, Any]:
    data = yaml.safe_load((CONTENT_DIR / f"{name}.yml").read_text(encoding="utf-8"))
    return data or {}


def say(name: str, key: str, **values: Any) -> str:
    entry = load(name)[key]
    if isinstance(entry, list):
        entry = random.choice(entry)
    return str(entry).strip().format(**values) if values else str(entry).strip()
