"""The look back asks what got in the way of a goal that was not reached,
and keeps what the user takes to the next meeting as a draft goal."""

from __future__ import annotations

import datetime as dt

from regiecoach.storage import meetings
from tests.test_meeting_flow import Chat

DAY = dt.timedelta(days=1)


def look_back(db, now):
    mid = meetings.create_meeting(db, "42", "leidinggevende", now - 5 * DAY, starts_at=now - DAY, status="prepared")
    goal = meetings.add_goal(db, "42", mid, "Afspraken over thuiswerken", now - 5 * DAY)
    return mid, goal, Chat(db, now, flow="debrief")


def test_a_goal_not_reached_gets_empathy_and_the_question_what_got_in_the_way(fresh_db, now, consenting_user):
    mid, goal, chat = look_back(fresh_db, now)
    reply = chat.send("Niet gelukt")
    assert "lukte dus niet" in reply and "Wat zat er in de weg?" in reply and "Mooi" not in reply
    reflected = chat.send("Er was geen tijd, het gesprek duurde maar tien minuten")
    assert "geen tijd" in reflected and "gehoord" in reflected
    assert meetings.get_goal(fresh_db, "42", goal)["status"] == "not"
    assert meetings.get_goal(fresh_db, "42", goal)["obstacle"].startswith("Er was geen tijd")


def test_a_reached_goal_is_not_asked_what_got_in_the_way(fresh_db, now, consenting_user):
    _, _, chat = look_back(fresh_db, now)
    assert "in de weg" not in chat.send("Bereikt")


def test_what_they_take_along_is_kept_for_the_next_preparation(fresh_db, now, consenting_user):
    mid, _, chat = look_back(fresh_db, now)
    for answer in ("Bereikt", "Ja", "We gaan het over twee weken weer bespreken"):
        chat.send(answer)
    reply = chat.send("Vragen of ik op dinsdag thuis mag werken")
    assert "Vragen of ik op dinsdag thuis mag werken" in reply
    summary = chat.send("Weet ik nog niet")
    assert "Dit neem je mee" in summary
    carried = meetings.carried_goal(fresh_db, "42")
    assert carried["text"] == "Vragen of ik op dinsdag thuis mag werken" and carried["from_meeting_id"] == mid


def test_weet_ik_niet_is_no_draft_goal(fresh_db, now, consenting_user):
    _, _, chat = look_back(fresh_db, now)
    for answer in ("Bereikt", "Ja", "overslaan"):
        chat.send(answer)
    assert "doel" not in chat.send("weet ik niet")
    assert meetings.carried_goal(fresh_db, "42") is None


def test_terug_goes_back_to_the_goal_before(fresh_db, now, consenting_user):
    mid = meetings.create_meeting(fresh_db, "42", "bedrijfsarts", now - 5 * DAY, starts_at=now - DAY, status="prepared")
    first = meetings.add_goal(fresh_db, "42", mid, "Afspraken over mijn uren", now - 5 * DAY)
    meetings.add_goal(fresh_db, "42", mid, "Weten wie mijn casemanager is", now - 5 * DAY)
    chat = Chat(fresh_db, now, flow="debrief")
    assert "casemanager" in chat.send("Bereikt")
    assert "Afspraken over mijn uren" in chat.send("terug")
    chat.send("Niet")
    assert meetings.get_goal(fresh_db, "42", first)["status"] == "not"
    chat.send("overslaan")
    reply = chat.send("Bereikt")
    assert "gehoord" in reply
    assert "casemanager" in chat.send("terug")


def test_with_a_date_what_they_take_along_is_a_goal_of_the_next_meeting(fresh_db, now, consenting_user,
                                                                      scheduled):
    _, _, chat = look_back(fresh_db, now)
    for answer in ("Bereikt", "Ja", "overslaan", "Vragen naar een proefplaatsing", "15 december", "10 uur"):
        chat.send(answer)
    assert "als doel bij je volgende gesprek" in chat.send("Ja")
    chat.send("Klopt")
    assert chat.running is None
    upcoming = meetings.next_meeting(fresh_db, "42", now)
    assert [g["text"] for g in meetings.list_goals(fresh_db, "42", upcoming["id"])] == ["Vragen naar een proefplaatsing"]
    preparing = Chat(fresh_db, now)
    preparing.send("Ja, voor dat gesprek")
    assert "Na je vorige gesprek wilde je dit meenemen" not in preparing.text  # not offered twice


def test_without_a_date_the_next_preparation_offers_it(fresh_db, now, consenting_user):
    _, _, chat = look_back(fresh_db, now)
    for answer in ("Bereikt", "Ja", "overslaan", "Vragen naar een proefplaatsing", "Weet ik nog niet", "Klopt"):
        chat.send(answer)
    assert chat.running is None
    preparing = Chat(fresh_db, now)
    preparing.send("Leidinggevende")
    assert '"Vragen naar een proefplaatsing"' in preparing.send("Weet ik nog niet")


def test_erasing_removes_what_was_taken_along(fresh_db, now, consenting_user):
    from regiecoach.storage import privacy

    mid, goal, _ = look_back(fresh_db, now)
    meetings.set_goal_obstacle(fresh_db, "42", goal, "Geen tijd")
    meetings.carry_goal(fresh_db, "42", mid, "Vragen naar een proefplaatsing", now)
    assert privacy.export_user(fresh_db, "42")["carried_goals"][0]["text"] == "Vragen naar een proefplaatsing"
    privacy.erase_user(fresh_db, "42")
    assert meetings.carried_goal(fresh_db, "42") is None and fresh_db["goals"].count == 0
