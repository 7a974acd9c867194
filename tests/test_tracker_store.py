"""The tracker store endpoints.yml configures: conversations are kept in the
SQLite file across a restart (Rasa silently falls back to memory when the
configured store cannot be loaded), and the file is in WAL mode."""

from __future__ import annotations

import asyncio
import sqlite3

from rasa.core.tracker_store import TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import read_endpoint_config

from regiecoach.config import ROOT


def store(monkeypatch, path):
    monkeypatch.setenv("RASA_TRACKER_DB", str(path))
    monkeypatch.setenv("ACTIONS_URL", "http://127.0.0.1:1/webhook")
    monkeypatch.setenv("REGIECOACH_ACTIONS_TOKEN", "test")  # endpoints.yml expands every variable
    return TrackerStore.create(read_endpoint_config(str(ROOT / "endpoints.yml"), "tracker_store"), Domain.empty())


def test_a_conversation_is_still_there_after_a_restart(tmp_path, monkeypatch):
    path = tmp_path / "rasa_tracker.db"
    tracker = DialogueStateTracker.from_events("chat-1", [UserUttered("hoi", {"name": "greet"})])
    first = store(monkeypatch, path)
    asyncio.run(first.save(tracker))
    restarted = store(monkeypatch, path)
    again = asyncio.run(restarted.retrieve("chat-1"))
    assert again is not None and again.latest_message.text == "hoi"
    mode = sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"
