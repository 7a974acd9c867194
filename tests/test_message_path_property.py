"""Property: whatever a user types (any text, any length, any Unicode), the
bridge never raises and always sends a reply, whether Rasa answers, answers
nothing, answers at length or is down; and crisis words anywhere get 113 and
112. Rasa is scripted; storage is real."""

from __future__ import annotations

import asyncio
import itertools
from typing import Any, Dict, List, Optional

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.bridge import MAX_INPUT_CHARS, Bridge
from regiecoach.crisis import is_crisis
from tests.fakes import RecordingChannel, ScriptedRasa

keys = itertools.count()


class MoodyRasa(ScriptedRasa):
    """Rasa in one of its moods: a normal answer with a keyboard, an echo of
    the text (which can be very long), nothing at all, or down."""

    def __init__(self, mood: str) -> None:
        super().__init__(replies=[{"recipient_id": "1", "text": "Fijn dat je het vertelt.",
                                   "buttons": [{"title": "Verder", "payload": "/affirm"}]}] if mood == "normal" else [],
                         down=mood == "down")
        self.mood = mood

    async def message(self, sender: str, text: str, update_key: Optional[str] = None) -> List[Dict[str, Any]]:
        if self.mood == "echo":
            self.replies = [{"recipient_id": sender, "text": text * 3}]
        return await super().message(sender, text, update_key)


texts = st.one_of(
    st.text(),  # every code point but lone surrogates (which Telegram's JSON cannot carry as text)
    st.text(min_size=MAX_INPUT_CHARS - 5, max_size=MAX_INPUT_CHARS + 5),
    st.builds(lambda head, tail: head + " ik wil dood " + tail, st.text(max_size=3000), st.text(max_size=50)),
    st.text(alphabet=st.sampled_from(" \n\t\u200b\u00a0\ufeff"), max_size=20),  # only white space
)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(text=texts, mood=st.sampled_from(["normal", "echo", "silent", "down"]))
def test_any_text_gets_a_reply_and_never_an_exception(fresh_db, text, mood):
    channel = RecordingChannel()
    bridge = Bridge(fresh_db, MoodyRasa(mood), channel, min_interval=0)
    chat_id = str(next(keys))
    asyncio.run(bridge.handle_text(chat_id, text, f"prop:{chat_id}"))
    assert channel.delivered, (mood, text[:80])
    assert all(m.text.strip() or m.document for _, m, _ in channel.delivered)
    assert all(len(m.text) <= 4096 for _, m, _ in channel.delivered)
    if is_crisis(text):  # wherever the crisis words stand, whatever Rasa does
        assert any("113" in m.text and "112" in m.text for _, m, _ in channel.delivered)
