"""Render the example chart and phone card under docs/ from fixed, made-up data
(no real user). The tests use the same data.

    PYTHONPATH=$PWD .venv/bin/python scripts/render_examples.py
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any, Dict, List
from zoneinfo import ZoneInfo

from sqlite_utils import Database

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
AMS = ZoneInfo("Europe/Amsterdam")
CHAT = "voorbeeld"
NOW = dt.datetime(2027, 1, 25, 9, 0, tzinfo=dt.timezone.utc)
# Energy, confidence and regie every four weeks (regie from the second check-in on).
SCORES = [(3, 4, None), (4, 4, 3), (4, 5, 5), (6, 5, 6), (5, 7, 6), (7, 7, 8)]


def example_checkins() -> List[Dict[str, Any]]:
    first = NOW - dt.timedelta(weeks=4 * (len(SCORES) - 1))
    return [{"created_at": (first + dt.timedelta(weeks=4 * i)).isoformat(), "energy": energy,
             "confidence": confidence, "regie": regie}
            for i, (energy, confidence, regie) in enumerate(SCORES)]


def build_example(db: Database, now: dt.datetime = NOW, chat_id: str = CHAT) -> int:
    """A made-up course: check-ins, two past meetings with goals looked back on,
    and the next meeting prepared. Returns the id of that next meeting."""
    from regiecoach.storage import checkins, meetings, users

    users.set_consent(db, chat_id, True, now - dt.timedelta(days=150))
    for row in example_checkins():
        moment = dt.datetime.fromisoformat(row["created_at"]) - (NOW - now)
        checkins.add_checkin(db, chat_id, moment, energy=row["energy"], confidence=row["confidence"],
                             went_well="Twee ochtenden op kantoor geweest", next_step="Vragen om een rustige werkplek")
    for days_ago, reached, total, agreements in ((97, 2, 3, None),
                                                 (13, 1, 2, "Over vier weken weer praten; ik begin met twee ochtenden")):
        starts = now - dt.timedelta(days=days_ago)
        past = meetings.create_meeting(db, chat_id, "bedrijfsarts", starts - dt.timedelta(days=7), starts_at=starts,
                                       status="prepared")
        for n in range(total):
            goal = meetings.add_goal(db, chat_id, past, f"Doel {n + 1}", starts)
            meetings.set_goal_status(db, chat_id, goal, "reached" if n < reached else "not")
        meetings.record_debrief(db, chat_id, past, starts, felt_heard="ja", agreements=agreements, finished=True)
    upcoming = meetings.create_meeting(db, chat_id, "leidinggevende", now,
                                       starts_at=dt.datetime(2027, 2, 2, 10, 0, tzinfo=AMS), status="prepared")
    meetings.add_goal(db, chat_id, upcoming, "Afspraken over minder uren", now)
    meetings.add_goal(db, chat_id, upcoming, "Thuiswerken op dinsdag", now)
    meetings.set_statement(db, chat_id, upcoming, "can", now, text="Korte klussen in de ochtend",
                           example="Boodschappen doen en koken")
    meetings.set_statement(db, chat_id, upcoming, "cannot", now, text="Lang vergaderen",
                           example="Na een uur ben ik op")
    meetings.set_energy(db, chat_id, upcoming, "Ochtend gaat beter dan middag")
    meetings.set_proposal(db, chat_id, upcoming, "Minder uren en opbouwen")
    meetings.add_question(db, chat_id, upcoming, "Hoe lang duurt de opbouw?", now)
    return upcoming


def main() -> int:
    workdir = Path(tempfile.mkdtemp(prefix="regiecoach-voorbeeld-"))
    os.environ["REGIECOACH_DATA_DIR"] = str(workdir)  # before any settings are read
    from actions.phone_card import render_phone_card
    from actions.progress_chart import meeting_marks, render_chart
    from regiecoach.storage import open_db

    try:
        db = open_db(workdir / "voorbeeld.db")
        meeting_id = build_example(db)
        rows = example_checkins()
        since = dt.datetime.fromisoformat(rows[0]["created_at"]).date() - dt.timedelta(days=30)
        DOCS.mkdir(exist_ok=True)
        chart = render_chart(rows, meeting_marks(db, CHAT, AMS, since, NOW), DOCS / "voortgang-voorbeeld.png", AMS)
        screens = render_phone_card(db, CHAT, meeting_id, workdir, tz=AMS)
        shutil.copy(screens[0], DOCS / "kaart-telefoon-voorbeeld.png")
        db.close()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"docs/voortgang-voorbeeld.png: {chart.caption if chart else 'geen grafiek'}")
    print(f"docs/kaart-telefoon-voorbeeld.png: 1 of {len(screens)} screens")
    return 0


if __name__ == "__main__":
    sys.exit(main())
