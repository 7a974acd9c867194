"""action_manage_reminders: proactive messages (neutral opening, the right
buttons) and /herinneringen (list, cancel, snooze, pause, stop, interval)."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.reminder_actions import ActionManageReminders, action_from_text
from regiecoach.storage import iso, parse_iso, users
from regiecoach.storage import reminders as rem

AMS = ZoneInfo("Europe/Amsterdam")
NEUTRAL = "Hoi, hier is Regiecoach met een berichtje voor je."


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch, now):
    monkeypatch.setenv("REGIECOACH_NOW", now.isoformat())


def run(chat_id, text="/manage_reminders", **entities):
    message = {"text": text, "intent": {"name": "manage_reminders", "confidence": 1.0},
               "entities": [{"entity": k, "value": str(v)} for k, v in entities.items()]}
    tracker = Tracker(chat_id, {}, message, [], False, None, {}, "action_listen")
    dispatcher = CollectingDispatcher()
    events = ActionManageReminders().run(dispatcher, tracker, {})
    return dispatcher.messages, events


def payload_entities(payload):
    return json.loads(payload[payload.index("{"):])


def add_meeting(db, chat_id, starts_at, who="bedrijfsarts"):
    return db["meetings"].insert({"chat_id": chat_id, "with_whom": who, "starts_at": iso(starts_at),
                                  "status": "planned"}).last_pk


def test_checkin_invitation_opens_neutral_and_offers_snooze(fresh_db, consenting_user, now):
    rid = rem.add_manual(fresh_db, consenting_user, "checkin", now, now)
    messages, events = run(consenting_user, reminder_id=rid)
    assert len(messages) == 1
    assert messages[0]["text"].startswith(NEUTRAL)
    titles = [b["title"] for b in messages[0]["buttons"]]
    assert titles == ["Ja, nu", "Later vandaag", "Morgen", "Volgende week"]
    payloads = [b["payload"] for b in messages[0]["buttons"]]
    assert payloads[0].startswith("/checkin")
    assert payload_entities(payloads[1]) == {"reminder_action": "snooze_today", "reminder_id": str(rid)}
    assert {"event": "slot", "timestamp": None, "name": "reminder_id", "value": None} in events


def test_meeting_reminders_by_kind(fresh_db, consenting_user, now):
    start = dt.datetime(2026, 11, 23, 10, 30, tzinfo=AMS)
    mid = add_meeting(fresh_db, consenting_user, start)
    ids = rem.schedule_meeting_reminders(fresh_db, consenting_user, mid, start, now, AMS)
    rows = {rem.get(fresh_db, i)["kind"]: i for i in ids}
    messages, _ = run(consenting_user, reminder_id=rows["meeting_before"])
    text = messages[0]["text"]
    assert text.startswith(NEUTRAL) and "Morgen om 10:30" in text and "de bedrijfsarts" in text
    # The evening before also offers the scherpe foto of this meeting, to check before going.
    assert [b["payload"] for b in messages[0]["buttons"]] == [
        f'/show_card{{"card_version":"scherpe_foto","meeting_id":"{mid}"}}', "/show_card", "/list_goals"]
    messages, _ = run(consenting_user, reminder_id=rows["meeting_after"])
    assert "Hoe ging het gesprek" in messages[0]["text"]
    assert messages[0]["buttons"] == [{"title": "Terugblikken", "payload": "/meeting_debrief"}]


def test_morning_reminder_says_today(fresh_db, consenting_user, now):
    start = dt.datetime(2026, 11, 22, 14, 0, tzinfo=AMS)  # today, Sunday
    mid = add_meeting(fresh_db, consenting_user, start, who="leidinggevende")
    rid = rem.add_manual(fresh_db, consenting_user, "meeting_morning", now, now,
                         {"meeting_id": mid, "starts_at": iso(start)})
    messages, _ = run(consenting_user, reminder_id=rid)
    assert "Vandaag om 14:00" in messages[0]["text"] and "de leidinggevende" in messages[0]["text"]


def test_milestone_reminder_names_the_step_and_a_werkwijzer_question(fresh_db, consenting_user, now):
    rid = rem.schedule_milestone(fresh_db, consenting_user, "plan_van_aanpak", dt.date(2026, 11, 30),
                                 {"milestone": "plan_van_aanpak", "topic": "plan_van_aanpak", "due": "2026-12-07"},
                                 now, AMS)
    messages, _ = run(consenting_user, reminder_id=rid)
    text = messages[0]["text"]
    assert text.startswith(NEUTRAL) and "plan van aanpak" in text and "maandag 7 december" in text
    assert "Vraag me" in text


def test_someone_elses_reminder_is_not_rendered(fresh_db, consenting_user, now):
    rid = rem.add_manual(fresh_db, consenting_user, "checkin", now, now)
    users.set_consent(fresh_db, "9", True, now)
    messages, _ = run("9", reminder_id=rid)
    assert messages == []


def test_list_shows_upcoming_with_cancel_buttons_and_cancel_works(fresh_db, consenting_user, now):
    rid = rem.schedule_checkin(fresh_db, consenting_user, now, AMS)
    messages, _ = run(consenting_user, text="/herinneringen")
    assert "check-in" in messages[0]["text"] and "zondag 20 december om 09:30" in messages[0]["text"]
    buttons = messages[-1]["buttons"]
    cancel = next(b for b in buttons if b["title"].startswith("Annuleer"))
    assert payload_entities(cancel["payload"]) == {"reminder_action": "cancel", "reminder_id": str(rid)}
    titles = [b["title"] for b in buttons]
    assert "Check-ins pauzeren" in titles and "Elke 5 weken" in titles and "Elke 6 weken" in titles
    messages, _ = run(consenting_user, **payload_entities(cancel["payload"]))
    assert "geannuleerd" in messages[0]["text"]
    assert rem.list_upcoming(fresh_db, consenting_user, now) == []
    messages, _ = run(consenting_user)
    assert "geen herinneringen" in messages[0]["text"]


def test_switch_reminders_off_in_words(fresh_db, consenting_user, now):
    rem.schedule_checkin(fresh_db, consenting_user, now, AMS)
    messages, _ = run(consenting_user, text="zet mijn herinneringen uit")
    assert "staan uit" in messages[0]["text"]
    assert rem.list_upcoming(fresh_db, consenting_user, now) == []
    assert users.get_user(fresh_db, consenting_user)["reminders_paused"] == rem.STOPPED_ALL
    messages, _ = run(consenting_user, reminder_action="resume")
    assert "weer aan" in messages[0]["text"]
    assert rem.next_checkin(fresh_db, consenting_user) is not None


def test_words_map_to_actions():
    assert action_from_text("zet mijn herinneringen uit") == "stop"
    assert action_from_text("ik wil even pauze van de check-ins") == "pause"
    assert action_from_text("zet de check-ins uit") == "pause"
    assert action_from_text("zet ze weer aan") == "resume"
    assert action_from_text("welke herinneringen heb ik?") == "list"


def test_snooze_button_moves_the_checkin(fresh_db, consenting_user, now):
    rid = rem.add_manual(fresh_db, consenting_user, "checkin", now, now)
    rem.mark_sent(fresh_db, rid, now)
    messages, _ = run(consenting_user, reminder_action="snooze_week", reminder_id=rid)
    assert "zondag 29 november om 09:30" in messages[0]["text"]
    upcoming = rem.list_upcoming(fresh_db, consenting_user, now)
    assert [parse_iso(r["due_at"]).astimezone(AMS).date() for r in upcoming] == [dt.date(2026, 11, 29)]


def test_pause_and_interval_buttons(fresh_db, consenting_user, now):
    messages, _ = run(consenting_user, reminder_action="interval_6")
    assert "elke 6 weken" in messages[0]["text"] and "zondag 3 januari" in messages[0]["text"]
    assert users.get_user(fresh_db, consenting_user)["checkin_weeks"] == 6
    messages, _ = run(consenting_user, reminder_action="pause")
    assert "pauze" in messages[0]["text"]
    assert rem.next_checkin(fresh_db, consenting_user) is None


def test_the_part_of_the_day_can_be_changed_and_the_next_checkin_moves_with_it(fresh_db, consenting_user, now):
    rem.schedule_checkin(fresh_db, consenting_user, now, AMS)
    messages, _ = run(consenting_user)
    assert "Je check-in komt elke 4 weken, in de ochtend." in messages[0]["text"]
    titles = [b["title"] for b in messages[-1]["buttons"]]
    assert "Liever 's middags" in titles and "Liever 's avonds" in titles and "Liever 's ochtends" not in titles
    evening = next(b["payload"] for b in messages[-1]["buttons"] if b["title"] == "Liever 's avonds")
    messages, _ = run(consenting_user, **payload_entities(evening))
    assert "voortaan in de avond" in messages[0]["text"] and "zondag 20 december om 19:30" in messages[0]["text"]
    due = parse_iso(rem.next_checkin(fresh_db, consenting_user)["due_at"]).astimezone(AMS)
    assert due == dt.datetime(2026, 12, 20, 19, 30, tzinfo=AMS)  # the same day, at the new time
    assert users.get_user(fresh_db, consenting_user)["checkin_daypart"] == "avond"


def test_without_consent_nothing_is_stored(fresh_db, now):
    users.ensure_user(fresh_db, "3", now)
    messages, _ = run("3", text="zet mijn herinneringen uit")
    assert "akkoord" in messages[0]["text"]
