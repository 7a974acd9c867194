"""Preparing a meeting, driven through the flow engine as a user would."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import List, Optional

import pytest

from actions.flows import engine
from actions.flows import meeting as meeting_flow
from actions.flows.base import Reply, Turn
from regiecoach.storage import meetings, parse_iso
from tests.conftest import AMS


class Chat:
    """Sends messages the way the Rasa form does: handle, then ask."""

    def __init__(self, db, now, flow: str = "meeting", trigger: Optional[dict] = None, chat_id: str = "42"):
        self.db, self.now, self.chat_id = db, now, chat_id
        replies, self.running = engine.start(db, chat_id, flow, now, AMS, trigger)
        self.replies: List[Reply] = replies + self._ask()

    def _ask(self) -> List[Reply]:
        return engine.ask(self.db, self.chat_id, self.running, self.now, AMS) if self.running else []

    def send(self, text: str, intent: Optional[str] = None) -> str:
        replies, self.running = engine.handle(self.db, self.chat_id, self.running, Turn(text, intent=intent),
                                              self.now, AMS)
        self.replies = replies + self._ask()
        return self.text

    @property
    def text(self) -> str:
        return "\n".join(r.text for r in self.replies)

    @property
    def buttons(self) -> List[str]:
        return [title for r in self.replies for title, _ in r.buttons]


def only_meeting(db):
    rows = list(db["meetings"].rows)
    assert len(rows) == 1
    return rows[0]


def run_until_goals(chat: Chat, who: str = "Bedrijfsarts") -> None:
    chat.send(who)
    chat.send("1 december om 10 uur")
    chat.send("Ja")


def test_happy_path_two_goals_card_and_reminders(fresh_db, now, consenting_user, scheduled):
    chat = Chat(fresh_db, now)
    assert "Bedrijfsarts" in chat.buttons and "Iemand anders" in chat.buttons
    assert "Wanneer" in chat.send("Bedrijfsarts")
    assert "dinsdag 1 december om 10:00, klopt dat?" in chat.send("1 december om 10 uur")
    assert chat.buttons == ["Ja", "Nee"]
    assert "deur uitloopt" in chat.send("Ja")
    chat.send("Afspraken maken over minder uren in december")
    assert "nog een doel" in chat.text
    chat.send("Ja, nog een doel")
    assert "twee doelen" in chat.send("Weten wat ik kan verwachten van de re-integratie")
    chat.send("Korte klussen van een uur")
    chat.send("Gisteren heb ik een uur in de tuin gewerkt")
    chat.send("Lange vergaderingen")
    chat.send("Vorige week was ik na een uur vergaderen op")
    chat.send("'s Ochtends gaat het beter dan 's middags")
    assert "Thuiswerken" in chat.buttons
    assert '"Minder uren en opbouwen"' in chat.send("Minder uren en opbouwen")  # reflected before the next question
    summary = chat.send("Hoe lang duurt de opbouw? Wie betaalt de reiskosten?")
    # A summary in their own words and a check, not "Je bent klaar voor je gesprek".
    assert summary.startswith("Even samengevat.")
    assert summary.endswith("Klopt dit? Wat wil je er nog aan toevoegen? Niks is ook goed.")
    for words in ("dinsdag 1 december om 10:00", '"Afspraken maken over minder uren in december"',
                  '"Korte klussen van een uur"', '"Lange vergaderingen"', '"Minder uren en opbouwen"'):
        assert words in summary
    assert "klaar voor je gesprek" not in summary
    assert chat.running == "meeting" and not any(r.custom for r in chat.replies)  # the card comes after the check
    chat.send("Ja, klopt")
    assert chat.running is None
    row = only_meeting(fresh_db)
    assert row["status"] == "prepared" and row["proposal"] == "Minder uren en opbouwen"
    assert parse_iso(row["starts_at"]).astimezone(AMS).hour == 10
    goals = [g["text"] for g in meetings.list_goals(fresh_db, "42", row["id"])]
    assert goals == ["Afspraken maken over minder uren in december", "Weten wat ik kan verwachten van de re-integratie"]
    assert [q["text"] for q in meetings.list_questions(fresh_db, "42", row["id"])] == [
        "Hoe lang duurt de opbouw?", "Wie betaalt de reiskosten?"]
    assert "Afspraken maken over minder uren" in chat.text  # the card as a message
    document = next(r.custom["document"] for r in chat.replies if r.custom)
    assert Path(document["path"]).read_bytes().startswith(b"%PDF")
    assert document["filename"] == "gesprekskaart.pdf"
    assert scheduled == [(row["id"], parse_iso(row["starts_at"]))]


def test_vague_goal_gets_one_follow_up(fresh_db, now, consenting_user):
    chat = Chat(fresh_db, now)
    run_until_goals(chat)
    reply = chat.send("Een goed gesprek")
    assert "nog een doel" not in reply  # first the coaching question
    assert "?" in reply
    chat.send("Dat we afspreken hoeveel uur ik in januari werk")
    goals = meetings.list_goals(fresh_db, "42", only_meeting(fresh_db)["id"])
    assert [g["text"] for g in goals] == ["Dat we afspreken hoeveel uur ik in januari werk"]
    assert "nog een doel" in chat.text
    # A second vague goal also gets one question; after "weet ik niet" the goal is kept, no second question.
    chat.send("Ja")
    chat.send("duidelijkheid")
    chat.send("weet ik niet")
    assert "twee doelen" in chat.text  # the maximum: on to what you can do
    assert [g["text"] for g in meetings.list_goals(fresh_db, "42", only_meeting(fresh_db)["id"])][-1] == "duidelijkheid"


def test_concrete_goal_gets_no_follow_up(fresh_db, now, consenting_user):
    chat = Chat(fresh_db, now)
    run_until_goals(chat)
    assert "nog een doel" in chat.send("Duidelijkheid over mijn uren in december")


def test_date_confirm_no_asks_again(fresh_db, now, consenting_user):
    chat = Chat(fresh_db, now)
    chat.send("Leidinggevende")
    chat.send("volgende week dinsdag om 10 uur")
    assert "dinsdag 24 november om 10:00, klopt dat?" in chat.text
    assert "Wanneer" in chat.send("Nee")
    assert "dinsdag 1 december om 09:00" in chat.send("1 december om 9 uur")
    chat.send("Ja")
    assert parse_iso(only_meeting(fresh_db)["starts_at"]).astimezone(AMS).day == 1


def test_date_without_time_asks_the_time(fresh_db, now, consenting_user):
    chat = Chat(fresh_db, now)
    chat.send("Bedrijfsarts")
    assert "Hoe laat" in chat.send("volgende dinsdag")
    assert "dinsdag 24 november om 14:30, klopt dat?" in chat.send("half 3")


def test_past_date_gets_a_clear_question(fresh_db, now, consenting_user):
    chat = Chat(fresh_db, now)
    chat.send("Bedrijfsarts")
    reply = chat.send("gisteren om 10 uur")
    assert "voorbij" in reply and "Wanneer" in reply
    assert "klopt dat?" in chat.send("1 december om 10 uur")  # still at the date
    assert only_meeting(fresh_db)["starts_at"] is None


@pytest.mark.parametrize("garbage", ["blabla", "🙈🙈", "ergens na de kerst misschien"])
def test_unparseable_date_gets_a_clear_question(fresh_db, now, consenting_user, garbage):
    chat = Chat(fresh_db, now)
    chat.send("Bedrijfsarts")
    reply = chat.send(garbage)
    assert "snap ik niet" in reply and "Wanneer" in reply
    assert "klopt dat?" in chat.send("1 december om 10 uur")  # still at the date


def test_unknown_date_can_be_skipped(fresh_db, now, consenting_user):
    chat = Chat(fresh_db, now)
    chat.send("Casemanager")
    assert "deur uitloopt" in chat.send("Weet ik nog niet")


def test_terug_corrects_the_last_goal(fresh_db, now, consenting_user):
    chat = Chat(fresh_db, now)
    run_until_goals(chat)
    chat.send("Afspraken over mijn uren maken")
    assert "nog een doel" in chat.text
    reply = chat.send("terug")
    assert "Afspraken over mijn uren maken" in reply  # shows what they said before
    chat.send("Afspraken over 3 ochtenden per week")
    goals = meetings.list_goals(fresh_db, "42", only_meeting(fresh_db)["id"])
    assert [g["text"] for g in goals] == ["Afspraken over 3 ochtenden per week"]


def test_terug_to_change_who(fresh_db, now, consenting_user):
    chat = Chat(fresh_db, now)
    chat.send("Bedrijfsarts")
    chat.send("terug")
    chat.send("Arbeidsdeskundige")
    assert only_meeting(fresh_db)["with_whom"] == "arbeidsdeskundige"


def test_overslaan_on_optional_energy_step(fresh_db, now, consenting_user):
    chat = Chat(fresh_db, now)
    run_until_goals(chat)
    for text in ["Afspraken over mijn uren maken", "Nee", "Korte klussen", "Tuin", "Vergaderen", "Na een uur op"]:
        chat.send(text)
    assert "energie" in chat.text
    assert "voorstellen" in chat.send("overslaan")
    assert only_meeting(fresh_db)["energy_pattern"] is None


def test_overslaan_not_allowed_on_goal(fresh_db, now, consenting_user):
    chat = Chat(fresh_db, now)
    run_until_goals(chat)
    reply = chat.send("overslaan")
    assert "deur uitloopt" in reply  # the goal is asked again
    chat.send("Afspraken over mijn uren maken")
    assert [g["text"] for g in meetings.list_goals(fresh_db, "42", only_meeting(fresh_db)["id"])] == [
        "Afspraken over mijn uren maken"]


def test_overslaan_questions_finishes_with_card(fresh_db, now, consenting_user, scheduled):
    chat = Chat(fresh_db, now)
    run_until_goals(chat)
    for text in ["Afspraken over mijn uren maken", "Nee", "Korte klussen", "Tuin", "Vergaderen", "Na een uur op",
                 "overslaan", "Thuiswerken"]:
        chat.send(text)
    chat.send("overslaan")
    assert "Klopt dit?" in chat.text
    chat.send("overslaan")  # the check may be skipped too
    assert chat.running is None
    assert any(r.custom for r in chat.replies)
    assert only_meeting(fresh_db)["status"] == "prepared"


def test_stop_then_resume_keeps_answers(fresh_db, now, consenting_user):
    chat = Chat(fresh_db, now)
    run_until_goals(chat)
    chat.send("Afspraken over mijn uren maken")
    engine.stop(fresh_db, "42", "meeting", now, AMS)
    later = now + dt.timedelta(days=2)
    resumed = Chat(fresh_db, later)
    assert "verder" in resumed.text.lower()
    resumed.send("Verder waar ik was")
    assert "nog een doel" in resumed.text
    goals = meetings.list_goals(fresh_db, "42", only_meeting(fresh_db)["id"])
    assert [g["text"] for g in goals] == ["Afspraken over mijn uren maken"]


def test_diagnosis_hint_for_manager_meeting_once(fresh_db, now, consenting_user):
    chat = Chat(fresh_db, now)
    run_until_goals(chat, who="Leidinggevende")
    reply = chat.send("Uitleggen dat mijn burn-out tijd nodig heeft")
    assert "diagnose" in reply and "beroepsgeheim" in reply
    assert "nog een doel" in reply  # a hint, not a block
    chat.send("Nee")
    chat.send("Ik heb depressie maar wandelen lukt")
    assert "diagnose" not in chat.text  # no lecture every time


def test_no_diagnosis_hint_for_bedrijfsarts(fresh_db, now, consenting_user):
    chat = Chat(fresh_db, now)
    run_until_goals(chat, who="Bedrijfsarts")
    assert "diagnose" not in chat.send("Uitleggen dat mijn burn-out tijd nodig heeft")


def test_a_long_goal_is_kept_whole(fresh_db, now, consenting_user):
    chat = Chat(fresh_db, now)
    run_until_goals(chat)
    story = "Ik wil graag dat we afspraken maken over mijn uren, " * 14  # about 700 characters
    reply = chat.send(story)
    assert len(story) > 600 and "korter" not in reply and "tekens" not in reply
    assert "nog een doel" in reply
    assert [g["text"] for g in meetings.list_goals(fresh_db, "42", only_meeting(fresh_db)["id"])] == [story.strip()]


def test_two_goals_is_the_maximum(fresh_db, now, consenting_user):
    chat = Chat(fresh_db, now)
    run_until_goals(chat)
    chat.send("Afspraken over mijn uren maken")
    chat.send("Ja")
    reply = chat.send("Weten wie mijn casemanager wordt")
    assert "twee doelen" in reply and "nog een doel" not in reply
    assert "Wat lukt je op dit moment wel?" in reply


def test_add_goal_offers_the_upcoming_meeting(fresh_db, now, consenting_user, scheduled):
    mid = meetings.create_meeting(fresh_db, "42", "bedrijfsarts", now, starts_at=now + dt.timedelta(days=3),
                                  status="prepared")
    chat = Chat(fresh_db, now, trigger={"goals_only": True})
    assert "bedrijfsarts" in chat.text and "woensdag 25 november" in chat.text
    assert "deur uitloopt" in chat.send("Ja, voor dat gesprek")
    chat.send("Vragen naar een proefplaatsing")
    chat.send("Nee, verder")
    assert chat.running is None  # already prepared: only the goals, then the updated card
    assert [g["text"] for g in meetings.list_goals(fresh_db, "42", mid)] == ["Vragen naar een proefplaatsing"]
    assert fresh_db["meetings"].count == 1
    assert any(r.custom for r in chat.replies)


def test_upcoming_meeting_can_be_declined(fresh_db, now, consenting_user):
    meetings.create_meeting(fresh_db, "42", "bedrijfsarts", now, starts_at=now + dt.timedelta(days=3))
    chat = Chat(fresh_db, now)
    assert "Met wie" in chat.send("Nee, een ander gesprek")


def test_edit_goal_trigger(fresh_db, now, consenting_user):
    mid = meetings.create_meeting(fresh_db, "42", "bedrijfsarts", now)
    goal = meetings.add_goal(fresh_db, "42", mid, "Oude tekst", now)
    chat = Chat(fresh_db, now, trigger={"edit_goal_id": str(goal)})
    assert "Oude tekst" in chat.text
    chat.send("Nieuwe tekst voor mijn doel")
    assert chat.running is None
    assert meetings.get_goal(fresh_db, "42", goal)["text"] == "Nieuwe tekst voor mijn doel"


def test_edit_goal_keeps_an_unfinished_preparation(fresh_db, now, consenting_user):
    mid = meetings.create_meeting(fresh_db, "42", "bedrijfsarts", now)
    goal = meetings.add_goal(fresh_db, "42", mid, "Oude tekst", now)
    first = Chat(fresh_db, now)
    first.send("Casemanager")
    engine.stop(fresh_db, "42", "meeting", now, AMS)
    chat = Chat(fresh_db, now, trigger={"edit_goal_id": goal})
    chat.send("Nieuwe tekst voor mijn doel")
    assert chat.running == "meeting" and "Wanneer is het gesprek met de casemanager" in chat.text


def test_someone_else_free_text(fresh_db, now, consenting_user):
    chat = Chat(fresh_db, now)
    chat.send("Iemand anders")
    chat.send("HR-adviseur")
    assert only_meeting(fresh_db)["with_whom"] == "HR-adviseur"
    assert "HR-adviseur" in chat.text


def test_is_vague():
    assert meeting_flow.is_vague("beter")
    assert meeting_flow.is_vague("Een goed gesprek")
    assert meeting_flow.is_vague("duidelijkheid")
    assert not meeting_flow.is_vague("Duidelijkheid over mijn uren")
    assert not meeting_flow.is_vague("Dat ik 2 ochtenden per week kan werken")


def test_add_goal_during_unfinished_preparation_continues_it(fresh_db, now, consenting_user):
    first = Chat(fresh_db, now)
    run_until_goals(first)
    first.send("Afspraken over mijn uren maken")
    engine.stop(fresh_db, "42", "meeting", now, AMS)
    chat = Chat(fresh_db, now, trigger={"goals_only": True})
    assert "verder waar je was" in chat.text and "nog een doel" in chat.text
    chat.send("Ja")
    chat.send("Weten wie mijn casemanager wordt")
    assert len(meetings.list_goals(fresh_db, "42", only_meeting(fresh_db)["id"])) == 2


def test_real_reminders_are_scheduled_when_module_present(fresh_db, now, consenting_user):
    pytest.importorskip("regiecoach.storage.reminders")
    chat = Chat(fresh_db, now)
    run_until_goals(chat)
    for text in ["Afspraken over mijn uren maken", "Nee", "Korte klussen", "Tuin", "Vergaderen", "Na een uur op",
                 "overslaan", "Thuiswerken", "overslaan", "nee"]:
        chat.send(text)
    assert chat.running is None
    kinds = {row["kind"] for row in fresh_db["reminders"].rows_where("chat_id = ?", ["42"])}
    assert "meeting_before" in kinds and "meeting_after" in kinds


def test_an_addition_at_the_check_goes_on_the_card(fresh_db, now, consenting_user, scheduled):
    chat = Chat(fresh_db, now)
    run_until_goals(chat)
    for text in ["Afspraken over mijn uren maken", "Nee", "Korte klussen", "Tuin", "Vergaderen", "Na een uur op",
                 "overslaan", "Thuiswerken", "overslaan"]:
        chat.send(text)
    reply = chat.send("Ik wil ook vragen of ik een vaste werkplek krijg")
    assert 'Dat zet ik erbij: "Ik wil ook vragen of ik een vaste werkplek krijg"' in reply
    assert chat.running is None and "vaste werkplek" in chat.text  # on the card that follows
    questions = meetings.list_questions(fresh_db, "42", only_meeting(fresh_db)["id"])
    assert [q["text"] for q in questions] == ["Ik wil ook vragen of ik een vaste werkplek krijg"]


def test_a_non_answer_with_filler_is_not_stored_as_a_goal(fresh_db, now, consenting_user):
    chat = Chat(fresh_db, now)
    run_until_goals(chat)
    reply = chat.send("geen idee eigenlijk")
    assert "Een doel mag klein zijn" in reply
    assert meetings.list_goals(fresh_db, "42", only_meeting(fresh_db)["id"]) == []


@pytest.mark.parametrize("answer", ["ja", "ok", "weet ik niet"])
def test_a_non_answer_at_the_who_question_is_not_taken_as_a_name(fresh_db, now, consenting_user, answer):
    chat = Chat(fresh_db, now)
    reply = chat.send(answer)
    assert "met ja" not in reply and "met ok" not in reply and "Wanneer" not in reply
    assert "ja of nee" not in reply and "naam of functie" in reply  # a hint that fits this question
    assert "Bedrijfsarts" in chat.buttons  # the question again, with its buttons
    assert "Wanneer is het gesprek met de bedrijfsarts" in chat.send("Bedrijfsarts")
