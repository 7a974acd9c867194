"""/mijngegevens: everything stored about the user, as a message and a file."""

from __future__ import annotations

import json
from typing import List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import chat_id, get_db, now, send
from actions.flows.base import Reply
from actions.flows.figures import export_line
from regiecoach.config import get_settings
from regiecoach.storage import privacy
from regiecoach.texts import say

TABLE_NAMES_NL = {
    "users": "instellingen",
    "meetings": "gesprekken",
    "goals": "doelen",
    "statements": "wat je wel en niet kunt",
    "questions": "vragen",
    "drafts": "onafgemaakte stappen",
    "reminders": "herinneringen",
    "checkins": "check-ins",
    "practice_attempts": "oefeningen",
    "inbox": "berichten die ik nog moet beantwoorden",
    "outbox": "mijn antwoorden aan jou",
    "flow_turns": "mijn antwoorden van de laatste twee dagen, voor als een bericht dubbel binnenkomt",
    "chat_messages": "berichten in het gesprek",
}


class ActionExportData(Action):
    def name(self) -> str:
        return "action_export_data"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        user = chat_id(tracker)
        data = privacy.export_user(get_db(), user, tracker_db=get_settings().tracker_db)
        only_settings = list(data) == ["users"] and data["users"][0].get("consent") != "yes"
        if not data or only_settings:
            send(dispatcher, [Reply(say("onboarding", "export_empty"))])
            return []
        lines = [f"- {TABLE_NAMES_NL.get(table, table)}: {len(rows)}" for table, rows in data.items()]
        lines.append(export_line(data["users"][0].get("report_optin") if data.get("users") else None))
        out_dir = get_settings().data_dir / "exports" / user
        out_dir.mkdir(parents=True, exist_ok=True)
        path = out_dir / f"mijn-gegevens-{now().strftime('%Y%m%d-%H%M%S')}.json"
        path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
        path.chmod(0o600)
        send(dispatcher, [Reply(say("onboarding", "export_intro") + "\n" + "\n".join(lines),
                                custom={"document": {"path": str(path), "filename": "mijn-gegevens.json",
                                                     "delete_after_send": True}})])
        return []
