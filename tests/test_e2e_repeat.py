"""End to end: a message that Rasa handled but whose answer never reached the
bridge is asked again later, and the flow step is not applied twice. A real
HTTP proxy between the bridge and Rasa (CI model) lets Rasa finish the turn
and then answers 502, as a reverse proxy does when the connection breaks.
(tests/fault/test_rasa_dies_mid_turn.py kills Rasa in the middle of a turn.)"""

from __future__ import annotations

import pytest

from regiecoach.texts import say
from tests.bridge_chat import Chat, ForwardingProxy, to_the_goal_question

pytestmark = pytest.mark.e2e

GOAL = "Ik wil afspreken hoeveel uur ik de komende maand werk"


def test_an_answer_whose_reply_was_lost_is_applied_once_and_the_user_gets_the_next_question(stack):
    armed, dropped = [False], []

    def drop_once(path, body, status, content):
        if armed[0] and "/webhook" in path:
            armed[0] = False
            dropped.append(status)
            return 502, b"Bad Gateway"  # Rasa finished the turn; the bridge never hears how
        return None

    proxy = ForwardingProxy(stack["settings"].rasa_url, after=drop_once)
    chat = Chat(stack["settings"], stack["services"].token, "e2e-repeat", rasa_url=proxy.url)
    try:
        to_the_goal_question(chat)
        armed[0] = True
        first = chat.say(GOAL)
        assert dropped == [200] and first == say("bridge", "rasa_down")

        later = chat.retry_later()  # the kept message, once Rasa answers again
        assert chat.goals() == [GOAL]
        assert "bewaard" in later and say("meeting", "ask_more_goals") in later
        assert say("meeting", "unclear") not in later  # not filed as the answer to "nog een doel?"

        going_on = chat.say(say("meeting", "more_no"))  # and the flow goes on from there
        assert chat.goals() == [GOAL]
        assert say("meeting", "unclear") not in going_on and "bereikt" not in going_on
    finally:
        proxy.shutdown()
