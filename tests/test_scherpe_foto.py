"""The scherpe foto on fixed data: what it says, the manager's version, the
user's own correction, and where it shows up (card text, PDF, phone card,
the reminder the evening before)."""

from __future__ import annotations

import datetime as dt

import pytest
from PIL import Image
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import card, meeting_actions, phone_card, scherpe_foto
from actions.reminder_actions import render_reminder
from regiecoach.storage import meetings
from regiecoach.storage import reminders as rem
from scripts.render_examples import NOW, build_example
from tests.conftest import AMS
from tests.pdf_text import pdf_flat
from tests.test_meeting_flow import Chat

CHAT = "voorbeeld"


@pytest.fixture
def example(fresh_db, monkeypatch):
    monkeypatch.setenv("REGIECOACH_NOW", NOW.isoformat())
    return build_example(fresh_db)


def photo_text(db, meeting_id, for_manager=False):
    keep = (lambda t: card.redact_diagnosis(card.clean_text(t))) if for_manager else card.clean_text
    return scherpe_foto.build(db, CHAT, meeting_id, AMS, keep, for_manager=for_manager).text()


def test_the_photo_reflects_what_the_user_said(fresh_db, example):
    text = photo_text(fresh_db, example)
    assert text.split("\n\n")[0].splitlines() == [
        "Hoe het nu gaat",
        "Bij mijn check-in van maandag 25 januari: energie 7 van 10 (de keer daarvoor 5), "
        "vertrouwen in mijn werk 7 van 10.",
        "Wat goed ging: Twee ochtenden op kantoor geweest",
        "Doelen van het vorige gesprek: 1 van 2 bereikt.",
    ]
    assert "Wat in de weg zit\nLang vergaderen (bijvoorbeeld: Na een uur ben ik op)" in text
    assert "Wat ik aankan\nKorte klussen in de ochtend (bijvoorbeeld: Boodschappen doen en koken)" in text
    assert "Mijn voorstel: Minder uren en opbouwen" in text
    assert "Mijn volgende stap: Vragen om een rustige werkplek" in text
    assert "Afspraken van vorige keer: Over vier weken weer praten; ik begin met twee ochtenden" in text


def test_nothing_is_added_that_the_user_did_not_say(fresh_db, now, consenting_user):
    mid = meetings.create_meeting(fresh_db, "42", "bedrijfsarts", now, starts_at=now + dt.timedelta(days=2))
    photo = scherpe_foto.build(fresh_db, "42", mid, AMS, card.clean_text)
    assert photo.text() == ("Hoe het nu gaat\nNog niet ingevuld.\n\nWat in de weg zit\nNog niet ingevuld.\n\n"
                            "Wat ik aankan\nNog niet ingevuld.\n\nWat zou helpen\nNog niet ingevuld.")


def test_statements_come_from_an_earlier_meeting_when_this_one_has_none(fresh_db, example):
    later = meetings.create_meeting(fresh_db, CHAT, "bedrijfsarts", NOW, starts_at=NOW + dt.timedelta(days=20))
    assert "Korte klussen in de ochtend" in photo_text(fresh_db, later)


def test_managers_version_has_no_scores_and_no_diagnosis(fresh_db, example):
    meetings.set_statement(fresh_db, CHAT, example, "cannot", NOW, text="Lang vergaderen door mijn burn-out")
    own = photo_text(fresh_db, example)
    manager = photo_text(fresh_db, example, for_manager=True)
    assert "energie 7 van 10" in own and "burn-out" in own
    assert "van 10" not in manager and "energie" not in manager.lower()
    assert "burn-out" not in manager and "Lang vergaderen door mijn [weggelaten]" in manager


def test_the_card_text_pdf_and_phone_card_contain_the_photo(fresh_db, example, tmp_path):
    text = card.render_card_text(fresh_db, CHAT, example, tz=AMS)
    assert "Mijn scherpe foto" in text and "Wat zou helpen:" in text
    pdf = pdf_flat(card.render_card_pdf(fresh_db, CHAT, example, tmp_path, tz=AMS))
    for part in ("Mijn scherpe foto", "Hoe het nu gaat:", "energie 7 van 10", "Wat ik aankan:",
                 "Korte klussen in de ochtend", "Mijn voorstel: Minder uren en opbouwen", "Wat ik wil bereiken"):
        assert part in pdf, part
    manager_pdf = pdf_flat(card.render_card_pdf(fresh_db, CHAT, example, tmp_path, for_manager=True, tz=AMS))
    assert "Mijn scherpe foto" in manager_pdf and "energie 7 van 10" not in manager_pdf
    content = card.card_content(fresh_db, CHAT, example, tz=AMS)
    screen_text = [row.text for screen in phone_card.layout(content) for row in screen]
    assert "Mijn scherpe foto" in screen_text and "Wat ik aankan:" in screen_text


def test_a_correction_is_stored_as_the_users_own_text_and_used_from_then_on(fresh_db, example, tmp_path):
    chat = Chat(fresh_db, NOW, trigger={"card_version": "scherpe_foto", "meeting_id": str(example)}, chat_id=CHAT)
    assert "Typ hoe je het zelf zou zeggen" in chat.text
    own = "Het gaat op en af. Vergaderen is nog te veel. Twee ochtenden lukt. Een vaste werkplek zou helpen."
    assert "eigen tekst bewaard" in chat.send(own)
    assert chat.running is None
    assert meetings.sharp_photo_text(fresh_db, CHAT, example) == own
    assert photo_text(fresh_db, example) == own
    text = card.render_card_text(fresh_db, CHAT, example, tz=AMS)
    assert own in text and "energie 7 van 10" not in text
    assert own in pdf_flat(card.render_card_pdf(fresh_db, CHAT, example, tmp_path, tz=AMS))
    # A second correction replaces the first (one per meeting).
    Chat(fresh_db, NOW, trigger={"card_version": "scherpe_foto", "meeting_id": str(example)},
         chat_id=CHAT).send("Korter: het gaat beter.")
    assert meetings.sharp_photo_text(fresh_db, CHAT, example) == "Korter: het gaat beter."
    assert fresh_db.execute("select count(*) from sharp_photos").fetchone()[0] == 1


@pytest.mark.parametrize("answer", ["laat maar", "weet ik niet", "overslaan", "ok"])
def test_saying_no_or_skipping_keeps_the_photo_as_it_was(fresh_db, example, answer):
    chat = Chat(fresh_db, NOW, trigger={"card_version": "scherpe_foto", "meeting_id": str(example)}, chat_id=CHAT)
    assert "zoals hij was" in chat.send(answer)
    assert chat.running is None and meetings.sharp_photo_text(fresh_db, CHAT, example) is None


def test_a_correction_in_the_middle_of_a_preparation_keeps_that_preparation(fresh_db, example):
    prep = Chat(fresh_db, NOW, chat_id=CHAT)
    prep.send("Nee, een ander gesprek")
    prep.send("Arbeidsdeskundige")
    question = prep.replies[-1].text
    chat = Chat(fresh_db, NOW, trigger={"card_version": "scherpe_foto", "meeting_id": str(example)}, chat_id=CHAT)
    chat.send("Mijn eigen woorden.")
    assert chat.running == "meeting" and question in chat.text  # back to the preparation, at its question


def test_a_correction_of_someone_elses_meeting_is_refused(fresh_db, example, now, consenting_user):
    chat = Chat(fresh_db, now, trigger={"card_version": "scherpe_foto", "meeting_id": str(example)}, chat_id="42")
    assert "vind dat gesprek niet" in chat.text and chat.running is None


def test_the_reminder_the_evening_before_offers_the_photo_and_its_edit_button(fresh_db, example):
    starts = meetings.get_meeting(fresh_db, CHAT, example)["starts_at"]
    ids = rem.schedule_meeting_reminders(fresh_db, CHAT, example, dt.datetime.fromisoformat(starts), NOW, AMS)
    before = next(i for i in ids if rem.get(fresh_db, i)["kind"] == "meeting_before")
    evening = dt.datetime(2027, 2, 1, 18, 0, tzinfo=dt.timezone.utc)
    reply = render_reminder(fresh_db, CHAT, before, evening, AMS)[0]
    title, payload = reply.buttons[0]
    assert title == "Scherpe foto bekijken" and '"card_version":"scherpe_foto"' in payload
    tracker = Tracker(CHAT, {}, {"text": payload, "intent": {"name": "show_card"}, "entities": []},
                      [], False, None, {}, "action_listen")
    dispatcher = CollectingDispatcher()
    meeting_actions.ActionShowCard().run(dispatcher, tracker, {})
    shown = "\n".join(m.get("text") or "" for m in dispatcher.messages)
    assert "scherpe foto voor het gesprek met je leidinggevende" in shown and "Wat ik aankan" in shown
    edit = dispatcher.messages[-1]["buttons"][0]
    assert edit["title"] == "Aanpassen" and '"card_version":"scherpe_foto"' in edit["payload"]


def test_phone_card_is_portrait_1080_wide_and_split_over_screens(fresh_db, example, tmp_path):
    screens = phone_card.render_phone_card(fresh_db, CHAT, example, tmp_path, tz=AMS)
    assert len(screens) == 2
    for path in screens:
        width, height = Image.open(path).size
        assert width == 1080 and 1080 <= height <= 1920 and path.stat().st_size > 20_000
    manager = phone_card.render_phone_card(fresh_db, CHAT, example, tmp_path, for_manager=True, tz=AMS)
    assert all("leidinggevende" in p.name for p in manager)
    content = card.card_content(fresh_db, CHAT, example, for_manager=True, tz=AMS)
    rows = " ".join(row.text for screen in phone_card.layout(content) for row in screen)
    assert "Mijn energie" not in rows and "Ochtend gaat beter" not in rows  # as on the manager's PDF


def test_card_replies_bring_the_phone_card_as_photos(fresh_db, example):
    replies = card.card_replies(fresh_db, CHAT, example, tz=AMS)
    photos = [r for r in replies if r.custom and r.custom.get("photo")]
    assert [r.text for r in photos] == ["Je gesprekskaart voor je telefoon, deel 1 van 2.",
                                        "Je gesprekskaart voor je telefoon, deel 2 van 2."]
    assert any(r.custom and r.custom.get("document", {}).get("filename") == "gesprekskaart.pdf" for r in replies)
