"""A message that reaches the flows twice (Rasa ran the turn again) changes
nothing the second time, and a step that fails halfway leaves nothing behind."""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import replace

import pytest

from actions.flows import engine
from actions.flows.base import Turn
from bot.app import housekeeping
from regiecoach.config import get_settings
from regiecoach.storage import drafts, meetings, privacy
from regiecoach.texts import say
from tests.conftest import AMS

GOAL = "Ik wil afspreken hoeveel uur ik de komende maand werk"


def answer(db, now, text, key):
    replies, running = engine.handle(db, "42", "meeting", Turn(text), now, AMS, key=key)
    return [r.text for r in replies] + [r.text for r in engine.ask(db, "42", running, now, AMS)], running


def at_the_goal_question(db, now):
    engine.start(db, "42", "meeting", now, AMS, key="k0")
    for n, text in enumerate(("Bedrijfsarts", "1 december om 10 uur", "Ja"), start=1):
        answer(db, now, text, f"k{n}")


def stored_goals(db):
    return [goal["text"] for meeting, goals in meetings.list_goals_by_meeting(db, "42") for goal in goals]


def test_the_same_message_twice_stores_the_goal_once_and_gets_the_same_answer(consenting_user, fresh_db, now):
    at_the_goal_question(fresh_db, now)
    first = answer(fresh_db, now, GOAL, "k4")
    again = answer(fresh_db, now, GOAL, "k4")  # Rasa died before saving its tracker and ran the turn again
    assert stored_goals(fresh_db) == [GOAL]
    assert again == first and say("meeting", "ask_more_goals") in first[0]
    assert answer(fresh_db, now, GOAL, "k5")[0] != first[0]  # a new message is a new answer


def test_a_step_that_fails_halfway_stores_nothing_so_the_retry_stores_the_goal_once(
        consenting_user, fresh_db, now, monkeypatch):
    at_the_goal_question(fresh_db, now)
    save = drafts.save_draft

    def disk_full(*args, **kwargs):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(drafts, "save_draft", disk_full)  # after the goal is written, before the draft
    with pytest.raises(sqlite3.OperationalError):
        answer(fresh_db, now, GOAL, "k4")
    assert stored_goals(fresh_db) == []
    monkeypatch.setattr(drafts, "save_draft", save)
    replies, _ = answer(fresh_db, now, GOAL, "k4")
    assert stored_goals(fresh_db) == [GOAL] and say("meeting", "ask_more_goals") in "\n".join(replies)


def test_the_replies_kept_for_a_repeat_are_in_the_export_and_go_after_two_days(consenting_user, fresh_db, now,
                                                                                tmp_path):
    at_the_goal_question(fresh_db, now)
    assert "flow_turns" in privacy.export_user(fresh_db, "42")
    housekeeping(fresh_db, replace(get_settings(), data_dir=tmp_path), now + dt.timedelta(days=2, minutes=1))
    assert "flow_turns" not in privacy.export_user(fresh_db, "42")


def test_after_erasing_everything_nothing_is_kept_for_a_repeat_either(consenting_user, fresh_db, now):
    at_the_goal_question(fresh_db, now)
    engine.start(fresh_db, "42", "erase", now, AMS, key="e1")
    engine.handle(fresh_db, "42", "erase", Turn(say("onboarding", "erase_yes")), now, AMS, key="e2")
    assert privacy.export_user(fresh_db, "42") == {}
