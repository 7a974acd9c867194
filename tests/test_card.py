"""The conversation card: text and PDF, own and manager version."""

from __future__ import annotations

import datetime as dt

import pytest

from actions import card
from regiecoach.storage import meetings
from tests.conftest import AMS


@pytest.fixture
def prepared(fresh_db, now, consenting_user):
    mid = meetings.create_meeting(fresh_db, "42", "leidinggevende", now, starts_at=now + dt.timedelta(days=9),
                                  status="prepared")
    meetings.add_goal(fresh_db, "42", mid, "Afspraken over minder uren", now)
    meetings.add_goal(fresh_db, "42", mid, "Thuiswerken op dinsdag", now)
    meetings.set_statement(fresh_db, "42", mid, "can", now, text="Korte klussen", example="Boodschappen doen")
    meetings.set_statement(fresh_db, "42", mid, "cannot", now, text="Lang vergaderen door mijn burn-out",
                           example="Na een uur ben ik op")
    meetings.set_energy(fresh_db, "42", mid, "Ochtend gaat beter dan middag")
    meetings.set_proposal(fresh_db, "42", mid, "Minder uren en opbouwen")
    meetings.add_question(fresh_db, "42", mid, "Hoe lang duurt de opbouw?", now)
    return mid


def test_text_card_has_all_sections(fresh_db, prepared):
    text = card.render_card_text(fresh_db, "42", prepared, tz=AMS)
    for part in ["Afspraken over minder uren", "Thuiswerken op dinsdag", "Korte klussen", "Boodschappen doen",
                 "Na een uur ben ik op", "Ochtend gaat beter", "Minder uren en opbouwen", "Hoe lang duurt de opbouw?",
                 "dinsdag 1 december om 10:00", "mijn leidinggevende"]:
        assert part in text


def test_manager_version_leaves_out_energy_and_diagnosis(fresh_db, prepared):
    text = card.render_card_text(fresh_db, "42", prepared, for_manager=True, tz=AMS)
    assert "Ochtend gaat beter" not in text and "energie" not in text.lower()
    assert "burn-out" not in text and "Lang vergaderen door mijn [weggelaten]" in text
    assert "Afspraken over minder uren" in text and "Korte klussen" in text


def test_pdf_is_written_under_the_users_card_dir(fresh_db, prepared, tmp_path):
    out = card.card_dir("42")
    assert out == tmp_path / "cards" / "42"
    path = card.render_card_pdf(fresh_db, "42", prepared, out, tz=AMS)
    assert path.parent == out and path.read_bytes().startswith(b"%PDF")
    manager = card.render_card_pdf(fresh_db, "42", prepared, out, for_manager=True, tz=AMS)
    assert manager != path and manager.read_bytes().startswith(b"%PDF")


def test_pdf_survives_long_words_emoji_and_control_chars(fresh_db, now, consenting_user, tmp_path):
    mid = meetings.create_meeting(fresh_db, "42", "Iemand 🙂 van HR", now)
    meetings.add_goal(fresh_db, "42", mid, "x" * 300, now)
    meetings.add_goal(fresh_db, "42", mid, "Rust\x00 en\x07 ruimte 💪 — één stap, café, ‘citaat’", now)
    path = card.render_card_pdf(fresh_db, "42", mid, tmp_path / "out", tz=AMS)
    assert path.read_bytes().startswith(b"%PDF")
    text = card.render_card_text(fresh_db, "42", mid, tz=AMS)
    assert "\x00" not in text and "\x07" not in text
    assert "één stap" in text


def test_someone_elses_meeting_is_not_rendered(fresh_db, prepared, now):
    assert "nog geen gesprekskaart" in card.render_card_text(fresh_db, "99", prepared, tz=AMS)
    with pytest.raises(ValueError):
        card.render_card_pdf(fresh_db, "99", prepared, card.card_dir("99"), tz=AMS)


def test_card_dir_is_safe_for_odd_chat_ids(fresh_db):
    assert card.card_dir("../../etc").name == "______etc"


def test_diagnosis_words():
    assert card.mentions_diagnosis("Ik heb Long Covid")
    assert card.mentions_diagnosis("sinds mijn burnout")
    assert not card.mentions_diagnosis("Ik ben moe na het werk")
    assert card.mentions_diagnosis("na mijn borstkanker")
    assert not card.mentions_diagnosis("ik heb een hernieuwde start")  # "hernia" only as a whole word


def test_sentences_saved_after_practice_are_on_the_card_but_not_on_the_managers(fresh_db, consenting_user, now):
    from actions import card
    from regiecoach.storage import meetings, practice

    meeting_id = meetings.create_meeting(fresh_db, consenting_user, "bedrijfsarts", now)
    attempt = practice.record_attempt(fresh_db, consenting_user, "s1", {"examples": True}, 3, now)
    practice.save_sentence(fresh_db, consenting_user, attempt, "Ik kan twee uur per dag werken, daarna ben ik op.")
    own = card.render_card_text(fresh_db, consenting_user, meeting_id)
    manager = card.render_card_text(fresh_db, consenting_user, meeting_id, for_manager=True)
    assert "Ik kan twee uur per dag werken" in own
    assert "Ik kan twee uur per dag werken" not in manager
