"""Export and erasure of everything stored about one user.

Erasure walks sqlite_master, so a table added later with a chat_id column is
covered without changing this code; PRAGMA secure_delete overwrites the freed
pages instead of leaving the text in the file.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path
from typing import Any, Dict, List, Optional, Union

from sqlite_utils import Database

from regiecoach.storage.db import iso, parse_iso, transaction, utcnow

# Rasa may write a conversation it loaded before the erase back after it:
# the bridge applies an erasure again at every turn and start for this long.
ERASURE_REAPPLY = dt.timedelta(days=1)


def _user_tables(db: Database) -> List[str]:
    tables = []
    for (name,) in db.execute("select name from sqlite_master where type = 'table' and name not like 'sqlite_%'"):
        columns = {row[1] for row in db.execute(f"pragma table_info([{name}])")}
        if "chat_id" in columns:
            tables.append(name)
    return tables


def export_user(db: Database, chat_id: str, tracker_db: Optional[Union[str, Path]] = None
                ) -> Dict[str, List[Dict[str, Any]]]:
    """Everything still held about this user, by table: the app tables, the
    texts of replies in the outbox, and the messages in Rasa's tracker."""
    skip = {"processed_updates", "outbox", "buttons", "erasures"}
    result: Dict[str, List[Dict[str, Any]]] = {}
    for table in _user_tables(db):
        if table in skip:
            continue
        rows = [dict(row) for row in db[table].rows_where("chat_id = ?", [str(chat_id)])]
        if rows:
            result[table] = rows
    sent = [{"time": row["created_at"], "text": json.loads(row["payload"]).get("text") or ""}
            for row in db["outbox"].rows_where("chat_id = ?", [str(chat_id)], order_by="id")]
    sent = [row for row in sent if row["text"]]
    if sent:
        result["outbox"] = sent
    if tracker_db is not None:
        messages = tracker_messages(tracker_db, chat_id)
        if messages:
            result["chat_messages"] = messages
    return result


def tracker_messages(tracker_db: Union[str, Path], chat_id: str) -> List[Dict[str, Any]]:
    """The user's and the bot's messages that Rasa's tracker still holds."""
    path = Path(tracker_db)
    if not path.exists():
        return []
    conn = sqlite3.connect(str(path), timeout=10)
    try:
        tables = {row[0] for row in conn.execute("select name from sqlite_master where type='table'")}
        if "events" not in tables:
            return []
        rows = conn.execute(
            "select timestamp, type_name, data from events where sender_id = ? and type_name in ('user', 'bot') "
            "order by id", [str(chat_id)],
        ).fetchall()
    finally:
        conn.close()
    messages = []
    for timestamp, type_name, data in rows:
        text = (json.loads(data or "{}").get("text") or "").strip()
        if text:
            moment = dt.datetime.fromtimestamp(float(timestamp or 0), dt.timezone.utc)
            messages.append({"time": iso(moment), "from": "jij" if type_name == "user" else "regiecoach", "text": text})
    return messages


def erase_user(db: Database, chat_id: str, keep_user_row: bool = False, now: Optional[dt.datetime] = None) -> int:
    """Delete every row with this chat_id in every table. Returns rows deleted.
    With keep_user_row, the users row stays but is reset (consent 'no').
    In the same transaction an erasure marker is written: the bridge deletes
    the Rasa tracker events (apply_erasures), also after a crash."""
    db.execute("PRAGMA secure_delete = ON")
    deleted = 0
    tables = _user_tables(db)
    # Children before parents (foreign keys): goals etc. before meetings.
    order = sorted(tables, key=lambda t: (t in ("meetings", "users"), t == "users"))
    with transaction(db):  # joins the flow step's transaction when a flow erases
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
        db.conn.execute("insert or replace into erasures (chat_id, erased_at) values (?, ?)",
                        [str(chat_id), iso(now or utcnow())])
    return deleted


def apply_erasures(db: Database, tracker_db: Union[str, Path], now: dt.datetime,
                   chat_id: Optional[str] = None) -> int:
    """Delete the tracker events from before each erasure (of one chat, or all).
    Only the bridge calls this, with no Rasa turn of that chat running; the
    marker is kept a day, so events Rasa writes back late go too. Returns
    the number of events deleted."""
    where, params = ("where chat_id = ?", [str(chat_id)]) if chat_id is not None else ("", [])
    deleted = 0
    for marked_chat, erased_at in db.execute(f"select chat_id, erased_at from erasures {where}", params).fetchall():
        moment = parse_iso(erased_at) or now
        deleted += purge_tracker(tracker_db, marked_chat, before=moment.timestamp() + 1)
        if now - moment > ERASURE_REAPPLY:
            with db.conn:
                db.conn.execute("delete from erasures where chat_id = ? and erased_at = ?", [marked_chat, erased_at])
    return deleted


def purge_tracker(tracker_db: Union[str, Path], chat_id: str, before: Optional[float] = None) -> int:
    """Delete this user's events (all, or those before a UNIX time) from
    Rasa's SQLite tracker store."""
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
            if before is None:
                return conn.execute("delete from events where sender_id = ?", [str(chat_id)]).rowcount
            return conn.execute("delete from events where sender_id = ? and timestamp < ?",
                                [str(chat_id), before]).rowcount
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
