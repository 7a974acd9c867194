"""The Dutch language toolkit in regiecoach.dutch: one behaviour for every flow."""

from __future__ import annotations

import datetime as dt

import pytest

from regiecoach.dutch.answers import yes_no
from regiecoach.dutch.dates import format_day, format_dutch, parse_past_day
from regiecoach.dutch.text import clean_text, fold, shorten

TODAY = dt.date(2026, 12, 3)  # a Thursday


@pytest.mark.parametrize("text", ["ja", "Ja!", "jawel", "ok", "prima", "graag", "klopt", "ja hoor, doe maar"])
def test_yes_words_are_yes(text):
    assert yes_no(text) == "yes"


@pytest.mark.parametrize("text", ["nee", "Nee.", "niet", "liever niet", "klopt niet", "nee, dat was het"])
def test_no_words_are_no(text):
    assert yes_no(text) == "no"


def test_the_words_win_over_the_classifier():
    assert yes_no("niet", intent="affirm", confidence=0.99) == "no"


def test_the_classifier_counts_only_when_it_is_sure_enough():
    assert yes_no("is prima zo hoor", intent="affirm", confidence=0.4, sure=0.7) == ""
    assert yes_no("is prima zo hoor", intent="affirm", confidence=0.9, sure=0.7) == "yes"


def test_a_button_title_counts_as_typed():
    assert yes_no("Ik doe mee", yes_title="Ik doe mee", no_title="Liever niet") == "yes"


def test_something_else_is_neither():
    assert yes_no("asdfgh") == ""
    assert yes_no("wanneer is mijn gesprek?") == ""


def test_fold_drops_case_diacritics_and_punctuation():
    assert fold("Één keer, in 't café!") == "een keer in t cafe"
    assert fold("Één keer, oké?", keep_punctuation=True) == "een keer, oke?"


def test_clean_text_keeps_one_line_without_control_characters():
    assert clean_text("  regel één\nregel\ttwee\x00 ") == "regel één regel twee"


def test_shorten_cuts_at_a_word_with_an_ellipsis():
    text = "Ik wil graag afspreken dat ik eerst halve dagen werk en dan langzaam opbouw"
    short = shorten(text, 40)
    assert len(short) <= 40 and short.endswith("…")
    assert text.startswith(short[:-1])
    assert not short[:-1].endswith(" ")
    assert shorten("kort", 40) == "kort"


def test_shorten_cuts_one_long_word_too():
    assert shorten("a" * 100, 10) == "a" * 9 + "…"


def test_dates_are_written_in_dutch():
    assert format_day(dt.date(2026, 12, 1)) == "dinsdag 1 december"
    assert format_day(dt.date(2026, 12, 1), weekday=False, year=True) == "1 december 2026"
    moment = dt.datetime(2026, 12, 1, 9, 30, tzinfo=dt.timezone.utc)
    assert format_dutch(moment, dt.timezone.utc) == "dinsdag 1 december om 09:30"


@pytest.mark.parametrize("text, expected", [
    ("12-3-2026", dt.date(2026, 3, 12)),
    ("12.3.2026", dt.date(2026, 3, 12)),
    ("12/3", dt.date(2026, 3, 12)),
    ("12 maart", dt.date(2026, 3, 12)),
    ("ik ben op 28 november ziek geworden", dt.date(2026, 11, 28)),
    ("gisteren", dt.date(2026, 12, 2)),
    ("maandag", dt.date(2026, 11, 30)),
    ("31 december", dt.date(2025, 12, 31)),
])
def test_a_past_day_is_the_most_recent_such_day(text, expected):
    assert parse_past_day(text, TODAY) == expected


def test_no_date_is_no_date():
    assert parse_past_day("weet ik niet meer", TODAY) is None


def test_payloads_have_one_format_both_ways():
    from regiecoach.commands import intent_payload, parse_payload, payload_for_typed

    payload = intent_payload("list_goals", goal_id=7)
    assert payload == '/list_goals{"goal_id":"7"}'
    assert parse_payload(payload) == ("list_goals", {"goal_id": "7"})
    assert parse_payload('/add_goal{"kapot') == ("add_goal", {})
    assert payload_for_typed("/doelen@RegiecoachBot") == "/list_goals"
    assert payload_for_typed("/bestaatniet") == "/help"
    assert payload_for_typed("hallo") == "hallo"
