"""Export and erasure of everything stored about one user.

Erasure walks sqlite_master, so a table added later with a chat_id column is
covered without changing this code; PRAGMA secure_delete overwrites the freed
pages instead of leaving the text in the file.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any, Dict, List, Union

from sqlite_utils import Database


def _user_tables(db: Database) -> List[str]:
    tables = []
    for (name,) in db.execute("select name from sqlite_master where type = 'table' and name not like 'sqlite_%'"):
        columns = {row[1] for row in db.execute(f"pragma table_info([{name}])")}
        if "chat_id" in columns:
            tables.append(name)
    return tables


def export_user(db: Database, chat_id: str) -> Dict[str, List[Dict[str, Any]]]:
    """All rows about this user, by table (operational tables left out)."""
    skip = {"processed_updates", "outbox", "buttons"}
    result: Dict[str, List[Dict[str, Any]]] = {}
    for table in _user_tables(db):
        if table in skip:
            continue
        rows = [dict(row) for row in db[table].rows_where("chat_id = ?", [str(chat_id)])]
        if rows:
            result[table] = rows
    return result


def erase_user(db: Database, chat_id: str, keep_user_row: bool = False) -> int:
    """Delete every row with this chat_id in every table. Returns rows deleted.
    With keep_user_row, the users row stays but is reset (consent 'no')."""
    db.execute("PRAGMA secure_delete = ON")
    deleted = 0
    tables = _user_tables(db)
    # Children before parents (foreign keys): goals etc. before meetings.
    order = sorted(tables, key=lambda t: (t in ("meetings", "users"), t == "users"))
    with db.conn:
        for table in order:
            if table == "users" and keep_user_row:
                continue
            cursor = db.conn.execute(f"delete from [{table}] where chat_id = ?", [str(chat_id)])
            deleted += cursor.rowcount
        if keep_user_row:
            db.conn.execute(
                "update users set consent = 'no', work_status = null, first_sick_day = null, "
                "last_crisis_at = null where chat_id = ?",
                [str(chat_id)],
            )
    return deleted


def purge_tracker(tracker_db: Union[str, Path], chat_id: str) -> int:
    """Delete this user's events from Rasa's SQLite tracker store."""
    path = Path(tracker_db)
    if not path.exists():
        return 0
    conn = sqlite3.connect(str(path), timeout=10)
    try:
        conn.execute("PRAGMA secure_delete = ON")
        tables = {row[0] for row in conn.execute("select name from sqlite_master where type='table'")}
        if "events" not in tables:
            return 0
        with conn:
            return conn.execute("delete from events where sender_id = ?", [str(chat_id)]).rowcount
    finally:
        conn.close()


PRUNE_BATCH = 500  # rows per transaction: Rasa never waits long for the tracker


def prune_tracker(tracker_db: Union[str, Path], older_than_timestamp: float, batch: int = PRUNE_BATCH) -> int:
    """Delete tracker events older than the given UNIX time for everyone, in
    short transactions so Rasa's writes get in between. Flow state lives in
    our drafts table, so old events are not needed."""
    path = Path(tracker_db)
    if not path.exists():
        return 0
    conn = sqlite3.connect(str(path), timeout=10)
    try:
        tables = {row[0] for row in conn.execute("select name from sqlite_master where type='table'")}
        if "events" not in tables:
            return 0
        removed = 0
        while True:
            with conn:
                count = conn.execute(
                    "delete from events where id in (select id from events where timestamp < ? limit ?)",
                    [older_than_timestamp, int(batch)],
                ).rowcount
            removed += count
            if count < batch:
                return removed
    finally:
        conn.close()
