"""Bot commands (Telegram and the local chat), the Rasa payload each sends, and
the one format of payloads: `/intent{"entity":"value"}`."""

from __future__ import annotations

import json
from typing import Any, Dict, Optional, Tuple

# command -> (Rasa payload, description shown in Telegram's menu)
COMMANDS: Dict[str, Tuple[str, str]] = {
    "start": ("/start", "Beginnen"),
    "help": ("/help", "Wat kan ik hier doen?"),
    "voorbereiden": ("/prepare_meeting", "Een gesprek voorbereiden"),
    "doelen": ("/list_goals", "Mijn doelen"),
    "kaart": ("/show_card", "Mijn gesprekskaart"),
    "terugblik": ("/meeting_debrief", "Terugblikken op een gesprek"),
    "oefenen": ("/practice", "Een gesprek oefenen"),
    "checkin": ("/checkin", "Even inchecken"),
    "herinneringen": ("/manage_reminders", "Mijn herinneringen"),
    "tijdlijn": ("/show_timeline", "Mijn tijdlijn van het traject"),
    "voortgang": ("/show_progress", "Mijn voortgang"),
    "mijngegevens": ("/export_data", "Mijn gegevens opvragen"),
    "wissen": ("/delete_data", "Mijn gegevens wissen"),
    "privacy": ("/privacy_choice", "Meetellen in anonieme cijfers (of niet)"),
    "stop": ("/stop", "Stoppen met waar ik mee bezig ben"),
}


def payload_for_command(text: str) -> Optional[str]:
    """'/doelen' or '/doelen@RegiecoachBot' -> '/list_goals'; None if unknown."""
    if not text.startswith("/"):
        return None
    command = text[1:].split()[0].split("@")[0].lower() if len(text) > 1 else ""
    entry = COMMANDS.get(command)
    return entry[0] if entry else None


def payload_for_typed(text: str) -> str:
    """What Rasa gets for a typed line: a command's payload, "/help" for an
    unknown command (never a raw "/something" Rasa would read as an intent), else the text."""
    if not text.startswith("/"):
        return text
    return payload_for_command(text) or "/help"


def intent_payload(intent: str, **entities: Any) -> str:
    """A button payload that sends an intent with entities: /list_goals{"goal_id":"7"}."""
    return f"/{intent}" + json.dumps({k: str(v) for k, v in entities.items()}, separators=(",", ":"))


def parse_payload(text: str) -> Tuple[str, Dict[str, Any]]:
    """'/add_goal{"edit_goal_id":"7"}' -> ('add_goal', {'edit_goal_id': '7'}); a
    malformed entity part gives no entities."""
    name, _, rest = text[1:].partition("{") if text.startswith("/") else ("", "", "")
    entities: Dict[str, Any] = {}
    if rest:
        try:
            loaded = json.loads("{" + rest)
            entities = loaded if isinstance(loaded, dict) else {}
        except ValueError:
            entities = {}
    return name.strip(), entities
