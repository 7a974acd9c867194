"""The bridge: exactly once, crisis without Rasa, merging and splitting."""

from __future__ import annotations

import asyncio

from bot.bridge import Bridge, ChatBlocked, OutMessage, merge_rasa_messages, split_long
from regiecoach.storage import conversations, users
from regiecoach.texts import say
from tests.fakes import RecordingChannel, ScriptedRasa


def make_bridge(db, rasa=None, channel=None):
    return Bridge(db, rasa or ScriptedRasa(), channel or RecordingChannel(), min_interval=0)


def run(coro):
    return asyncio.run(coro)


def test_reply_is_sent_once_and_a_redelivered_update_is_skipped(fresh_db):
    rasa, channel = ScriptedRasa(), RecordingChannel()
    bridge = make_bridge(fresh_db, rasa, channel)
    run(bridge.handle_text("7", "hallo", "tg:1"))
    run(bridge.handle_text("7", "hallo", "tg:1"))
    assert channel.texts == ["Hoi!"]
    assert len(rasa.messages) == 1


def test_unsent_reply_is_sent_after_restart_without_asking_rasa_again(fresh_db):
    rasa = ScriptedRasa()
    broken = RecordingChannel(fail=ConnectionError("network"))
    bridge = make_bridge(fresh_db, rasa, broken)
    try:
        run(bridge.handle_text("7", "hallo", "tg:5"))
    except ConnectionError:
        pass
    channel = RecordingChannel()
    restarted = make_bridge(fresh_db, rasa, channel)
    run(restarted.resend_pending())
    run(restarted.handle_text("7", "hallo", "tg:5"))  # Telegram redelivers the update
    assert channel.texts == ["Hoi!"]
    assert len(rasa.messages) == 1


def test_crisis_reply_goes_out_when_rasa_is_down(fresh_db):
    channel = RecordingChannel()
    run(make_bridge(fresh_db, ScriptedRasa(down=True), channel).handle_text("7", "ik zie het niet meer zitten", "tg:2"))
    assert "113" in channel.texts[0] and "112" in channel.texts[0]
    assert users.get_user(fresh_db, "7")["last_crisis_at"]


def test_rasa_down_gets_a_clear_dutch_reply_and_the_update_can_be_retried(fresh_db):
    channel = RecordingChannel()
    run(make_bridge(fresh_db, ScriptedRasa(down=True), channel).handle_text("7", "hoi", "tg:3"))
    assert channel.texts == [say("bridge", "rasa_down")]
    assert not conversations.is_processed(fresh_db, "tg:3")


def test_empty_and_very_long_messages_get_a_clear_reply(fresh_db):
    rasa, channel = ScriptedRasa(), RecordingChannel()
    bridge = make_bridge(fresh_db, rasa, channel)
    run(bridge.handle_text("7", "   ", "tg:10"))
    run(bridge.handle_text("7", "a" * 10_000, "tg:11"))
    assert channel.texts == [say("bridge", "empty"), say("bridge", "too_long", max=2000)]
    assert rasa.messages == []


def test_markup_and_sql_looking_text_reach_rasa_unchanged(fresh_db):
    rasa = ScriptedRasa()
    text = "<b>hoi</b>'); DROP TABLE users;-- 😀"
    run(make_bridge(fresh_db, rasa).handle_text("7", text, "tg:12"))
    assert rasa.messages == [("7", text)]
    assert "users" in fresh_db.table_names()


def test_blocked_user_is_marked_and_not_retried(fresh_db, now):
    users.ensure_user(fresh_db, "7", now)
    channel = RecordingChannel(fail=ChatBlocked("7"))
    run(make_bridge(fresh_db, channel=channel).handle_text("7", "hoi", "tg:13"))
    assert users.get_user(fresh_db, "7")["blocked"] == 1
    assert conversations.pending_outbox(fresh_db) == []


def test_scheduled_message_is_rendered_and_sent_once_per_source_key(fresh_db):
    rasa, channel = ScriptedRasa(), RecordingChannel()
    bridge = make_bridge(fresh_db, rasa, channel)
    assert run(bridge.trigger("7", "manage_reminders", {"reminder_id": "3"}, "reminder:3"))
    assert run(bridge.trigger("7", "manage_reminders", {"reminder_id": "3"}, "reminder:3"))
    assert len(rasa.triggers) == 1
    assert channel.texts == ["Hoi!"]


def test_consecutive_texts_become_one_message_with_the_keyboard_on_it():
    merged = merge_rasa_messages([
        {"text": "Dank je."},
        {"text": "Met wie is je gesprek?", "buttons": [{"title": "Bedrijfsarts", "payload": "bedrijfsarts"}]},
        {"text": "Nog iets?"},
    ])
    assert [m.text for m in merged] == ["Dank je.\n\nMet wie is je gesprek?", "Nog iets?"]
    assert merged[0].buttons == [("Bedrijfsarts", "bedrijfsarts")]


def test_long_reply_is_split_under_telegrams_limit_and_keeps_the_keyboard():
    message = OutMessage(text=("woord " * 2000).strip(), buttons=[("Ja", "ja")])
    parts = split_long(message)
    assert len(parts) == 3
    assert all(len(p.text) <= 4096 for p in parts)
    assert " ".join(p.text for p in parts) == message.text
    assert parts[-1].buttons == [("Ja", "ja")] and parts[0].buttons == []


def test_button_works_once_and_the_whole_keyboard_retires(fresh_db, now):
    first = conversations.register_button(fresh_db, "7", "Ja", "ja", now)
    second = conversations.register_button(fresh_db, "7", "Nee", "nee", now)
    assert conversations.use_button(fresh_db, "7", first, now) == {"payload": "ja", "title": "Ja"}
    assert conversations.use_button(fresh_db, "7", first, now) is None
    assert conversations.use_button(fresh_db, "7", second, now) is None
    assert conversations.use_button(fresh_db, "8", "unknown", now) is None
