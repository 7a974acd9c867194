"""Exactly-once bookkeeping for the bridge: processed updates, the outbox and
inline-keyboard buttons."""

from __future__ import annotations

import datetime as dt
import json
import secrets
from typing import Any, Dict, List, Optional

from sqlite_utils import Database

from bot.storage.db import iso


def is_processed(db: Database, update_key: str) -> bool:
    return db.execute("select 1 from processed_updates where update_key = ?", [update_key]).fetchone() is not None


def has_outbox(db: Database, source_key: str) -> bool:
    return db.execute("select 1 from outbox where source_key = ? limit 1", [source_key]).fetchone() is not None


def store_replies(
    db: Database, chat_id: str, source_key: str, messages: List[Dict[str, Any]], now: dt.datetime,
    mark_update: bool = True,
) -> None:
    """Store the replies for one update (or reminder) and mark it processed, in
    one transaction: after a crash either both exist or neither."""
    with db.conn:
        if mark_update:
            db.conn.execute(
                "insert or ignore into processed_updates (update_key, chat_id, processed_at) values (?, ?, ?)",
                [source_key, str(chat_id), iso(now)],
            )
        for seq, message in enumerate(messages):
            db.conn.execute(
                "insert or ignore into outbox (chat_id, source_key, seq, payload, status, created_at) "
                "values (?, ?, ?, ?, 'pending', ?)",
                [str(chat_id), source_key, seq, json.dumps(message, ensure_ascii=False), iso(now)],
            )


def pending_outbox(db: Database, chat_id: Optional[str] = None, source_key: Optional[str] = None) -> List[Dict[str, Any]]:
    where, params = ["status = 'pending'"], []
    if chat_id is not None:
        where.append("chat_id = ?")
        params.append(str(chat_id))
    if source_key is not None:
        where.append("source_key = ?")
        params.append(source_key)
    rows = db.execute(
        f"select id, chat_id, source_key, seq, payload from outbox where {' and '.join(where)} order by id", params
    ).fetchall()
    return [
        {"id": r[0], "chat_id": r[1], "source_key": r[2], "seq": r[3], "payload": json.loads(r[4])} for r in rows
    ]


def set_outbox_status(db: Database, outbox_id: int, status: str, now: Optional[dt.datetime] = None) -> None:
    with db.conn:
        db.conn.execute(
            "update outbox set status = ?, sent_at = coalesce(?, sent_at) where id = ?",
            [status, iso(now) if now and status == "sent" else None, outbox_id],
        )


def abandon_in_flight(db: Database) -> int:
    """After a crash, rows left 'sending' may or may not have reached the user.
    They are not sent again (no double message); returns how many."""
    with db.conn:
        return db.conn.execute("update outbox set status = 'unknown' where status = 'sending'").rowcount


def prune_outbox(db: Database, before: dt.datetime) -> int:
    with db.conn:
        n = db.conn.execute("delete from outbox where status != 'pending' and created_at < ?", [iso(before)]).rowcount
        n += db.conn.execute("delete from processed_updates where processed_at < ?", [iso(before)]).rowcount
        n += db.conn.execute("delete from buttons where created_at < ?", [iso(before)]).rowcount
    return n


def register_button(db: Database, chat_id: str, title: str, payload: str, now: dt.datetime) -> str:
    """A short id for Telegram's callback_data (max 64 bytes)."""
    button_id = secrets.token_urlsafe(8)
    with db.conn:
        db.conn.execute(
            "insert into buttons (id, chat_id, payload, title, created_at) values (?, ?, ?, ?, ?)",
            [button_id, str(chat_id), payload, title, iso(now)],
        )
    return button_id


def use_button(db: Database, chat_id: str, button_id: str, now: dt.datetime) -> Optional[Dict[str, str]]:
    """The button's payload and title, once; None for an unknown or old button.
    Pressing one button retires every button of the same keyboard."""
    row = db.execute(
        "select payload, title, created_at, used_at from buttons where id = ? and chat_id = ?", [button_id, str(chat_id)]
    ).fetchone()
    if row is None or row[3]:
        return None
    with db.conn:
        db.conn.execute(
            "update buttons set used_at = ? where chat_id = ? and created_at = ? and used_at is null",
            [iso(now), str(chat_id), row[2]],
        )
    return {"payload": row[0], "title": row[1]}
