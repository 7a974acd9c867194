"""The "scherpe foto": a short picture of how things are, for the next meeting.

Built only from what the user told the bot: the latest check-ins, the goals of
the last meeting, what they can and can't do (with examples), their proposal,
their next step and last time's agreements. Nothing is judged or added; when
the user rewrote it, their own text is used instead.

The caller passes `keep`, the card's filter for user text (the manager's card
leaves out diagnosis words); the manager's version also leaves out scores.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Tuple

from sqlite_utils import Database

from regiecoach.dutch.dates import format_dutch
from regiecoach.storage import checkins, meetings, parse_iso
from regiecoach.texts import say

Keep = Callable[[Optional[str]], str]
SCORES = ("energy", "confidence", "regie")


@dataclass
class SharpPhoto:
    sections: List[Tuple[str, List[str]]] = field(default_factory=list)  # (heading, lines); empty = "Nog niet ingevuld."
    own_text: Optional[str] = None

    def lines(self) -> List[str]:
        """For the card: each section's heading with its lines under it."""
        if self.own_text:
            return [say("scherpe_foto", "own_words") + ":", self.own_text]
        result = []
        for heading, lines in self.sections:
            result.append(heading + ":")
            result.extend("- " + line for line in lines or [say("scherpe_foto", "empty")])
        return result

    def text(self) -> str:
        """The whole photo as a message: a heading and its lines per section."""
        if self.own_text:
            return self.own_text
        return "\n\n".join(heading + "\n" + "\n".join(lines or [say("scherpe_foto", "empty")])
                           for heading, lines in self.sections)


def _scores_line(latest: Dict[str, Any], before: Optional[Dict[str, Any]], tz: dt.tzinfo, for_manager: bool) -> str:
    parts = []
    for score in SCORES:
        if for_manager or latest.get(score) is None:
            continue
        text = say("scherpe_foto", f"score_{score}", value=latest[score])
        if before and before.get(score) is not None and before[score] != latest[score]:
            text = say("scherpe_foto", "score_before", score=text, before=before[score])
        parts.append(text)
    when = parse_iso(latest.get("created_at"))
    if not parts or when is None:
        return ""
    return say("scherpe_foto", "scores", day=format_dutch(when, tz, with_time=False), scores=", ".join(parts))


def _statements(db: Database, chat_id: str, meeting_id: int, kind: str, keep: Keep) -> List[str]:
    """This meeting's statements of `kind`, or those of the latest earlier meeting that has them."""
    candidates = [meeting_id] + [m["id"] for m in reversed(meetings.list_meetings(db, chat_id)) if m["id"] != meeting_id]
    for candidate in candidates:
        rows = [r for r in meetings.list_statements(db, chat_id, candidate, kind) if keep(r["text"])]
        if rows:
            return [say("scherpe_foto", "example", text=keep(r["text"]), example=keep(r["example"]))
                    if keep(r.get("example")) else keep(r["text"]) for r in rows]
    return []


def build(db: Database, chat_id: str, meeting_id: int, tz: dt.tzinfo, keep: Keep,
          for_manager: bool = False) -> Optional[SharpPhoto]:
    meeting = meetings.get_meeting(db, chat_id, meeting_id)
    if meeting is None:
        return None
    own = keep(meetings.sharp_photo_text(db, chat_id, meeting_id))
    if own:
        return SharpPhoto(own_text=own)
    recent = checkins.list_checkins(db, chat_id, limit=2)
    latest = recent[-1] if recent else None
    before = recent[-2] if len(recent) > 1 else None
    previous = meetings.previous_meeting(db, chat_id, meeting)

    now: List[str] = []
    if latest:
        now.append(_scores_line(latest, before, tz, for_manager))
        if keep(latest.get("went_well")):
            now.append(say("scherpe_foto", "went_well", text=keep(latest["went_well"])))
        if keep(latest.get("goals_update")):
            now.append(say("scherpe_foto", "goals_update", text=keep(latest["goals_update"])))
    if previous:
        goals = meetings.list_goals(db, chat_id, previous["id"])
        if any(g["status"] not in (None, "open") for g in goals):
            reached = sum(1 for g in goals if g["status"] == "reached")
            now.append(say("scherpe_foto", "goals_last_time", reached=reached, total=len(goals)))

    helps: List[str] = []
    if keep(meeting.get("proposal")):
        helps.append(say("scherpe_foto", "proposal", text=keep(meeting["proposal"])))
    if latest and keep(latest.get("next_step")):
        helps.append(say("scherpe_foto", "next_step", text=keep(latest["next_step"])))
    if previous and keep(previous.get("agreements")):
        helps.append(say("scherpe_foto", "agreements", text=keep(previous["agreements"])))

    return SharpPhoto(sections=[
        (say("scherpe_foto", "now"), [line for line in now if line]),
        (say("scherpe_foto", "barriers"), _statements(db, chat_id, meeting_id, "cannot", keep)),
        (say("scherpe_foto", "capacity"), _statements(db, chat_id, meeting_id, "can", keep)),
        (say("scherpe_foto", "helps"), helps),
    ])
