"""Shared fixtures. `fresh_db` is a migrated database on a temporary file;
REGIECOACH_DB points at it, so custom actions use the same file."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from bot.storage import open_db

AMS = ZoneInfo("Europe/Amsterdam")


@pytest.fixture
def fresh_db(tmp_path, monkeypatch):
    path = tmp_path / "regiecoach.db"
    monkeypatch.setenv("REGIECOACH_DB", str(path))
    monkeypatch.setenv("REGIECOACH_DATA_DIR", str(tmp_path))
    db = open_db(path)
    db.path = path  # type: ignore[attr-defined]
    yield db
    db.close()


@pytest.fixture
def now():
    """A fixed moment: Sunday 22 November 2026, 10:00 in Amsterdam."""
    return dt.datetime(2026, 11, 22, 9, 0, tzinfo=dt.timezone.utc)


@pytest.fixture
def consenting_user(fresh_db, now):
    from bot.storage import users

    users.set_consent(fresh_db, "42", True, now)
    users.update_settings(fresh_db, "42", work_status="employed")
    return "42"
