"""/privacy: the separate, optional choice to be counted in the anonymous
figures for the organisation; asked once after onboarding, changeable any time."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.flows import engine
from actions.flows.base import Turn
from actions.privacy_actions import ActionExportData
from regiecoach.commands import payload_for_command
from regiecoach.storage import users
from regiecoach.texts import say
from tests.conftest import AMS


def texts(replies):
    return " ".join(r.text for r in replies)


def open_privacy(db, chat_id, now):
    replies, running = engine.start(db, chat_id, engine.INTENT_FLOWS["privacy_choice"], now, AMS)
    return replies + (engine.ask(db, chat_id, running, now, AMS) if running else []), running


def answer(db, chat_id, flow, text, now, intent=None, confidence=0.9):
    return engine.handle(db, chat_id, flow, Turn(text=text, intent=intent, confidence=confidence), now, AMS)


def test_the_privacy_command_opens_the_choice(fresh_db):
    assert payload_for_command("/privacy") == "/privacy_choice"


def test_the_question_says_what_is_counted_that_nobody_sees_it_and_that_no_changes_nothing(
        fresh_db, consenting_user, now):
    replies, running = open_privacy(fresh_db, consenting_user, now)
    question = replies[-1]
    assert running == "figures"
    assert "anonieme cijfers" in question.text
    assert "check-ins" in question.text and "doelen" in question.text  # what is counted
    assert "Niemand ziet jouw antwoorden" in question.text
    assert "teksten tel ik nooit mee" in question.text
    assert "blijft de coaching precies hetzelfde" in question.text
    assert [title for title, _ in question.buttons] == ["Ja, tel mij mee", "Nee, liever niet"]
    assert users.report_optin(fresh_db, consenting_user) is None  # asking stores nothing


def test_yes_then_later_no_is_stored_and_the_current_choice_is_shown(fresh_db, consenting_user, now):
    open_privacy(fresh_db, consenting_user, now)
    replies, running = answer(fresh_db, consenting_user, "figures", "Ja, tel mij mee", now)
    assert running is None and users.report_optin(fresh_db, consenting_user) == "yes"
    assert "/privacy" in texts(replies)
    replies, running = open_privacy(fresh_db, consenting_user, now)
    assert "Op dit moment tel je mee" in texts(replies)
    replies, running = answer(fresh_db, consenting_user, "figures", "nee", now, intent="deny")
    assert users.report_optin(fresh_db, consenting_user) == "no"
    assert "coaching blijft hetzelfde" in texts(replies)


def test_an_unclear_or_shaky_answer_asks_again_and_counts_nobody(fresh_db, consenting_user, now):
    open_privacy(fresh_db, consenting_user, now)
    replies, running = answer(fresh_db, consenting_user, "figures", "hmm weet ik niet", now)
    assert running == "figures" and replies[0].text == say("figures", "unclear")
    replies, running = answer(fresh_db, consenting_user, "figures", "asdf", now, intent="affirm", confidence=0.3)
    # Not asked a third time: paused, nobody counted, and the way back is named.
    assert running is None and users.report_optin(fresh_db, consenting_user) is None
    assert "/privacy" in texts(replies)


def test_without_consent_to_storage_there_is_nothing_to_count(fresh_db, now):
    replies, running = open_privacy(fresh_db, "new", now)
    assert running is None
    assert "Ik bewaar niets over je" in texts(replies)
    assert users.report_optin(fresh_db, "new") is None


def test_a_user_who_came_for_something_else_is_asked_at_the_next_start(fresh_db, now):
    engine.start(fresh_db, "7", "meeting", now, AMS)  # onboarding first, then the meeting
    answer(fresh_db, "7", "onboarding", "ja", now, intent="affirm")
    replies, running = answer(fresh_db, "7", "onboarding", say("onboarding", "work_employed"), now)
    assert running == "meeting"  # no extra question in the way
    engine.stop(fresh_db, "7", "meeting", now, AMS)
    replies, running = engine.start(fresh_db, "7", "onboarding", now, AMS)
    assert running == "onboarding"
    assert "anonieme cijfers" in engine.ask(fresh_db, "7", running, now, AMS)[0].text
    replies, running = answer(fresh_db, "7", "onboarding", "Ja, tel mij mee", now)
    assert running is None and users.report_optin(fresh_db, "7") == "yes"
    assert any(r.buttons for r in replies)  # then the menu
    replies, running = engine.start(fresh_db, "7", "onboarding", now, AMS)
    assert running is None  # asked once: not again


def test_the_export_shows_the_choice(fresh_db, consenting_user, now):
    def export_text():
        dispatcher = CollectingDispatcher()
        tracker = Tracker(consenting_user, {}, {"text": "/export_data", "intent": {"name": "export_data"}},
                          [], False, None, {}, "action_listen")
        ActionExportData().run(dispatcher, tracker, {})
        message = dispatcher.messages[0]
        return message.get("text") or message["custom"]["document"]["caption"]

    assert "Meetellen in anonieme cijfers: nog niet gekozen" in export_text()
    users.set_report_optin(fresh_db, consenting_user, True, now)
    assert "Meetellen in anonieme cijfers: ja" in export_text()
    users.set_report_optin(fresh_db, consenting_user, False, now)
    assert "Meetellen in anonieme cijfers: nee" in export_text()


def test_an_answer_in_own_words_is_understood(fresh_db, consenting_user, now):
    open_privacy(fresh_db, consenting_user, now)
    answer(fresh_db, consenting_user, "figures", "ik wil liever niet meetellen", now, intent="privacy_choice")
    assert users.report_optin(fresh_db, consenting_user) == "no"
    open_privacy(fresh_db, consenting_user, now)
    answer(fresh_db, consenting_user, "figures", "tel me maar mee", now, intent="privacy_choice")
    assert users.report_optin(fresh_db, consenting_user) == "yes"
