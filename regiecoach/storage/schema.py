"""The schema, as sqlite-utils migrations. Append new migrations at the end;
never edit one that has shipped.

No table has a field for a diagnosis or for raw chat messages: only what the
flows need (answers the user gave on purpose) is stored.
"""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.db import Table
from sqlite_utils.migrations import Migrations

migrations = Migrations("regiecoach")


def _t(db: Database, name: str) -> Table:
    table = db[name]
    assert isinstance(table, Table)
    return table


@migrations()
def m001_core(db: Database) -> None:
    # One row per Telegram chat (or local chat user).
    _t(db, "users").create(
        {
            "chat_id": str,
            "consent": str,  # 'yes' | 'no' | NULL (not asked yet)
            "consent_at": str,
            "work_status": str,  # 'employed' | 'contract_ended' | 'self_employed'
            "first_sick_day": str,  # ISO date, optional
            "checkin_weeks": int,
            "checkin_daypart": str,  # 'ochtend' | 'middag' | 'avond'
            "reminders_paused": int,
            "blocked": int,  # 1 after Telegram answered 403
            "last_active_at": str,
            "last_crisis_at": str,
            "created_at": str,
        },
        pk="chat_id",
        defaults={"checkin_weeks": 4, "checkin_daypart": "ochtend", "reminders_paused": 0, "blocked": 0},
    )
    # Exactly once: each Telegram update is handled once.
    _t(db, "processed_updates").create(
        {"update_key": str, "chat_id": str, "processed_at": str}, pk="update_key"
    )
    # Replies to send, stored before sending; status pending -> sending -> sent.
    _t(db, "outbox").create(
        {
            "id": int,
            "chat_id": str,
            "source_key": str,  # update key or 'reminder:<id>'
            "seq": int,
            "payload": str,  # JSON: text, buttons, custom
            "status": str,
            "created_at": str,
            "sent_at": str,
        },
        pk="id",
    )
    _t(db, "outbox").create_index(["status", "id"])
    _t(db, "outbox").create_index(["source_key", "seq"], unique=True)
    # Inline keyboard buttons: callback_data holds only the short id.
    _t(db, "buttons").create(
        {"id": str, "chat_id": str, "payload": str, "title": str, "created_at": str, "used_at": str},
        pk="id",
    )
    # Drafts of a running flow, so a user can continue days later.
    _t(db, "drafts").create(
        {"chat_id": str, "flow": str, "step": str, "data": str, "updated_at": str},
        pk=("chat_id", "flow"),
    )


@migrations()
def m002_meetings(db: Database) -> None:
    _t(db, "meetings").create(
        {
            "id": int,
            "chat_id": str,
            "with_whom": str,  # 'bedrijfsarts' | 'leidinggevende' | 'arbeidsdeskundige' | 'casemanager' | other
            "starts_at": str,  # UTC ISO
            "status": str,  # 'planned' | 'prepared' | 'done' | 'cancelled'
            "energy_pattern": str,
            "proposal": str,
            "felt_heard": str,  # 'ja' | 'deels' | 'nee'
            "agreements": str,
            "created_at": str,
            "reviewed_at": str,
        },
        pk="id",
    )
    _t(db, "meetings").create_index(["chat_id", "starts_at"])
    _t(db, "goals").create(
        {"id": int, "meeting_id": int, "chat_id": str, "text": str, "status": str, "created_at": str},
        pk="id",
        foreign_keys=[("meeting_id", "meetings", "id")],
    )
    _t(db, "goals").create_index(["chat_id"])
    # What I can and can't do, each with an example from daily life.
    _t(db, "statements").create(
        {"id": int, "meeting_id": int, "chat_id": str, "kind": str, "text": str, "example": str, "created_at": str},
        pk="id",
        foreign_keys=[("meeting_id", "meetings", "id")],
    )
    _t(db, "questions").create(
        {"id": int, "meeting_id": int, "chat_id": str, "text": str, "created_at": str},
        pk="id",
        foreign_keys=[("meeting_id", "meetings", "id")],
    )


@migrations()
def m003_reminders_checkins(db: Database) -> None:
    _t(db, "reminders").create(
        {
            "id": int,
            "chat_id": str,
            "kind": str,  # meeting_before | meeting_morning | meeting_after | checkin | milestone | nudge
            "due_at": str,  # UTC ISO
            "payload": str,  # JSON
            "status": str,  # pending | claimed | sent | cancelled | failed | dropped
            "attempts": int,
            "claimed_at": str,
            "sent_at": str,
            "dedupe_key": str,
            "created_at": str,
        },
        pk="id",
        defaults={"attempts": 0},
    )
    _t(db, "reminders").create_index(["status", "due_at"])
    _t(db, "reminders").create_index(["dedupe_key"], unique=True)
    _t(db, "checkins").create(
        {
            "id": int,
            "chat_id": str,
            "created_at": str,
            "mood": str,
            "energy": int,
            "confidence": int,
            "goals_update": str,
            "went_well": str,
            "next_step": str,
            "next_step_date": str,
            "summary": str,
        },
        pk="id",
    )
    _t(db, "checkins").create_index(["chat_id", "created_at"])


@migrations()
def m004_practice(db: Database) -> None:
    _t(db, "practice_attempts").create(
        {
            "id": int,
            "chat_id": str,
            "scenario": str,
            "created_at": str,
            "turns": int,
            "skill_examples": int,
            "skill_both": int,
            "skill_proposal": int,
            "skill_calm": int,
            "saved_sentence": str,
            "finished": int,
        },
        pk="id",
    )
    _t(db, "practice_attempts").create_index(["chat_id", "created_at"])


@migrations()
def m005_outcome_figures(db: Database) -> None:
    # Issue 15. A separate, optional consent to be counted in anonymous figures
    # for the organisation: 'yes' | 'no' | NULL (not asked yet).
    _t(db, "users").add_column("report_optin", str)
    _t(db, "users").add_column("report_optin_at", str)
    # "Hoeveel regie heb je nu over je re-integratie?" (0-10), asked at most
    # every third check-in; NULL when not asked or skipped.
    _t(db, "checkins").add_column("regie", int)


@migrations()
def m006_delivery(db: Database) -> None:
    # Incoming messages, written before Telegram is told we have them (the
    # polling offset or the webhook's 200), deleted when the reply is stored.
    _t(db, "inbox").create(
        {"update_key": str, "chat_id": str, "text": str, "kind": str, "received_at": str, "asked_at": str},
        pk="update_key",
    )
    _t(db, "inbox").create_index(["chat_id", "received_at"])
    # An erasure whose Rasa tracker events still have to go: written in the
    # same transaction as the erase, applied by the bridge (holds no text).
    _t(db, "erasures").create({"chat_id": str, "erased_at": str}, pk="chat_id")
    # When a pending outbox row may be tried again (a failed send backs off).
    _t(db, "outbox").add_column("attempts", int, not_null_default=0)
    _t(db, "outbox").add_column("retry_at", str)


@migrations()
def m007_sharp_photo_calendar(db: Database) -> None:
    # The user's own wording of the "scherpe foto" for a meeting; it replaces the
    # summary the bot builds from their answers.
    _t(db, "sharp_photos").create(
        {"id": int, "chat_id": str, "meeting_id": int, "text": str, "created_at": str, "updated_at": str},
        pk="id",
        foreign_keys=[("meeting_id", "meetings", "id")],
    )
    _t(db, "sharp_photos").create_index(["chat_id", "meeting_id"], unique=True)
    # Raised each time a calendar file for the meeting would change (moved, cancelled),
    # so phone calendars replace the old event instead of adding a second one.
    _t(db, "meetings").add_column("ics_sequence", int, not_null_default=0)


@migrations()
def m008_one_open_checkin(db: Database) -> None:
    """At most one open check-in of the series per user (a snoozed follow-up,
    key 'snooze:<id>', or an operator's one is not part of the series).
    Duplicates left by the old non-atomic replanning keep only the newest."""
    series = "kind = 'checkin' and status in ('pending', 'claimed') and substr(dedupe_key, 1, 8) = 'checkin:'"
    db.execute(
        f"update reminders set status = 'cancelled', dedupe_key = dedupe_key || '#' || id where {series}"
        f" and id not in (select max(id) from reminders where {series} group by chat_id)"
    )
    db.execute(f"create unique index reminders_one_open_checkin on reminders (chat_id) where {series}")


@migrations()
def m009_flow_turns(db: Database) -> None:
    # A flow step applied for one incoming message (by its update key), with
    # the replies of that turn: when Rasa runs the turn again the step is not
    # applied twice. Pruned after two days (the bridge gives up after one).
    _t(db, "flow_turns").create(
        {"chat_id": str, "update_key": str, "call": str, "replies": str, "running": str, "created_at": str},
        pk=("chat_id", "update_key", "call"),
    )
    _t(db, "flow_turns").create_index(["created_at"])


@migrations()
def m010_checkin_memory(db: Database) -> None:
    # Issue 13. The answers to the scaling follow-ups ("wat maakt dat het een 5
    # is en geen 3?"), reflected back and named at the next check-in.
    _t(db, "checkins").add_column("energy_why", str)
    _t(db, "checkins").add_column("confidence_why", str)
    # A goal that was not reached: what got in the way (the user's words).
    _t(db, "goals").add_column("obstacle", str)
    # What the user takes to the next meeting, from the look back: a draft goal
    # the next preparation offers; `used_at` once it became a goal or was declined.
    _t(db, "carried_goals").create(
        {"id": int, "chat_id": str, "from_meeting_id": int, "text": str, "created_at": str, "used_at": str},
        pk="id",
    )
    _t(db, "carried_goals").create_index(["chat_id"])
