"""Drafts of running flows: each answered step is saved at once, so a tired
user can stop and continue days later where they were."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, Dict, Optional

from sqlite_utils import Database

from regiecoach.storage.db import iso, parse_iso


def load_draft(db: Database, chat_id: str, flow: str) -> Optional[Dict[str, Any]]:
    rows = list(db["drafts"].rows_where("chat_id = ? and flow = ?", [str(chat_id), flow]))
    if not rows:
        return None
    row = rows[0]
    return {"flow": flow, "step": row["step"], "data": json.loads(row["data"] or "{}"), "updated_at": row["updated_at"]}


def save_draft(db: Database, chat_id: str, flow: str, step: str, data: Dict[str, Any], now: dt.datetime) -> None:
    db["drafts"].upsert(  # type: ignore[union-attr]
        {"chat_id": str(chat_id), "flow": flow, "step": step,
         "data": json.dumps(data, ensure_ascii=False), "updated_at": iso(now)},
        pk=("chat_id", "flow"),
    )


def delete_draft(db: Database, chat_id: str, flow: str) -> None:
    db.execute("delete from drafts where chat_id = ? and flow = ?", [str(chat_id), flow])


def last_touched(db: Database, chat_id: str) -> Optional[dt.datetime]:
    """When any of the user's drafts last changed: they are mid-conversation."""
    for row in db.query("select max(updated_at) as updated from drafts where chat_id = ?", [str(chat_id)]):
        return parse_iso(row["updated"])
    return None
