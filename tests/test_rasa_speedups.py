"""The speed fixes for Rasa's hot path (rasa_addons/speedups.py, the tracker
store's kept connection) change nothing Rasa does: a bad action server
response is still refused with Rasa's message, every event name still finds
its class, and conversations are stored and read back as before."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, Event, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from rasa_addons import speedups as rasa_speedups
from rasa_addons.tracker_store import LocalSQLTrackerStore


@pytest.fixture
def speedups(monkeypatch):
    """Installed for one test; Rasa's own methods come back afterwards."""
    monkeypatch.setattr(RemoteAction, "_validate_action_result", RemoteAction._validate_action_result)
    monkeypatch.setattr(Event, "resolve_by_type", Event.resolve_by_type)
    rasa_speedups.install()


def test_a_good_action_server_response_passes_and_a_bad_one_is_refused_as_rasa_does(speedups):
    action = RemoteAction("action_start_flow", None)
    good = {"events": [{"event": "slot", "name": "flow", "value": "checkin", "timestamp": None}],
            "responses": [{"text": "Hoe gaat het?"}]}
    assert action._validate_action_result(good)
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        action._validate_action_result({"events": [{"event": "no_such_event"}], "responses": []})
    with pytest.raises(ValidationError):
        action._validate_action_result({"events": "not a list"})


def test_every_event_name_still_finds_its_class(speedups):
    for _ in range(2):  # the second time from memory
        assert Event.resolve_by_type("slot") is SlotSet
        assert Event.resolve_by_type("user") is UserUttered
        assert Event.resolve_by_type("action") is ActionExecuted
    assert Event.resolve_by_type("no_such_event", default=SlotSet) is SlotSet
    with pytest.raises(ValueError):
        Event.resolve_by_type("no_such_event")


def test_a_conversation_is_stored_and_read_back_across_restarts(tmp_path):
    path = tmp_path / "tracker.db"
    domain = Domain.from_dict({"slots": {"flow": {"type": "any", "mappings": [{"type": "custom"}]}}})

    async def run() -> None:
        store = LocalSQLTrackerStore(domain, dialect="sqlite", db=str(path))
        tracker = DialogueStateTracker.from_events("42", [ActionExecuted("action_listen"),
                                                         UserUttered("hoi", {"name": "greet"})])
        await store.save(tracker)
        tracker.update(SlotSet("flow", "checkin"))
        await store.save(tracker)
        again = await LocalSQLTrackerStore(domain, dialect="sqlite", db=str(path)).retrieve("42")
        assert again is not None and again.get_slot("flow") == "checkin"
        assert [e.type_name for e in again.events] == ["action", "user", "slot"]

    asyncio.run(run())
    # Another process (the bot's privacy purge) can write the file meanwhile.
    with sqlite3.connect(path, timeout=10) as other:
        assert other.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        other.execute("DELETE FROM events WHERE sender_id = '42'")
