"""Meetings, goals and the look back in SQLite."""

from __future__ import annotations

import datetime as dt

import pytest

from regiecoach.storage import ConsentRequired, meetings, users

DAY = dt.timedelta(days=1)


def test_writes_refuse_without_consent(fresh_db, now):
    users.ensure_user(fresh_db, "7", now)
    with pytest.raises(ConsentRequired):
        meetings.create_meeting(fresh_db, "7", "bedrijfsarts", now)
    assert fresh_db["meetings"].count == 0


def test_goals_lifecycle(fresh_db, now, consenting_user):
    mid = meetings.create_meeting(fresh_db, "42", "bedrijfsarts", now, starts_at=now + 3 * DAY)
    first = meetings.add_goal(fresh_db, "42", mid, "Afspraken over mijn uren", now)
    second = meetings.add_goal(fresh_db, "42", mid, "Weten wie wat doet", now)
    texts = [g["text"] for g in meetings.list_goals(fresh_db, "42", mid)]
    assert texts == ["Afspraken over mijn uren", "Weten wie wat doet"]
    assert meetings.update_goal_text(fresh_db, "42", first, "Afspraken over 4 uur per dag")
    assert meetings.set_goal_status(fresh_db, "42", second, "reached")
    assert meetings.delete_goal(fresh_db, "42", first)
    goals = meetings.list_goals(fresh_db, "42", mid)
    assert [(g["text"], g["status"]) for g in goals] == [("Weten wie wat doet", "reached")]
    with pytest.raises(ValueError):
        meetings.set_goal_status(fresh_db, "42", second, "misschien")


def test_other_users_goal_cannot_be_touched(fresh_db, now, consenting_user):
    users.set_consent(fresh_db, "99", True, now)
    mid = meetings.create_meeting(fresh_db, "99", "bedrijfsarts", now)
    goal = meetings.add_goal(fresh_db, "99", mid, "Mijn doel", now)
    assert not meetings.delete_goal(fresh_db, "42", goal)
    assert not meetings.update_goal_text(fresh_db, "42", goal, "gehackt")
    assert meetings.get_goal(fresh_db, "99", goal)["text"] == "Mijn doel"
    with pytest.raises(ValueError):
        meetings.add_goal(fresh_db, "42", mid, "in andermans gesprek", now)


def test_goals_grouped_by_meeting_latest_first(fresh_db, now, consenting_user):
    old = meetings.create_meeting(fresh_db, "42", "bedrijfsarts", now, starts_at=now - 10 * DAY)
    new = meetings.create_meeting(fresh_db, "42", "leidinggevende", now, starts_at=now + 5 * DAY)
    meetings.create_meeting(fresh_db, "42", "casemanager", now, starts_at=now + 9 * DAY)  # no goals: not listed
    meetings.add_goal(fresh_db, "42", old, "Oud doel", now)
    meetings.add_goal(fresh_db, "42", new, "Nieuw doel", now)
    groups = meetings.list_goals_by_meeting(fresh_db, "42")
    assert [(m["with_whom"], [g["text"] for g in goals]) for m, goals in groups] == [
        ("leidinggevende", ["Nieuw doel"]), ("bedrijfsarts", ["Oud doel"])]


def test_set_statement_replaces_instead_of_adding(fresh_db, now, consenting_user):
    mid = meetings.create_meeting(fresh_db, "42", "bedrijfsarts", now)
    meetings.set_statement(fresh_db, "42", mid, "can", now, text="Korte klussen")
    meetings.set_statement(fresh_db, "42", mid, "can", now, example="Boodschappen doen")
    meetings.set_statement(fresh_db, "42", mid, "can", now, text="Korte klussen van een uur")
    rows = meetings.list_statements(fresh_db, "42", mid, "can")
    assert [(r["text"], r["example"]) for r in rows] == [("Korte klussen van een uur", "Boodschappen doen")]
    with pytest.raises(ValueError):
        meetings.add_statement(fresh_db, "42", mid, "diagnose", "x", None, now)


def test_next_and_due_meetings(fresh_db, now, consenting_user):
    past = meetings.create_meeting(fresh_db, "42", "bedrijfsarts", now, starts_at=now - DAY, status="prepared")
    soon = meetings.create_meeting(fresh_db, "42", "leidinggevende", now, starts_at=now + DAY)
    meetings.create_meeting(fresh_db, "42", "casemanager", now, starts_at=now + 7 * DAY)
    assert meetings.next_meeting(fresh_db, "42", now)["id"] == soon
    assert [m["id"] for m in meetings.meetings_due_for_debrief(fresh_db, "42", now)] == [past]
    meetings.record_debrief(fresh_db, "42", past, now, felt_heard="ja", agreements="Over 2 weken weer", finished=True)
    assert meetings.meetings_due_for_debrief(fresh_db, "42", now) == []
    row = meetings.get_meeting(fresh_db, "42", past)
    assert (row["felt_heard"], row["agreements"], row["status"]) == ("ja", "Over 2 weken weer", "done")
    assert meetings.latest_prepared_meeting(fresh_db, "42")["id"] == past


def test_record_debrief_only_changes_given_fields(fresh_db, now, consenting_user):
    mid = meetings.create_meeting(fresh_db, "42", "bedrijfsarts", now, starts_at=now - DAY)
    meetings.record_debrief(fresh_db, "42", mid, now, felt_heard="deels")
    meetings.record_debrief(fresh_db, "42", mid, now, agreements="Rustig opbouwen")
    row = meetings.get_meeting(fresh_db, "42", mid)
    assert (row["felt_heard"], row["agreements"], row["reviewed_at"]) == ("deels", "Rustig opbouwen", None)
    with pytest.raises(ValueError):
        meetings.record_debrief(fresh_db, "42", mid, now, felt_heard="misschien")


def test_progress_numbers(fresh_db, now, consenting_user):
    empty = meetings.progress_numbers(fresh_db, "42")
    assert empty.meetings_prepared == 0 and empty.goals_share is None and empty.heard_share is None
    one = meetings.create_meeting(fresh_db, "42", "bedrijfsarts", now, starts_at=now - 20 * DAY)
    two = meetings.create_meeting(fresh_db, "42", "bedrijfsarts", now, starts_at=now - DAY)
    statuses = [(one, "reached"), (one, "partly"), (two, "not"), (two, "open")]
    for mid, status in statuses:
        goal = meetings.add_goal(fresh_db, "42", mid, "doel", now)
        meetings.set_goal_status(fresh_db, "42", goal, status)
    meetings.record_debrief(fresh_db, "42", one, now, felt_heard="ja", finished=True)
    meetings.record_debrief(fresh_db, "42", two, now, felt_heard="deels", finished=True)
    numbers = meetings.progress_numbers(fresh_db, "42")
    assert numbers.meetings_prepared == 2
    assert (numbers.goals_rated, numbers.goals_mostly_reached, numbers.goals_share) == (3, 2, 67)
    assert (numbers.meetings_reviewed, numbers.heard_share, numbers.meetings_heard_partly) == (2, 50, 1)
