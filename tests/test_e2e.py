"""End to end: a real Rasa server and a real action server (CI model), the
bridge, the local chat CLI and real SQLite files. Started once per session."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from bot.bridge import Bridge, RasaClient
from bot.launcher import start_services
from regiecoach.config import ROOT
from regiecoach.storage import open_db, users
from regiecoach.texts import say
from tests.conftest import FIXED_NOW
from tests.fakes import RecordingChannel

pytestmark = pytest.mark.e2e


class Conversation:
    """Talks to the real stack through the bridge, as Telegram would."""

    def __init__(self, stack, chat_id: str) -> None:
        self.stack, self.chat_id, self.n = stack, chat_id, 0
        self.channel = RecordingChannel()

    def say(self, text: str) -> str:
        settings = self.stack["settings"]

        async def turn():
            db = open_db(settings.db_path)
            rasa = RasaClient(settings.rasa_url, self.stack["services"].token)
            bridge = Bridge(db, rasa, self.channel, tracker_db=str(settings.tracker_db), min_interval=0)
            before = len(self.channel.delivered)
            self.n += 1
            await bridge.handle_text(self.chat_id, text, f"test:{self.chat_id}:{self.n}:{os.getpid()}")
            await rasa.close()
            db.close()
            return "\n".join(m.text for _, m, _ in self.channel.delivered[before:])

        return asyncio.run(turn())

    def press(self, title: str) -> str:
        """Press a button of the latest keyboard by its title (sends its payload)."""
        for _, message, _ in reversed(self.channel.delivered):
            for button_title, payload in message.buttons:
                if button_title == title:
                    return self.say(payload)
        raise AssertionError(f"no button {title!r}")


def test_local_chat_cli_answers_in_dutch_through_a_pipe(stack):
    settings = stack["settings"]
    env = dict(os.environ, PYTHONPATH=str(ROOT), RASA_PORT=str(settings.rasa_port),
               ACTIONS_PORT=str(settings.actions_port), REGIECOACH_DATA_DIR=str(settings.data_dir))
    result = subprocess.run([sys.executable, "-m", "bot", "chat"], input="hallo\n", capture_output=True, text=True,
                            cwd=ROOT, env=env, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Regiecoach:" in result.stdout
    assert any(word in result.stdout.lower() for word in ("hoi", "hallo", "welkom", "fijn"))


def test_rest_channel_refuses_requests_without_the_launchers_token(stack):
    url = f"{stack['settings'].rasa_url}/webhooks/regiecoach/webhook"
    response = httpx.post(url, json={"sender": "intruder", "message": "hoi"}, timeout=10)
    assert response.status_code == 403
    default_rest = httpx.post(f"{stack['settings'].rasa_url}/webhooks/rest/webhook",
                              json={"sender": "x", "message": "hoi"}, timeout=10)
    assert default_rest.status_code == 404


def test_services_listen_on_loopback_only(stack):
    settings = stack["settings"]
    listening = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            if state == "0A":  # LISTEN
                address, port = local.rsplit(":", 1)
                listening.add((address, int(port, 16)))
    for port in (settings.rasa_port, settings.actions_port):
        addresses = {address for address, p in listening if p == port}
        assert addresses, f"nothing listens on {port}"
        assert addresses <= {"0100007F", "00000000000000000000000001000000"}, addresses


def test_the_api_token_is_not_on_any_command_line(stack):
    token = stack["services"].token
    rasa = stack["services"].processes["rasa"]
    assert b"rasa_addons.run" in Path(f"/proc/{rasa.pid}/cmdline").read_bytes()
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                cmdline = (proc / "cmdline").read_bytes()
            except OSError:
                continue
            assert token.encode() not in cmdline, proc.name


def test_onboarding_consent_is_stored_by_the_action_server(stack):
    chat = Conversation(stack, "e2e-consent")
    first = chat.say("/start")
    assert "Regiecoach" in first
    assert say("engine", "command_in_flow") not in first  # "/start" is not an answer to the first question
    chat.press("Ja, dat is goed")
    chat.press("In dienst bij een werkgever")
    db = open_db(stack["settings"].db_path)
    assert users.get_user(db, "e2e-consent")["consent"] == "yes"
    assert users.get_user(db, "e2e-consent")["work_status"] == "employed"


def test_crisis_interrupts_a_running_flow_with_113_and_112_then_listens(stack):
    chat = Conversation(stack, "e2e-crisis")
    chat.say("/start")
    reply = chat.say("ik wil er niet meer zijn")
    assert "113" in reply and "0800-0113" in reply and "112" in reply
    # Three turns of listening: each reflected, with 113 and 112, never a menu or "helaas niet".
    listened = []
    for text in ("nee", "mijn werk loopt vast en niemand snapt het", "het is gewoon veel allemaal"):
        listened.append(chat.say(text))
        assert "113" in listened[-1] and "112" in listened[-1] and "computerprogramma" in listened[-1]
        assert "helaas niet mee helpen" not in listened[-1] and not chat.channel.delivered[-1][1].buttons
    assert '"mijn werk loopt vast en niemand snapt het"' in listened[1]  # their own words reflected
    after = chat.say("hoi")
    assert "113" not in after


MEETING_SCRIPT = [
    "/voorbereiden",
    "1",  # consent: "Ja, dat is goed"
    "In dienst bij een werkgever",
    "Bedrijfsarts",
    "volgende week dinsdag om 10 uur",
    "Ja",
    "Ik wil afspreken hoeveel uur ik de komende maand werk",
    "Ja, nog een doel",
    "Ik wil weten welke taken ik thuis kan doen",  # two goals: the maximum, on to what I can do
    "Ik kan 2 uur per dag werken",
    "Mails beantwoorden lukt in de ochtend",
    "Lang vergaderen lukt niet",
    "Na een half uur vergaderen ben ik op",
    "overslaan",
    "Minder uren en opbouwen",
    "Mag ik thuiswerken?",
    "Ja, dat klopt",  # the summary's check; then the card
]
GOALS = ("Ik wil afspreken hoeveel uur ik de komende maand werk", "Ik wil weten welke taken ik thuis kan doen")


def chat_cli(stack, lines, user):
    settings = stack["settings"]
    env = dict(os.environ, PYTHONPATH=str(ROOT), RASA_PORT=str(settings.rasa_port),
               ACTIONS_PORT=str(settings.actions_port), REGIECOACH_DATA_DIR=str(settings.data_dir),
               REGIECOACH_DB=str(settings.db_path))
    result = subprocess.run([sys.executable, "-m", "bot", "chat", "--user", user], input="\n".join(lines) + "\n",
                            capture_output=True, text=True, cwd=ROOT, env=env, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def test_meeting_prepared_through_the_chat_cli_survives_a_restart(stack):
    out = chat_cli(stack, MEETING_SCRIPT, "e2e-meeting")
    assert "dinsdag 24 november om 10:00" in out
    assert "[Document: gesprekskaart.pdf" in out
    card = Path(out.split("[Document: gesprekskaart.pdf -> ")[1].split("]")[0])
    assert card.read_bytes().startswith(b"%PDF")
    listed = chat_cli(stack, ["/doelen"], "e2e-meeting")
    assert all(goal in listed for goal in GOALS)

    stack["services"].stop()
    stack["services"] = start_services(stack["settings"], stack["model"], extra_env=FIXED_NOW)
    listed_again = chat_cli(stack, ["/doelen"], "e2e-meeting")
    assert all(goal in listed_again for goal in GOALS)


def test_werkwijzer_question_gets_a_plain_answer(stack):
    reply = Conversation(stack, "e2e-knowledge").say("wat doet een bedrijfsarts eigenlijk?")
    assert len(reply) > 40


def test_logs_hold_no_message_text_and_files_are_private(stack):
    secret = "mijn geheime zin over thuiswerken 4711"
    Conversation(stack, "e2e-logs").say(secret)
    logs = stack["settings"].data_dir / "logs"
    for log in logs.glob("*.log"):
        assert "4711" not in log.read_text(errors="replace"), log.name
    assert stack["settings"].db_path.stat().st_mode & 0o077 == 0


def test_a_werkwijzer_question_inside_meeting_preparation_is_answered_and_the_flow_goes_on(stack):
    chat = Conversation(stack, "e2e-repair")
    chat.say("/voorbereiden")
    chat.press("Ja, dat is goed")
    chat.press("In dienst bij een werkgever")
    reply = chat.say("mag mijn werkgever vragen wat mijn diagnose is?")
    assert "verder" in reply.lower()
    assert len(reply) > 80  # the answer itself, then the way back
    assert "Bedrijfsarts" in [title for title, _ in chat.channel.delivered[-1][1].buttons]


def test_telegram_mode_answers_through_a_local_bot_api_server(stack):
    from tests.fake_bot_api import FakeBotApi

    api = FakeBotApi().start()
    api.updates.append({"update_id": 500, "message": {"message_id": 1, "date": 0, "text": "hallo",
                                                      "chat": {"id": 777, "type": "private", "first_name": "Sam"},
                                                      "from": {"id": 777, "is_bot": False, "first_name": "Sam"}}})
    settings = stack["settings"]
    env = dict(os.environ, PYTHONPATH=str(ROOT), RASA_PORT=str(settings.rasa_port),
               ACTIONS_PORT=str(settings.actions_port), REGIECOACH_DATA_DIR=str(settings.data_dir),
               REGIECOACH_DB=str(settings.db_path), TELEGRAM_BOT_TOKEN="123456:fake-token-for-tests",
               TELEGRAM_BASE_URL=api.base_url)
    bot = subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.time() + 60
        while time.time() < deadline and not api.sent("sendMessage"):
            time.sleep(0.3)
        replies = api.sent("sendMessage")
        assert replies, "no reply reached the Bot API"
        assert str(replies[0]["chat_id"]) == "777" and replies[0]["text"]
        assert {c["command"] for c in json.loads(api.sent("setMyCommands")[0]["commands"])} >= {"start", "help", "stop"}
        # The next getUpdates confirms the update (offset 501): it is never handled twice.
        deadline = time.time() + 30
        while time.time() < deadline and not any(int(p.get("offset") or 0) > 500 for p in api.sent("getUpdates")):
            time.sleep(0.3)
        assert len(api.sent("sendMessage")) == len(replies)
    finally:
        bot.send_signal(signal.SIGINT)
        output = bot.communicate(timeout=30)[0]
        api.stop()
    assert "fake-token-for-tests" not in output  # the token never reaches the logs


def test_crisis_after_2000_characters_reaches_rasa_so_yes_answers_the_crisis_question(stack):
    chat = Conversation(stack, "e2e-crisis-long")
    reply = chat.say("Het gaat al lang niet goed op mijn werk. " * 60 + "Ik wil niet meer leven.")
    assert reply.count("0800-0113") == 1 and "112" in reply
    answer = chat.say("ja")  # the answer to "denk je aan zelfmoord?", not a cheerful "Fijn"
    assert "Dank je" in answer and "113" in answer


def test_rasa_keeps_the_update_key_so_a_turn_can_be_read_back_from_its_tracker(stack):
    chat = Conversation(stack, "e2e-readback")
    reply = chat.say("wat doet een bedrijfsarts?")
    settings = stack["settings"]

    async def read_back():
        rasa = RasaClient(settings.rasa_url, stack["services"].token)
        found = await rasa.turn_replies("e2e-readback", f"test:e2e-readback:1:{os.getpid()}")
        await rasa.close()
        return found

    found = asyncio.run(read_back())
    assert found and found[0]["text"].strip() in reply


def test_erase_removes_the_users_messages_from_rasas_tracker(stack):
    from regiecoach.storage import privacy

    chat = Conversation(stack, "e2e-erase")
    chat.say("/start")
    chat.press("Ja, dat is goed")
    chat.press("In dienst bij een werkgever")
    asked = chat.say("/delete_data")
    assert "terugdraaien" in asked, asked
    chat.press(say("onboarding", "erase_yes"))
    texts = [m["text"] for m in privacy.tracker_messages(stack["settings"].tracker_db, "e2e-erase")]
    assert say("onboarding", "consent_question").strip() not in texts
    assert not any("Ja, dat is goed" == t for t in texts)
