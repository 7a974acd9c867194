"""Users, consent and the per-user settings that flows and the scheduler read."""

from __future__ import annotations

import datetime as dt
from typing import Any, Dict, Optional

from sqlite_utils import Database
from sqlite_utils.db import NotFoundError

from regiecoach.storage.db import ConsentRequired, atomic, iso, transaction


def get_user(db: Database, chat_id: str) -> Optional[Dict[str, Any]]:
    try:
        return dict(db["users"].get(str(chat_id)))  # type: ignore[union-attr]
    except NotFoundError:
        return None


def ensure_user(db: Database, chat_id: str, now: dt.datetime) -> Dict[str, Any]:
    """The user's row, created (without consent) on first contact."""
    user = get_user(db, chat_id)
    if user is None:
        db["users"].insert({"chat_id": str(chat_id), "created_at": iso(now)}, ignore=True)  # type: ignore[union-attr]
        user = get_user(db, chat_id)
    assert user is not None
    return user


def has_consent(db: Database, chat_id: str) -> bool:
    user = get_user(db, chat_id)
    return bool(user and user.get("consent") == "yes")


def require_consent(db: Database, chat_id: str) -> None:
    """Raise ConsentRequired unless the user agreed to storage."""
    if not has_consent(db, chat_id):
        raise ConsentRequired(str(chat_id))


@atomic
def set_consent(db: Database, chat_id: str, given: bool, now: dt.datetime) -> None:
    ensure_user(db, chat_id, now)
    fields: Dict[str, Any] = {"consent": "yes" if given else "no", "consent_at": iso(now)}
    if not given:
        # Without storage nothing is counted; a later yes to storage asks again.
        fields.update(report_optin=None, report_optin_at=None)
    db["users"].update(str(chat_id), fields)  # type: ignore[union-attr]


def report_optin(db: Database, chat_id: str) -> Optional[str]:
    """'yes' | 'no' | None (not asked yet): may this user's data be counted in
    the anonymous figures for the organisation (python -m bot report)?"""
    user = get_user(db, chat_id)
    return user.get("report_optin") if user else None


def set_report_optin(db: Database, chat_id: str, given: bool, now: dt.datetime) -> None:
    """The separate, optional consent to be counted. Refused without consent to storage."""
    require_consent(db, chat_id)
    db["users"].update(  # type: ignore[union-attr]
        str(chat_id), {"report_optin": "yes" if given else "no", "report_optin_at": iso(now)}
    )


@atomic
def update_settings(db: Database, chat_id: str, **fields: Any) -> None:
    """Change user settings (work_status, first_sick_day, checkin_weeks, ...).
    Refused without consent."""
    allowed = {
        "work_status",
        "first_sick_day",
        "checkin_weeks",
        "checkin_daypart",
        "reminders_paused",
    }
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"unknown user fields: {sorted(unknown)}")
    require_consent(db, chat_id)
    db["users"].update(str(chat_id), fields)  # type: ignore[union-attr]


def touch(db: Database, chat_id: str, now: dt.datetime) -> None:
    """Record activity (used to defer reminders while the user is chatting).
    A user who writes has unblocked the bot, so `blocked` is cleared."""
    with transaction(db):
        db.execute("update users set last_active_at = ?, blocked = 0 where chat_id = ?", [iso(now), str(chat_id)])


@atomic
def mark_crisis(db: Database, chat_id: str, now: dt.datetime) -> None:
    """Remember a crisis moment so the next check-in opens with how they are.
    Stored even without consent: it is needed for safety, and holds no text."""
    ensure_user(db, chat_id, now)
    db["users"].update(str(chat_id), {"last_crisis_at": iso(now)})  # type: ignore[union-attr]


def mark_blocked(db: Database, chat_id: str, blocked: bool = True) -> None:
    if get_user(db, chat_id) is None:
        return
    db["users"].update(str(chat_id), {"blocked": 1 if blocked else 0})  # type: ignore[union-attr]
