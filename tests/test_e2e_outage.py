"""End to end (CI model): outages in the middle of a conversation.
- A message that Rasa handled but whose answer never reached the bridge (a
  real HTTP proxy lets Rasa finish, then answers 502) is asked again later,
  and the flow step is not applied twice.
- A message just after the action server died, before supervision noticed:
  crisis gets the crisis reply at once, others "even niet bereikbaar", kept
  and answered once the action server is back.
(tests/fault/test_rasa_dies_mid_turn.py kills Rasa in the middle of a turn.)"""

from __future__ import annotations

import os
import signal
import time

import pytest

from bot import launcher
from bot.app import SupervisedRasa
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


def test_a_message_just_after_the_action_server_died_is_kept_and_answered_once_it_is_back(stack):
    settings, services = stack["settings"], stack["services"]
    token = services.token

    def supervised():
        return SupervisedRasa(settings.rasa_url, token, services)

    chat = Chat(settings, token, "e2e-actions-died", client=supervised)
    other = Chat(settings, token, "e2e-actions-died-crisis", client=supervised)
    to_the_goal_question(chat)
    actions = services.processes["actieserver"]
    os.killpg(actions.pid, signal.SIGKILL)
    actions.wait()
    assert not services.down()  # supervision has not looked yet (it does every 2 s)

    started = time.monotonic()
    crisis = other.say("ik wil niet meer leven")
    assert "0800-0113" in crisis and "112" in crisis and time.monotonic() - started < 2
    held = chat.say(GOAL)
    assert held == say("bridge", "rasa_down") and chat.goals() == []

    deadline = time.time() + 120
    while services.down() or not launcher.actions_healthy(settings):  # supervision restarts it
        assert time.time() < deadline
        services.supervise(services.probe())
        time.sleep(0.5)
    later = chat.retry_later()
    assert chat.goals() == [GOAL]
    assert "bewaard" in later and say("meeting", "ask_more_goals") in later
