"""The check-in as a user lives it: open question first, empathy before scores,
scaling questions with fitting follow-ups, a summary from their own answers,
and the next check-in at the distance they chose."""

from __future__ import annotations

import datetime as dt
import random
import re
from zoneinfo import ZoneInfo

import pytest

from actions.flows import engine
from actions.flows.base import Turn
from regiecoach.storage import checkins, iso, parse_iso, users
from regiecoach.storage import reminders as rem

AMS = ZoneInfo("Europe/Amsterdam")


def texts(replies):
    return "\n".join(r.text for r in replies)


class Chat:
    def __init__(self, db, chat_id, now, trigger=None):
        self.db, self.chat_id, self.now = db, chat_id, now
        replies, self.running = engine.start(db, chat_id, "checkin", now, AMS, trigger)
        self.last = replies + self._ask()

    def _ask(self):
        return engine.ask(self.db, self.chat_id, self.running, self.now, AMS) if self.running else []

    def say(self, text, intent=None):
        replies, self.running = engine.handle(self.db, self.chat_id, "checkin", Turn(text=text, intent=intent),
                                              self.now, AMS)
        self.last = replies + self._ask()
        return texts(self.last)


def add_goal(db, chat_id, text):
    meeting = db["meetings"].insert({"chat_id": chat_id, "with_whom": "bedrijfsarts", "status": "done"}).last_pk
    db["goals"].insert({"meeting_id": meeting, "chat_id": chat_id, "text": text, "status": "open"})


def test_first_checkin_full_path(fresh_db, consenting_user, now):
    add_goal(fresh_db, consenting_user, "Afspreken dat ik met twee ochtenden per week begin")
    chat = Chat(fresh_db, consenting_user, now)
    assert "Hoe" in texts(chat.last) and not chat.last[-1].buttons  # an open question, no scores yet
    chat.say("Het gaat wel redelijk eigenlijk")
    assert [b[0] for b in chat.last[-1].buttons] == [str(n) for n in range(11)]
    assert "een 5 is en geen 3" in chat.say("5")
    chat.say("Ik slaap beter")
    assert "wat zou helpen om er een 1 van te maken" in chat.say("0").lower()
    regie_question = chat.say("Een gesprek met mijn leidinggevende")
    assert "Hoeveel regie heb je nu over je re-integratie, van 0 tot 10?" in regie_question
    assert [b[0] for b in chat.last[-1].buttons] == [str(n) for n in range(11)]
    assert "Wat zou je een beetje meer regie geven?" in chat.say("6")
    goals_question = chat.say("Als ik zelf mijn uren mag kiezen")
    assert '"Als ik zelf mijn uren mag kiezen"' in goals_question  # reflected before the next question
    assert "twee ochtenden per week" in goals_question
    chat.say("Ik heb het voorgesteld en het mag")
    chat.say("Ik ben elke dag gaan wandelen, ook toen het regende en ik er eigenlijk helemaal geen zin in had")
    chat.say("Mijn leidinggevende bellen")
    summary = chat.say("volgende week dinsdag")
    assert "energie is een 5" in summary and '"Ik slaap beter"' in summary  # the score and what helps
    assert "vertrouwen in je werk is een 0" in summary
    assert "regie over je re-integratie is een 6" in summary
    # A long answer comes back as a short part in the user's own words, never pasted whole.
    assert '"Ik ben elke dag gaan wandelen"' in summary and "ook toen het regende" not in summary
    assert "Mijn leidinggevende bellen" in summary and "dinsdag 24 november" in summary
    assert summary.endswith("Klopt dit? Wat wil je er nog aan toevoegen? Niks is ook goed.")
    done = chat.say("Ja, dat klopt")
    assert chat.running is None
    stored = checkins.last_checkin(fresh_db, consenting_user)
    assert (stored["energy"], stored["confidence"], stored["regie"], stored["next_step_date"]) == (5, 0, 6, "2026-11-24")
    # No questions about the rhythm at the end: every 4 weeks, at the part of the
    # day they have time now (10:00 here), and how to change it.
    assert "elke 4 weken" in done and "in de ochtend" in done and "/herinneringen" in done
    assert "zondag 20 december om 09:30" in done
    assert "?" not in done
    due = parse_iso(rem.next_checkin(fresh_db, consenting_user)["due_at"]).astimezone(AMS)
    assert due == dt.datetime(2026, 12, 20, 9, 30, tzinfo=AMS)


def test_a_first_checkin_in_the_evening_plans_the_next_one_in_the_evening(fresh_db, consenting_user, now):
    evening = now.astimezone(AMS).replace(hour=20, minute=15)
    seen = _quick_checkin(fresh_db, consenting_user, evening)
    assert "in de avond" in seen and "zondag 20 december om 19:30" in seen
    assert users.get_user(fresh_db, consenting_user)["checkin_daypart"] == "avond"


def test_negative_mood_gets_empathy_and_a_choice_not_a_checklist(fresh_db, consenting_user, now):
    chat = Chat(fresh_db, consenting_user, now)
    reply = chat.say("Eerlijk gezegd slecht, ik ben zo moe")
    assert "zwaar" in reply.lower() or "naar" in reply.lower()
    assert "0 tot 10" not in reply
    assert [b[0] for b in chat.last[-1].buttons] == ["Ja, nu verder", "Liever later"]
    reply = chat.say("Liever later")
    assert chat.running is None
    assert "/checkin" in reply
    assert checkins.last_checkin(fresh_db, consenting_user) is None


def test_later_after_a_reminder_snoozes_it_to_tomorrow(fresh_db, consenting_user, now):
    rid = rem.add_manual(fresh_db, consenting_user, "checkin", now, now)
    rem.mark_sent(fresh_db, rid, now)
    chat = Chat(fresh_db, consenting_user, now, trigger={"reminder_id": str(rid)})
    chat.say("zwaar", intent="mood_negative")
    reply = chat.say("Liever later")
    assert "maandag 23 november om 09:30" in reply
    assert [r["kind"] for r in rem.list_upcoming(fresh_db, consenting_user, now)] == ["checkin"]


def test_negative_mood_can_continue_to_scores(fresh_db, consenting_user, now):
    chat = Chat(fresh_db, consenting_user, now)
    chat.say("Niet zo goed")
    assert "0 tot 10" in chat.say("Nu verder")


def test_after_a_crisis_it_opens_with_how_they_are_and_skips_scores(fresh_db, consenting_user, now):
    checkins.add_checkin(fresh_db, consenting_user, now - dt.timedelta(weeks=4), mood="neutral", energy=5)
    users.mark_crisis(fresh_db, consenting_user, now - dt.timedelta(days=3))
    chat = Chat(fresh_db, consenting_user, now)
    assert "Hoe gaat het nu met je" in texts(chat.last)
    chat.say("Iets beter, dank je")
    seen = [chat.say("Nu verder")]
    for answer in ("Weinig", "Ik heb gewandeld", "Rust nemen", "Geen datum", "ja"):
        seen.append(chat.say(answer))
    assert chat.running is None
    assert all("0 tot 10" not in text for text in seen)
    assert "energie" not in seen[-1]
    stored = checkins.last_checkin(fresh_db, consenting_user)
    assert stored["energy"] is None and stored["mood"] == "after_crisis"


def test_no_crisis_opening_when_crisis_was_before_last_checkin(fresh_db, consenting_user, now):
    users.mark_crisis(fresh_db, consenting_user, now - dt.timedelta(weeks=6))
    checkins.add_checkin(fresh_db, consenting_user, now - dt.timedelta(weeks=4), mood="neutral")
    chat = Chat(fresh_db, consenting_user, now)
    assert "Vorige keer was het heel zwaar" not in texts(chat.last)


def test_ten_has_its_own_follow_up_and_bad_scores_are_asked_again(fresh_db, consenting_user, now):
    chat = Chat(fresh_db, consenting_user, now)
    chat.say("Goed!")
    assert "0 tot 10" in chat.say("heel veel")
    assert "Wat maakt het zo goed?" in chat.say("10")


def test_second_checkin_plans_next_at_chosen_interval_without_asking(fresh_db, consenting_user, now):
    users.update_settings(fresh_db, consenting_user, checkin_weeks=6, checkin_daypart="middag")
    checkins.add_checkin(fresh_db, consenting_user, now - dt.timedelta(weeks=6), mood="positive")
    chat = Chat(fresh_db, consenting_user, now)
    chat.say("Prima")
    chat.say("7")
    chat.say("overslaan")
    chat.say("8")
    chat.say("overslaan")
    chat.say("overslaan")
    chat.say("overslaan")
    chat.say("overslaan")
    done = chat.say("nee")
    assert chat.running is None
    assert "Elke 4 weken" not in done
    due = parse_iso(rem.next_checkin(fresh_db, consenting_user)["due_at"]).astimezone(AMS)
    assert due == dt.datetime(2027, 1, 3, 14, 0, tzinfo=AMS)
    assert not rem.in_quiet_hours(due, AMS)
    assert len(checkins.list_checkins(fresh_db, consenting_user)) == 2


def test_finishing_a_checkin_cancels_the_pending_nudge(fresh_db, consenting_user, now):
    rid = rem.add_manual(fresh_db, consenting_user, "checkin", now, now)
    row = rem.get(fresh_db, rid)
    rem.mark_sent(fresh_db, rid, now)
    rem.schedule_nudge(fresh_db, row, now, AMS)
    users.update_settings(fresh_db, consenting_user, checkin_weeks=4)
    checkins.add_checkin(fresh_db, consenting_user, now - dt.timedelta(weeks=4), mood="positive")
    chat = Chat(fresh_db, consenting_user, now, trigger={"reminder_id": str(rid)})
    for answer in ("Goed", "6", "overslaan", "6", "overslaan", "overslaan", "overslaan", "overslaan", "ja"):
        chat.say(answer)
    assert [r["kind"] for r in rem.list_upcoming(fresh_db, consenting_user, now)] == ["checkin"]
    assert iso(now) < rem.next_checkin(fresh_db, consenting_user)["due_at"]


def _quick_checkin(db, chat_id, now):
    """A check-in answered with the least typing; returns every text it showed."""
    chat = Chat(db, chat_id, now)
    seen = [texts(chat.last)]
    for answer in ("Goed", "6", "overslaan", "7", "overslaan"):
        seen.append(chat.say(answer))
    finish(chat, seen)
    return "\n".join(seen)


def finish(chat, seen, limit=12):
    """Skip what can be skipped."""
    for _ in range(limit):
        if not chat.running:
            return
        seen.append(chat.say("overslaan"))
    raise AssertionError("the check-in did not finish")


def test_the_regie_question_comes_at_most_every_third_checkin(fresh_db, consenting_user, now):
    asked = []
    for n in range(7):
        moment = now + dt.timedelta(weeks=4 * n)
        shown = _quick_checkin(fresh_db, consenting_user, moment)
        asked.append("Hoeveel regie" in shown)
    assert asked == [True, False, False, True, False, False, True]
    stored = checkins.list_checkins(fresh_db, consenting_user)
    assert len(stored) == 7
    # Skipped here, so stored as empty, never as a made-up number.
    assert [c["regie"] for c in stored] == [None] * 7


def test_the_regie_score_is_stored_and_read_back_for_the_chart(fresh_db, consenting_user, now):
    chat = Chat(fresh_db, consenting_user, now)
    for answer in ("Prima", "6", "overslaan", "7", "overslaan"):
        chat.say(answer)
    assert "0 tot 10" in chat.say("geen idee")  # not a number: asked again
    chat.say("acht")
    finish(chat, [])
    # list_checkins feeds the /voortgang chart.
    assert [c["regie"] for c in checkins.list_checkins(fresh_db, consenting_user)] == [8]


def test_no_regie_question_in_the_checkin_after_a_crisis(fresh_db, consenting_user, now):
    users.mark_crisis(fresh_db, consenting_user, now - dt.timedelta(days=2))
    chat = Chat(fresh_db, consenting_user, now)
    seen = [texts(chat.last), chat.say("Het gaat iets beter"), chat.say("Nu verder")]
    finish(chat, seen)
    assert not any("regie" in text.lower() for text in seen)


def _to_the_check(chat):
    for answer in ("Het gaat wisselend, wandelen lukt maar werken is zwaar", "5", "Wandelen helpt", "6",
                   "overslaan", "overslaan", "overslaan", "overslaan", "Een collega bellen", "Geen datum"):
        chat.say(answer)
    return texts(chat.last)


def test_the_summary_gives_back_their_words_and_an_addition_is_kept(fresh_db, consenting_user, now):
    chat = Chat(fresh_db, consenting_user, now)
    summary = _to_the_check(chat)
    assert summary.startswith("Even samengevat.")
    assert summary.endswith("Klopt dit? Wat wil je er nog aan toevoegen? Niks is ook goed.")
    for words in ('"Het gaat wisselend, wandelen lukt maar werken is zwaar"', '"Wandelen helpt"', '"Een collega bellen"'):
        assert words in summary
    assert "Goed dat je" not in summary  # no praise before they said whether it is right
    reply = chat.say("Ik wil nog zeggen dat ik bang ben voor het gesprek")
    assert 'Dat zet ik erbij: "Ik wil nog zeggen dat ik bang ben voor het gesprek"' in reply
    assert "bang ben voor het gesprek" in checkins.last_checkin(fresh_db, consenting_user)["summary"]


def test_klopt_niet_at_the_check_asks_what_and_keeps_the_answer(fresh_db, consenting_user, now):
    chat = Chat(fresh_db, consenting_user, now)
    _to_the_check(chat)
    assert "Wat wil je anders of erbij?" in chat.say("klopt niet helemaal")
    chat.say("Werken is niet zwaar, wel spannend")
    assert "wel spannend" in checkins.last_checkin(fresh_db, consenting_user)["summary"]
    assert chat.running is None and "/herinneringen" in texts(chat.last)


def test_niks_and_weet_ik_niet_get_no_praise(fresh_db, consenting_user, now):
    chat = Chat(fresh_db, consenting_user, now)
    replies = [chat.say(a) for a in ("weet ik niet", "5", "weet ik niet", "6", "niks", "5", "niks", "weet ik niet",
                                     "weet ik niet")]
    for reply in replies:
        first = reply.split("\n")[0]  # the reply to the answer, before the next question
        for praise in ("Dank je", "Mooi", "Knap", "Goed dat", "Fijn dat", "Dat is goed", "Dat is mooi"):
            assert praise not in first, (first, praise)


@pytest.mark.parametrize("answer", [
    "Het gaat eigenlijk best goed. Ik slaap beter en ik wandel weer elke dag.",
    "Slecht, ik slaap slecht en ben de hele dag moe",
    "Wisselend, wandelen lukt maar werken is zwaar",
])
@pytest.mark.parametrize("variant", [0, 1])
def test_the_mood_reply_quotes_their_words_never_a_label(fresh_db, consenting_user, now, answer, variant,
                                                         monkeypatch):
    monkeypatch.setattr(random, "choice", lambda options: options[min(variant, len(options) - 1)])
    reply = Chat(fresh_db, consenting_user, now).say(answer)
    assert not re.search(r'"(positive|negative|neutral|mixed|empty)"', reply)
    assert re.search(r'"[^"]*(slaap|wandel)[^"]*"', reply)
