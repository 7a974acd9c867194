"""Delivery guarantees of the bridge and the Telegram front end (issue 11):
the crisis reply in every case, kept messages, retries, bad rows, one owner,
erasure of Rasa's tracker, late button presses, bursts and bot identity."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import sqlite3
import time
from dataclasses import replace

import httpx
import pytest
from telegram import Update

from bot import app as bot_app
from bot.bridge import Bridge, OutMessage, RasaClient, RasaTimeout, split_long, utf16_len
from bot.telegram_app import TelegramChannel, build_application, start_intake
from regiecoach.config import get_settings
from regiecoach.storage import conversations, privacy, users
from regiecoach.texts import say
from tests.fakes import FakeTelegramRequest, RecordingChannel, ScriptedRasa

CRISIS = say("crisis", "reply")
CHAT = {"id": 4242, "type": "private", "first_name": "Sam"}
USER = {"id": 4242, "is_bot": False, "first_name": "Sam"}


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime.now(dt.timezone.utc)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


class TimedChannel(RecordingChannel):
    """Also records when each message reached the user."""

    def __init__(self) -> None:
        super().__init__()
        self.times: list = []

    async def deliver(self, chat_id, message, button_ids):
        await super().deliver(chat_id, message, button_ids)
        self.times.append(time.monotonic())


def make_bridge(db, rasa=None, channel=None, **kwargs):
    return Bridge(db, rasa or ScriptedRasa(), channel or RecordingChannel(), min_interval=0, **kwargs)


def run(coro):
    return asyncio.run(coro)


def text_update(update_id, text, chat=CHAT):
    return {"update_id": update_id, "message": {"message_id": update_id, "date": 0, "chat": chat,
                                                "from": {**USER, "id": chat["id"]}, "text": text}}


async def make_app(db, rasa, bot_id=999, db_path=None):
    request = FakeTelegramRequest(bot_id)
    app = build_application("12345:test-token", request=request, db_path=db_path)
    await app.initialize()
    bridge = Bridge(db, rasa, TelegramChannel(app), min_interval=0)
    app.bot_data["bridge"] = bridge
    start_intake(app)
    return app, request, bridge


# --- 1. the crisis reply ------------------------------------------------------

def test_crisis_reply_goes_out_when_rasa_answers_without_it(fresh_db):
    channel = RecordingChannel()
    rasa = ScriptedRasa([{"text": "Vertel eens meer."}])
    run(make_bridge(fresh_db, rasa, channel).handle_text("7", "ik wil niet meer leven", "tg:1"))
    assert channel.texts == [CRISIS, "Vertel eens meer."]
    assert users.get_user(fresh_db, "7")["last_crisis_at"]


def test_crisis_reply_comes_once_when_rasa_also_sends_it(fresh_db):
    channel = RecordingChannel()
    rasa = ScriptedRasa([{"text": CRISIS}, {"text": say("crisis", "later")}])
    bridge = make_bridge(fresh_db, rasa, channel)
    run(bridge.handle_text("7", "ik wil dood", "tg:1"))
    run(bridge.handle_text("7", "ik wil dood", "tg:1"))  # redelivered
    assert channel.texts == [CRISIS, say("crisis", "later")]


def test_crisis_words_after_2000_characters_get_the_crisis_reply(fresh_db):
    channel, rasa = RecordingChannel(), ScriptedRasa([{"text": "Oké."}])
    text = "Het gaat al lang niet goed op mijn werk. " * 60 + "Ik wil niet meer leven."
    assert len(text) > 2000
    run(make_bridge(fresh_db, rasa, channel).handle_text("7", text, "tg:1"))
    assert channel.texts[0] == CRISIS
    assert rasa.messages == [("7", "/crisis")]  # Rasa hears of it, so "ja" answers the crisis question


def test_crisis_in_a_command_gets_the_crisis_reply(fresh_db):
    rasa = ScriptedRasa([{"text": "Welkom"}])

    async def scenario():
        app, request, _ = await make_app(fresh_db, rasa)
        await app.process_update(Update.de_json(text_update(1, "/start ik wil er niet meer zijn"), app.bot))
        return request

    request = run(scenario())
    assert request.sent("sendMessage")[0]["text"] == CRISIS
    assert rasa.messages == [("4242", "/crisis")]


def test_photo_with_a_crisis_caption_gets_the_crisis_reply_not_text_only(fresh_db):
    rasa = ScriptedRasa([{"text": CRISIS}])
    photo = {"update_id": 3, "message": {"message_id": 3, "date": 0, "chat": CHAT, "from": USER,
                                         "caption": "ik zie het niet meer zitten",
                                         "photo": [{"file_id": "p", "file_unique_id": "p", "width": 1, "height": 1}]}}

    async def scenario():
        app, request, _ = await make_app(fresh_db, rasa)
        await app.process_update(Update.de_json(photo, app.bot))
        return request

    texts = [m["text"] for m in run(scenario()).sent("sendMessage")]
    assert texts == [CRISIS]


def test_crisis_reply_goes_out_within_2_s_when_the_database_is_locked(fresh_db):
    fresh_db.execute("PRAGMA busy_timeout = 3000")
    locker = sqlite3.connect(fresh_db.path, isolation_level=None)
    locker.execute("BEGIN EXCLUSIVE")
    channel, rasa = TimedChannel(), ScriptedRasa()
    started = time.monotonic()
    try:
        run(make_bridge(fresh_db, rasa, channel).handle_text("7", "ik wil dood", "tg:1"))
    finally:
        locker.execute("ROLLBACK")
    assert channel.texts == [CRISIS]
    assert channel.times[0] - started < 2


def test_a_locked_database_gets_a_clear_dutch_reply(fresh_db):
    fresh_db.execute("PRAGMA busy_timeout = 200")
    locker = sqlite3.connect(fresh_db.path, isolation_level=None)
    locker.execute("BEGIN EXCLUSIVE")
    channel = RecordingChannel()
    try:
        run(make_bridge(fresh_db, channel=channel).handle_text("7", "hoi", "tg:1"))
    finally:
        locker.execute("ROLLBACK")
    assert channel.texts == [say("bridge", "db_busy")]


def test_crisis_reply_goes_out_when_the_database_is_full(fresh_db):
    pages = fresh_db.execute("PRAGMA page_count").fetchone()[0]
    fresh_db.execute(f"PRAGMA max_page_count = {pages}")
    channel = RecordingChannel()
    run(make_bridge(fresh_db, channel=channel).handle_text("7", "ik wil dood" + " echt" * 3000, "tg:1"))
    assert channel.texts[0] == CRISIS


def test_crisis_reply_comes_within_2_s_while_rasa_is_slow_with_the_previous_message(fresh_db):
    rasa = ScriptedRasa([{"text": "Oké."}], delay=4)

    async def scenario():
        app, request, _ = await make_app(fresh_db, rasa)
        await app.start()
        await app.update_queue.put(Update.de_json(text_update(1, "hoi"), app.bot))
        await asyncio.sleep(0.3)
        sent_at = time.monotonic()
        await app.update_queue.put(Update.de_json(text_update(2, "ik wil niet meer leven"), app.bot))
        while not request.sent("sendMessage"):
            await asyncio.sleep(0.05)
        elapsed = time.monotonic() - sent_at
        first = request.sent("sendMessage")[0]["text"]
        await app.stop()
        await app.shutdown()
        return first, elapsed

    first, elapsed = run(scenario())
    assert first == CRISIS and elapsed < 2


def test_crisis_reply_goes_out_when_rasa_is_down(fresh_db):
    channel = RecordingChannel()
    run(make_bridge(fresh_db, ScriptedRasa(down=True), channel).handle_text("7", "ik wil dood", "tg:1"))
    assert channel.texts == [CRISIS]


# --- 3. incoming messages -------------------------------------------------------

def test_after_a_timeout_the_reply_comes_without_retyping_and_rasa_is_asked_once(fresh_db):
    clock, channel = Clock(), RecordingChannel()
    rasa = ScriptedRasa([{"text": "Wat is je doel?"}], timeouts=1)
    bridge = make_bridge(fresh_db, rasa, channel, clock=clock)
    run(bridge.handle_text("7", "Minder uren", "tg:1"))
    assert channel.texts == [say("bridge", "slow")]
    clock.advance(seconds=40)
    run(bridge.retry_once())
    assert channel.texts == [say("bridge", "slow"), "Wat is je doel?"]
    assert rasa.messages == [("7", "Minder uren")]


def test_a_reply_rasa_gave_before_the_bot_died_is_sent_after_the_restart(fresh_db):
    class Crash(BaseException):
        pass

    class DiesDuringTheCall(ScriptedRasa):
        async def message(self, sender, text, update_key=None):
            await super().message(sender, text, update_key)
            raise Crash  # Rasa finished the turn; the bot process died before it got the answer

    rasa = DiesDuringTheCall([{"text": "Genoteerd."}])
    with pytest.raises(Crash):
        run(make_bridge(fresh_db, rasa).handle_text("7", "Minder uren", "tg:1"))
    clock, channel = Clock(), RecordingChannel()
    clock.advance(seconds=40)
    restarted = make_bridge(fresh_db, rasa, channel, clock=clock)
    run(restarted.resend_pending())
    run(restarted.retry_once())
    assert channel.texts == ["Genoteerd."]
    assert len(rasa.messages) == 1


def test_a_telegram_message_confirmed_before_a_crash_is_answered_after_the_restart(fresh_db):
    rasa = ScriptedRasa()

    async def intake_then_crash():
        app, request, _ = await make_app(fresh_db, rasa, db_path=fresh_db.path)
        # Polling confirms the offset once the update is in the queue; then the process dies.
        await app.update_queue.put(Update.de_json(text_update(1, "hoi"), app.bot))

    run(intake_then_crash())
    clock, channel = Clock(), RecordingChannel()
    clock.advance(seconds=40)
    run(make_bridge(fresh_db, rasa, channel, clock=clock).retry_once())
    assert channel.texts == ["Hoi!"]
    assert rasa.messages == [("4242", "hoi")]


def test_a_message_kept_while_rasa_was_down_is_answered_once_rasa_is_back(fresh_db):
    clock, channel, rasa = Clock(), RecordingChannel(), ScriptedRasa(down=True)
    bridge = make_bridge(fresh_db, rasa, channel, clock=clock)
    run(bridge.handle_text("7", "hoi", "tg:1"))
    clock.advance(seconds=40)
    run(bridge.retry_once())  # still down: no second notice
    rasa.down = False
    clock.advance(seconds=40)
    run(bridge.retry_once())
    run(bridge.retry_once())
    assert channel.texts == [say("bridge", "rasa_down"), "Hoi!"]


def test_a_message_told_even_niet_bereikbaar_is_answered_as_soon_as_rasa_is_back(fresh_db):
    clock, channel, rasa = Clock(), RecordingChannel(), ScriptedRasa(down=True)
    bridge = make_bridge(fresh_db, rasa, channel, clock=clock)
    run(bridge.handle_text("7", "hoi", "tg:1"))
    rasa.down = False
    clock.advance(seconds=3)  # the next retry round, not 30 s later
    run(bridge.retry_once())
    assert channel.texts == [say("bridge", "rasa_down"), "Hoi!"]


def test_a_kept_message_reaches_rasa_before_the_next_message_of_that_chat(fresh_db):
    """Else the kept answer would be filed under the question the next one answers."""
    clock, channel, rasa = Clock(), RecordingChannel(), ScriptedRasa(down=True)
    bridge = make_bridge(fresh_db, rasa, channel, clock=clock)
    run(bridge.handle_text("7", "mijn doel", "tg:1"))
    rasa.down = False
    clock.advance(seconds=1)
    run(bridge.handle_text("7", "nee, verder", "tg:2"))  # before the retry loop came round
    assert [text for _, text in rasa.messages] == ["mijn doel", "nee, verder"]
    assert channel.texts == [say("bridge", "rasa_down"), "Hoi!", "Hoi!"]
    run(bridge.retry_once())
    assert len(rasa.messages) == 2


def test_a_kept_message_that_rasa_answered_after_all_is_read_back_not_asked_again(fresh_db):
    """An HTTP error after Rasa finished the turn: the reply is in its tracker."""
    clock, channel, rasa = Clock(), RecordingChannel(), ScriptedRasa(down=True)
    bridge = make_bridge(fresh_db, rasa, channel, clock=clock)
    run(bridge.handle_text("7", "mijn doel", "tg:1"))
    rasa.down = False
    rasa.tracker["tg:1"] = [{"text": "Dank je, dat heb ik bewaard."}]
    clock.advance(seconds=3)
    run(bridge.retry_once())
    assert channel.texts == [say("bridge", "rasa_down"), "Dank je, dat heb ik bewaard."]
    assert rasa.messages == []


def test_rasa_client_sends_the_update_key_and_reads_a_turn_back_from_the_tracker():
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            seen.append(json.loads(request.content))
            raise httpx.ReadTimeout("slow", request=request)
        return httpx.Response(200, json={"events": [
            {"event": "user", "text": "hoi", "metadata": {"update_key": "tg:1:5"}},
            {"event": "action", "name": "action_listen"},
            {"event": "bot", "text": "Hoi!", "data": {"buttons": [{"title": "Ja", "payload": "/affirm"}]}},
            {"event": "user", "text": "later", "metadata": {"update_key": "tg:1:6"}},
        ]})

    async def scenario():
        client = RasaClient("http://rasa", "t")
        client.http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
        with pytest.raises(RasaTimeout):
            await client.message("7", "hoi", update_key="tg:1:5")
        found = await client.turn_replies("7", "tg:1:5")
        missing = await client.turn_replies("7", "tg:1:4")
        await client.close()
        return found, missing

    found, missing = run(scenario())
    assert seen[0]["metadata"] == {"update_key": "tg:1:5"}
    assert found == [{"text": "Hoi!", "buttons": [{"title": "Ja", "payload": "/affirm"}]}]
    assert missing is None


def test_a_reply_in_flight_at_a_crash_is_sent_again_but_a_reminder_is_not(fresh_db):
    now = dt.datetime.now(dt.timezone.utc)
    conversations.store_replies(fresh_db, "7", "tg:1:9", [OutMessage("Antwoord").to_json()], now)
    conversations.store_replies(fresh_db, "7", "reminder:3", [OutMessage("Herinnering").to_json()], now,
                                mark_update=False)
    for row in conversations.pending_outbox(fresh_db):
        conversations.set_outbox_status(fresh_db, row["id"], "sending")  # then the process died
    channel = RecordingChannel()
    run(make_bridge(fresh_db, channel=channel).resend_pending())
    assert channel.texts == ["Antwoord"]


# --- 4. retries -------------------------------------------------------------------

def test_a_failed_send_is_retried_soon_and_in_order(fresh_db):
    clock = Clock()
    channel = RecordingChannel(fail=ConnectionError("network"), fail_times=1)
    rasa = ScriptedRasa([{"text": "Eerste"}])
    bridge = make_bridge(fresh_db, rasa, channel, clock=clock)
    run(bridge.handle_text("7", "hoi", "tg:1"))
    rasa.replies = [{"text": "Tweede"}]
    channel.fail_times = 1
    run(bridge.handle_text("7", "en nu?", "tg:2"))  # the first reply is tried first and fails again
    assert channel.texts == []
    run(bridge.retry_once())  # backing off: not yet
    assert channel.texts == []
    clock.advance(seconds=15)
    run(bridge.retry_once())
    assert channel.texts == ["Eerste", "Tweede"]


def test_a_reply_that_could_not_be_sent_for_a_day_is_given_up(fresh_db):
    clock = Clock()
    bridge = make_bridge(fresh_db, channel=RecordingChannel(fail=ConnectionError("network")), clock=clock)
    run(bridge.handle_text("7", "hoi", "tg:1"))
    clock.advance(hours=25)
    run(bridge.retry_once())
    assert conversations.pending_outbox(fresh_db) == []


# --- 5. bad rows never stop the start -------------------------------------------------

def test_a_missing_card_file_does_not_stop_the_start_and_the_others_go_out(fresh_db, tmp_path, caplog):
    now = dt.datetime.now(dt.timezone.utc)
    card = {"path": str(tmp_path / "weg.pdf"), "filename": "gesprekskaart.pdf"}
    conversations.store_replies(fresh_db, "4242", "tg:1:1", [OutMessage("Je kaart, geheim", document=card).to_json()], now)
    conversations.store_replies(fresh_db, "4242", "tg:1:2", [OutMessage("Nog iets").to_json()], now)

    async def scenario():
        app, request, bridge = await make_app(fresh_db, ScriptedRasa())
        await bridge.resend_pending()
        return request

    with caplog.at_level(logging.INFO):
        request = run(scenario())
    assert [m["text"] for m in request.sent("sendMessage")] == ["Nog iets"]
    assert [r[0] for r in fresh_db.execute("select status from outbox order by id")] == ["failed", "sent"]
    assert "failed" in caplog.text and "geheim" not in caplog.text


def test_telegram_unreachable_at_boot_does_not_stop_the_start(fresh_db):
    now = dt.datetime.now(dt.timezone.utc)
    conversations.store_replies(fresh_db, "7", "tg:1:1", [OutMessage("Hoi").to_json()], now)
    bridge = make_bridge(fresh_db, channel=RecordingChannel(fail=OSError("unreachable")))
    run(bridge.resend_pending())
    assert len(conversations.pending_outbox(fresh_db)) == 1


def test_a_reply_too_long_in_utf16_units_is_split_under_telegrams_limit(fresh_db):
    text = ("🙂 " * 3000).strip()  # 3,000 emoji: 5,999 characters but 8,999 UTF-16 units
    assert len(text) < 2 * 4096 < utf16_len(text)
    parts = split_long(OutMessage(text))
    assert all(utf16_len(p.text) <= 4096 for p in parts)
    assert " ".join(p.text for p in parts) == text


# --- 6. one owner per database -----------------------------------------------------------

def test_a_second_process_on_the_same_database_touches_no_other_chat(fresh_db, tmp_path):
    settings = replace(get_settings(), data_dir=tmp_path, db_path=fresh_db.path)
    owner = bot_app.claim_owner(settings)
    assert owner is not None and bot_app.claim_owner(settings) is None
    now = dt.datetime.now(dt.timezone.utc)
    conversations.store_replies(fresh_db, "other", "tg:1:1", [OutMessage("Voor iemand anders").to_json()], now)
    channel = RecordingChannel()
    client = make_bridge(fresh_db, channel=channel, only_chat="local")
    run(client.resend_pending())
    run(client.retry_once())
    assert channel.texts == []
    assert len(conversations.pending_outbox(fresh_db, chat_id="other")) == 1
    with pytest.raises(SystemExit, match="draait al"):
        bot_app.run_telegram(replace(settings, telegram_token="1:x"), services=None)  # type: ignore[arg-type]
    owner.close()
    assert bot_app.claim_owner(settings) is not None


# --- 10. erasure -----------------------------------------------------------------------

def _tracker(path, rows):
    conn = sqlite3.connect(path)
    conn.execute("create table if not exists events (id integer primary key, sender_id text, type_name text, "
                 "timestamp real, data text)")
    conn.executemany("insert into events (sender_id, type_name, timestamp, data) values (?, ?, ?, ?)", rows)
    conn.commit()
    conn.close()


def _events(path, sender):
    return sqlite3.connect(path).execute("select count(*) from events where sender_id = ?", [sender]).fetchone()[0]


def test_an_erasure_interrupted_by_a_crash_is_finished_at_the_next_start(fresh_db, consenting_user, tmp_path):
    tracker = tmp_path / "rasa_tracker.db"
    before = time.time() - 60
    _tracker(tracker, [(consenting_user, "user", before, json.dumps({"text": "mijn doel"})),
                       ("other", "user", before, "{}")])
    privacy.erase_user(fresh_db, consenting_user)  # then the process died before the bridge saw the turn
    run(make_bridge(fresh_db, tracker_db=str(tracker)).resend_pending())
    assert _events(tracker, consenting_user) == 0 and _events(tracker, "other") == 1


def test_events_rasa_writes_back_after_an_erasure_go_too_but_new_ones_stay(fresh_db, consenting_user, tmp_path):
    tracker = tmp_path / "rasa_tracker.db"
    _tracker(tracker, [])
    privacy.erase_user(fresh_db, consenting_user)
    bridge = make_bridge(fresh_db, tracker_db=str(tracker))
    run(bridge.handle_text(consenting_user, "ja", "tg:1:1"))
    # A turn that loaded the conversation before the erase saves its old events again; then a new start.
    _tracker(tracker, [(consenting_user, "user", time.time() - 600, json.dumps({"text": "oud"}))])
    run(bridge.handle_text(consenting_user, "/start", "tg:1:2"))
    _tracker(tracker, [(consenting_user, "user", time.time() + 5, json.dumps({"text": "nieuw"}))])
    run(bridge.handle_text(consenting_user, "hoi", "tg:1:3"))
    texts = [m["text"] for m in privacy.tracker_messages(tracker, consenting_user)]
    assert texts == ["nieuw"]


def test_the_export_holds_the_chat_messages_and_the_replies_still_kept(fresh_db, consenting_user, tmp_path):
    tracker = tmp_path / "rasa_tracker.db"
    _tracker(tracker, [(consenting_user, "user", time.time(), json.dumps({"text": "Ik wil minder uren"})),
                       (consenting_user, "bot", time.time(), json.dumps({"text": "Genoteerd."}))])
    conversations.store_replies(fresh_db, consenting_user, "tg:1:1", [OutMessage("Genoteerd.").to_json()],
                                dt.datetime.now(dt.timezone.utc))
    data = privacy.export_user(fresh_db, consenting_user, tracker_db=tracker)
    assert [m["text"] for m in data["chat_messages"]] == ["Ik wil minder uren", "Genoteerd."]
    assert [m["text"] for m in data["outbox"]] == ["Genoteerd."]


# --- 11. buttons and bursts --------------------------------------------------------------

def test_a_late_button_press_is_not_lost(fresh_db):
    rasa = ScriptedRasa([{"text": "Kies", "buttons": [{"title": "Ja", "payload": "/affirm"}]}])

    async def scenario():
        app, request, _ = await make_app(fresh_db, rasa)
        await app.process_update(Update.de_json(text_update(1, "hoi"), app.bot))
        data = request.sent("sendMessage")[0]["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
        request.fail_with["answerCallbackQuery"] = (400, {
            "ok": False, "error_code": 400,
            "description": "Bad Request: query is too old and response timeout expired or query id is invalid"})
        press = {"update_id": 2, "callback_query": {"id": "cb1", "from": USER, "chat_instance": "x", "data": data,
                                                     "message": {"message_id": 101, "date": 0, "chat": CHAT,
                                                                 "text": "Kies"}}}
        await app.process_update(Update.de_json(press, app.bot))
        return request

    request = run(scenario())
    assert rasa.messages == [("4242", "hoi"), ("4242", "/affirm")]
    assert len(request.sent("sendMessage")) == 2


def test_a_burst_from_one_chat_does_not_hold_up_another_chat(fresh_db):
    rasa = ScriptedRasa(delay=0.01)
    other = {"id": 777, "type": "private", "first_name": "Kim"}

    async def scenario():
        app, request, _ = await make_app(fresh_db, rasa)
        await app.start()
        for n in range(100):
            await app.update_queue.put(Update.de_json(text_update(n + 1, f"bericht {n}"), app.bot))
        await app.update_queue.put(Update.de_json(text_update(101, "hallo", chat=other), app.bot))
        while not any(m["chat_id"] == 777 for m in request.sent("sendMessage")):
            await asyncio.sleep(0.01)
        position = [m["chat_id"] for m in request.sent("sendMessage")].index(777)
        await app.stop()
        await app.shutdown()
        return position

    assert run(scenario()) <= 3


# --- 12. bot identity -----------------------------------------------------------------------

def test_a_new_bot_token_on_the_same_database_skips_no_messages(fresh_db):
    rasa = ScriptedRasa()

    async def scenario(bot_id):
        app, request, _ = await make_app(fresh_db, rasa, bot_id=bot_id)
        await app.process_update(Update.de_json(text_update(1, f"hoi {bot_id}"), app.bot))
        await app.process_update(Update.de_json(text_update(1, f"hoi {bot_id}"), app.bot))  # redelivered
        return [m["text"] for m in request.sent("sendMessage")]

    assert run(scenario(999)) == ["Hoi!"]
    assert run(scenario(1000)) == ["Hoi!"]
    assert rasa.messages == [("4242", "hoi 999"), ("4242", "hoi 1000")]


def test_handled_update_keys_are_kept_about_a_day(fresh_db, tmp_path):
    settings = replace(get_settings(), data_dir=tmp_path)
    now = dt.datetime.now(dt.timezone.utc)
    conversations.store_replies(fresh_db, "7", "tg:1:1", [], now - dt.timedelta(hours=25))
    conversations.store_replies(fresh_db, "7", "tg:1:2", [], now - dt.timedelta(hours=1))
    bot_app.housekeeping(fresh_db, settings, now)
    assert not conversations.is_processed(fresh_db, "tg:1:1")
    assert conversations.is_processed(fresh_db, "tg:1:2")


def test_the_crisis_fast_path_keeps_the_order_of_a_chats_messages(fresh_db):
    class SlowCrisisSend(FakeTelegramRequest):
        async def do_request(self, url, method, request_data=None, *args, **kwargs):
            if url.endswith("sendMessage") and request_data and request_data.parameters.get("text") == CRISIS:
                await asyncio.sleep(0.5)
            return await super().do_request(url, method, request_data, *args, **kwargs)

    rasa = ScriptedRasa([{"text": "Oké."}])

    async def scenario():
        request = SlowCrisisSend()
        app = build_application("12345:test-token", request=request)
        await app.initialize()
        app.bot_data["bridge"] = Bridge(fresh_db, rasa, TelegramChannel(app), min_interval=0)
        await app.start()
        await app.update_queue.put(Update.de_json(text_update(1, "ik wil niet meer leven"), app.bot))
        await app.update_queue.put(Update.de_json(text_update(2, "hoi"), app.bot))
        while len(rasa.messages) < 2:
            await asyncio.sleep(0.05)
        await app.stop()
        await app.shutdown()

    run(scenario())
    assert rasa.messages == [("4242", "ik wil niet meer leven"), ("4242", "hoi")]
