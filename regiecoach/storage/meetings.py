"""Meetings and what the user prepares for them: goals, what they can and
can't do (with examples), energy, a proposal and questions; afterwards the
look back (goal status, felt heard, agreements).

Every function checks that a row belongs to `chat_id`, so a payload with
someone else's id does nothing. Writes refuse without consent.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Tuple

from sqlite_utils import Database

from regiecoach.storage.db import atomic, insert_row, iso
from regiecoach.storage.users import require_consent

GOAL_STATUSES = ("open", "reached", "partly", "not")
STATEMENT_KINDS = ("can", "cannot", "energy")
HEARD_VALUES = ("ja", "deels", "nee")
# Statuses of a meeting that has not been looked back on yet.
OPEN_MEETING = ("planned", "prepared")


def _one(db: Database, sql: str, params: List[Any]) -> Optional[Dict[str, Any]]:
    rows = list(db.query(sql, params))
    return dict(rows[0]) if rows else None


def _owned(db: Database, table: str, chat_id: str, row_id: Any) -> Optional[Dict[str, Any]]:
    """Row `row_id` of `table` if it belongs to this user; None for a foreign or malformed id."""
    try:
        key = int(row_id)
    except (TypeError, ValueError):
        return None
    return _one(db, f"select * from {table} where id = ? and chat_id = ?", [key, str(chat_id)])


# --- meetings -------------------------------------------------------------------


@atomic
def create_meeting(
    db: Database,
    chat_id: str,
    with_whom: str,
    now: dt.datetime,
    starts_at: Optional[dt.datetime] = None,
    status: str = "planned",
) -> int:
    require_consent(db, chat_id)
    return insert_row(db, "meetings", {
        "chat_id": str(chat_id),
        "with_whom": with_whom,
        "starts_at": iso(starts_at) if starts_at else None,
        "status": status,
        "created_at": iso(now),
    })


def get_meeting(db: Database, chat_id: str, meeting_id: Any) -> Optional[Dict[str, Any]]:
    return _owned(db, "meetings", chat_id, meeting_id)


@atomic
def update_meeting(db: Database, chat_id: str, meeting_id: int, **fields: Any) -> bool:
    """Change with_whom, starts_at (aware datetime), status, energy_pattern or proposal."""
    allowed = {"with_whom", "starts_at", "status", "energy_pattern", "proposal"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"unknown meeting fields: {sorted(unknown)}")
    require_consent(db, chat_id)
    if get_meeting(db, chat_id, meeting_id) is None:
        return False
    if isinstance(fields.get("starts_at"), dt.datetime):
        fields["starts_at"] = iso(fields["starts_at"])
    db["meetings"].update(int(meeting_id), fields)  # type: ignore[union-attr]
    return True


def set_energy(db: Database, chat_id: str, meeting_id: int, text: Optional[str]) -> bool:
    return update_meeting(db, chat_id, meeting_id, energy_pattern=text)


def set_proposal(db: Database, chat_id: str, meeting_id: int, text: Optional[str]) -> bool:
    return update_meeting(db, chat_id, meeting_id, proposal=text)


def list_meetings(db: Database, chat_id: str) -> List[Dict[str, Any]]:
    """All meetings of the user, soonest first (meetings without a time last)."""
    return [
        dict(row)
        for row in db.query(
            "select * from meetings where chat_id = ? and coalesce(status, '') != 'cancelled' "
            "order by starts_at is null, starts_at, id",
            [str(chat_id)],
        )
    ]


def next_meeting(db: Database, chat_id: str, now: dt.datetime) -> Optional[Dict[str, Any]]:
    """The first planned or prepared meeting still ahead."""
    return _one(
        db,
        "select * from meetings where chat_id = ? and starts_at >= ? and status in ('planned', 'prepared') "
        "order by starts_at limit 1",
        [str(chat_id), iso(now)],
    )


def upcoming_meetings(db: Database, chat_id: str, now: dt.datetime) -> List[Dict[str, Any]]:
    """Every meeting still ahead that is not cancelled, soonest first."""
    return [dict(r) for r in db.query(
        "select * from meetings where chat_id = ? and starts_at > ? and coalesce(status, '') != 'cancelled'"
        " order by starts_at",
        [str(chat_id), iso(now)],
    )]


def open_goals(db: Database, chat_id: str, limit: int = 5) -> List[Dict[str, Any]]:
    """The user's open (or partly reached) goals, newest first."""
    return [dict(r) for r in db.query(
        "select id, text, status from goals where chat_id = ? and coalesce(status, 'open') in ('open', 'partly')"
        " order by id desc limit ?",
        [str(chat_id), int(limit)],
    )]


def latest_prepared_meeting(db: Database, chat_id: str) -> Optional[Dict[str, Any]]:
    """The meeting whose card was made last (prepared, or already looked back on)."""
    return _one(
        db,
        "select * from meetings where chat_id = ? and status in ('prepared', 'done') order by id desc limit 1",
        [str(chat_id)],
    )


def meetings_due_for_debrief(db: Database, chat_id: str, now: dt.datetime) -> List[Dict[str, Any]]:
    """Meetings that have started and were not looked back on yet, latest first."""
    return [
        dict(row)
        for row in db.query(
            "select * from meetings where chat_id = ? and starts_at <= ? and status in ('planned', 'prepared') "
            "and reviewed_at is null order by starts_at desc",
            [str(chat_id), iso(now)],
        )
    ]


_UNSET: Any = object()


@atomic
def record_debrief(
    db: Database,
    chat_id: str,
    meeting_id: int,
    now: dt.datetime,
    felt_heard: Optional[str] = _UNSET,
    agreements: Optional[str] = _UNSET,
    finished: bool = False,
) -> bool:
    """Store part of the look back (only the fields passed); `finished` marks
    the meeting done so it is not offered for a look back again."""
    require_consent(db, chat_id)
    if get_meeting(db, chat_id, meeting_id) is None:
        return False
    fields: Dict[str, Any] = {}
    if felt_heard is not _UNSET:
        if felt_heard is not None and felt_heard not in HEARD_VALUES:
            raise ValueError(f"felt_heard must be one of {HEARD_VALUES}")
        fields["felt_heard"] = felt_heard
    if agreements is not _UNSET:
        fields["agreements"] = agreements
    if finished:
        fields["status"] = "done"
        fields["reviewed_at"] = iso(now)
    if fields:
        db["meetings"].update(int(meeting_id), fields)  # type: ignore[union-attr]
    return True


def move_meeting(db: Database, chat_id: str, meeting_id: int, starts_at: dt.datetime) -> bool:
    """A new start time; the calendar file's sequence goes up so phones replace the old event."""
    return _bump(db, chat_id, meeting_id, {"starts_at": iso(starts_at)})


def cancel_meeting(db: Database, chat_id: str, meeting_id: int) -> bool:
    """The meeting does not take place; it stays stored (its goals too) but is no longer listed."""
    return _bump(db, chat_id, meeting_id, {"status": "cancelled"})


def _bump(db: Database, chat_id: str, meeting_id: int, fields: Dict[str, Any]) -> bool:
    require_consent(db, chat_id)
    meeting = get_meeting(db, chat_id, meeting_id)
    if meeting is None:
        return False
    fields["ics_sequence"] = int(meeting.get("ics_sequence") or 0) + 1
    db["meetings"].update(int(meeting_id), fields)  # type: ignore[union-attr]
    return True


def previous_meeting(db: Database, chat_id: str, meeting: Dict[str, Any]) -> Optional[Dict[str, Any]]:
    """The latest meeting that was looked back on before this one (for last time's agreements)."""
    return _one(
        db,
        "select * from meetings where chat_id = ? and id != ? and status = 'done' "
        "and coalesce(starts_at, created_at) <= coalesce(?, ?) order by coalesce(starts_at, created_at) desc limit 1",
        [str(chat_id), int(meeting["id"]), meeting.get("starts_at"), meeting.get("created_at")],
    )


# --- the user's own "scherpe foto" --------------------------------------------------


def save_sharp_photo(db: Database, chat_id: str, meeting_id: int, text: str, now: dt.datetime) -> None:
    """Store (or replace) the user's own wording of the scherpe foto for a meeting."""
    require_consent(db, chat_id)
    if get_meeting(db, chat_id, meeting_id) is None:
        raise ValueError("meeting not found")
    db.execute(
        "insert into sharp_photos (chat_id, meeting_id, text, created_at, updated_at) values (?, ?, ?, ?, ?) "
        "on conflict (chat_id, meeting_id) do update set text = excluded.text, updated_at = excluded.updated_at",
        [str(chat_id), int(meeting_id), text, iso(now), iso(now)],
    )


def sharp_photo_text(db: Database, chat_id: str, meeting_id: int) -> Optional[str]:
    row = _one(db, "select text from sharp_photos where chat_id = ? and meeting_id = ?", [str(chat_id), int(meeting_id)])
    return row["text"] if row else None


# --- goals ------------------------------------------------------------------------


@atomic
def add_goal(db: Database, chat_id: str, meeting_id: int, text: str, now: dt.datetime) -> int:
    require_consent(db, chat_id)
    if get_meeting(db, chat_id, meeting_id) is None:
        raise ValueError("meeting not found")
    return insert_row(db, "goals", {"meeting_id": int(meeting_id), "chat_id": str(chat_id), "text": text,
                                    "status": "open", "created_at": iso(now)})


def get_goal(db: Database, chat_id: str, goal_id: Any) -> Optional[Dict[str, Any]]:
    return _owned(db, "goals", chat_id, goal_id)


def list_goals(db: Database, chat_id: str, meeting_id: int) -> List[Dict[str, Any]]:
    return [
        dict(row)
        for row in db.query(
            "select * from goals where chat_id = ? and meeting_id = ? order by id", [str(chat_id), int(meeting_id)]
        )
    ]


def list_goals_by_meeting(db: Database, chat_id: str) -> List[Tuple[Dict[str, Any], List[Dict[str, Any]]]]:
    """(meeting, goals) pairs for every meeting with at least one goal, latest meeting first."""
    result = []
    for meeting in reversed(list_meetings(db, chat_id)):
        goals = list_goals(db, chat_id, meeting["id"])
        if goals:
            result.append((meeting, goals))
    return result


@atomic
def _change_goal(db: Database, chat_id: str, goal_id: int, fields: Optional[Dict[str, Any]]) -> bool:
    """Update (or with `fields` None, delete) one of this user's goals; False if it is not theirs."""
    require_consent(db, chat_id)
    if get_goal(db, chat_id, goal_id) is None:
        return False
    if fields is None:
        db.execute("delete from goals where id = ? and chat_id = ?", [int(goal_id), str(chat_id)])
    else:
        db["goals"].update(int(goal_id), fields)  # type: ignore[union-attr]
    return True


def update_goal_text(db: Database, chat_id: str, goal_id: int, text: str) -> bool:
    return _change_goal(db, chat_id, goal_id, {"text": text})


def set_goal_status(db: Database, chat_id: str, goal_id: int, status: str) -> bool:
    if status not in GOAL_STATUSES:
        raise ValueError(f"status must be one of {GOAL_STATUSES}")
    return _change_goal(db, chat_id, goal_id, {"status": status})


def set_goal_obstacle(db: Database, chat_id: str, goal_id: int, text: str) -> bool:
    """What got in the way of a goal that was not (fully) reached, in the user's words."""
    return _change_goal(db, chat_id, goal_id, {"obstacle": text})


# --- what the user takes to the next meeting ------------------------------------------


@atomic
def carry_goal(db: Database, chat_id: str, from_meeting_id: int, text: str, now: dt.datetime) -> int:
    """A draft goal for the next preparation, from the look back; a second
    answer for the same meeting replaces the first."""
    require_consent(db, chat_id)
    db.execute("delete from carried_goals where chat_id = ? and from_meeting_id = ? and used_at is null",
               [str(chat_id), int(from_meeting_id)])
    return insert_row(db, "carried_goals", {"chat_id": str(chat_id), "from_meeting_id": int(from_meeting_id),
                                            "text": text, "created_at": iso(now), "used_at": None})


def carried_goal(db: Database, chat_id: str) -> Optional[Dict[str, Any]]:
    """The latest draft goal not yet used or declined."""
    return _one(db, "select * from carried_goals where chat_id = ? and used_at is null order by id desc limit 1",
                [str(chat_id)])


@atomic
def use_carried_goal(db: Database, chat_id: str, carried_id: int, now: dt.datetime) -> None:
    """Taken as a goal, or declined: not offered again."""
    db.execute("update carried_goals set used_at = ? where id = ? and chat_id = ?",
               [iso(now), int(carried_id), str(chat_id)])


def delete_goal(db: Database, chat_id: str, goal_id: int) -> bool:
    return _change_goal(db, chat_id, goal_id, None)


# --- can / cannot / energy statements -----------------------------------------------


@atomic
def add_statement(
    db: Database, chat_id: str, meeting_id: int, kind: str, text: str, example: Optional[str], now: dt.datetime
) -> int:
    if kind not in STATEMENT_KINDS:
        raise ValueError(f"kind must be one of {STATEMENT_KINDS}")
    require_consent(db, chat_id)
    if get_meeting(db, chat_id, meeting_id) is None:
        raise ValueError("meeting not found")
    return insert_row(db, "statements", {
        "meeting_id": int(meeting_id),
        "chat_id": str(chat_id),
        "kind": kind,
        "text": text,
        "example": example,
        "created_at": iso(now),
    })


@atomic
def set_statement(
    db: Database,
    chat_id: str,
    meeting_id: int,
    kind: str,
    now: dt.datetime,
    text: Optional[str] = None,
    example: Optional[str] = None,
) -> int:
    """The one statement of `kind` for this meeting: created, or its text or
    example replaced (so correcting an answer does not add a second one)."""
    existing = list_statements(db, chat_id, meeting_id, kind)
    if not existing:
        return add_statement(db, chat_id, meeting_id, kind, text or "", example, now)
    require_consent(db, chat_id)
    fields: Dict[str, Any] = {}
    if text is not None:
        fields["text"] = text
    if example is not None:
        fields["example"] = example
    if fields:
        db["statements"].update(existing[0]["id"], fields)  # type: ignore[union-attr]
    return int(existing[0]["id"])


def list_statements(db: Database, chat_id: str, meeting_id: int, kind: Optional[str] = None) -> List[Dict[str, Any]]:
    sql = "select * from statements where chat_id = ? and meeting_id = ?"
    params: List[Any] = [str(chat_id), int(meeting_id)]
    if kind:
        sql += " and kind = ?"
        params.append(kind)
    return [dict(row) for row in db.query(sql + " order by id", params)]


# --- questions ------------------------------------------------------------------------


@atomic
def add_question(db: Database, chat_id: str, meeting_id: int, text: str, now: dt.datetime) -> int:
    require_consent(db, chat_id)
    if get_meeting(db, chat_id, meeting_id) is None:
        raise ValueError("meeting not found")
    return insert_row(db, "questions", {"meeting_id": int(meeting_id), "chat_id": str(chat_id), "text": text,
                                        "created_at": iso(now)})


def list_questions(db: Database, chat_id: str, meeting_id: int) -> List[Dict[str, Any]]:
    return [
        dict(row)
        for row in db.query(
            "select * from questions where chat_id = ? and meeting_id = ? order by id", [str(chat_id), int(meeting_id)]
        )
    ]


@atomic
def clear_questions(db: Database, chat_id: str, meeting_id: int) -> None:
    """Remove the questions of a meeting (the user answers that step again)."""
    require_consent(db, chat_id)
    db.execute("delete from questions where chat_id = ? and meeting_id = ?", [str(chat_id), int(meeting_id)])


# --- progress ---------------------------------------------------------------------------


@dataclass
class Progress:
    """The user's own version of the study's numbers. Goals count as
    "(mostly) reached" when reached or partly reached."""

    meetings_prepared: int  # meetings with at least one goal
    goals_rated: int
    goals_mostly_reached: int
    meetings_reviewed: int  # meetings where "felt heard" was answered
    meetings_heard: int  # ... answered "ja"
    meetings_heard_partly: int

    @staticmethod
    def _share(part: int, whole: int) -> Optional[int]:
        return round(100 * part / whole) if whole else None

    @property
    def goals_share(self) -> Optional[int]:
        return self._share(self.goals_mostly_reached, self.goals_rated)

    @property
    def heard_share(self) -> Optional[int]:
        return self._share(self.meetings_heard, self.meetings_reviewed)


def progress_numbers(db: Database, chat_id: str) -> Progress:
    cid = str(chat_id)
    prepared = _one(
        db, "select count(distinct meeting_id) as n from goals where chat_id = ?", [cid]
    ) or {"n": 0}
    goals = _one(
        db,
        "select sum(status in ('reached', 'partly', 'not')) as rated, "
        "sum(status in ('reached', 'partly')) as mostly from goals where chat_id = ?",
        [cid],
    ) or {}
    heard = _one(
        db,
        "select count(felt_heard) as rated, sum(felt_heard = 'ja') as yes, sum(felt_heard = 'deels') as partly "
        "from meetings where chat_id = ? and felt_heard is not null",
        [cid],
    ) or {}
    return Progress(
        meetings_prepared=int(prepared["n"] or 0),
        goals_rated=int(goals.get("rated") or 0),
        goals_mostly_reached=int(goals.get("mostly") or 0),
        meetings_reviewed=int(heard.get("rated") or 0),
        meetings_heard=int(heard.get("yes") or 0),
        meetings_heard_partly=int(heard.get("partly") or 0),
    )
