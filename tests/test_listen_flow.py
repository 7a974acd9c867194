"""After a crisis: three turns of listening. Each answer is reflected, 113,
0800-0113 and 112 come back each time, the bot says it is a computer program
and that at 113 a person answers; no menu, no out-of-scope reply, nothing stored."""

from __future__ import annotations

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.flow_actions import ActionCrisis
from actions.flows import engine
from actions.flows.base import Turn
from regiecoach.storage import drafts, users
from regiecoach.texts import say
from tests.conftest import AMS
from tests.test_flow_actions import tracker


class Listening:
    def __init__(self, db, now, chat_id="42"):
        self.db, self.now, self.chat_id = db, now, chat_id
        dispatcher = CollectingDispatcher()
        ActionCrisis().run(dispatcher, tracker(sender=chat_id, text="ik zie het niet meer zitten", intent="crisis"), {})
        self.crisis_reply = "\n".join(m.get("text") or "" for m in dispatcher.messages)
        self.running = "listen"

    def say(self, text, intent=None):
        replies, self.running = engine.handle(self.db, self.chat_id, "listen", Turn(text, intent=intent),
                                              self.now, AMS)
        replies += engine.ask(self.db, self.chat_id, self.running, self.now, AMS) if self.running else []
        assert all(not reply.buttons for reply in replies)  # no menus
        return "\n".join(reply.text for reply in replies)


def has_the_lines(text):
    return "113" in text and "0800-0113" in text and "112" in text


@pytest.mark.parametrize("consent", [True, False])
def test_three_turns_of_listening_with_113_each_time(fresh_db, now, consent):
    users.ensure_user(fresh_db, "42", now)
    if consent:
        users.set_consent(fresh_db, "42", True, now)
    chat = Listening(fresh_db, now)
    assert has_the_lines(chat.crisis_reply) and "computerprogramma" in chat.crisis_reply
    first = chat.say("ja", intent="affirm")
    assert has_the_lines(first) and "een mens" in first and "Fijn" not in first
    second = chat.say("Mijn werk loopt vast en ik slaap slecht", intent="out_of_scope")
    assert '"Mijn werk loopt vast en ik slaap slecht". Dat klinkt heel zwaar.' in second and has_the_lines(second)
    assert "computerprogramma" in second and say("crisis", "listen_lines").split("\n")[0] in second
    assert "helaas niet mee helpen" not in second
    third = chat.say("pff")
    assert say("crisis", "listen_no_words") in third and has_the_lines(third)
    assert "computerprogramma" in third and chat.running is None
    assert drafts.load_draft(fresh_db, "42", "listen") is None


def test_nothing_the_user_says_is_kept_in_the_draft(fresh_db, now, consenting_user):
    chat = Listening(fresh_db, now)
    chat.say("Het voelt alsof niemand me ziet", intent="mood_negative")
    draft = drafts.load_draft(fresh_db, "42", "listen")
    assert draft is not None and "niemand" not in str(draft["data"])


def test_a_greeting_is_not_heard_as_heavy(fresh_db, now, consenting_user):
    chat = Listening(fresh_db, now)
    chat.say("Het is zo zwaar")
    reply = chat.say("hoi")
    assert "zwaar" not in reply and '"hoi"' in reply and has_the_lines(reply)


def test_nee_to_the_question_is_not_met_with_fijn(fresh_db, now, consenting_user):
    chat = Listening(fresh_db, now)
    reply = chat.say("nee", intent="deny")
    assert not reply.startswith("Fijn") and has_the_lines(reply)


def test_a_new_crisis_while_listening_starts_listening_again(fresh_db, now, consenting_user):
    chat = Listening(fresh_db, now)
    chat.say("Het is zo zwaar")
    chat = Listening(fresh_db, now)  # the crisis reply again: three turns of listening from the start
    for text in ("Het blijft zwaar", "Ik weet het niet", "Niemand snapt het"):
        assert chat.running == "listen" and has_the_lines(chat.say(text))
    assert chat.running is None


def test_a_werkwijzer_topic_while_listening_is_their_words(fresh_db, now, consenting_user):
    Listening(fresh_db, now)
    turn = Turn(text="wat moet ik doen?", intent="werkwijzer", confidence=0.95,
                werkwijzer_key="werkwijzer/poortwachter", werkwijzer_text="De Wet verbetering poortwachter...")
    replies, _ = engine.handle(fresh_db, "42", "listen", turn, now, AMS)
    text = "\n".join(r.text for r in replies)
    assert "poortwachter" not in text and '"wat moet ik doen?"' in text
