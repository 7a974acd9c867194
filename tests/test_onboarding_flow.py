"""First contact, consent and erasure, driven through the flow engine."""

from __future__ import annotations

import datetime as dt

from actions.flows import engine
from actions.flows.base import DONE, Flow, Reply, Turn
from regiecoach.storage import users
from regiecoach.texts import say
from tests.conftest import AMS


def answer(db, flow, text, now, intent=None):
    return engine.handle(db, "9", flow, Turn(text=text, intent=intent, confidence=0.9), now, AMS)


def texts(replies):
    return " ".join(r.text for r in replies)


def test_start_explains_what_the_bot_does_and_asks_consent_before_storing(fresh_db, now):
    replies, running = engine.start(fresh_db, "9", "onboarding", now, AMS)
    assert running == "onboarding"
    assert "geen medisch advies" in texts(replies)
    question = texts(engine.ask(fresh_db, "9", running, now, AMS))
    assert "end-to-end" in question and "/wissen" in question
    assert not users.has_consent(fresh_db, "9")


def test_consent_says_what_is_kept_word_for_word_by_whom_how_long_and_that_it_is_health_data(fresh_db, now):
    _, running = engine.start(fresh_db, "9", "onboarding", now, AMS)
    question = engine.ask(fresh_db, "9", running, now, AMS)
    told = texts(question)
    assert "Nooit je diagnose" not in told  # free-text answers are stored word for word
    for fact in ("letterlijk", "gezondheidsgegevens", "AVG", "organisatie", "eigen server", "werkgever",
                 "tot je ze wist", "30 dagen", "zelfmoord"):
        assert fact in told, fact
    assert [title for title, _ in question[-1].buttons] == [say("onboarding", "consent_yes"), say("onboarding", "consent_no")]


def test_consent_then_work_status_then_the_figures_question_then_the_menu(fresh_db, now):
    engine.start(fresh_db, "9", "onboarding", now, AMS)
    replies, running = answer(fresh_db, "onboarding", say("onboarding", "consent_yes"), now)
    assert users.has_consent(fresh_db, "9") and running == "onboarding"
    replies, running = answer(fresh_db, "onboarding", "ik ben zzp'er", now)
    assert users.get_user(fresh_db, "9")["work_status"] == "self_employed"
    assert "Poortwachter" in texts(replies)
    assert running == "onboarding"
    assert "anonieme cijfers" in engine.ask(fresh_db, "9", running, now, AMS)[0].text
    replies, running = answer(fresh_db, "onboarding", say("figures", "answer_no"), now)
    assert running is None
    assert any(r.buttons for r in replies)  # the menu


def test_declining_stores_nothing_and_offers_knowledge_answers(fresh_db, now):
    engine.start(fresh_db, "9", "onboarding", now, AMS)
    replies, running = answer(fresh_db, "onboarding", "nee liever niet", now, intent="deny")
    assert running is None
    assert users.get_user(fresh_db, "9")["consent"] == "no"
    assert fresh_db["drafts"].count == 0
    assert "vragen" in texts(replies)


def test_unclear_consent_answer_asks_again(fresh_db, now):
    engine.start(fresh_db, "9", "onboarding", now, AMS)
    replies, running = answer(fresh_db, "onboarding", "misschien", now)
    assert running == "onboarding" and replies[0].text == say("onboarding", "consent_unclear")


def test_a_shaky_guess_of_yes_never_gives_consent(fresh_db, now):
    engine.start(fresh_db, "9", "onboarding", now, AMS)
    replies, running = engine.handle(fresh_db, "9", "onboarding", Turn(text="asdfgh", intent="affirm", confidence=0.24),
                                     now, AMS)
    assert replies[0].text == say("onboarding", "consent_unclear")
    assert not users.has_consent(fresh_db, "9")
    answer(fresh_db, "onboarding", "is goed hoor", now, intent="affirm")
    assert users.has_consent(fresh_db, "9")


class NeedsConsentFlow(Flow):
    name = "needs_consent"
    first_step = "only"

    def ask(self, ctx):
        return [Reply("Vraag van de flow")]

    def handle(self, ctx, turn):
        ctx.step = DONE
        return []


def test_a_flow_that_needs_consent_starts_onboarding_first_then_continues(fresh_db, now, monkeypatch):
    monkeypatch.setitem(engine._cache, "needs_consent", NeedsConsentFlow())
    replies, running = engine.start(fresh_db, "9", "needs_consent", now, AMS)
    assert running == "onboarding"
    answer(fresh_db, "onboarding", "ja", now, intent="affirm")
    replies, running = answer(fresh_db, "onboarding", say("onboarding", "work_employed"), now)
    assert running == "needs_consent"
    assert engine.ask(fresh_db, "9", running, now, AMS)[0].text == "Vraag van de flow"


def test_returning_user_gets_the_menu_at_once(fresh_db, consenting_user, now):
    users.set_report_optin(fresh_db, consenting_user, False, now)
    replies, running = engine.start(fresh_db, consenting_user, "onboarding", now, AMS)
    assert running is None
    assert any(r.buttons for r in replies)


def test_erase_asks_first_and_then_removes_everything(fresh_db, consenting_user, now):
    replies, running = engine.start(fresh_db, consenting_user, "erase", now, AMS)
    assert "terugdraaien" in engine.ask(fresh_db, consenting_user, running, now, AMS)[0].text
    replies, running = engine.handle(fresh_db, consenting_user, "erase", Turn(text=say("onboarding", "erase_yes")), now, AMS)
    assert running is None and replies[0].text == say("onboarding", "erase_done")
    assert users.get_user(fresh_db, consenting_user) is None
    # A durable marker tells the bridge to purge Rasa's tracker too.
    assert [row["chat_id"] for row in fresh_db["erasures"].rows] == [consenting_user]


def test_erase_never_runs_on_a_shaky_guess_of_yes(fresh_db, consenting_user, now):
    engine.start(fresh_db, consenting_user, "erase", now, AMS)
    replies, running = engine.handle(fresh_db, consenting_user, "erase", Turn(text="qqq", intent="affirm", confidence=0.3),
                                     now, AMS)
    assert running == "erase" and replies[0].text != say("onboarding", "erase_done")
    assert not list(fresh_db["erasures"].rows)
    assert users.has_consent(fresh_db, consenting_user)


def test_erase_can_be_cancelled(fresh_db, consenting_user, now):
    engine.start(fresh_db, consenting_user, "erase", now, AMS)
    replies, _ = engine.handle(fresh_db, consenting_user, "erase", Turn(text="nee", intent="deny"), now, AMS)
    assert replies[0].text == say("onboarding", "erase_cancelled")
    assert users.has_consent(fresh_db, consenting_user)


def test_engine_repairs_empty_and_too_long_answers(fresh_db, now):
    engine.start(fresh_db, "9", "onboarding", now, AMS)
    replies, running = answer(fresh_db, "onboarding", "   ", now)
    assert replies[0].text == say("engine", "empty") and running == "onboarding"
    engine.start(fresh_db, "9", "onboarding", now, AMS)
    replies, running = answer(fresh_db, "onboarding", "x" * 5000, now)  # more than the bridge lets through
    assert "tekens" in replies[0].text and running == "onboarding"


def test_a_werkwijzer_question_in_a_flow_is_answered_and_the_flow_goes_on(fresh_db, now):
    engine.start(fresh_db, "9", "onboarding", now, AMS)
    turn = Turn(text="mag mijn baas vragen wat ik heb?", intent="werkwijzer", confidence=0.95,
                werkwijzer_key="werkwijzer/privacy", werkwijzer_text="Nee, je werkgever mag dat niet vragen.")
    replies, running = engine.handle(fresh_db, "9", "onboarding", turn, now, AMS)
    assert replies[0].text.startswith("Nee, je werkgever") and running == "onboarding"
    assert not users.has_consent(fresh_db, "9")


def test_onboarding_plans_the_first_check_in_four_weeks_ahead(fresh_db, now):
    engine.start(fresh_db, "9", "onboarding", now, AMS)
    answer(fresh_db, "onboarding", "ja", now, intent="affirm")
    answer(fresh_db, "onboarding", say("onboarding", "work_employed"), now)
    due = [r["due_at"] for r in fresh_db["reminders"].rows_where("chat_id = ? and kind = 'checkin'", ["9"])]
    assert len(due) == 1
    days = (dt.datetime.fromisoformat(due[0]) - now).days
    assert 27 <= days <= 28


def test_erase_also_removes_card_and_export_files(fresh_db, consenting_user, now, tmp_path):
    card_dir = tmp_path / "cards" / consenting_user
    card_dir.mkdir(parents=True)
    (card_dir / "gesprekskaart.pdf").write_bytes(b"%PDF")
    engine.start(fresh_db, consenting_user, "erase", now, AMS)
    engine.handle(fresh_db, consenting_user, "erase", Turn(text=say("onboarding", "erase_yes")), now, AMS)
    assert not card_dir.exists()
