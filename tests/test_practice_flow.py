"""The practice role play, driven through the flow engine like the bot does:
start, then ask/handle per turn."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from actions.flows import engine
from actions.flows.base import Turn
from regiecoach.storage import ConsentRequired, drafts, iso, users
from regiecoach.storage import practice as store
from regiecoach.texts import load, say
from tests.conftest import AMS

CHAT = "42"
OWN_VIEW = "Best lastig, maar ik bleef rustig."


def variants(key: str) -> list[str]:
    entry = load("practice")[key]
    return [str(item).strip() for item in entry] if isinstance(entry, list) else [str(entry).strip()]


class Chat:
    """A user talking to the practice flow."""

    def __init__(self, db, now):
        self.db, self.now, self.running = db, now, None
        self.last_ask: list = []

    def start(self, trigger=None) -> list:
        replies, self.running = engine.start(self.db, CHAT, "practice", self.now, AMS, trigger=trigger)
        return replies + self.ask()

    def ask(self) -> list:
        self.last_ask = engine.ask(self.db, CHAT, self.running, self.now, AMS) if self.running else []
        return self.last_ask

    def say(self, text: str, **turn) -> list:
        replies, self.running = engine.handle(self.db, CHAT, self.running, Turn(text=text, **turn), self.now, AMS)
        return replies + self.ask()

    def role(self, text: str, own_view: str = OWN_VIEW) -> list:
        """One role-play turn; when the role play ends, also answer "Hoe ging het volgens jou?"."""
        replies = self.say(text)
        if any(say("practice", "ask_own_view") in reply.text for reply in self.last_ask):
            replies += self.say(own_view)
        return replies

    @property
    def draft(self):
        return drafts.load_draft(self.db, CHAT, "practice")

    def buttons(self) -> list[str]:
        return [title for reply in self.last_ask for title, _ in reply.buttons]


def texts(replies) -> str:
    for reply in replies:  # every message short enough to read on a phone
        assert len(reply.text.split()) <= 80, reply.text
    return "\n".join(reply.text for reply in replies)


def last_line(chat: Chat) -> str:
    """The other party's line now shown, without the "Bedrijfsarts: " prefix."""
    text = chat.last_ask[-1].text
    return text.split(": ", 1)[1]


@pytest.fixture
def chat(fresh_db, consenting_user, now):
    return Chat(fresh_db, now)


def play_s1(chat: Chat, turns: list[str]) -> list:
    chat.start()
    chat.say(say("practice", "s1_title"))
    replies: list = []
    for text in turns:
        replies = chat.role(text)
    return replies


GOOD = [
    "Ik kan niet werken.",
    "Mails lukken wel, maar na een uur vergaderen heb ik hoofdpijn.",
    "Zou ik kunnen beginnen met twee ochtenden van een uur per week?",
]


def test_intro_says_stop_works_and_offers_six_scenarios(chat):
    replies = chat.start()
    assert "stop" in texts(replies).lower()
    assert len(chat.buttons()) == 6
    replies = chat.say("2")  # typing a number picks the scenario
    assert say("practice", "s2_title") in texts(replies)
    assert chat.last_ask[0].text.startswith("Bedrijfsarts: ")
    assert last_line(chat) in variants("s2_open")


def test_full_role_play_ends_in_feedback_with_affirmation_quote_tip_and_choices(chat, fresh_db):
    chat.start()
    chat.say(say("practice", "s1_title"))
    chat.say(GOOD[0])
    chat.say(GOOD[1])
    replies = chat.say(GOOD[2])
    # The other party closes, then the user's own view comes first.
    assert replies[0].text.startswith("Bedrijfsarts: ")
    assert replies[-1].text == say("practice", "ask_own_view")
    assert store.list_attempts(fresh_db, CHAT) == []
    replies = chat.say(OWN_VIEW)
    body = texts(replies)
    # Their view reflected, both sides, in their own words.
    assert replies[0].text == say("practice", "own_view_mixed", words="Best lastig, maar ik bleef rustig")
    feedback = replies[1].text
    assert any(feedback.startswith(line) for line in variants("fb_affirm"))
    assert say("practice", "well_proposal") in feedback
    quote = feedback.split('"')[1]
    assert len(quote) <= 60 and quote.startswith("Zou ik kunnen beginnen")
    assert say("practice", "tip_all") in body  # examples, both, proposal and calm all shown
    assert not re.search(r"\d van de \d", body)  # no grades
    assert say("practice", "fb_progress_up") not in body  # first attempt: no comparison
    assert chat.buttons() == ["Nog een keer", "Ander scenario", "Zin bewaren voor mijn kaart", "Nee, ik ben klaar"]
    attempts = store.list_attempts(fresh_db, CHAT)
    assert len(attempts) == 1 and attempts[0]["scenario"] == "s1" and attempts[0]["turns"] == 3
    assert attempts[0]["skills"] == {"examples": True, "both": True, "proposal": True, "calm": True}
    # The role-play text is gone from the draft once the feedback is given;
    # only the one sentence the user may choose to save is kept.
    data = chat.draft["data"]
    assert "turns" not in data and "lines" not in data and "Ik kan niet" not in str(data)
    assert data["best"] == GOOD[1]


def test_one_tip_for_the_weakest_skill(chat):
    replies = play_s1(chat, ["Ik kan niet.", "Het gaat gewoon niet.", "Ik kan het echt niet."])
    assert last_line(chat) in variants("bedrijfsarts_invite")  # no proposal yet: a fourth turn invites one
    replies = chat.role("Geen idee.")
    body = texts(replies)
    tips = [key for key in ("tip_examples", "tip_both", "tip_proposal", "tip_calm") if say("practice", key) in body]
    assert tips == ["tip_examples"]  # all three missing: the first in order
    assert say("practice", "well_calm") in body  # still affirming what went well
    assert say("practice", "btn_save") not in chat.buttons()  # nothing worth saving


@pytest.mark.parametrize(
    "text, key",
    [
        ("Na een uur lezen krijg ik hoofdpijn.", "bedrijfsarts_example"),
        ("Ik stel voor dat ik begin met twee ochtenden van een uur.", "bedrijfsarts_proposal"),
        ("Ik kan niet.", "bedrijfsarts_refusal"),
        ("Dit is belachelijk, je snapt er niks van!!!", "bedrijfsarts_angry"),
        ("Hmm, daar moet ik over nadenken.", "s1_push"),
    ],
)
def test_the_other_party_reacts_to_what_the_user_wrote(chat, text, key):
    play_s1(chat, [text])
    assert last_line(chat) in variants(key)


def test_manager_de_escalates_too(chat):
    chat.start()
    chat.say(say("practice", "s4_title"))
    assert chat.last_ask[0].text.startswith("Leidinggevende: ")
    chat.say("WAT BELACHELIJK, ik ben geen machine")
    assert last_line(chat) in variants("leidinggevende_angry")


def test_anger_in_the_third_turn_gets_a_fourth_turn(chat, fresh_db):
    replies = play_s1(chat, ["Ik kan niet.", "Nee.", "Hou toch op!!!"])
    assert store.list_attempts(fresh_db, CHAT) == []  # not over yet: the role play goes on
    assert last_line(chat) in variants("bedrijfsarts_angry")
    replies = chat.role("Sorry. Wat als ik begin met een uur per dag?")
    body = texts(replies)
    assert say("practice", "tip_calm") in body  # one un-calm turn counts
    assert store.list_attempts(fresh_db, CHAT)[0]["turns"] == 4


def test_privacy_scenario_accepts_the_boundary_and_tells_the_fact(chat):
    chat.start()
    chat.say(say("practice", "s3_title"))
    chat.say("Dat wil ik liever niet vertellen, dat is prive.")
    assert last_line(chat) in variants("s3_privacy_ok")
    chat.say("Mails lukken wel, maar bellen niet.")
    replies = chat.role("Zullen we afspreken dat ik eerst 2 uur per dag werk?")
    assert say("practice", "s3_fact") in texts(replies)


def test_stop_halfway_keeps_only_the_draft(chat, fresh_db, now):
    play_s1(chat, ["Na een uur lezen krijg ik hoofdpijn."])
    replies = engine.stop(fresh_db, CHAT, "practice", now, AMS)
    assert replies[0].text == say("engine", "stopped_saved")
    assert store.list_attempts(fresh_db, CHAT) == []
    assert fresh_db["practice_attempts"].count == 0
    line = last_line(chat)
    chat.start()
    chat.say(say("engine", "resume_continue"))
    assert last_line(chat) == line  # back at the second line, the first answer kept
    for text in GOOD[1:]:
        chat.role(text)
    assert store.list_attempts(fresh_db, CHAT)[0]["turns"] == len(GOOD)


def test_resume_after_stop_shows_the_same_line_again(chat, fresh_db, now):
    play_s1(chat, ["Ik kan niet."])
    line = last_line(chat)
    engine.stop(fresh_db, CHAT, "practice", now, AMS)
    chat.start()
    chat.say(say("engine", "resume_continue"))
    assert last_line(chat) == line


def test_try_again_restarts_the_same_scenario(chat, fresh_db):
    play_s1(chat, GOOD)
    replies = chat.say("Nog een keer")
    assert say("practice", "restart") in texts(replies)
    assert last_line(chat) in variants("s1_open")  # the role play starts at its first line


def test_other_scenario_goes_back_to_the_choice(chat):
    play_s1(chat, GOOD)
    chat.say("Ander scenario")
    assert say("practice", "choose") in chat.last_ask[-1].text and len(chat.buttons()) == 6


def test_save_sentence_for_the_card(chat, fresh_db):
    play_s1(chat, GOOD)
    replies = chat.say("Zin bewaren voor mijn kaart")
    saved = store.latest_saved_sentences(fresh_db, CHAT)
    assert saved == ["Mails lukken wel, maar na een uur vergaderen heb ik hoofdpijn."]
    assert saved[0] in texts(replies)
    assert say("practice", "btn_save") not in chat.buttons()  # saved once
    replies = chat.say("Klaar")
    assert chat.running is None and chat.draft is None
    assert say("practice", "done") in texts(replies)


def test_progress_over_two_attempts(chat, fresh_db):
    play_s1(chat, ["Ik kan niet.", "Na een uur lezen krijg ik hoofdpijn.", "Het gaat echt niet.", "Weet ik niet."])
    replies = chat.say("Nog een keer")
    for text in GOOD:
        replies = chat.role(text)
    assert say("practice", "fb_progress_up") in texts(replies)
    assert not re.search(r"\d van de \d", texts(replies))
    progress = store.progress(fresh_db, CHAT)
    assert progress["attempts"] == 2 and progress["scores"] == [2, 4]


def test_back_in_role_takes_back_the_last_answer(chat):
    play_s1(chat, ["Ik kan niet."])
    second = last_line(chat)
    chat.role("Dit is belachelijk!!!")
    chat.say("terug")
    assert last_line(chat) == second  # the line before the answer taken back


def test_a_question_in_role_is_a_practice_turn(chat):
    play_s1(chat, [])
    chat.say("Wat verwacht je eigenlijk van mij?", intent="werkwijzer", confidence=0.95,
             werkwijzer_text="Uitleg uit de Werkwijzer.")
    assert chat.draft["data"]["turns"] == ["Wat verwacht je eigenlijk van mij?"]


def test_planned_meeting_with_manager_suggests_scenario_4(chat, fresh_db, now):
    starts = now + dt.timedelta(days=9)  # Tuesday 1 December, 10:00 in Amsterdam
    fresh_db["meetings"].insert({"chat_id": CHAT, "with_whom": "leidinggevende", "starts_at": iso(starts),
                                 "status": "planned", "created_at": iso(now)})
    replies = chat.start()
    assert "dinsdag 1 december om 10:00" in texts(replies)
    assert chat.buttons()[0] == say("practice", "s4_title")


def test_past_meeting_is_not_suggested(chat, fresh_db, now):
    yesterday = iso(now - dt.timedelta(days=1))
    fresh_db["meetings"].insert({"chat_id": CHAT, "with_whom": "bedrijfsarts", "starts_at": yesterday,
                                 "status": "planned", "created_at": iso(now)})
    chat.start()
    assert chat.buttons()[0] == say("practice", "s1_title") and "gesprek met je" not in texts(chat.last_ask)


def test_storage_requires_consent(fresh_db, now):
    users.ensure_user(fresh_db, "7", now)
    with pytest.raises(ConsentRequired):
        store.record_attempt(fresh_db, "7", "s1", {"calm": True}, 3, now)


def test_latest_saved_sentences_newest_first_and_limited(fresh_db, consenting_user, now):
    for n in range(4):
        attempt = store.record_attempt(fresh_db, CHAT, "s1", {"examples": True}, 3, now + dt.timedelta(minutes=n))
        store.save_sentence(fresh_db, CHAT, attempt, f"Zin {n}")
    assert store.latest_saved_sentences(fresh_db, CHAT) == ["Zin 3", "Zin 2", "Zin 1"]
    assert store.latest_saved_sentences(fresh_db, "other") == []


def test_a_negative_own_view_gets_no_praise(chat):
    chat.start()
    chat.say(say("practice", "s1_title"))
    for line in ("nee", "nee, dat gaat niet", "nee", "kan niet"):
        replies = chat.say(line)
        if replies[-1].text == say("practice", "ask_own_view"):
            break
    body = texts(chat.say("slecht"))
    assert "Het voelde dus lastig" in body
    for praise in ("Goed gedaan", "Knap dat", "Fijn dat"):
        assert praise not in body
    assert say("practice", "fb_none") in body or say("practice", "fb_affirm_hard") in body
