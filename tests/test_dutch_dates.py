"""Dutch date phrases as users type them, parsed relative to a fixed now."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from regiecoach.dutch.dates import format_dutch, parse_meeting_time, parse_time_only

AMS = ZoneInfo("Europe/Amsterdam")
NOW = dt.datetime(2026, 11, 22, 9, 0, tzinfo=dt.timezone.utc)  # Sunday 22 November 2026, 10:00 local


def local(text: str, now: dt.datetime = NOW):
    result = parse_meeting_time(text, now, AMS)
    assert result.moment is not None, text
    return result, result.moment.astimezone(AMS)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("volgende week dinsdag om 10 uur", (2026, 11, 24, 10, 0)),
        ("dinsdag volgende week om 9 uur", (2026, 11, 24, 9, 0)),
        ("morgen om half 3", (2026, 11, 23, 14, 30)),
        ("morgen om half 9", (2026, 11, 23, 8, 30)),
        ("1 december om 9 uur", (2026, 12, 1, 9, 0)),
        ("overmorgen 9:15", (2026, 11, 24, 9, 15)),
        ("do 14u", (2026, 11, 26, 14, 0)),
        ("dinsdag 10:00", (2026, 11, 24, 10, 0)),
        ("morgen 15:30", (2026, 11, 23, 15, 30)),
        ("morgen kwart over 2", (2026, 11, 23, 14, 15)),
        ("woensdag kwart voor 4", (2026, 11, 25, 15, 45)),
        ("maandag om tien uur", (2026, 11, 23, 10, 0)),
        ("vrijdag om twee uur", (2026, 11, 27, 14, 0)),
        ("morgenochtend om 9", (2026, 11, 23, 9, 0)),
        ("3 december 14.00", (2026, 12, 3, 14, 0)),
        ("over een week om 11 uur", (2026, 11, 29, 11, 0)),
        ("morgen om 7 uur 's avonds", (2026, 11, 23, 19, 0)),
        ("morgen om 07:30", (2026, 11, 23, 7, 30)),
        ("1-12 om 13:00", (2026, 12, 1, 13, 0)),
        ("Dinsdag 1 December om 10 uur", (2026, 12, 1, 10, 0)),
        ("📅 morgen om 10 uur 🙂", (2026, 11, 23, 10, 0)),
        ("2026-12-01 10:00", (2026, 12, 1, 10, 0)),
    ],
)
def test_phrases_with_date_and_time(text, expected):
    result, moment = local(text)
    assert result.has_time
    assert not result.in_past
    assert (moment.year, moment.month, moment.day, moment.hour, moment.minute) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("over twee weken", dt.date(2026, 12, 6)),
        ("volgende dinsdag", dt.date(2026, 11, 24)),
        ("14 maart", dt.date(2027, 3, 14)),  # no year: the next 14 March
        ("dinsdag", dt.date(2026, 11, 24)),
        ("over 3 dagen", dt.date(2026, 11, 25)),
        ("21 november", dt.date(2027, 11, 21)),  # yesterday's date without a year rolls on
    ],
)
def test_day_without_time_asks_for_time(text, expected):
    result, moment = local(text)
    assert not result.has_time
    assert moment.date() == expected
    assert not result.in_past


def test_today_without_time_is_not_past():
    result, moment = local("vandaag")
    assert moment.date() == dt.date(2026, 11, 22) and not result.in_past


@pytest.mark.parametrize("text", ["gisteren", "1 januari 2020", "vandaag om 8 uur", "gisteren om 14:00"])
def test_past_dates_are_flagged(text):
    result = parse_meeting_time(text, NOW, AMS)
    assert result.moment is not None
    assert result.in_past


@pytest.mark.parametrize(
    "text", ["blabla", "", "   ", "🙂🙂🙂", "ik weet het echt niet", "x" * 10_000, "?!?", "zo snel mogelijk"]
)
def test_garbage_gives_no_moment(text):
    result = parse_meeting_time(text, NOW, AMS)
    assert result.moment is None
    assert not result.in_past


def test_ten_thousand_chars_with_a_date_inside_is_refused_quickly():
    result = parse_meeting_time("morgen om 10 uur " * 600, NOW, AMS)
    assert result.moment is None


def test_time_only_is_reported_without_a_day():
    result = parse_meeting_time("om 10 uur", NOW, AMS)
    assert result.moment is None
    assert result.time_only == (10, 0)


@pytest.mark.parametrize(
    "text, expected",
    [("half 3", (14, 30)), ("10:15", (10, 15)), ("om 9 uur", (9, 0)), ("kwart voor 4", (15, 45)),
     ("14u30", (14, 30)), ("3", (15, 0)), ("tien uur", (10, 0)), ("lunch", None), ("25:00", None)],
)
def test_time_only(text, expected):
    assert parse_time_only(text) == expected


def test_autumn_dst_change_keeps_wall_clock_time():
    # Saturday 24 October 2026; clocks go back on Sunday 25 October.
    now = dt.datetime(2026, 10, 24, 8, 0, tzinfo=dt.timezone.utc)
    result, moment = local("morgen om 10 uur", now)
    assert (moment.hour, moment.minute) == (10, 0)
    assert result.moment.astimezone(dt.timezone.utc).hour == 9  # CET = UTC+1 after the change


def test_spring_dst_gap_moves_forward():
    # Saturday 27 March 2027; at 02:00 on Sunday clocks jump to 03:00.
    now = dt.datetime(2027, 3, 27, 9, 0, tzinfo=dt.timezone.utc)
    _, moment = local("morgen om 02:30", now)
    assert (moment.day, moment.hour, moment.minute) == (28, 3, 30)
    _, later = local("over twee weken om 10 uur", now)
    assert later.utcoffset() == dt.timedelta(hours=2)


def test_format_dutch():
    moment = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.timezone.utc)
    assert format_dutch(moment, AMS) == "dinsdag 1 december om 10:00"
    assert format_dutch(moment, AMS, with_time=False) == "dinsdag 1 december"


def test_naive_now_is_refused():
    with pytest.raises(ValueError):
        parse_meeting_time("morgen", dt.datetime(2026, 1, 1), AMS)
