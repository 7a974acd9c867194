"""Long lists come in parts with "Vorige" and "Volgende" buttons instead of
one long message: /doelen and /herinneringen."""

from __future__ import annotations

import datetime as dt
import json

from actions import meeting_actions
from actions.reminder_actions import apply_action, list_replies
from regiecoach.storage import meetings
from regiecoach.storage import reminders as rem
from tests.conftest import AMS
from tests.test_meeting_actions import buttons, run, texts


def entities_of(payload):
    return json.loads(payload[payload.index("{"):])


def as_entities(payload):
    return [{"entity": k, "value": v} for k, v in entities_of(payload).items()]


def add_meetings(db, now, count, goals_each=2):
    for n in range(count):
        mid = meetings.create_meeting(db, "42", "bedrijfsarts", now, starts_at=now + dt.timedelta(days=7 * (n + 1)))
        for g in range(goals_each):
            meetings.add_goal(db, "42", mid, f"Doel {g + 1} van gesprek {n + 1}", now)


def test_goals_of_many_meetings_come_in_parts(fresh_db, consenting_user, now):
    add_meetings(fresh_db, now, 3)
    first = run(meeting_actions.ActionListGoals())
    assert "Doel 1 van gesprek 3" in texts(first) and "gesprek 2" not in texts(first)  # latest meeting first
    assert "Deel 1 van 3." in texts(first)
    nav = [b for b in buttons(first) if b["title"] in ("◀ Vorige", "Volgende ▶")]
    assert [b["title"] for b in nav] == ["Volgende ▶"]
    second = run(meeting_actions.ActionListGoals(), text=nav[0]["payload"], entities=as_entities(nav[0]["payload"]))
    assert "Doel 1 van gesprek 2" in texts(second) and "gesprek 3" not in texts(second)
    assert [b["title"] for b in buttons(second) if "▶" in b["title"] or "◀" in b["title"]] == ["◀ Vorige",
                                                                                              "Volgende ▶"]
    # Buttons on a part still work on that part's goals.
    reached = next(b for b in buttons(second) if b["title"].startswith("Bereikt"))
    run(meeting_actions.ActionListGoals(), text=reached["payload"], entities=as_entities(reached["payload"]))
    assert any(g["status"] == "reached" for g in fresh_db["goals"].rows)


def test_a_short_goal_list_has_no_page_buttons(fresh_db, consenting_user, now):
    add_meetings(fresh_db, now, 1, goals_each=3)
    messages = run(meeting_actions.ActionListGoals())
    assert "Deel" not in texts(messages) and not any("Volgende" in b["title"] for b in buttons(messages))


def test_a_page_beyond_the_end_shows_the_last_part(fresh_db, consenting_user, now):
    add_meetings(fresh_db, now, 2)
    payload = '/list_goals{"goal_op":"page_9"}'
    messages = run(meeting_actions.ActionListGoals(), text=payload, entities=as_entities(payload))
    assert "Deel 2 van 2." in texts(messages)


def test_many_reminders_come_in_parts(fresh_db, consenting_user, now):
    for day in range(1, 10):
        rem.add_manual(fresh_db, "42", "checkin", now + dt.timedelta(days=day), now)
    first = list_replies(fresh_db, "42", now, AMS)
    listing = first[0].text
    assert listing.count("\n") >= 6 and "Deel 1 van 2." in listing
    titles = [t for t, _ in first[1].buttons]
    assert "Volgende ▶" in titles and "◀ Vorige" not in titles
    next_payload = dict(first[1].buttons)["Volgende ▶"]
    assert entities_of(next_payload) == {"reminder_action": "page_2"}
    second = apply_action(fresh_db, "42", "page_2", None, now, AMS)  # what the button asks for
    assert "Deel 2 van 2." in second[0].text
    titles = [t for t, _ in second[1].buttons]
    assert "◀ Vorige" in titles and "Volgende ▶" not in titles
    cancels = [p for _, p in second[1].buttons if entities_of(p).get("reminder_action") == "cancel"]
    assert len(cancels) == 3  # nine reminders: six on the first part, three here
