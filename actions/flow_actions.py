"""Rasa glue for the flow engine: one form (`flow_form`) with one free-text
slot (`flow_input`) runs every flow; the engine decides what to ask next."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import chat_id, entities, get_db, now, send, turn_from_tracker, tz, update_key
from actions.flows import engine
from actions.flows.base import Reply
from actions.flows.onboarding import menu
from regiecoach.storage import drafts, users
from regiecoach.texts import say


class ActionStartFlow(Action):
    def name(self) -> str:
        return "action_start_flow"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        intent = ((tracker.latest_message or {}).get("intent") or {}).get("name") or "start"
        flow_name = engine.INTENT_FLOWS.get(intent, "onboarding")
        trigger = entities(tracker)
        if intent == "add_goal":
            trigger["goals_only"] = True
        replies, running = engine.start(get_db(), chat_id(tracker), flow_name, now(), tz(), trigger or None,
                                        key=update_key(tracker))
        send(dispatcher, replies)
        if running is None:
            # Finished at once: flow_form completes on activation (see data/rules/flows.yml).
            return [SlotSet("flow", None), SlotSet("flow_input", "done")]
        return [SlotSet("flow", running), SlotSet("flow_input", None)]


class ActionAskFlowInput(Action):
    def name(self) -> str:
        return "action_ask_flow_input"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        flow = tracker.get_slot("flow")
        if flow:
            send(dispatcher, engine.ask(get_db(), chat_id(tracker), flow, now(), tz()))
        return []


class ValidateFlowForm(FormValidationAction):
    def name(self) -> str:
        return "validate_flow_form"

    def validate_flow_input(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        flow: Optional[str] = tracker.get_slot("flow")
        if not flow:
            return {"flow_input": "done", "flow": None}
        if (tracker.active_loop or {}).get("name") != "flow_form":
            # The form is being activated: the message that started the flow
            # ("/voorbereiden") is not an answer to its first question.
            return {"flow_input": None}
        turn = turn_from_tracker(tracker)
        if not turn.text and isinstance(slot_value, str):
            turn.text = slot_value
        replies, running = engine.handle(get_db(), chat_id(tracker), flow, turn, now(), tz(), key=update_key(tracker))
        send(dispatcher, replies)
        if running is None:
            return {"flow_input": "done", "flow": None}
        return {"flow_input": None, "flow": running}


class ActionFlowDone(Action):
    def name(self) -> str:
        return "action_flow_done"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        return [SlotSet("flow", None), SlotSet("flow_input", None)]


class ActionStop(Action):
    """"Stop": pause the running flow (its draft is kept) or say nothing runs."""

    def name(self) -> str:
        return "action_stop"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        flow = tracker.get_slot("flow")
        if flow:
            send(dispatcher, engine.stop(get_db(), chat_id(tracker), flow, now(), tz()))
        else:
            send(dispatcher, [Reply(say("engine", "stopped")), menu()])
        return [SlotSet("flow", None), SlotSet("flow_input", None)]


class ActionCrisis(Action):
    """The crisis reply, at once, whatever was running. The flow's draft stays
    so the user can pick it up later; the next check-in opens with how they are.
    Then the listening flow runs for a few turns (flow_form, see data/rules/safety.yml),
    so what the user says next never meets a menu or "daar kan ik je niet mee helpen"."""

    def name(self) -> str:
        return "action_crisis"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        db = get_db()
        users.mark_crisis(db, chat_id(tracker), now())
        dispatcher.utter_message(text=say("crisis", "reply"))
        if tracker.get_slot("flow") not in (None, "listen"):
            dispatcher.utter_message(text=say("crisis", "later"))
        drafts.delete_draft(db, chat_id(tracker), "listen")  # a new crisis listens from the start
        replies, running = engine.start(db, chat_id(tracker), "listen", now(), tz())
        send(dispatcher, replies)
        return [SlotSet("flow", running), SlotSet("flow_input", None)]
