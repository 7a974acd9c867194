"""Meeting preparation for a tired user: it says how long each version
takes, and "kort" gives the short one (goal, what I can and can't do, one
proposal). What the last look back said to take along is offered as a goal."""

from __future__ import annotations

import datetime as dt

from regiecoach.storage import meetings
from tests.test_meeting_flow import Chat, only_meeting, run_until_goals


def test_the_intro_says_how_long_each_version_takes(fresh_db, now, consenting_user):
    chat = Chat(fresh_db, now)
    assert "10 minuten" in chat.text and "kort" in chat.text and "4 minuten" in chat.text


def test_kort_gives_the_short_version(fresh_db, now, consenting_user, scheduled):
    chat = Chat(fresh_db, now)
    reply = chat.send("kort")
    assert "korte versie" in reply and "Met wie" in reply  # the same question again, nothing stored
    run_until_goals(chat)
    reply = chat.send("Afspraken over mijn uren in januari")
    assert "nog een doel" not in reply and "Wat lukt je op dit moment wel?" in reply
    assert "voorbeeld" not in chat.send("Een half uur wandelen")
    reply = chat.send("Lang achter een scherm zitten")
    assert "energie" not in reply and "voorstellen" in reply
    assert "Klopt dit?" in chat.send("Thuiswerken")
    chat.send("Klopt")
    assert chat.running is None and "gesprekskaart" in chat.text
    row = only_meeting(fresh_db)
    assert row["status"] == "prepared" and row["proposal"] == "Thuiswerken"
    assert [g["text"] for g in meetings.list_goals(fresh_db, "42", row["id"])] == ["Afspraken over mijn uren in januari"]


def test_the_long_version_stays_the_default(fresh_db, now, consenting_user):
    chat = Chat(fresh_db, now)
    run_until_goals(chat)
    assert "nog een doel" in chat.send("Afspraken over mijn uren in januari")


def test_what_the_look_back_took_along_is_offered_as_a_goal(fresh_db, now, consenting_user):
    past = meetings.create_meeting(fresh_db, "42", "bedrijfsarts", now - dt.timedelta(days=9),
                                   starts_at=now - dt.timedelta(days=8), status="done")
    meetings.carry_goal(fresh_db, "42", past, "Vragen of ik op dinsdag thuis mag werken", now - dt.timedelta(days=8))
    chat = Chat(fresh_db, now)
    chat.send("Leidinggevende")
    reply = chat.send("Weet ik nog niet")
    assert '"Vragen of ik op dinsdag thuis mag werken"' in reply and chat.buttons == ["Ja", "Nee"]
    assert "nog een doel" in chat.send("Ja")
    new = [m for m in fresh_db["meetings"].rows if m["id"] != past][0]
    assert [g["text"] for g in meetings.list_goals(fresh_db, "42", new["id"])] == [
        "Vragen of ik op dinsdag thuis mag werken"]
    assert meetings.carried_goal(fresh_db, "42") is None  # offered once


def test_a_declined_carried_goal_is_not_offered_again(fresh_db, now, consenting_user):
    past = meetings.create_meeting(fresh_db, "42", "bedrijfsarts", now - dt.timedelta(days=9),
                                   starts_at=now - dt.timedelta(days=8), status="done")
    meetings.carry_goal(fresh_db, "42", past, "Vragen naar een proefplaatsing", now - dt.timedelta(days=8))
    chat = Chat(fresh_db, now)
    chat.send("Leidinggevende")
    chat.send("Weet ik nog niet")
    assert "deur uitloopt" in chat.send("Nee")
    assert meetings.carried_goal(fresh_db, "42") is None


def test_the_intro_comes_once(fresh_db, now, consenting_user):
    chat = Chat(fresh_db, now)
    assert chat.text.count("Fijn dat je je gesprek voorbereidt") == 1


def test_dat_weet_ik_echt_nog_niet_is_no_date_without_asking_twice(fresh_db, now, consenting_user):
    chat = Chat(fresh_db, now)
    chat.send("Bedrijfsarts")
    reply = chat.send("dat weet ik echt nog niet")
    assert "snap ik niet" not in reply and "deur uitloopt" in reply
