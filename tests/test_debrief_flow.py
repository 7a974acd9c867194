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
    reply = chat.send("Bereikt")
    assert '"Afspraken over mijn uren"' in reply and "casemanager" in reply
    assert "Wat lukte er wel, en wat nog niet?" in chat.send("Deels")  # a goal not (quite) reached: what got in the way
    assert '"Ik weet zijn naam, niet zijn nummer"' in chat.send("Ik weet zijn naam, niet zijn nummer")
    assert chat.buttons == ["Ja", "Deels", "Nee"]
    chat.send("Ja")
    assert "Wat neem je mee" in chat.send("Over vier weken weer een gesprek, tot dan 3 ochtenden")
    chat.send("Vragen naar het nummer van de casemanager")
    assert "Weet ik nog niet" in chat.buttons
    assert "Hoe laat" in chat.send("15 december")
    assert "dinsdag 15 december om 10:00, klopt dat?" in chat.send("10 uur")
    summary = chat.send("Ja")
    assert "2 doelen" in summary and "Bereikt: 1. Deels: 1. Niet: 0." in summary and "(grotendeels)" not in summary
    assert summary.endswith("Klopt dit? Wat wil je er nog aan toevoegen? Niks is ook goed.")
    for words in ('"Ik weet zijn naam, niet zijn nummer"', '"Over vier weken weer een gesprek, tot dan 3 ochtenden"',
                  '"Vragen naar het nummer van de casemanager"'):
        assert words in summary
    reply = chat.send("nee hoor")
    assert chat.running is None
    assert "100%" in reply  # their own numbers follow
    assert "onderzoek" not in reply  # the study's figures only when asked for (/voortgang)
    assert [g["status"] for g in meetings.list_goals(fresh_db, "42", mid)] == ["reached", "partly"]
    row = meetings.get_meeting(fresh_db, "42", mid)
    assert (row["felt_heard"], row["status"]) == ("ja", "done")
    assert row["agreements"].startswith("Over vier weken")
    upcoming = meetings.next_meeting(fresh_db, "42", now)
    assert upcoming["with_whom"] == "bedrijfsarts"
    assert parse_iso(upcoming["starts_at"]).astimezone(AMS).day == 15
    assert scheduled == [(upcoming["id"], parse_iso(upcoming["starts_at"]))]
    # What they take along is a goal of the next meeting.
    assert [g["text"] for g in meetings.list_goals(fresh_db, "42", upcoming["id"])] == [
        "Vragen naar het nummer van de casemanager"]


def test_skip_optional_steps_and_unknown_next(fresh_db, now, past_meeting):
    chat = Chat(fresh_db, now, flow="debrief")
    assert "Dat is balen" in chat.send("Niet")
    chat.send("overslaan")  # what got in the way
    chat.send("Niet")
    chat.send("weet ik niet")  # what got in the way: no praise, nothing stored
    chat.send("Nee")
    chat.send("overslaan")  # what they would have needed
    chat.send("overslaan")  # the agreements
    chat.send("overslaan")  # what they take along
    reply = chat.send("Weet ik nog niet")
    assert "niet gehoord" in reply and "Daarover zei je" not in reply
    chat.send("ja")
    assert chat.running is None
    assert fresh_db["meetings"].count == 1


def test_unclear_answer_gets_the_buttons_again(fresh_db, now, past_meeting):
    chat = Chat(fresh_db, now, flow="debrief")
    reply = chat.send("pfff")
    assert "bereikt, deels of niet" in reply
    assert chat.buttons == ["Bereikt", "Deels", "Niet"]


def test_next_meeting_in_past_asks_again(fresh_db, now, past_meeting):
    chat = Chat(fresh_db, now, flow="debrief")
    for text in ["Bereikt", "Bereikt", "Deels", "overslaan", "overslaan", "overslaan"]:
        chat.send(text)
    reply = chat.send("gisteren om 10 uur")
    assert "voorbij" in reply and "weet ik nog niet" in reply  # asked again, now with a way out
    reply = chat.send("blabla")
    assert "snap ik niet" in reply and "datum" in reply  # not asked a third time: the date stays open
    assert "Klopt dit?" in reply
    chat.send("ja")
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
