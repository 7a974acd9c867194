"""What every custom action needs: the database, the clock, the user's
time zone, and conversion between Rasa and flow objects."""

from __future__ import annotations

import datetime as dt
import os
from typing import Any, Callable, Dict, List, Optional

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlite_utils import Database

from actions.flows.base import Button, Reply, Turn
from regiecoach.config import get_settings
from regiecoach.storage import open_db
from regiecoach.texts import say

_db: Optional[Database] = None
_db_path: Optional[str] = None


def get_db() -> Database:
    """One connection per action-server process, opened on first use.
    Reopened when REGIECOACH_DB changes (tests use a fresh file each)."""
    global _db, _db_path
    path = str(get_settings().db_path)
    if _db is None or _db_path != path:
        _db, _db_path = open_db(path), path
    return _db


def now() -> dt.datetime:
    """The current time (UTC). REGIECOACH_NOW fixes it for tests and demos."""
    fixed = os.environ.get("REGIECOACH_NOW")
    if fixed:
        moment = dt.datetime.fromisoformat(fixed)
        return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)
    return dt.datetime.now(dt.timezone.utc)


def tz() -> dt.tzinfo:
    return get_settings().tz


def chat_id(tracker: Tracker) -> str:
    return str(tracker.sender_id)


def update_key(tracker: Tracker) -> Optional[str]:
    """The bridge's key of the message this turn answers (sent as message
    metadata), so a flow step is applied once per message; None for a
    scheduled message (trigger_intent carries none)."""
    user_events = [e for e in tracker.events or [] if e.get("event") == "user"]
    for metadata in ((tracker.latest_message or {}).get("metadata"), user_events[-1:] and user_events[-1].get("metadata")):
        if isinstance(metadata, dict) and metadata.get("update_key"):
            return str(metadata["update_key"])
    return None


def entities(tracker: Tracker) -> Dict[str, Any]:
    """Entities of the latest message (from button payloads) as a dict."""
    found = (tracker.latest_message or {}).get("entities") or []
    return {e["entity"]: e.get("value") for e in found if e.get("entity")}


def turn_from_tracker(tracker: Tracker) -> Turn:
    message: Dict[str, Any] = tracker.latest_message or {}
    intent = message.get("intent") or {}
    turn = Turn(text=message.get("text") or "", intent=intent.get("name"), confidence=float(intent.get("confidence") or 0.0))
    selector = (message.get("response_selector") or {})
    chosen = selector.get("werkwijzer") or selector.get("default") or {}
    response = chosen.get("response") or {}
    key = response.get("intent_response_key")
    if key:
        turn.werkwijzer_key = key
        texts = [r.get("text") for r in response.get("responses") or [] if r.get("text")]
        turn.werkwijzer_text = texts[0] if texts else None
    return turn


ATTACHMENTS = ("photo", "document")


def send(dispatcher: CollectingDispatcher, replies: List[Reply]) -> None:
    for reply in replies:
        buttons = [{"title": title, "payload": payload} for title, payload in reply.buttons]
        kwargs: Dict[str, Any] = {}
        text, custom = reply.text, reply.custom
        attachment = next((kind for kind in ATTACHMENTS if custom and custom.get(kind)), None)
        if custom and attachment and text and not buttons:
            # Rasa's channel sends text and custom payload as two messages; inside the
            # payload the text stays with its picture or file, as the caption.
            custom = {**custom, attachment: {**custom[attachment], "caption": text}}
            text = ""
        if text:
            kwargs["text"] = text
        if buttons:
            kwargs["buttons"] = buttons
        if custom:
            kwargs["json_message"] = custom
        if kwargs:
            dispatcher.utter_message(**kwargs)


def page_buttons(page: int, pages: int, payload: Callable[[int], str]) -> List[Button]:
    """"Vorige" and "Volgende" for a long list shown in parts; `payload(n)` asks for part n."""
    buttons: List[Button] = []
    if page > 1:
        buttons.append((say("pages", "previous"), payload(page - 1)))
    if page < pages:
        buttons.append((say("pages", "next"), payload(page + 1)))
    return buttons

