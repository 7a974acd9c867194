"""The Telegram front end with python-telegram-bot's real Application; only
the HTTP requests to Telegram are faked (FakeTelegramRequest)."""

from __future__ import annotations

import asyncio

from telegram import Update

from bot.bridge import Bridge
from bot.telegram_app import TelegramChannel, build_application, register_commands
from regiecoach.commands import COMMANDS
from regiecoach.storage import users
from regiecoach.texts import say
from tests.fakes import FakeTelegramRequest, ScriptedRasa

CHAT = {"id": 4242, "type": "private", "first_name": "Sam"}
USER = {"id": 4242, "is_bot": False, "first_name": "Sam"}


def text_update(update_id, text):
    return {"update_id": update_id, "message": {"message_id": update_id, "date": 0, "chat": CHAT, "from": USER,
                                                "text": text}}


async def make_app(db, rasa):
    request = FakeTelegramRequest()
    app = build_application("12345:test-token", request=request)
    await app.initialize()
    bridge = Bridge(db, rasa, TelegramChannel(app), min_interval=0)
    app.bot_data["bridge"] = bridge
    return app, request


async def feed(app, *payloads):
    for payload in payloads:
        await app.process_update(Update.de_json(payload, app.bot))


def test_text_goes_to_rasa_with_the_chat_id_and_buttons_become_an_inline_keyboard(fresh_db):
    rasa = ScriptedRasa([{"text": "Met wie is je gesprek?", "buttons": [
        {"title": "Bedrijfsarts", "payload": "bedrijfsarts"}, {"title": "Leidinggevende", "payload": "leidinggevende"}]}])

    async def scenario():
        app, request = await make_app(fresh_db, rasa)
        await feed(app, text_update(1, "ik wil een gesprek voorbereiden"))
        return request

    request = asyncio.run(scenario())
    assert rasa.messages == [("4242", "ik wil een gesprek voorbereiden")]
    sent = request.sent("sendMessage")[0]
    assert sent["text"] == "Met wie is je gesprek?"
    keyboard = sent["reply_markup"]["inline_keyboard"]
    assert [row[0]["text"] for row in keyboard] == ["Bedrijfsarts", "Leidinggevende"]
    assert all(len(row[0]["callback_data"].encode()) <= 64 for row in keyboard)


def test_pressing_a_button_sends_its_payload_answers_the_query_and_removes_the_keyboard(fresh_db):
    rasa = ScriptedRasa([{"text": "Kies", "buttons": [{"title": "Ja, dat is goed", "payload": "/affirm"}]}])

    async def scenario():
        app, request = await make_app(fresh_db, rasa)
        await feed(app, text_update(1, "hoi"))
        callback_data = request.sent("sendMessage")[0]["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
        press = {"update_id": 2, "callback_query": {"id": "cb1", "from": USER, "chat_instance": "x", "data": callback_data,
                                                     "message": {"message_id": 101, "date": 0, "chat": CHAT, "text": "Kies"}}}
        await feed(app, press, {**press, "update_id": 3, "callback_query": {**press["callback_query"], "id": "cb2"}})
        return request

    request = asyncio.run(scenario())
    assert rasa.messages == [("4242", "hoi"), ("4242", "/affirm")]
    assert len(request.sent("answerCallbackQuery")) == 2
    assert request.sent("answerCallbackQuery")[1]["text"] == say("bridge", "old_button")
    assert request.sent("editMessageReplyMarkup")


def test_voice_sticker_and_photo_get_a_dutch_reply_that_the_bot_reads_text(fresh_db):
    rasa = ScriptedRasa()
    base = {"date": 0, "chat": CHAT, "from": USER}
    updates = [
        {"update_id": 1, "message": {**base, "message_id": 1, "voice": {"file_id": "v", "file_unique_id": "v", "duration": 2}}},
        {"update_id": 2, "message": {**base, "message_id": 2, "sticker": {
            "file_id": "s", "file_unique_id": "s", "width": 1, "height": 1, "is_animated": False, "is_video": False,
            "type": "regular"}}},
        {"update_id": 3, "message": {**base, "message_id": 3, "photo": [{"file_id": "p", "file_unique_id": "p",
                                                                          "width": 1, "height": 1}]}},
    ]

    async def scenario():
        app, request = await make_app(fresh_db, rasa)
        await feed(app, *updates)
        return request

    request = asyncio.run(scenario())
    assert [m["text"] for m in request.sent("sendMessage")] == [say("bridge", "text_only")] * 3
    assert rasa.messages == []


def test_commands_are_mapped_to_rasa_intents_and_registered(fresh_db):
    rasa = ScriptedRasa()

    async def scenario():
        app, request = await make_app(fresh_db, rasa)
        await feed(app, text_update(1, "/doelen"), text_update(2, "/onbekend"))
        await register_commands(app)
        return request

    request = asyncio.run(scenario())
    assert rasa.messages == [("4242", "/list_goals"), ("4242", "/help")]
    registered = request.sent("setMyCommands")[0]["commands"]
    assert {c["command"] for c in registered} == set(COMMANDS)


def test_a_long_reply_is_split_into_messages_under_4096_characters(fresh_db):
    rasa = ScriptedRasa([{"text": ("zin met woorden. " * 600).strip()}])

    async def scenario():
        app, request = await make_app(fresh_db, rasa)
        await feed(app, text_update(1, "vertel"))
        return request

    texts = [m["text"] for m in asyncio.run(scenario()).sent("sendMessage")]
    assert len(texts) == 3 and all(len(t) <= 4096 for t in texts)


def test_a_user_who_blocked_the_bot_is_marked_inactive(fresh_db, now):
    users.ensure_user(fresh_db, "4242", now)

    async def scenario():
        app, request = await make_app(fresh_db, ScriptedRasa())
        request.fail_with["sendMessage"] = (403, {"ok": False, "error_code": 403,
                                                  "description": "Forbidden: bot was blocked by the user"})
        await feed(app, text_update(1, "hoi"))
        return request

    asyncio.run(scenario())
    assert users.get_user(fresh_db, "4242")["blocked"] == 1


def test_rate_limited_message_is_waited_out_and_sent(fresh_db):
    async def scenario():
        app, request = await make_app(fresh_db, ScriptedRasa())
        request.fail_with["sendMessage"] = (429, {"ok": False, "error_code": 429, "description": "Too Many Requests",
                                                  "parameters": {"retry_after": 0}})
        await feed(app, text_update(1, "hoi"))
        return request

    request = asyncio.run(scenario())
    assert [m["text"] for m in request.sent("sendMessage")][-1] == "Hoi!"


def test_conversation_card_is_sent_as_a_document(fresh_db, tmp_path):
    card = tmp_path / "gesprekskaart-1.pdf"
    card.write_bytes(b"%PDF-1.4 test")
    rasa = ScriptedRasa([{"text": "Hier is je gesprekskaart."},
                         {"custom": {"document": {"path": str(card), "filename": "gesprekskaart.pdf"}}}])

    async def scenario():
        app, request = await make_app(fresh_db, rasa)
        await feed(app, text_update(1, "/kaart"))
        return request

    request = asyncio.run(scenario())
    assert request.sent("sendMessage")[0]["text"] == "Hier is je gesprekskaart."
    assert len(request.sent("sendDocument")) == 1
    assert request.sent("sendDocument")[0]["_files"]
