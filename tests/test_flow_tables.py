"""The flow tables in content/flows/: each loads, every step, validator,
action and text it names exists, and an editor's change to a table shows
up in what the user sees without touching Python."""

from __future__ import annotations

import pytest

from actions.flows import engine, table
from actions.flows.base import Turn
from tests.test_checkin_flow import AMS, texts


@pytest.mark.parametrize("name", table.table_names())
def test_every_table_loads_and_names_only_what_exists(name):
    assert table.problems(name) == []


def test_every_flow_is_a_table_run_by_the_engine():
    assert sorted(engine.FLOWS) == table.table_names()
    for name in engine.FLOWS:
        assert isinstance(engine.get_flow(name), table.TableFlow)


def test_the_check_catches_a_missing_step_text_and_action(tmp_path, monkeypatch):
    monkeypatch.setattr(table, "FLOWS_DIR", tmp_path)
    (tmp_path / "broken.yml").write_text(
        "id: broken\ncontent: checkin\nsteps:\n"
        "  - id: one\n    ask: no_such_text\n    validate: no_such_validator\n    next: nowhere\n"
        "  - id: two\n    action: no.such.action\n",
        encoding="utf-8",
    )
    table.load_table.cache_clear()
    try:
        found = "\n".join(table.problems("broken"))
    finally:
        table.load_table.cache_clear()
    assert "no_such_text" in found and "no_such_validator" in found
    assert "nowhere" in found and "no.such.action" in found


def test_buttons_send_a_stable_id_and_a_typed_title_works_too(fresh_db, consenting_user, now):
    replies, running = engine.start(fresh_db, consenting_user, "checkin", now, AMS)
    engine.handle(fresh_db, consenting_user, running, Turn(text="Het gaat wel"), now, AMS)
    question = engine.ask(fresh_db, consenting_user, running, now, AMS)[-1]
    titles = [title for title, _ in question.buttons]
    payloads = [payload for _, payload in question.buttons]
    assert titles[7] == "7" and payloads[7] != "7" and payloads[7].startswith("/choose")
    replies, _ = engine.handle(fresh_db, consenting_user, running, Turn(text=payloads[7]), now, AMS)
    follow = texts(replies + engine.ask(fresh_db, consenting_user, running, now, AMS))
    assert "een 7 is en geen 5" in follow


def test_an_editor_can_change_a_branch_in_the_table(fresh_db, consenting_user, now, tmp_path, monkeypatch):
    """Drop the first score from the table: the check-in goes straight to the second."""
    source = (table.FLOWS_DIR / "checkin.yml").read_text(encoding="utf-8")
    edited = source.replace("      - else: energy\n", "      - else: confidence\n", 1)
    assert edited != source
    (tmp_path / "checkin.yml").write_text(edited, encoding="utf-8")
    monkeypatch.setattr(table, "FLOWS_DIR", tmp_path)
    table.load_table.cache_clear()
    monkeypatch.setattr(engine, "_cache", {})
    try:
        _, running = engine.start(fresh_db, consenting_user, "checkin", now, AMS)
        replies, _ = engine.handle(fresh_db, consenting_user, running, Turn(text="Het gaat wel"), now, AMS)
        shown = texts(replies + engine.ask(fresh_db, consenting_user, running, now, AMS))
    finally:
        table.load_table.cache_clear()
    assert "Hoeveel vertrouwen" in shown and "Hoeveel energie" not in shown


def test_a_reply_can_quote_the_answer_in_the_users_words(fresh_db, consenting_user, now, tmp_path, monkeypatch):
    """An editor writes {words} in a reply: the user's answer comes back, shortened."""
    import regiecoach.texts as texts_module

    content = tmp_path / "content"
    (content / "flows").mkdir(parents=True)
    for path in table.CONTENT_DIR.glob("*.yml"):
        (content / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    with (content / "checkin.yml").open("a", encoding="utf-8") as extra:
        extra.write('\nwent_well_reply_positive: "Dus: {words}. Dat heb je zelf gedaan."\n')
    (content / "flows" / "checkin.yml").write_text((table.FLOWS_DIR / "checkin.yml").read_text(encoding="utf-8"),
                                                    encoding="utf-8")
    monkeypatch.setattr(texts_module, "CONTENT_DIR", content)
    monkeypatch.setattr(table, "FLOWS_DIR", content / "flows")
    texts_module.load.cache_clear()
    table.load_table.cache_clear()
    monkeypatch.setattr(engine, "_cache", {})
    try:
        _, running = engine.start(fresh_db, consenting_user, "checkin", now, AMS)
        for answer in ("Het gaat wel", "geen idee", "overslaan", "geen idee", "overslaan", "overslaan", "niks"):
            engine.handle(fresh_db, consenting_user, "checkin", Turn(text=answer), now, AMS)
        replies, _ = engine.handle(fresh_db, consenting_user, "checkin",
                                   Turn(text="Ik ben blij dat ik elke dag heb gewandeld"), now, AMS)
    finally:
        texts_module.load.cache_clear()
        table.load_table.cache_clear()
    assert "Dus: Ik ben blij dat ik elke dag heb gewandeld. Dat heb je zelf gedaan." in texts(replies)


def test_a_draft_from_an_older_flow_goes_on_at_the_first_question(fresh_db, consenting_user, now):
    from regiecoach.storage import drafts

    drafts.save_draft(fresh_db, consenting_user, "meeting", "goal_0", {"meeting_id": 99}, now)
    question = texts(engine.ask(fresh_db, consenting_user, "meeting", now, AMS))
    assert "Met wie heb je het gesprek?" in question
    replies, running = engine.handle(fresh_db, consenting_user, "meeting", Turn(text="Bedrijfsarts"), now, AMS)
    assert running == "meeting" and "Wanneer is het gesprek met de bedrijfsarts?" in texts(
        replies + engine.ask(fresh_db, consenting_user, running, now, AMS))
