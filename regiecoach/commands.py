"""Bot commands (Telegram and the local chat) and the Rasa payload each sends."""

from __future__ import annotations

from typing import Dict, Optional, Tuple

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
