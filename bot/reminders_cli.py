"""Operator commands for reminders (wired as `python -m bot reminders ...`).

    reminders list                                   pending reminders, one JSON object a line
    reminders add --user 42 --kind checkin --due now  schedule one by hand

Both work while the bot runs: the database is in WAL mode and the scheduler
looks at least every 30 seconds.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Sequence

from bot.operator_cli import parse_operator_args
from regiecoach.config import get_settings
from regiecoach.storage import iso, open_db, users, utcnow
from regiecoach.storage import reminders as store

KINDS = ("checkin", "meeting_before", "meeting_morning", "meeting_after", "milestone", "nudge")


def _parse_due(text: str, tz: dt.tzinfo, now: dt.datetime) -> dt.datetime:
    if text.strip().lower() == "now":
        return now
    moment = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)  # a time without zone is local time
    return moment.astimezone(dt.timezone.utc)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="reminders", description="Regiecoach reminders (operator)")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="pending reminders as JSON lines")
    add = sub.add_parser("add", help="schedule a reminder by hand")
    add.add_argument("--user", required=True, help="chat id")
    add.add_argument("--kind", default="checkin", choices=KINDS)
    add.add_argument("--due", default="now", help='ISO 8601 time (local if no zone) or "now"')
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_operator_args(_parser(), argv, "reminders")
    if isinstance(args, int):
        return args
    settings = get_settings()
    db = open_db(settings.db_path)
    try:
        if args.command == "list":
            for row in store.list_pending(db):
                print(json.dumps({"id": row["id"], "user": row["chat_id"], "kind": row["kind"],
                                  "due": row["due_at"], "status": row["status"]}))
            return 0
        now = utcnow()
        try:
            due = _parse_due(args.due, settings.tz, now)
        except ValueError:
            print(f"cannot read --due {args.due!r}: use ISO 8601 (2026-11-23T09:30) or now", file=sys.stderr)
            return 2
        if not users.has_consent(db, args.user):
            print(f"user {args.user} has not agreed to storage: no reminder", file=sys.stderr)
            return 1
        rid = store.add_manual(db, args.user, args.kind, due, now)
        print(json.dumps({"id": rid, "user": args.user, "kind": args.kind, "due": iso(due), "status": "pending"}))
        return 0
    finally:
        db.close()


if __name__ == "__main__":
    raise SystemExit(main())
