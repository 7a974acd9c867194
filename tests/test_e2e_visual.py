"""End to end with the real Rasa and action servers (CI model): the chart photo
on /voortgang after three check-ins, and the .ics of a planned meeting."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from PIL import Image

from regiecoach.storage import checkins, open_db
from tests.test_e2e import MEETING_SCRIPT, Conversation, chat_cli

pytestmark = pytest.mark.e2e
AMS = ZoneInfo("Europe/Amsterdam")
CHECKIN = ["/checkin", "het gaat wel oke", "6", "ik slaap beter", "7", "mijn leidinggevende belde",
           "goed", "ik heb gewandeld", "mails lezen", "Geen datum", "ja"]  # "ja": the summary is right


def photos(chat):
    return [message for _, message, _ in chat.channel.delivered if message.photo]


def test_after_three_check_ins_voortgang_sends_a_chart_photo(stack):
    chat = Conversation(stack, "e2e-voortgang")
    chat.say("/start")
    chat.press("Ja, dat is goed")
    chat.press("In dienst bij een werkgever")
    db = open_db(stack["settings"].db_path)
    fixed_now = dt.datetime(2026, 11, 22, 9, 0, tzinfo=dt.timezone.utc)  # the action server's clock (FIXED_NOW)
    for weeks, energy, confidence in ((8, 3, 4), (4, 5, 5)):  # two earlier check-ins
        checkins.add_checkin(db, "e2e-voortgang", fixed_now - dt.timedelta(weeks=weeks), energy=energy,
                             confidence=confidence)
    db.close()
    for line in CHECKIN:  # the third, through the chat
        chat.say(line)
    assert len(photos(chat)) == 1  # the end of a check-in shows the chart
    chat.say("/voortgang")
    chart = photos(chat)[-1]
    assert chart.text.startswith("Grafiek van je check-ins, 27 september tot 22 november.")
    assert "Energie: 3, 5, 6." in chart.text and "Vertrouwen in werk: 4, 5, 7." in chart.text
    path = Path(chart.photo["path"])
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and Image.open(path).size == (1080, 1080)


def test_a_planned_meeting_offers_an_ics_with_the_right_local_time(stack):
    out = chat_cli(stack, MEETING_SCRIPT, "e2e-agenda")
    assert "[Document: gesprek.ics -> " in out
    assert "Gesprek verzetten" in out and "Gesprek gaat niet door" in out
    path = Path(out.split("[Document: gesprek.ics -> ")[1].split("]")[0])
    event = Calendar.from_ical(path.read_bytes()).walk("VEVENT")[0]
    start = event.decoded("dtstart")
    assert start == dt.datetime(2026, 11, 24, 10, 0, tzinfo=AMS)  # "volgende week dinsdag om 10 uur"
    assert start.utcoffset() == dt.timedelta(hours=1) and event["dtstart"].params["TZID"] == "Europe/Amsterdam"
    assert str(event["summary"]) == "Gesprek met de bedrijfsarts"
    # The phone card came along as pictures.
    assert out.count("[Foto: ") >= 1 and "telefoonkaart-" in out
