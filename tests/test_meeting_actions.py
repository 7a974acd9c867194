"""/doelen, /kaart and /voortgang as Rasa actions."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import meeting_actions
from regiecoach.storage import meetings, users

DAY = dt.timedelta(days=1)


def run(action, text: str = "/list_goals", entities=None, sender: str = "42"):
    tracker = Tracker(sender, {}, {"text": text, "intent": {"name": text.strip("/").split("{")[0]},
                                   "entities": entities or []}, [], False, None, {}, "action_listen")
    dispatcher = CollectingDispatcher()
    action.run(dispatcher, tracker, {})
    return dispatcher.messages


def texts(messages):
    return "\n".join(m.get("text") or "" for m in messages)


def buttons(messages):
    return [b for m in messages for b in m.get("buttons") or []]


@pytest.fixture
def setup(fresh_db, now, consenting_user, monkeypatch):
    monkeypatch.setenv("REGIECOACH_NOW", now.isoformat())
    mid = meetings.create_meeting(fresh_db, "42", "bedrijfsarts", now, starts_at=now + 2 * DAY, status="prepared")
    goal = meetings.add_goal(fresh_db, "42", mid, "Afspraken over minder uren", now)
    other = meetings.add_goal(fresh_db, "42", mid, "Thuiswerken op dinsdag", now)
    meetings.set_energy(fresh_db, "42", mid, "Ochtend gaat beter")
    return mid, goal, other


def test_list_goals_by_meeting_with_buttons(fresh_db, setup):
    _, goal, _ = setup
    messages = run(meeting_actions.ActionListGoals())
    assert "de bedrijfsarts (dinsdag 24 november)" in texts(messages)
    assert "1. Afspraken over minder uren (open)" in texts(messages)
    payloads = [b["payload"] for b in buttons(messages)]
    assert f'/list_goals{{"goal_id":"{goal}","goal_op":"reached"}}' in payloads
    assert f'/add_goal{{"edit_goal_id":"{goal}"}}' in payloads


def test_mark_reached_via_entities(fresh_db, setup):
    _, goal, _ = setup
    messages = run(meeting_actions.ActionListGoals(), entities=[{"entity": "goal_id", "value": str(goal)},
                                                                {"entity": "goal_op", "value": "reached"}])
    assert "bereikt" in texts(messages)
    assert meetings.get_goal(fresh_db, "42", goal)["status"] == "reached"
    assert "(bereikt)" in texts(run(meeting_actions.ActionListGoals()))


def test_delete_via_payload_text_without_entities(fresh_db, setup):
    _, goal, other = setup
    run(meeting_actions.ActionListGoals(), text=json.dumps({"goal_id": str(goal), "goal_op": "delete"}).join(
        ["/list_goals", ""]))
    assert meetings.get_goal(fresh_db, "42", goal) is None
    assert meetings.get_goal(fresh_db, "42", other) is not None


def test_other_users_goal_is_left_alone(fresh_db, setup, now):
    _, goal, _ = setup
    users.set_consent(fresh_db, "77", True, now)
    messages = run(meeting_actions.ActionListGoals(), sender="77",
                   entities=[{"entity": "goal_id", "value": str(goal)}, {"entity": "goal_op", "value": "delete"}])
    assert "niet vinden" in texts(messages)
    assert meetings.get_goal(fresh_db, "42", goal) is not None


def test_no_goals_yet(fresh_db, consenting_user):
    assert "/voorbereiden" in texts(run(meeting_actions.ActionListGoals()))


def test_show_card_sends_text_pdf_and_manager_offer(fresh_db, setup):
    messages = run(meeting_actions.ActionShowCard(), text="/show_card")
    assert "Afspraken over minder uren" in texts(messages) and "Ochtend gaat beter" in texts(messages)
    document = next(m["custom"]["document"] for m in messages if m.get("custom"))
    assert Path(document["path"]).read_bytes().startswith(b"%PDF")
    assert '/show_card{"card_version":"manager"}' in [b["payload"] for b in buttons(messages)]


def test_show_card_manager_version(fresh_db, setup):
    messages = run(meeting_actions.ActionShowCard(), text='/show_card{"card_version":"manager"}',
                   entities=[{"entity": "card_version", "value": "manager"}])
    assert "Afspraken over minder uren" in texts(messages)
    assert "Ochtend gaat beter" not in texts(messages)
    document = next(m["custom"]["document"] for m in messages if m.get("custom"))
    assert document["filename"] == "gesprekskaart-leidinggevende.pdf"


def test_show_card_without_card(fresh_db, consenting_user):
    assert "nog geen gesprekskaart" in texts(run(meeting_actions.ActionShowCard(), text="/show_card"))


def test_progress_numbers_shown_kindly(fresh_db, setup, now):
    mid, goal, other = setup
    meetings.set_goal_status(fresh_db, "42", goal, "reached")
    meetings.set_goal_status(fresh_db, "42", other, "not")
    meetings.record_debrief(fresh_db, "42", mid, now, felt_heard="ja", finished=True)
    text = texts(run(meeting_actions.ActionShowProgress(), text="/show_progress"))
    assert "1 gesprek" in text and "50%" in text and "100%" in text
    assert "(grotendeels)" in text and "57%" in text and "geen wedstrijd" in text


def test_progress_before_anything(fresh_db, consenting_user):
    assert "/voorbereiden" in texts(run(meeting_actions.ActionShowProgress(), text="/show_progress"))


def test_without_consent_nothing_is_shown(fresh_db, now):
    users.set_consent(fresh_db, "42", False, now)
    assert "bewaar geen gegevens" in texts(run(meeting_actions.ActionListGoals()))
    assert "bewaar geen gegevens" in texts(run(meeting_actions.ActionShowProgress(), text="/show_progress"))


def test_progress_extras_hook_is_empty(fresh_db, consenting_user):
    assert meeting_actions.progress_extras(fresh_db, "42") == []


def test_progress_shows_checkin_scores_and_a_chart_once_there_are_checkins(fresh_db, consenting_user, now, monkeypatch):
    from actions.meeting_actions import progress_extras
    from regiecoach.storage import checkins

    assert progress_extras(fresh_db, consenting_user) == []
    for days, energy, confidence in ((28, 3, 4), (0, 6, 7)):
        moment = now - __import__("datetime").timedelta(days=days)
        checkins.add_checkin(fresh_db, consenting_user, moment, energy=energy, confidence=confidence)
    replies = progress_extras(fresh_db, consenting_user)
    assert "energie 6" in replies[0].text and "2 check-ins" in replies[0].text
    assert "Energie: 3, 6." in replies[1].text  # the text version goes along as the caption
    chart = replies[1].custom["photo"]["path"]
    assert open(chart, "rb").read(8) == b"\x89PNG\r\n\x1a\n"
