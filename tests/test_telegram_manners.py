"""Telegram manners with python-telegram-bot's real Application; only the HTTP
requests to Telegram are faked (FakeTelegramRequest): the Dutch description,
the command menu for "nl", "typing…" on a slow reply, and photos."""

from __future__ import annotations

import asyncio

from PIL import Image

from bot import telegram_manners
from bot.telegram_app import register_commands
from regiecoach.commands import COMMANDS
from regiecoach.config import BOT_USERNAME_FILE
from tests.fakes import ScriptedRasa
from tests.test_telegram import feed, make_app, text_update


class SlowRasa(ScriptedRasa):
    def __init__(self, delay: float, replies=None) -> None:
        super().__init__(replies)
        self.delay = delay

    async def message(self, sender, text, **kwargs):
        await asyncio.sleep(self.delay)
        return await super().message(sender, text, **kwargs)


def test_description_short_description_and_commands_in_dutch_and_by_default(fresh_db, tmp_path):
    async def scenario():
        app, request = await make_app(fresh_db, ScriptedRasa())
        await register_commands(app)
        return request

    request = asyncio.run(scenario())
    descriptions = request.sent("setMyDescription")
    assert [d.get("language_code") for d in descriptions] == [None, "nl"]
    text = descriptions[1]["description"]
    assert "geen arts" in text and "werkgever" in text and "/start" in text and len(text) <= 512
    shorts = request.sent("setMyShortDescription")
    assert [s.get("language_code") for s in shorts] == [None, "nl"]
    assert "Geen arts, geen werkgever" in shorts[1]["short_description"] and len(shorts[1]["short_description"]) <= 120
    menus = request.sent("setMyCommands")
    assert [m.get("language_code") for m in menus] == [None, "nl"]
    assert {c["command"] for c in menus[1]["commands"]} == set(COMMANDS)
    # The bot's name is kept for t.me links in calendar files.
    assert (tmp_path / BOT_USERNAME_FILE).read_text() == "RegiecoachBot"


def test_a_failing_profile_call_does_not_stop_the_bot(fresh_db, tmp_path):
    async def scenario():
        app, request = await make_app(fresh_db, ScriptedRasa())
        request.fail_with["setMyDescription"] = (400, {"ok": False, "error_code": 400, "description": "Bad Request"})
        await register_commands(app)
        return request

    asyncio.run(scenario())
    assert (tmp_path / BOT_USERNAME_FILE).read_text() == "RegiecoachBot"


def test_a_slow_reply_shows_typing_and_a_quick_one_does_not(fresh_db, monkeypatch):
    monkeypatch.setattr(telegram_manners, "TYPING_AFTER", 0.2)

    async def scenario(delay):
        app, request = await make_app(fresh_db, SlowRasa(delay))
        await feed(app, text_update(int(delay * 100) + 1, "hoi"))
        return request

    slow = asyncio.run(scenario(0.6))
    typing = slow.sent("sendChatAction")
    assert typing and typing[0]["action"] == "typing" and int(typing[0]["chat_id"]) == 4242
    assert slow.calls.index(("sendChatAction", typing[0])) < [name for name, _ in slow.calls].index("sendMessage")
    assert [m["text"] for m in slow.sent("sendMessage")] == ["Hoi!"]
    quick = asyncio.run(scenario(0.0))
    assert quick.sent("sendChatAction") == [] and [m["text"] for m in quick.sent("sendMessage")] == ["Hoi!"]


def test_a_photo_goes_out_as_send_photo_with_its_caption(fresh_db, tmp_path):
    chart = tmp_path / "voortgang.png"
    Image.new("RGB", (10, 10), "white").save(chart)
    rasa = ScriptedRasa([{"text": "Je deed 3 check-ins."},
                         {"custom": {"photo": {"path": str(chart),
                                               "caption": "Grafiek van je check-ins. Energie: 3, 5, 6."}}}])

    async def scenario():
        app, request = await make_app(fresh_db, rasa)
        await feed(app, text_update(1, "/voortgang"))
        return request

    request = asyncio.run(scenario())
    assert [m["text"] for m in request.sent("sendMessage")] == ["Je deed 3 check-ins."]
    photo = request.sent("sendPhoto")
    assert len(photo) == 1 and photo[0]["caption"] == "Grafiek van je check-ins. Energie: 3, 5, 6."
    assert photo[0]["_files"] and request.sent("sendDocument") == []
