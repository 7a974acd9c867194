"""The photo kind of message: an action puts {"photo": {"path": ...}} in its
custom payload; the text of that message is the caption. Telegram sends it
with sendPhoto (tests/test_telegram_manners.py); the local chat prints it."""

from __future__ import annotations

import asyncio
import io

from bot.bridge import OutMessage, merge_rasa_messages
from bot.local_chat import TerminalChannel


def test_a_photo_is_its_own_message_with_its_text_as_caption():
    merged = merge_rasa_messages([
        {"text": "Je deed 3 check-ins."},
        {"text": "Grafiek van je check-ins.", "custom": {"photo": {"path": "/tmp/voortgang.png"}}},
        {"text": "De volgende check-in is op maandag."},
    ])
    assert [(m.text, m.photo) for m in merged] == [
        ("Je deed 3 check-ins.", None),
        ("Grafiek van je check-ins.", {"path": "/tmp/voortgang.png"}),
        ("De volgende check-in is op maandag.", None),
    ]


def test_the_caption_inside_the_payload_goes_with_the_photo():
    # What Rasa's channel really sends: the text and the custom payload as separate messages,
    # so actions.common.send puts the caption inside the payload.
    merged = merge_rasa_messages([
        {"text": "Je deed 3 check-ins."},
        {"custom": {"photo": {"path": "/tmp/voortgang.png", "caption": "Grafiek van je check-ins."}}},
    ])
    assert [(m.text, bool(m.photo)) for m in merged] == [("Je deed 3 check-ins.", False),
                                                          ("Grafiek van je check-ins.", True)]


def test_actions_put_the_caption_inside_the_payload():
    from rasa_sdk.executor import CollectingDispatcher

    from actions.common import send
    from actions.flows.base import Reply

    dispatcher = CollectingDispatcher()
    send(dispatcher, [Reply("Grafiek", custom={"photo": {"path": "/tmp/v.png"}}),
                      Reply("Open dit bestand.", buttons=[("Verzetten", "/x")], custom={"document": {"path": "/tmp/g.ics"}})])
    assert dispatcher.messages[0]["custom"] == {"photo": {"path": "/tmp/v.png", "caption": "Grafiek"}}
    assert not dispatcher.messages[0].get("text")
    # With buttons the text stays a message of its own (that is where the keyboard goes).
    assert dispatcher.messages[1]["text"] == "Open dit bestand." and "caption" not in dispatcher.messages[1]["custom"]["document"]


def test_a_photo_survives_the_outbox():
    message = OutMessage(text="Grafiek", photo={"path": "/tmp/voortgang.png"})
    assert OutMessage.from_json(message.to_json()) == message
    assert OutMessage.from_json({"text": "oud bericht"}).photo is None  # rows stored before photos existed


def test_the_local_chat_prints_the_caption_and_the_file():
    out = io.StringIO()
    channel = TerminalChannel(out)
    asyncio.run(channel.deliver("local", OutMessage(text="Grafiek van je check-ins.",
                                                    photo={"path": "/tmp/voortgang.png"}), []))
    assert out.getvalue() == "Regiecoach: Grafiek van je check-ins.\n[Foto: /tmp/voortgang.png]\n"


def test_the_local_chat_reads_a_typed_score_as_that_score_not_as_a_button_number():
    channel = TerminalChannel(io.StringIO())
    scores = [(str(n), f"/choose{{\"option\":\"{n}\"}}") for n in range(11)]
    asyncio.run(channel.deliver("local", OutMessage(text="Kies een cijfer", buttons=scores),
                                [f"b{n}" for n in range(11)]))
    assert channel.resolve("5") == "b5"  # the button titled 5, not the fifth (titled 4)
    asyncio.run(channel.deliver("local", OutMessage(text="Kies", buttons=[("Ja", "/a"), ("Nee", "/b")]), ["y", "n"]))
    assert channel.resolve("2") == "n" and channel.resolve("nee") == "n"
