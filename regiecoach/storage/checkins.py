"""Coaching check-ins: one row per finished check-in (scores and short answers
the user gave on purpose; never a diagnosis)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlite_utils import Database

from regiecoach.storage import users
from regiecoach.storage.db import atomic, iso

FIELDS = ("mood", "energy", "confidence", "regie", "energy_why", "confidence_why", "goals_update", "went_well",
          "next_step", "next_step_date", "summary")
SCORES = ("energy", "confidence", "regie")


@atomic
def add_checkin(db: Database, chat_id: str, now: dt.datetime, **answers: Any) -> int:
    """Store a check-in. Unknown fields are refused (nothing slips in by accident)."""
    unknown = set(answers) - set(FIELDS)
    if unknown:
        raise ValueError(f"unknown check-in fields: {sorted(unknown)}")
    users.require_consent(db, chat_id)
    for score in SCORES:
        value = answers.get(score)
        if value is not None and not 0 <= int(value) <= 10:
            raise ValueError(f"{score} must be 0-10")
    row = {"chat_id": str(chat_id), "created_at": iso(now), **{k: answers.get(k) for k in FIELDS}}
    cursor = db.execute(
        f"insert into checkins ({', '.join(row)}) values ({', '.join('?' for _ in row)})", list(row.values())
    )
    return int(cursor.lastrowid or 0)


def add_to_summary(db: Database, chat_id: str, checkin_id: int, text: str) -> None:
    """What the user added after the summary ("Wat wil je er nog aan toevoegen?")."""
    db.execute("update checkins set summary = trim(coalesce(summary, '') || ' ' || ?) where id = ? and chat_id = ?",
               [text, int(checkin_id), str(chat_id)])


def list_checkins(db: Database, chat_id: str, limit: int = 50) -> list[dict[str, Any]]:
    """The user's check-ins, oldest first (for progress charts)."""
    rows = db.query(
        "select * from (select * from checkins where chat_id = ? order by created_at desc, id desc limit ?)"
        " order by created_at, id",
        [str(chat_id), int(limit)],
    )
    return [dict(r) for r in rows]


def count_checkins(db: Database, chat_id: str) -> int:
    return int(db.execute("select count(*) from checkins where chat_id = ?", [str(chat_id)]).fetchone()[0])


def last_checkin(db: Database, chat_id: str) -> dict[str, Any] | None:
    rows = list(db.query(
        "select * from checkins where chat_id = ? order by created_at desc, id desc limit 1", [str(chat_id)]
    ))
    return dict(rows[0]) if rows else None
