"""Rasa's SQL tracker store, tuned for a local SQLite file.

Rasa saves the tracker after every message from inside its event loop. With
SQLite's defaults (rollback journal, synchronous=FULL) each save waited about
14 ms for the disk on our 2-core machine, and nothing else in Rasa ran
meanwhile. WAL with synchronous=NORMAL (SQLite's advice for WAL) survives a
crash or kill -9 of Rasa; only a power cut or OS crash may undo the last
saves, never corrupt the file. Other databases (PostgreSQL, see
docs/scaling.md) are left exactly as Rasa sets them up.

SQLAlchemy 1.4 opens a new SQLite connection for every session (NullPool)
and closes it after: two per message. Closing the last connection to a WAL
file checkpoints and removes the WAL, and the next commit creates it again:
about 6 ms of Rasa's event loop per message. One connection per thread is
kept open instead (SingletonThreadPool).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore


def _wal(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.execute("PRAGMA busy_timeout = 10000")  # the bot's privacy purge may write at the same time
    cursor.close()


class LocalSQLTrackerStore(SQLTrackerStore):
    engine: sa.engine.Engine

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.engine.dialect.name == "sqlite":
            opened_per_session = self.engine
            kept_open = sa.create_engine(opened_per_session.url, poolclass=sa.pool.SingletonThreadPool)
            sa.event.listen(kept_open, "connect", _wal)
            self.engine, self.sessionmaker = kept_open, sa.orm.session.sessionmaker(bind=kept_open)
            opened_per_session.dispose()
