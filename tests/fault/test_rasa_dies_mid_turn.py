"""Rasa is killed in the middle of a turn: the action server has stored the
user's goal, Rasa never saves the turn in its tracker. After the restart the
bridge asks Rasa again; the flow must not apply the answer a second time (nor
file it under the next question). Its own Rasa and action server (CI model),
with a proxy between them that kills Rasa once the action server answered.

Run with `make fault-test`."""

from __future__ import annotations

import json
import os
import signal
import time
from dataclasses import replace

import pytest

from bot import launcher
from regiecoach.config import get_settings
from regiecoach.texts import say
from tests.bridge_chat import Chat, ForwardingProxy, to_the_goal_question
from tests.conftest import FIXED_NOW, TEST_ACTIONS_PORT, TEST_RASA_PORT, _model

pytestmark = pytest.mark.fault

GOAL = "Ik wil afspreken hoeveel uur ik de komende maand werk"


def test_an_answer_whose_turn_rasa_never_saved_is_applied_once(tmp_path):
    settings = replace(get_settings(), data_dir=tmp_path, db_path=tmp_path / "regiecoach.db",
                       rasa_port=TEST_RASA_PORT + 7, actions_port=TEST_ACTIONS_PORT + 7)
    kill_on, killed = [""], []

    def kill_rasa_after_the_action(path, body, status, content):
        call = json.loads(body or b"{}")
        metadata = ((call.get("tracker") or {}).get("latest_message") or {}).get("metadata") or {}
        if kill_on[0] and metadata.get("update_key") == kill_on[0] and call.get("next_action") == "validate_flow_form":
            kill_on[0] = ""
            killed.append(status)
            os.killpg(services.processes["rasa"].pid, signal.SIGKILL)  # the goal is stored; the turn is not
        return None

    proxy = ForwardingProxy(f"http://127.0.0.1:{settings.actions_port}", after=kill_rasa_after_the_action)
    services = launcher.start_services(settings, _model(), extra_env={**FIXED_NOW, "ACTIONS_URL": f"{proxy.url}/webhook"})
    try:
        chat = Chat(settings, services.token, "fault-mid-turn")
        to_the_goal_question(chat)
        kill_on[0] = chat.next_key()
        first = chat.say(GOAL)
        assert killed == [200], first
        assert chat.goals() == [GOAL]

        deadline = time.time() + 240
        while not launcher.rasa_healthy(settings, services.token):  # the launcher's supervision restarts Rasa
            assert time.time() < deadline, (tmp_path / "logs" / "rasa.log").read_text()[-2000:]
            services.supervise(services.probe())
            time.sleep(1)

        later = ""
        for _ in range(3):  # the bridge gives Rasa 10 minutes to show the turn, then asks again
            later += chat.retry_later(minutes=11)
            if say("meeting", "ask_more_goals") in later:
                break
        assert chat.goals() == [GOAL]
        assert say("meeting", "ask_more_goals") in later, later
        assert say("meeting", "unclear") not in later  # not the answer to "nog een doel?"
        going_on = chat.say(say("meeting", "more_no"))
        assert chat.goals() == [GOAL] and say("meeting", "unclear") not in going_on
    finally:
        services.stop()
        proxy.shutdown()
