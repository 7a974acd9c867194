"""Delivery bookkeeping for the bridge: the inbox of incoming messages,
processed updates, the outbox and inline-keyboard buttons (see "Delivery
guarantees" in the README)."""

from __future__ import annotations

import datetime as dt
import json
import secrets
from typing import Any, Dict, List, Optional

from sqlite_utils import Database

from regiecoach.storage.db import iso, transaction


def is_processed(db: Database, update_key: str) -> bool:
    return db.execute("select 1 from processed_updates where update_key = ?", [update_key]).fetchone() is not None


def has_outbox(db: Database, source_key: str) -> bool:
    return db.execute("select 1 from outbox where source_key = ? limit 1", [source_key]).fetchone() is not None


def store_replies(
    db: Database, chat_id: str, source_key: str, messages: List[Dict[str, Any]], now: dt.datetime,
    mark_update: bool = True, status: str = "pending",
) -> None:
    """Store the replies for one update (or reminder), mark it processed and
    take it out of the inbox, in one transaction: after a crash either all of
    it happened or none."""
    with db.conn:
        if mark_update:
            db.conn.execute(
                "insert or ignore into processed_updates (update_key, chat_id, processed_at) values (?, ?, ?)",
                [source_key, str(chat_id), iso(now)],
            )
            db.conn.execute("delete from inbox where update_key = ?", [source_key])
        for seq, message in enumerate(messages):
            db.conn.execute(
                "insert or ignore into outbox (chat_id, source_key, seq, payload, status, created_at, sent_at) "
                "values (?, ?, ?, ?, ?, ?, ?)",
                [str(chat_id), source_key, seq, json.dumps(message, ensure_ascii=False), status, iso(now),
                 iso(now) if status == "sent" else None],
            )


def pending_outbox(db: Database, chat_id: Optional[str] = None, source_key: Optional[str] = None) -> List[Dict[str, Any]]:
    """Pending rows in the order they were stored."""
    where, params = ["status = 'pending'"], []
    if chat_id is not None:
        where.append("chat_id = ?")
        params.append(str(chat_id))
    if source_key is not None:
        where.append("source_key = ?")
        params.append(source_key)
    rows = db.execute(
        f"select id, chat_id, source_key, seq, payload, attempts from outbox where {' and '.join(where)} order by id",
        params,
    ).fetchall()
    return [
        {"id": r[0], "chat_id": r[1], "source_key": r[2], "seq": r[3], "payload": json.loads(r[4]), "attempts": r[5] or 0}
        for r in rows
    ]


def outbox_statuses(db: Database, source_key: str) -> List[str]:
    return [r[0] for r in db.execute("select status from outbox where source_key = ? order by seq", [source_key])]


def set_outbox_status(db: Database, outbox_id: int, status: str, now: Optional[dt.datetime] = None) -> None:
    with db.conn:
        db.conn.execute(
            "update outbox set status = ?, sent_at = coalesce(?, sent_at) where id = ?",
            [status, iso(now) if now and status == "sent" else None, outbox_id],
        )


def claim_outbox_row(db: Database, outbox_id: int) -> bool:
    """pending -> sending, only if no one else claimed it (two flushes of one
    chat never send the same row)."""
    with db.conn:
        return db.conn.execute(
            "update outbox set status = 'sending' where id = ? and status = 'pending'", [outbox_id]
        ).rowcount == 1


def retry_outbox_row(db: Database, outbox_id: int, retry_at: dt.datetime) -> int:
    """A send failed: back to pending, tried again at retry_at. Returns the
    number of failed attempts so far."""
    with db.conn:
        db.conn.execute(
            "update outbox set status = 'pending', attempts = attempts + 1, retry_at = ? where id = ?",
            [iso(retry_at), outbox_id],
        )
        row = db.conn.execute("select attempts from outbox where id = ?", [outbox_id]).fetchone()
    return int(row[0]) if row else 0


def chats_with_pending(db: Database, due_at: dt.datetime) -> List[str]:
    """Chats whose first pending row may be tried now (the rows after it wait for it)."""
    rows = db.execute(
        "select o.chat_id from outbox o where o.status = 'pending' and (o.retry_at is null or o.retry_at <= ?) "
        "and o.id = (select min(id) from outbox where chat_id = o.chat_id and status = 'pending')",
        [iso(due_at)],
    ).fetchall()
    return [r[0] for r in rows]


def expire_pending(db: Database, before: dt.datetime) -> int:
    """Replies that could not be sent for a long time are out of date: stop trying."""
    with db.conn:
        return db.conn.execute(
            "update outbox set status = 'expired' where status = 'pending' and created_at < ?", [iso(before)]
        ).rowcount


def record_incoming(db: Database, chat_id: str, update_key: str, text: str, now: dt.datetime) -> None:
    """Keep an incoming message until its reply is stored (store_replies takes it out)."""
    with db.conn:
        db.conn.execute(
            "insert or ignore into inbox (update_key, chat_id, text, kind, received_at) "
            "select ?, ?, ?, 'text', ? where not exists (select 1 from processed_updates where update_key = ?)",
            [update_key, str(chat_id), text, iso(now), update_key],
        )


def mark_asked(db: Database, update_key: str, now: dt.datetime) -> None:
    """The message was handed to Rasa: from now on the outcome is looked up in
    Rasa's tracker instead of asking again."""
    with db.conn:
        db.conn.execute("update inbox set asked_at = ? where update_key = ?", [iso(now), update_key])


def inbox(db: Database, chat_id: Optional[str] = None, received_before: Optional[dt.datetime] = None
          ) -> List[Dict[str, Any]]:
    where, params = ["1 = 1"], []
    if chat_id is not None:
        where.append("chat_id = ?")
        params.append(str(chat_id))
    if received_before is not None:
        where.append("received_at <= ?")
        params.append(iso(received_before))
    return inbox_rows(db, " and ".join(where), params)


def incoming(db: Database, update_key: str) -> Optional[Dict[str, Any]]:
    rows = [row for row in inbox_rows(db, "update_key = ?", [update_key])]
    return rows[0] if rows else None


def inbox_rows(db: Database, where: str, params: List[Any]) -> List[Dict[str, Any]]:
    rows = db.execute(
        f"select update_key, chat_id, text, received_at, asked_at from inbox where {where} order by received_at, rowid",
        params,
    ).fetchall()
    return [{"update_key": r[0], "chat_id": r[1], "text": r[2], "received_at": r[3], "asked_at": r[4]} for r in rows]


def clear_asked(db: Database, update_key: str) -> None:
    """Rasa did not get the message after all: it may be asked again."""
    with db.conn:
        db.conn.execute("update inbox set asked_at = null where update_key = ?", [update_key])


def drop_incoming(db: Database, update_key: str) -> None:
    with db.conn:
        db.conn.execute("delete from inbox where update_key = ?", [update_key])


def abandon_in_flight(db: Database) -> int:
    """After a crash, rows left 'sending' may or may not have reached the user.
    A reply to the user's message is sent again (at least once: a repeat is
    harmless, a lost reply is not); a reminder is not (at most once).
    Returns how many reminder rows were given up."""
    with db.conn:
        db.conn.execute("update outbox set status = 'pending' where status = 'sending' and source_key not like 'reminder:%'")
        return db.conn.execute("update outbox set status = 'unknown' where status = 'sending'").rowcount


def prune_outbox(db: Database, before: dt.datetime, updates_before: Optional[dt.datetime] = None) -> int:
    """Drop old sent rows and buttons; processed update keys are kept only as
    long as Telegram can redeliver an update (updates_before, about a day)."""
    with db.conn:
        n = db.conn.execute("delete from outbox where status != 'pending' and created_at < ?", [iso(before)]).rowcount
        n += db.conn.execute("delete from processed_updates where processed_at < ?",
                             [iso(updates_before or before)]).rowcount
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


def peek_button(db: Database, chat_id: str, button_id: str) -> Optional[str]:
    """The payload of a button that can still be pressed, without using it."""
    row = db.execute(
        "select payload from buttons where id = ? and chat_id = ? and used_at is null", [button_id, str(chat_id)]
    ).fetchone()
    return row[0] if row else None


def use_button(db: Database, chat_id: str, button_id: str, now: dt.datetime) -> Optional[Dict[str, str]]:
    """The button's payload and title, once; None for an unknown or old button.
    Pressing one button retires every button of the same keyboard. One
    transaction: two presses at once get the payload once."""
    with transaction(db):
        row = db.execute(
            "select payload, title, created_at, used_at from buttons where id = ? and chat_id = ?",
            [button_id, str(chat_id)],
        ).fetchone()
        if row is None or row[3]:
            return None
        db.execute(
            "update buttons set used_at = ? where chat_id = ? and created_at = ? and used_at is null",
            [iso(now), str(chat_id), row[2]],
        )
    return {"payload": row[0], "title": row[1]}
