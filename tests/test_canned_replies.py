"""Canned replies never misfire: "niks", "weet ik niet", "pff", "nee" or a
negative answer gets no praise and no "Dat is mooi/fijn"; nothing sounds like
a confession is being thanked for; "ja" or "ok" is not stored as content."""

from __future__ import annotations

import datetime as dt
import random
import re

import pytest

from actions.flows.answers import is_non_answer, kind_of
from actions.practice_feedback import analyse_turn
from regiecoach.storage import checkins, meetings, users
from regiecoach.texts import say
from tests.test_checkin_flow import Chat as CheckinChat
from tests.test_meeting_flow import Chat as FlowChat
from tests.test_practice_flow import Chat as PracticeChat
from tests.test_practice_flow import variants as practice_variants

PRAISE = re.compile(r"\b(mooi|fijn|knap|goed gedaan|bijgedragen|wat goed|eerlijke antwoord)\b", re.IGNORECASE)


@pytest.fixture(params=range(4))
def seeded(request):
    """Each test runs with several seeds, so every variant of a reply is seen."""
    random.seed(request.param)
    yield
    random.seed()


def run_checkin(db, user, now, answers):
    chat = CheckinChat(db, user, now)
    chat.say("Het gaat wel")
    chat.say("5")
    return [chat.say(answer) for answer in answers]


@pytest.mark.parametrize("answer", ["niks", "weet ik niet", "pff", "nee", "Niks eigenlijk, ik ben gewoon moe",
                                    "Het lukte allemaal niet"])
def test_empty_or_negative_answers_get_no_praise_in_the_checkin(fresh_db, consenting_user, now, seeded, answer):
    # why-follow-up, confidence, why-follow-up, regie (the first check-in asks it) and its follow-up, goals, went well
    replies = run_checkin(fresh_db, consenting_user, now, [answer, "4", answer, "5", answer, answer, answer])
    for reply in (replies[0], replies[2], replies[4], replies[5], replies[6]):
        first_line = reply.split("\n")[0]
        assert not PRAISE.search(first_line), first_line


def test_no_thanks_for_an_honest_answer_in_any_variant(fresh_db, consenting_user, now, seeded):
    answers = ["Ik slaap beter", "6", "Mijn vriendin", "5", "overslaan", "Ik heb het nog niet gevraagd"]
    replies = run_checkin(fresh_db, consenting_user, now, answers)
    assert "eerlijke" not in replies[-1]
    assert "niet" in replies[-1] or "anders" in replies[-1]  # it reflects that it did not happen


def test_nothing_went_well_is_not_summed_up_as_a_success(fresh_db, consenting_user, now):
    chat = CheckinChat(fresh_db, consenting_user, now)
    for answer in ("Het gaat wel", "5", "weet ik niet", "5", "weet ik niet", "5", "weet ik niet", "niks", "niks"):
        chat.say(answer)
    summary = chat.say("weet ik niet")  # no next step: no date question, straight to the summary
    assert "Wat goed ging" not in summary and "volgende stap" not in summary.lower()
    assert "Wanneer wil je dat doen" not in summary
    stored = checkins.last_checkin(fresh_db, consenting_user)
    assert stored["went_well"] is None and stored["next_step"] is None


def test_a_positive_word_after_niet_is_not_good_news(fresh_db, consenting_user, now, seeded):
    chat = CheckinChat(fresh_db, consenting_user, now)
    reply = chat.say("Niet fijn eigenlijk")
    assert "Fijn om te horen" not in reply and "Wat goed" not in reply
    assert "zwaar" in reply or "naar" in reply


@pytest.mark.parametrize("text,kind", [
    ("niks", "empty"), ("Weet ik niet.", "empty"), ("pff", "empty"), ("nee, dat was het", "empty"), ("ok", "empty"),
    ("ja", "empty"), ("Ik slaap beter", "positive"), ("ik had geen pijn", "positive"),
    ("Het lukte niet", "negative"), ("niet zo goed", "negative"), ("Niks eigenlijk, ik ben gewoon moe", "negative"),
    ("Het ging goed, maar ik ben wel moe", "mixed"), ("Ik heb het voorgesteld en het mag", "neutral"),
    ("Een gesprek met mijn leidinggevende", "neutral"),
    ("geen idee eigenlijk", "empty"), ("nee hoor", "empty"),
    ("Ik kan weer een uur lezen, maar daarna ben ik echt op", "mixed"), ("Telefoneren kost veel energie", "negative"),
    ("Wandelen helpt, maar als ik aan werk denk zakt het weer", "mixed"),
    ("Redelijk, het gaat met ups en downs", "mixed"), ("Wisselend", "mixed"), ("Soms wel, soms niet", "mixed"),
])
def test_kind_of_answer(text, kind):
    assert kind_of(text) == kind
    assert is_non_answer(text) == (kind == "empty")


# --- the look back -------------------------------------------------------------

def test_not_feeling_heard_gets_empathy_and_a_question_not_fijn(fresh_db, now, consenting_user):
    mid = meetings.create_meeting(fresh_db, "42", "bedrijfsarts", now - dt.timedelta(days=5),
                                  starts_at=now - dt.timedelta(days=1), status="prepared")
    meetings.add_goal(fresh_db, "42", mid, "Afspraken over mijn uren", now - dt.timedelta(days=5))
    chat = FlowChat(fresh_db, now, flow="debrief")
    chat.send("Niet")
    assert "fijn" not in chat.send("Mijn leidinggevende was er niet").lower()  # what got in the way
    reply = chat.send("Nee")
    assert "vervelend" in reply.lower()
    assert "Wat had je nodig gehad" in reply
    assert "fijn" not in reply.lower()
    reflected = chat.send("Dat ze echt luisterde naar mijn voorbeeld")
    assert "Dat ze echt luisterde naar mijn voorbeeld" in reflected
    chat.send("overslaan")  # the agreements
    chat.send("overslaan")  # what they take along
    summary = chat.send("Weet ik nog niet")
    assert "fijn om te weten" not in summary.lower()
    assert "niet gehoord" in summary and "Dat ze echt luisterde" in summary
    chat.send("ja")
    assert chat.running is None


# --- practice -------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "Ik heb kanker en de chemo sloopt me.",
    "Sinds mijn PTSS kan ik niet meer tegen drukte.",
    "Door mijn COPD en RSI lukt typen nog niet.",
    "Ik heb ME/CVS en sinds mijn NAH ben ik snel moe.",
])
def test_health_words_and_capitals_are_not_anger_in_the_role_play(fresh_db, consenting_user, now, text):
    chat = PracticeChat(fresh_db, now)
    chat.start()
    chat.say(say("practice", "s1_title"))
    chat.say(text)
    line = chat.last_ask[-1].text.split(": ", 1)[1]
    assert line not in practice_variants("bedrijfsarts_angry")
    assert "boos" not in line
    replies = chat.role("Mails lukken wel.") + chat.role("Zou ik kunnen beginnen met twee ochtenden?")
    assert say("practice", "tip_calm") not in "\n".join(r.text for r in replies)


def test_a_curse_is_still_not_calm():
    assert not analyse_turn("Kanker op met je advies").calm
    assert not analyse_turn("IK KAN NIET WERKEN, HOE VAAK MOET IK DAT NOG ZEGGEN").calm


def test_the_first_checkin_after_a_crisis_opens_with_the_113_line(fresh_db, consenting_user, now):
    users.mark_crisis(fresh_db, consenting_user, now - dt.timedelta(days=2))
    chat = CheckinChat(fresh_db, consenting_user, now)
    opening = "\n".join(r.text for r in chat.last)
    assert "Hoe gaat het nu met je" in opening and "0800-0113" in opening and "112" in opening


def test_the_crisis_reply_is_honest_that_a_person_answers_at_113():
    reply = say("crisis", "reply")
    assert "computerprogramma" in reply and "113" in reply and "0800-0113" in reply and "112" in reply


def test_look_back_counts_deels_as_deels(fresh_db, now, consenting_user):
    mid = meetings.create_meeting(fresh_db, "42", "bedrijfsarts", now - dt.timedelta(days=5),
                                  starts_at=now - dt.timedelta(days=1), status="prepared")
    meetings.add_goal(fresh_db, "42", mid, "Afspraken over mijn uren", now - dt.timedelta(days=5))
    chat = FlowChat(fresh_db, now, flow="debrief")
    chat.send("Deels")
    chat.send("overslaan")  # what went well and what not
    chat.send("Ja")
    chat.send("overslaan")
    chat.send("overslaan")
    summary = chat.send("Weet ik nog niet")
    assert "Deels: 1" in summary and "(grotendeels) bereikt" not in summary
