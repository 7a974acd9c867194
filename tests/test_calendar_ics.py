"""The meeting as an .ics file, checked with the icalendar parser: time zone,
local time across DST, the alarm the evening before, the link to the chat,
and the same UID with a higher SEQUENCE after moving or cancelling."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from icalendar import Calendar

from actions import calendar_ics
from actions.reminder_actions import apply_action
from regiecoach.config import BOT_USERNAME_FILE
from regiecoach.storage import meetings
from regiecoach.storage import reminders as rem
from tests.conftest import AMS
from tests.test_meeting_flow import Chat


def parse(path):
    calendar = Calendar.from_ical(path.read_bytes())
    return calendar, calendar.walk("VEVENT")[0]


def meeting_at(db, local: dt.datetime, who="bedrijfsarts", now=None):
    now = now or local - dt.timedelta(days=20)
    return meetings.create_meeting(db, "42", who, now, starts_at=local, status="prepared")


@pytest.mark.parametrize("local,offset", [
    (dt.datetime(2027, 3, 28, 10, 0, tzinfo=AMS), dt.timedelta(hours=2)),  # the day summer time starts
    (dt.datetime(2027, 10, 31, 10, 0, tzinfo=AMS), dt.timedelta(hours=1)),  # the day it ends
    (dt.datetime(2027, 3, 27, 10, 0, tzinfo=AMS), dt.timedelta(hours=1)),
])
def test_local_time_is_right_across_dst(fresh_db, consenting_user, local, offset):
    mid = meeting_at(fresh_db, local)
    calendar, event = parse(calendar_ics.write_ics(fresh_db, "42", mid, AMS, local - dt.timedelta(days=20)))
    start = event.decoded("dtstart")
    assert (start.hour, start.minute) == (10, 0) and start.utcoffset() == offset
    assert event["dtstart"].params["TZID"] == "Europe/Amsterdam"
    # The VTIMEZONE in the file, on its own, gives the same offsets.
    zone = calendar.walk("VTIMEZONE")[0]
    assert zone["tzid"] == "Europe/Amsterdam"
    own_tz = zone.to_tz()
    assert dt.datetime(local.year, local.month, local.day, 10, 0, tzinfo=own_tz).utcoffset() == offset
    assert event.decoded("dtend") - start == dt.timedelta(hours=1)


@pytest.mark.parametrize("local", [dt.datetime(2027, 3, 28, 10, 0, tzinfo=AMS),
                                   dt.datetime(2027, 10, 31, 9, 30, tzinfo=AMS),
                                   dt.datetime(2027, 6, 15, 14, 0, tzinfo=AMS)])
def test_the_alarm_goes_off_at_seven_the_evening_before(fresh_db, consenting_user, local):
    mid = meeting_at(fresh_db, local)
    _, event = parse(calendar_ics.write_ics(fresh_db, "42", mid, AMS, local - dt.timedelta(days=20)))
    alarm = event.walk("VALARM")[0]
    assert alarm["action"] == "DISPLAY"
    # RFC 5545: a duration of hours is real elapsed time, so count it in UTC (not on the wall clock).
    fires = (event.decoded("dtstart").astimezone(dt.timezone.utc) + alarm.decoded("trigger")).astimezone(AMS)
    assert fires.date() == local.date() - dt.timedelta(days=1) and (fires.hour, fires.minute) == (19, 0)
    assert f"Morgen om {local:%H:%M}" in str(alarm["description"])


def test_the_event_says_who_and_links_to_the_chat_when_the_bot_name_is_known(fresh_db, consenting_user, tmp_path):
    local = dt.datetime(2027, 2, 2, 10, 0, tzinfo=AMS)
    mid = meeting_at(fresh_db, local, who="leidinggevende")
    _, event = parse(calendar_ics.write_ics(fresh_db, "42", mid, AMS, local - dt.timedelta(days=5)))
    assert str(event["summary"]) == "Gesprek met je leidinggevende"
    assert "url" not in event and "t.me" not in str(event["description"])  # no name known: no link
    (tmp_path / BOT_USERNAME_FILE).write_text("RegiecoachBot")
    _, event = parse(calendar_ics.write_ics(fresh_db, "42", mid, AMS, local - dt.timedelta(days=5)))
    assert str(event["url"]) == "https://t.me/RegiecoachBot" and "https://t.me/RegiecoachBot" in str(event["description"])
    (tmp_path / BOT_USERNAME_FILE).write_text("not a name/../x")
    assert calendar_ics.bot_username() is None


def test_moving_keeps_the_uid_and_raises_the_sequence_and_cancelling_cancels(fresh_db, consenting_user, now):
    mid = meeting_at(fresh_db, dt.datetime(2026, 12, 1, 10, 0, tzinfo=AMS), now=now)
    first_cal, first = parse(calendar_ics.write_ics(fresh_db, "42", mid, AMS, now))
    assert first_cal["method"] == "PUBLISH" and first["sequence"] == 0 and first["status"] == "CONFIRMED"
    meetings.move_meeting(fresh_db, "42", mid, dt.datetime(2026, 12, 3, 14, 0, tzinfo=AMS))
    _, moved = parse(calendar_ics.write_ics(fresh_db, "42", mid, AMS, now))
    assert moved["uid"] == first["uid"] and moved["sequence"] == 1
    assert moved.decoded("dtstart") == dt.datetime(2026, 12, 3, 14, 0, tzinfo=AMS)
    meetings.cancel_meeting(fresh_db, "42", mid)
    cancelled_cal, cancelled = parse(calendar_ics.write_ics(fresh_db, "42", mid, AMS, now))
    assert cancelled["uid"] == first["uid"] and cancelled["sequence"] == 2
    assert cancelled_cal["method"] == "CANCEL" and cancelled["status"] == "CANCELLED"
    assert not cancelled.walk("VALARM")


def test_uids_differ_per_meeting_and_do_not_show_the_chat_id(fresh_db, consenting_user, now):
    a = meeting_at(fresh_db, dt.datetime(2026, 12, 1, 10, 0, tzinfo=AMS), now=now)
    b = meeting_at(fresh_db, dt.datetime(2026, 12, 8, 10, 0, tzinfo=AMS), now=now)
    uid_a = parse(calendar_ics.write_ics(fresh_db, "42", a, AMS, now))[1]["uid"]
    uid_b = parse(calendar_ics.write_ics(fresh_db, "42", b, AMS, now))[1]["uid"]
    assert uid_a != uid_b and "42" not in uid_a.split("@")[0].replace("-", " ").split()


def test_a_prepared_meeting_offers_the_ics_as_a_document_that_parses(fresh_db, consenting_user, now, scheduled):
    chat = Chat(fresh_db, now)
    for answer in ("Bedrijfsarts", "1 december om 10 uur", "Ja", "Afspraken maken over minder uren werken",
                   "Nee, verder", "Korte klussen", "Boodschappen", "Lang vergaderen", "Na een uur op",
                   "overslaan", "Minder uren en opbouwen", "overslaan", "ja"):  # the summary's check, then the card
        chat.send(answer)
    offer = next(r for r in chat.replies if r.custom and r.custom.get("document", {}).get("filename") == "gesprek.ics")
    assert "in je agenda" in offer.text
    assert [title for title, _ in offer.buttons] == ["Gesprek verzetten", "Gesprek gaat niet door"]
    _, event = parse(Path(offer.custom["document"]["path"]))
    assert event.decoded("dtstart") == dt.datetime(2026, 12, 1, 10, 0, tzinfo=AMS)
    assert event.decoded("dtstart").utcoffset() == dt.timedelta(hours=1)


def test_moving_from_the_button_asks_the_new_time_and_offers_an_updated_file(fresh_db, consenting_user, now):
    mid = meeting_at(fresh_db, dt.datetime(2026, 12, 1, 10, 0, tzinfo=AMS), now=now)
    rem.schedule_meeting_reminders(fresh_db, "42", mid, dt.datetime(2026, 12, 1, 10, 0, tzinfo=AMS), now, AMS)
    first = parse(calendar_ics.write_ics(fresh_db, "42", mid, AMS, now))[1]
    chat = Chat(fresh_db, now, trigger={"meeting_id": str(mid), "reminder_action": "move_meeting"})
    assert "Wanneer is het gesprek met de bedrijfsarts?" in chat.text
    chat.send("3 december om 14 uur")
    chat.send("Ja")
    assert "verzet naar donderdag 3 december om 14:00" in chat.text and chat.running is None
    offer = next(r for r in chat.replies if r.custom and r.custom.get("document"))
    assert "nieuwe tijdstip" in offer.text
    _, event = parse(Path(offer.custom["document"]["path"]))
    assert event["uid"] == first["uid"] and event["sequence"] == 1
    assert event.decoded("dtstart") == dt.datetime(2026, 12, 3, 14, 0, tzinfo=AMS)
    due = [row["due_at"] for row in rem.list_upcoming(fresh_db, "42", now) if row["kind"] == "meeting_before"]
    assert due == ["2026-12-02T18:00:00+00:00"]  # the reminder moved along


def test_moving_can_be_called_off(fresh_db, consenting_user, now):
    mid = meeting_at(fresh_db, dt.datetime(2026, 12, 1, 10, 0, tzinfo=AMS), now=now)
    chat = Chat(fresh_db, now, trigger={"meeting_id": str(mid), "reminder_action": "move_meeting"})
    assert "laat ik het gesprek staan" in chat.send("weet ik nog niet")
    assert meetings.get_meeting(fresh_db, "42", mid)["ics_sequence"] == 0


def test_cancelling_from_the_button_stops_reminders_and_offers_a_cancel_file(fresh_db, consenting_user, now):
    mid = meeting_at(fresh_db, dt.datetime(2026, 12, 1, 10, 0, tzinfo=AMS), now=now)
    rem.schedule_meeting_reminders(fresh_db, "42", mid, dt.datetime(2026, 12, 1, 10, 0, tzinfo=AMS), now, AMS)
    asked = apply_action(fresh_db, "42", "cancel_meeting", None, now, AMS, meeting_id=str(mid))
    assert "niet door?" in asked[0].text and meetings.get_meeting(fresh_db, "42", mid)["status"] == "prepared"
    assert [t for t, _ in asked[0].buttons] == ["Ja, het gaat niet door", "Nee, het blijft staan"]
    kept = apply_action(fresh_db, "42", "keep_meeting", None, now, AMS)
    assert "blijft staan" in kept[0].text and meetings.get_meeting(fresh_db, "42", mid)["status"] == "prepared"
    sure = dict(asked[0].buttons)["Ja, het gaat niet door"]
    assert json.loads(sure[sure.index("{"):]) == {"meeting_id": str(mid), "reminder_action": "cancel_meeting_sure"}
    replies = apply_action(fresh_db, "42", "cancel_meeting_sure", None, now, AMS, meeting_id=str(mid))
    assert "gaat niet door" in replies[0].text
    calendar, event = parse(Path(replies[1].custom["document"]["path"]))
    assert calendar["method"] == "CANCEL" and event["sequence"] == 1
    assert [r for r in rem.list_upcoming(fresh_db, "42", now) if r["kind"].startswith("meeting")] == []
    again = apply_action(fresh_db, "42", "cancel_meeting_sure", None, now, AMS, meeting_id=str(mid))
    assert "niet meer vinden" in again[0].text
    other = apply_action(fresh_db, "99", "cancel_meeting_sure", None, now, AMS, meeting_id=str(mid))
    assert "niet meer vinden" in other[0].text  # someone else's meeting is left alone


def test_the_next_meeting_planned_in_a_look_back_offers_an_ics(fresh_db, consenting_user, now, scheduled):
    mid = meetings.create_meeting(fresh_db, "42", "bedrijfsarts", now - dt.timedelta(days=5),
                                  starts_at=now - dt.timedelta(days=1), status="prepared")
    meetings.add_goal(fresh_db, "42", mid, "Afspraken over mijn uren", now)
    chat = Chat(fresh_db, now, flow="debrief")
    for answer in ("Bereikt", "Ja", "Over vier weken weer een gesprek", "overslaan", "15 december", "10 uur", "Ja"):
        chat.send(answer)
    offer = next(r for r in chat.replies if r.custom and r.custom.get("document", {}).get("filename") == "gesprek.ics")
    _, event = parse(Path(offer.custom["document"]["path"]))
    assert event.decoded("dtstart") == dt.datetime(2026, 12, 15, 10, 0, tzinfo=AMS)
