"""Opening the database and small helpers shared by the storage modules."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import os
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, Optional, Set, TypeVar, Union, cast

import sqlite_utils

from regiecoach.storage.schema import migrations


class ConsentRequired(Exception):
    """A write of personal data was refused: the user has not given consent."""


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def iso(moment: dt.datetime) -> str:
    """An aware datetime as an ISO 8601 string in UTC (sorts as text)."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: pass an aware one")
    return moment.astimezone(dt.timezone.utc).isoformat(timespec="seconds")


def parse_iso(text: Optional[str]) -> Optional[dt.datetime]:
    if not text:
        return None
    moment = dt.datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment


_in_transaction: Set[int] = set()  # ids of connections inside transaction()


@contextlib.contextmanager
def transaction(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """One read-modify-write: BEGIN IMMEDIATE takes the write lock before the
    first read, so no other process writes in between; commit at the end,
    roll back on an error. A nested call joins the outer transaction.
    (sqlite-utils' own writes nest inside it as savepoints.)"""
    conn = db.conn
    if id(conn) in _in_transaction:
        yield db
        return
    if conn.in_transaction:
        conn.commit()  # an implicit transaction left open by a plain execute
    conn.execute("BEGIN IMMEDIATE")
    _in_transaction.add(id(conn))
    try:
        yield db
    except BaseException:
        conn.rollback()
        raise
    else:
        conn.commit()
    finally:
        _in_transaction.discard(id(conn))


F = TypeVar("F", bound=Callable[..., Any])


def atomic(func: F) -> F:
    """Run a storage function (database first) as one transaction()."""

    @functools.wraps(func)
    def wrapper(db: sqlite_utils.Database, *args: Any, **kwargs: Any) -> Any:
        with transaction(db):
            return func(db, *args, **kwargs)

    return cast(F, wrapper)


def insert_row(db: sqlite_utils.Database, table: str, row: Dict[str, Any]) -> int:
    """Insert one row, commit, and return its new primary key."""
    with transaction(db):
        target = db[table]
        target.insert(row)  # type: ignore[union-attr]
        return int(target.last_pk)  # type: ignore[union-attr, arg-type]


def open_db(path: Union[str, Path]) -> sqlite_utils.Database:
    """Open (and create or migrate) the app database at `path`.

    WAL lets the bot and the action server read and write the same file;
    busy_timeout makes a writer wait for the other instead of failing.
    synchronous = NORMAL (SQLite's advice for WAL): a commit survives a crash
    or kill -9 of our processes; only a power cut or OS crash may undo the last
    commits, never corrupt the file. FULL made every commit wait for the disk
    (8 ms here), with 6 commits per reminder and 5 per reply on the event loop.
    """
    path = Path(path)
    if str(path) != ":memory:":
        path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite_utils.Database(str(path))
    db.execute("PRAGMA busy_timeout = 10000")
    if str(path) != ":memory:":
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = NORMAL")
        try:
            os.chmod(path, 0o600)
        except OSError:
            pass
    db.execute("PRAGMA foreign_keys = ON")
    migrations.apply(db)
    return db
