"""The Rasa glue actions, with CollectingDispatcher and built trackers."""

from __future__ import annotations

import json

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.flow_actions import ActionCrisis, ActionFlowDone, ActionStartFlow, ActionStop, ValidateFlowForm
from actions.privacy_actions import ActionExportData
from regiecoach.storage import drafts, users
from regiecoach.texts import say


def tracker(sender="42", text="", intent="", slots=None, entities=None, events=None, active_loop=None,
            latest_action="action_listen"):
    message = {"text": text, "intent": {"name": intent, "confidence": 0.95}, "entities": entities or []}
    return Tracker(sender, slots or {}, message, events or [], False, None,
                   {"name": active_loop} if active_loop else {}, latest_action)


def texts(dispatcher):
    return "\n".join(m.get("text") or "" for m in dispatcher.messages)


def test_start_flow_without_consent_starts_onboarding(fresh_db):
    dispatcher = CollectingDispatcher()
    events = ActionStartFlow().run(dispatcher, tracker(sender="new", intent="prepare_meeting"), {})
    assert SlotSet("flow", "onboarding") in events
    assert "geen medisch advies" in texts(dispatcher)


def test_start_flow_for_a_consenting_user_runs_the_meeting_flow(fresh_db, consenting_user):
    events = ActionStartFlow().run(CollectingDispatcher(), tracker(intent="prepare_meeting"), {})
    assert SlotSet("flow", "meeting") in events and SlotSet("flow_input", None) in events


def test_start_flow_that_finishes_at_once_completes_the_form(fresh_db, consenting_user, now):
    users.set_report_optin(fresh_db, consenting_user, True, now)
    dispatcher = CollectingDispatcher()
    events = ActionStartFlow().run(dispatcher, tracker(intent="start"), {})
    assert SlotSet("flow_input", "done") in events
    assert dispatcher.messages[-1]["buttons"]


def test_validate_hands_the_answer_to_the_running_flow_and_keeps_the_form_going(fresh_db, consenting_user):
    ActionStartFlow().run(CollectingDispatcher(), tracker(intent="prepare_meeting"), {})
    dispatcher = CollectingDispatcher()
    result = ValidateFlowForm().validate_flow_input(
        "Bedrijfsarts", dispatcher, tracker(text="Bedrijfsarts", slots={"flow": "meeting"}, active_loop="flow_form"), {})
    assert result == {"flow_input": None, "flow": "meeting"}
    assert drafts.load_draft(fresh_db, consenting_user, "meeting")["data"]


def test_the_message_that_started_the_flow_is_not_taken_as_its_first_answer(fresh_db, consenting_user):
    ActionStartFlow().run(CollectingDispatcher(), tracker(intent="prepare_meeting"), {})
    dispatcher = CollectingDispatcher()
    result = ValidateFlowForm().validate_flow_input(
        "/prepare_meeting", dispatcher, tracker(text="/prepare_meeting", slots={"flow": "meeting"},
                                                latest_action="flow_form"), {})
    assert result == {"flow_input": None}
    assert dispatcher.messages == []


def test_validate_without_a_flow_ends_the_form(fresh_db):
    result = ValidateFlowForm().validate_flow_input("x", CollectingDispatcher(), tracker(text="x"), {})
    assert result == {"flow_input": "done", "flow": None}


def test_crisis_replies_with_113_and_112_and_listens_but_keeps_the_draft(fresh_db, consenting_user):
    ActionStartFlow().run(CollectingDispatcher(), tracker(intent="prepare_meeting"), {})
    dispatcher = CollectingDispatcher()
    events = ActionCrisis().run(dispatcher, tracker(text="ik wil er niet meer zijn", intent="crisis",
                                                    slots={"flow": "meeting"}), {})
    reply = texts(dispatcher)
    assert "113" in reply and "0800-0113" in reply and "112" in reply and "huisarts" in reply
    assert say("crisis", "later") in reply
    assert SlotSet("flow", "listen") in events  # the listening flow runs next
    assert users.get_user(fresh_db, consenting_user)["last_crisis_at"]
    assert drafts.load_draft(fresh_db, consenting_user, "meeting") is not None


def test_stop_in_a_flow_keeps_what_was_said(fresh_db, consenting_user):
    ActionStartFlow().run(CollectingDispatcher(), tracker(intent="prepare_meeting"), {})
    dispatcher = CollectingDispatcher()
    ActionStop().run(dispatcher, tracker(text="stop", intent="stop", slots={"flow": "meeting"}), {})
    assert texts(dispatcher) == say("engine", "stopped_saved")


def test_stop_outside_a_flow_offers_the_menu(fresh_db):
    dispatcher = CollectingDispatcher()
    ActionStop().run(dispatcher, tracker(text="stop", intent="stop"), {})
    assert dispatcher.messages[-1]["buttons"]


def test_flow_done_resets_the_slots(fresh_db):
    assert ActionFlowDone().run(CollectingDispatcher(), tracker(), {}) == [SlotSet("flow", None),
                                                                          SlotSet("flow_input", None)]


def test_export_sends_the_users_data_as_a_json_document(fresh_db, consenting_user):
    dispatcher = CollectingDispatcher()
    ActionExportData().run(dispatcher, tracker(intent="export_data"), {})
    document = dispatcher.messages[0]["custom"]["document"]
    exported = json.loads(open(document["path"], encoding="utf-8").read())
    assert exported["users"][0]["chat_id"] == consenting_user


def test_export_for_someone_without_data_says_so(fresh_db):
    dispatcher = CollectingDispatcher()
    ActionExportData().run(dispatcher, tracker(sender="nobody", intent="export_data"), {})
    assert texts(dispatcher) == say("onboarding", "export_empty")
