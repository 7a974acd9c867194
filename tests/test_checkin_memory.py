"""The check-in remembers: it opens with last time's step and scores, keeps
the answer to "wat maakt dat het een 5 is en geen 3?" and reflects it back."""

from __future__ import annotations

import datetime as dt

from regiecoach.storage import checkins
from tests.test_checkin_flow import Chat


def first_checkin(db, chat_id, now):
    chat = Chat(db, chat_id, now)
    chat.say("Het gaat wel redelijk")
    chat.say("5")
    helps = chat.say("Ik slaap beter sinds ik vroeg naar bed ga")
    chat.say("6")
    chat.say("Mijn vriendin helpt me")
    for answer in ("7", "overslaan", "Niks", "Ik heb veel gewandeld", "Mijn leidinggevende bellen"):
        chat.say(answer)
    summary = chat.say("Geen datum")
    chat.say("Klopt")
    return helps, summary


def test_the_follow_up_answer_is_reflected_kept_and_summed_up(fresh_db, consenting_user, now):
    helps, summary = first_checkin(fresh_db, consenting_user, now)
    assert '"Ik slaap beter sinds ik vroeg naar bed ga"' in helps and "helpt" in helps
    assert "Ik slaap beter" in summary and "Mijn vriendin helpt me" in summary
    stored = checkins.last_checkin(fresh_db, consenting_user)
    assert stored["energy_why"] == "Ik slaap beter sinds ik vroeg naar bed ga"
    assert stored["confidence_why"] == "Mijn vriendin helpt me"


def test_the_next_checkin_opens_with_last_times_step_and_scores(fresh_db, consenting_user, now):
    first_checkin(fresh_db, consenting_user, now)
    later = now + dt.timedelta(weeks=4)
    chat = Chat(fresh_db, consenting_user, later)
    opening = "\n".join(r.text for r in chat.last)
    assert 'Vorige keer koos je deze stap: "Mijn leidinggevende bellen".' in opening
    assert "Je energie was toen een 5 en je vertrouwen een 6." in opening
    reply = chat.say("Dat is gelukt, ik heb haar gebeld en het was fijn")
    assert "gelukt" in reply and "hoe gaat het nu met je" in reply.lower()
    assert "Hoeveel energie" in chat.say("Goed")


def test_a_non_answer_to_the_follow_up_is_not_kept_and_gets_no_praise(fresh_db, consenting_user, now):
    chat = Chat(fresh_db, consenting_user, now)
    chat.say("Het gaat wel")
    chat.say("5")
    reply = chat.say("weet ik niet")
    assert "Wat helpt dus" not in reply and "Mooi" not in reply
    for answer in ("5", "overslaan", "overslaan", "overslaan", "overslaan", "overslaan", "overslaan", "Klopt"):
        chat.say(answer)
    assert checkins.last_checkin(fresh_db, consenting_user)["energy_why"] is None
