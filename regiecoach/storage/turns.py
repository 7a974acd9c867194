"""Flow steps already applied, by the update key of the incoming message.

Rasa may run a turn again: it died after the action server wrote but before it
saved its tracker, or the bridge asked again after an error. The flow engine
records each step here in the same transaction as the step's own writes
(draft, goal, check-in), so a repeat gets the first run's replies and changes
nothing."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, Dict, List, Optional

from sqlite_utils import Database

from regiecoach.storage.db import iso

KEEP = dt.timedelta(days=2)  # longer than the bridge keeps trying a message (a day)


def applied(db: Database, chat_id: str, update_key: str, call: str) -> Optional[Dict[str, Any]]:
    """The outcome of this step for this message ({"replies", "running"}), or
    None when it has not been applied."""
    row = db.execute("select replies, running from flow_turns where chat_id = ? and update_key = ? and call = ?",
                     [str(chat_id), update_key, call]).fetchone()
    if row is None:
        return None
    return {"replies": json.loads(row[0] or "[]"), "running": row[1]}


def record(db: Database, chat_id: str, update_key: str, call: str, replies: List[Dict[str, Any]],
           running: Optional[str], now: dt.datetime) -> None:
    """Note the step as applied; call it inside the step's transaction."""
    db.execute(
        "insert or replace into flow_turns (chat_id, update_key, call, replies, running, created_at) "
        "values (?, ?, ?, ?, ?, ?)",
        [str(chat_id), update_key, call, json.dumps(replies, ensure_ascii=False), running, iso(now)],
    )


def prune(db: Database, now: dt.datetime) -> int:
    return db.execute("delete from flow_turns where created_at < ?", [iso(now - KEEP)]).rowcount
