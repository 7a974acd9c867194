"""The personal Poortwachter timeline: dates from the first sick day, past steps
marked, reminders a week before, and honest answers for who it does not fit."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from actions.flows import engine
from actions.flows.base import Turn
from actions.flows.timeline import BY_KEY, parse_sick_day
from regiecoach.storage import reminders as rem
from regiecoach.storage import users

AMS = ZoneInfo("Europe/Amsterdam")


def texts(replies):
    return "\n".join(r.text for r in replies)


class Chat:
    def __init__(self, db, chat_id, now):
        self.db, self.chat_id, self.now = db, chat_id, now
        replies, self.running = engine.start(db, chat_id, "timeline", now, AMS)
        self.last = replies + self._ask()

    def _ask(self):
        return engine.ask(self.db, self.chat_id, self.running, self.now, AMS) if self.running else []

    def say(self, text):
        replies, self.running = engine.handle(self.db, self.chat_id, "timeline", Turn(text=text), self.now, AMS)
        self.last = replies + self._ask()
        return texts(self.last)


def test_timeline_from_first_sick_day_with_reminders(fresh_db, consenting_user, now):
    chat = Chat(fresh_db, consenting_user, now)
    assert "eerste ziektedag" in texts(chat.last)
    shown = chat.say("12-3-2026")
    assert users.get_user(fresh_db, consenting_user)["first_sick_day"] == "2026-03-12"
    # week 6 ends on 12 March + 41 days = 22 April: behind; week 42 (30 December) comes next
    assert "Week 6, probleemanalyse" in shown and "woensdag 22 april 2026. Dit ligt achter je" in shown
    assert "➜ Week 42" in shown and "woensdag 30 december 2026" in shown
    assert "Week 104" in shown and "woensdag 8 maart 2028" in shown
    assert [b[0] for b in chat.last[-1].buttons] == ["Ja, graag", "Nee, dank je", "Andere datum"]
    reply = chat.say("Ja, graag")
    assert chat.running is None and "Dat zijn er 5" in reply
    rows = rem.list_upcoming(fresh_db, consenting_user, now)
    assert [r["payload"]["milestone"] for r in rows] == [
        "ziekmelding_uwv", "eerstejaarsevaluatie", "wia_brief", "wia_aanvraag", "einde_loon"]
    first = rows[0]
    assert rem.parse_iso(first["due_at"]).astimezone(AMS).date() == dt.date(2026, 12, 23)
    assert first["payload"]["topic"] == "poortwachter"
    # the evaluation window opens in week 46: the reminder comes around week 45
    evaluation = rem.parse_iso(rows[1]["due_at"]).astimezone(AMS).date()
    assert evaluation == dt.date(2026, 3, 12) + dt.timedelta(days=7 * 45 - 7)


def test_declining_reminders_keeps_none(fresh_db, consenting_user, now):
    users.update_settings(fresh_db, consenting_user, first_sick_day="2026-10-01")
    chat = Chat(fresh_db, consenting_user, now)
    assert "Week 8" in texts(chat.last)  # known date: shown at once
    chat.say("Nee, dank je")
    assert rem.list_upcoming(fresh_db, consenting_user, now) == []


def test_wrong_dates_are_explained(fresh_db, consenting_user, now):
    chat = Chat(fresh_db, consenting_user, now)
    assert "toekomst" in chat.say("1-12-2026")
    assert "twee jaar" in chat.say("1-1-2024")
    assert "snap ik niet" in chat.say("ergens in de lente")
    assert chat.running == "timeline"


def test_date_without_year_means_the_last_one(fresh_db, consenting_user, now):
    today = now.astimezone(AMS).date()
    assert parse_sick_day("12 maart", today) == dt.date(2026, 3, 12)
    assert parse_sick_day("30 december", today) == dt.date(2025, 12, 30)
    assert parse_sick_day("30/12/2025", today) == dt.date(2025, 12, 30)


def test_other_date_resets_milestone_reminders(fresh_db, consenting_user, now):
    users.update_settings(fresh_db, consenting_user, first_sick_day="2026-10-01")
    chat = Chat(fresh_db, consenting_user, now)
    chat.say("Ja")
    before = len(rem.list_upcoming(fresh_db, consenting_user, now))
    chat = Chat(fresh_db, consenting_user, now)
    chat.say("Andere datum")
    chat.say("1-11-2026")
    assert rem.list_upcoming(fresh_db, consenting_user, now) == []
    chat.say("Ja")
    rows = rem.list_upcoming(fresh_db, consenting_user, now)
    assert before == 5  # from 1 October, weeks 6 and 8 are already close or past
    assert rows[0]["payload"]["milestone"] == "probleemanalyse" and len(rows) == 7


def test_contract_ended_gets_uwv_not_poortwachter(fresh_db, consenting_user, now):
    users.update_settings(fresh_db, consenting_user, work_status="contract_ended")
    chat = Chat(fresh_db, consenting_user, now)
    assert chat.running is None
    assert "UWV" in texts(chat.last) and "verzekeringsarts" in texts(chat.last)


def test_self_employed_has_no_poortwachter(fresh_db, now):
    users.set_consent(fresh_db, "5", True, now)
    users.update_settings(fresh_db, "5", work_status="self_employed")
    chat = Chat(fresh_db, "5", now)
    assert chat.running is None and "Poortwachter" in texts(chat.last)


def test_unknown_status_is_asked_first(fresh_db, now):
    users.set_consent(fresh_db, "6", True, now)
    chat = Chat(fresh_db, "6", now)
    assert [b[0] for b in chat.last[-1].buttons][0] == "In dienst"
    assert "eerste ziektedag" in chat.say("In dienst")
    assert users.get_user(fresh_db, "6")["work_status"] == "employed"


def test_milestone_weeks_follow_the_law():
    first = dt.date(2026, 1, 1)
    assert BY_KEY["probleemanalyse"].due(first) == dt.date(2026, 2, 11)
    assert BY_KEY["plan_van_aanpak"].due(first) == first + dt.timedelta(days=55)
    assert BY_KEY["einde_loon"].due(first) == first + dt.timedelta(days=7 * 104 - 1)
