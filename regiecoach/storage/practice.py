"""Practice attempts (issue 6): which scenario, how many turns, which of the
four skills showed, and one sentence the user chose to keep for the
conversation card. The role-play text itself is never stored here (it lives
only in the flow draft during the attempt)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlite_utils import Database

from regiecoach.storage.db import atomic, insert_row, iso
from regiecoach.storage.users import require_consent

SKILLS = ("examples", "both", "proposal", "calm")
MAX_SENTENCE_CHARS = 200


def record_attempt(
    db: Database,
    chat_id: str,
    scenario: str,
    skills: Mapping[str, bool],
    turns: int,
    now: dt.datetime,
    finished: bool = True,
) -> int:
    """Store one attempt's result; returns its id. Refused without consent."""
    require_consent(db, chat_id)
    row = {
        "chat_id": str(chat_id),
        "scenario": scenario,
        "created_at": iso(now),
        "turns": int(turns),
        "finished": 1 if finished else 0,
    }
    for skill in SKILLS:
        row[f"skill_{skill}"] = 1 if skills.get(skill) else 0
    return insert_row(db, "practice_attempts", row)


def _as_attempt(row: Mapping[str, Any]) -> dict[str, Any]:
    attempt = dict(row)
    attempt["skills"] = {skill: bool(row.get(f"skill_{skill}")) for skill in SKILLS}
    attempt["score"] = sum(attempt["skills"].values())
    return attempt


def list_attempts(db: Database, chat_id: str, scenario: str | None = None) -> list[dict[str, Any]]:
    """The user's finished attempts, oldest first, each with `skills` (dict)
    and `score` (0-4)."""
    where, args = "chat_id = ? and finished = 1", [str(chat_id)]
    if scenario:
        where += " and scenario = ?"
        args.append(scenario)
    rows = db["practice_attempts"].rows_where(where, args, order_by="created_at, id")
    return [_as_attempt(row) for row in rows]


def progress(db: Database, chat_id: str, scenario: str | None = None) -> dict[str, Any]:
    """Progress over attempts: how many, the scores in order, the last and the
    one before, and per skill how often it showed."""
    attempts = list_attempts(db, chat_id, scenario)
    scores = [attempt["score"] for attempt in attempts]
    return {
        "attempts": len(attempts),
        "scores": scores,
        "last": scores[-1] if scores else None,
        "previous": scores[-2] if len(scores) > 1 else None,
        "skill_counts": {skill: sum(1 for a in attempts if a["skills"][skill]) for skill in SKILLS},
    }


@atomic
def save_sentence(db: Database, chat_id: str, attempt_id: int, sentence: str) -> None:
    """Keep one sentence of this attempt for the conversation card."""
    require_consent(db, chat_id)
    text = " ".join((sentence or "").split())[:MAX_SENTENCE_CHARS]
    if not text:
        raise ValueError("empty sentence")
    db.execute(
        "update practice_attempts set saved_sentence = ? where id = ? and chat_id = ?",
        [text, int(attempt_id), str(chat_id)],
    )


def latest_saved_sentences(db: Database, chat_id: str, limit: int = 3) -> list[str]:
    """The most recent saved sentences, newest first (for the conversation card)."""
    rows = db.execute(
        "select saved_sentence from practice_attempts where chat_id = ? and saved_sentence is not null"
        " and saved_sentence != '' order by created_at desc, id desc limit ?",
        [str(chat_id), int(limit)],
    ).fetchall()
    return [row[0] for row in rows]

