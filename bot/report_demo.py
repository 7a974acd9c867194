"""Fictitious users for `python -m bot report --demo` and for the report's
tests: written through the normal storage API, so the demo reads data exactly
as the bot stores it. Every chat id starts with "demo-"; nothing is real."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path
from typing import Optional

from sqlite_utils import Database

from regiecoach.storage import checkins, meetings, open_db, practice, reminders, users

WHO = ("bedrijfsarts", "leidinggevende", "arbeidsdeskundige", "casemanager")
WHO_WEIGHTS = (5, 3, 1, 1)
SCENARIOS = ("bedrijfsarts_uren", "leidinggevende_taken", "grenzen_aangeven")
REGIE_EVERY = 3  # as in the check-in: the 1st, 4th, 7th, ...


def _clamp(value: float) -> int:
    return max(0, min(10, int(round(value))))


def add_user(db: Database, chat_id: str, rng: random.Random, now: dt.datetime, optin: Optional[bool] = True,
             weeks: Optional[int] = None) -> None:
    """One fictitious user with meetings, look backs, practice and check-ins
    over the last `weeks` weeks (random when None). `optin` None: never asked."""
    weeks = weeks or rng.randint(6, 26)
    start = now - dt.timedelta(weeks=weeks, hours=rng.randint(0, 72))
    users.set_consent(db, chat_id, True, start)
    users.update_settings(db, chat_id, work_status="employed")
    if optin is not None:
        users.set_report_optin(db, chat_id, optin, start)
    latest = start
    for _ in range(rng.choice((0, 1, 1, 2, 2, 3))):
        when = start + dt.timedelta(days=rng.randint(5, max(6, weeks * 7 - 2)), hours=rng.randint(8, 16))
        who = rng.choices(WHO, WHO_WEIGHTS)[0]
        meeting_id = meetings.create_meeting(db, chat_id, who, when - dt.timedelta(days=6), starts_at=when)
        prepared = rng.random() < 0.85
        if prepared:
            goal_ids = [meetings.add_goal(db, chat_id, meeting_id, f"Fictief doel {n + 1}", when - dt.timedelta(days=5))
                        for n in range(rng.randint(1, 3))]
            meetings.update_meeting(db, chat_id, meeting_id, status="prepared")
        if when < now - dt.timedelta(days=1) and rng.random() < 0.7:
            if prepared:
                for goal_id in goal_ids:
                    status = rng.choices(("reached", "partly", "not"), (45, 30, 25))[0]
                    meetings.set_goal_status(db, chat_id, goal_id, status)
            heard = rng.choices(("ja", "deels", "nee"), (60, 25, 15))[0]
            meetings.record_debrief(db, chat_id, meeting_id, when + dt.timedelta(days=1), felt_heard=heard,
                                    finished=True)
        latest = max(latest, when)
    if rng.random() < 0.5:
        for _ in range(rng.randint(1, 3)):
            when = start + dt.timedelta(days=rng.randint(1, weeks * 7 - 1))
            skills = {skill: rng.random() < 0.6 for skill in practice.SKILLS}
            practice.record_attempt(db, chat_id, rng.choice(SCENARIOS), skills, rng.randint(3, 8), when)
            latest = max(latest, when)
    energy, confidence, regie = rng.uniform(2, 6), rng.uniform(2, 6), rng.uniform(2, 6)
    due = start + dt.timedelta(weeks=4)
    while due < now:
        rid = reminders.add_manual(db, chat_id, "checkin", due, due)
        reminders.claim_due(db, due)  # as the scheduler does: only a held reminder is sent
        reminders.mark_sent(db, rid, due)
        if rng.random() < 0.75:
            done = due + dt.timedelta(hours=rng.randint(1, 72))
            if done < now:
                energy += rng.gauss(0.3, 1.0)
                confidence += rng.gauss(0.4, 1.0)
                regie += rng.gauss(0.5, 1.0)
                ask_regie = checkins.count_checkins(db, chat_id) % REGIE_EVERY == 0
                checkins.add_checkin(db, chat_id, done, mood=rng.choice(("positive", "neutral", "negative")),
                                     energy=_clamp(energy), confidence=_clamp(confidence),
                                     regie=_clamp(regie) if ask_regie else None)
                latest = max(latest, done)
        due += dt.timedelta(weeks=rng.choice((4, 5, 6)))
    users.touch(db, chat_id, min(latest, now))


def populate(db: Database, count: int, now: dt.datetime, seed: int = 15) -> None:
    """`count` fictitious users: about 80% opt in, 10% say no, 10% were never asked."""
    rng = random.Random(seed)
    for n in range(count):
        draw = rng.random()
        optin = True if draw < 0.8 else False if draw < 0.9 else None
        add_user(db, f"demo-{n:03d}", rng, now, optin)


def build_demo_db(path: Path, count: int, now: dt.datetime) -> Path:
    """A fresh database at `path` full of fictitious users; returns the path."""
    db = open_db(path)
    db.execute("PRAGMA synchronous = OFF")  # a throwaway file: speed over durability
    try:
        populate(db, count, now)
    finally:
        db.close()
    return path
