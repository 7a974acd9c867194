"""Looking back after a meeting, driven through the flow engine."""

from __future__ import annotations

import datetime as dt

import pytest

from regiecoach.storage import meetings, parse_iso
from tests.conftest import AMS
from tests.test_meeting_flow import Chat

DAY = dt.timedelta(days=1)


@pytest.fixture
def past_meeting(fresh_db, now, consenting_user):
    mid = meetings.create_meeting(fresh_db, "42", "bedrijfsarts", now - 5 * DAY, starts_at=now - DAY, status="prepared")
    first = meetings.add_goal(fresh_db, "42", mid, "Afspraken over mijn uren", now - 5 * DAY)
    second = meetings.add_goal(fresh_db, "42", mid, "Weten wie mijn casemanager is", now - 5 * DAY)
    return mid, first, second


def test_full_look_back_creates_next_meeting(fresh_db, now, past_meeting, scheduled):
    mid, first, second = past_meeting
    chat = Chat(fresh_db, now, flow="debrief")
    assert "bedrijfsarts" in chat.text and "zaterdag 21 november" in chat.text
    assert "Afspraken over mijn uren" in chat.text
    assert chat.buttons == ["Bereikt", "Deels", "Niet"]
    assert "casemanager" in chat.send("Bereikt")
    chat.send("Deels")
    assert chat.buttons == ["Ja", "Deels", "Nee"]
    chat.send("Ja")
    chat.send("Over vier weken weer een gesprek, tot dan 3 ochtenden")
    assert "Weet ik nog niet" in chat.buttons
    assert "Hoe laat" in chat.send("15 december")
    assert "dinsdag 15 december om 10:00, klopt dat?" in chat.send("10 uur")
    reply = chat.send("Ja")
    assert chat.running is None
    assert "2 doelen" in reply and "Bereikt: 1. Deels: 1. Niet: 0." in reply and "(grotendeels) bereikt" not in reply
    assert "100%" in reply  # their own numbers follow
    assert [g["status"] for g in meetings.list_goals(fresh_db, "42", mid)] == ["reached", "partly"]
    row = meetings.get_meeting(fresh_db, "42", mid)
    assert (row["felt_heard"], row["status"]) == ("ja", "done")
    assert row["agreements"].startswith("Over vier weken")
    upcoming = meetings.next_meeting(fresh_db, "42", now)
    assert upcoming["with_whom"] == "bedrijfsarts"
    assert parse_iso(upcoming["starts_at"]).astimezone(AMS).day == 15
    assert scheduled == [(upcoming["id"], parse_iso(upcoming["starts_at"]))]


def test_skip_optional_steps_and_unknown_next(fresh_db, now, past_meeting):
    chat = Chat(fresh_db, now, flow="debrief")
    chat.send("Niet")
    chat.send("Niet")
    chat.send("Nee")
    chat.send("overslaan")  # what they would have needed
    chat.send("overslaan")  # the agreements
    reply = chat.send("Weet ik nog niet")
    assert chat.running is None
    assert "niet gehoord" in reply
    assert fresh_db["meetings"].count == 1


def test_unclear_answer_gets_the_buttons_again(fresh_db, now, past_meeting):
    chat = Chat(fresh_db, now, flow="debrief")
    reply = chat.send("pfff")
    assert "bereikt, deels of niet" in reply
    assert chat.buttons == ["Bereikt", "Deels", "Niet"]


def test_next_meeting_in_past_asks_again(fresh_db, now, past_meeting):
    chat = Chat(fresh_db, now, flow="debrief")
    for text in ["Bereikt", "Bereikt", "Deels", "overslaan", "overslaan"]:
        chat.send(text)
    reply = chat.send("gisteren om 10 uur")
    assert "voorbij" in reply and "weet ik nog niet" in reply  # asked again, now with a way out
    reply = chat.send("blabla")
    assert "snap ik niet" in reply and "datum" in reply  # not asked a third time: the date stays open
    assert chat.running is None


def test_reminder_trigger_picks_that_meeting(fresh_db, now, past_meeting):
    mid, _, _ = past_meeting
    other = meetings.create_meeting(fresh_db, "42", "leidinggevende", now - 3 * DAY, starts_at=now - 2 * DAY / 3)
    meetings.add_goal(fresh_db, "42", other, "Thuiswerken bespreken", now - 3 * DAY)
    chat = Chat(fresh_db, now, flow="debrief", trigger={"meeting_id": str(mid)})
    assert "Afspraken over mijn uren" in chat.text


def test_no_meeting_offers_to_prepare(fresh_db, now, consenting_user):
    chat = Chat(fresh_db, now, flow="debrief")
    assert "voorbereiden" in chat.text
    chat.send("Ja")
    assert chat.running == "meeting"
    assert "Met wie" in chat.text


def test_no_meeting_and_no_thanks(fresh_db, now, consenting_user):
    chat = Chat(fresh_db, now, flow="debrief")
    chat.send("Nee")
    assert chat.running is None
    assert "/voorbereiden" in chat.text


def test_meeting_without_goals_goes_to_heard(fresh_db, now, consenting_user):
    meetings.create_meeting(fresh_db, "42", "casemanager", now - DAY, starts_at=now - DAY)
    chat = Chat(fresh_db, now, flow="debrief")
    assert "geen doelen" in chat.text and "gehoord" in chat.text


def test_terug_corrects_a_goal_status(fresh_db, now, past_meeting):
    mid, first, _ = past_meeting
    chat = Chat(fresh_db, now, flow="debrief")
    chat.send("Niet")
    chat.send("terug")
    chat.send("Bereikt")
    assert meetings.get_goal(fresh_db, "42", first)["status"] == "reached"
