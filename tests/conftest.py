"""Shared fixtures. `fresh_db` is a migrated database on a temporary file;
REGIECOACH_DB points at it, so custom actions use the same file."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import replace
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.launcher import start_services
from regiecoach.config import ROOT, get_settings
from regiecoach.storage import open_db

AMS = ZoneInfo("Europe/Amsterdam")
FIXED_NOW = {"REGIECOACH_NOW": "2026-11-22T09:00:00+00:00"}
# Overridable so two checkouts on one machine can run their e2e tests at once.
TEST_RASA_PORT = int(os.environ.get("REGIECOACH_TEST_RASA_PORT") or 5305)
TEST_ACTIONS_PORT = int(os.environ.get("REGIECOACH_TEST_ACTIONS_PORT") or 5355)


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
def scheduled(monkeypatch):
    """Records meeting reminders the meeting flow asks for, instead of planning them."""
    from actions.flows import meeting as meeting_flow

    calls = []
    monkeypatch.setattr(meeting_flow, "schedule_meeting_reminders",
                        lambda db, chat_id, meeting_id, starts_at, now, tz: calls.append((meeting_id, starts_at)))
    return calls


@pytest.fixture
def consenting_user(fresh_db, now):
    from regiecoach.storage import users

    users.set_consent(fresh_db, "42", True, now)
    users.update_settings(fresh_db, "42", work_status="employed")
    return "42"


def _model() -> Path:
    model = os.environ.get("REGIECOACH_TEST_MODEL")
    if not model:
        pytest.skip("set REGIECOACH_TEST_MODEL (make test does) to run end-to-end tests")
    path = ROOT / model
    assert path.exists(), f"trained model {path} is missing"
    return path


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    """A real Rasa server and action server on the CI model, once per session."""
    data_dir = tmp_path_factory.mktemp("e2e")
    settings = replace(get_settings(), data_dir=data_dir, db_path=data_dir / "regiecoach.db",
                       rasa_port=TEST_RASA_PORT, actions_port=TEST_ACTIONS_PORT)
    state = {"settings": settings, "model": _model()}
    # A fixed clock in the action server keeps dates in the answers stable.
    state["services"] = start_services(settings, state["model"], extra_env=FIXED_NOW)
    yield state
    state["services"].stop()


