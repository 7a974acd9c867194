"""The storage owner: the only package with table names and SQL.

Both processes use it: the bot (bridge, scheduler) and the action server.
`open_db(path)` returns a migrated sqlite_utils.Database; every function takes
that database as its first argument and `now` (an aware datetime) where time
matters, so tests never sleep.
"""

from regiecoach.storage.db import ConsentRequired, iso, open_db, parse_iso, utcnow

__all__ = ["ConsentRequired", "iso", "open_db", "parse_iso", "utcnow"]
